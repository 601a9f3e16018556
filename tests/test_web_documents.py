"""The console's /documents over real HTTP: the bulletin, a group's supervision report and the
sites' posters as Word files, to the same people as the chat's /bulletin, /groupreport, /posters;
the files opened with python-docx."""

from __future__ import annotations

import io
from urllib.parse import quote

from docx import Document
from docx.document import Document as DocxDocument

from bot.catalog_file import EXAMPLE_CATALOG, load_catalog
from bot.people import Role
from tests.web_steps import Browser, Desk, desk

__all__ = ["desk"]

CATALOG = load_catalog(EXAMPLE_CATALOG)
NOT_ALLOWED = "无权使用"
TODAY = "2020-06-16"  # the tests' clock (tests/conftest.py START)


async def download(browser: Browser, path: str) -> tuple[int, str, bytes]:
    """Status, Content-Disposition and body of a GET."""
    async with browser.http.get(path) as response:
        return (
            response.status,
            response.headers.get("Content-Disposition", ""),
            await response.read(),
        )


def opened(disposition: str, body: bytes, name: str) -> DocxDocument:
    """The attachment is the named Word file (the name as RFC 6266 spells it) and opens."""
    assert disposition.startswith("attachment;"), disposition
    assert f"filename*=UTF-8''{quote(name)}" in disposition, disposition
    return Document(io.BytesIO(body))


def texts_of(doc: DocxDocument) -> list[str]:
    return [p.text for p in doc.paragraphs]


async def test_staff_get_the_bulletin_a_groups_report_and_the_posters(desk: Desk) -> None:
    bot = desk.bot
    staff_phone = await bot.join("陈工作人员", Role.STAFF, group=None)
    async with desk.browsing(await bot.person(staff_phone)) as staff:
        status, page = await staff.get("/documents")
        assert status == 200, page
        for section in ("nav-documents", "doc-bulletin", "doc-groupreport", "doc-posters"):
            assert f'id="{section}"' in page
        assert '<option value="G02">' in page and 'value="C01"' in page

        status, disposition, body = await download(staff, "/documents/bulletin.docx?month=2020-06")
        assert status == 200
        doc = opened(disposition, body, "监督工作通报-2020-06.docx")
        assert "一、总体情况" in texts_of(doc)
        assert any(t.startswith("2020-06-01") for t in texts_of(doc))

        # The half-year report: any two dates.
        status, disposition, body = await download(
            staff, "/documents/bulletin.docx?from=2020-01-01&to=2020-06-30"
        )
        assert status == 200
        opened(disposition, body, "监督工作通报-2020-01-01_2020-06-30.docx")

        # Bad dates are answered politely.
        for query in ("month=2020-13", "from=2020-06-01", "from=2020-07-01&to=2020-06-01"):
            status, _, body = await download(staff, f"/documents/bulletin.docx?{query}")
            assert status == 403 and "日期有误" in body.decode(), query

        status, disposition, body = await download(staff, "/documents/groupreport.docx?group=G02")
        assert status == 200
        doc = opened(disposition, body, f"书面监督报告-G02-{TODAY}.docx")
        assert texts_of(doc)[0].endswith("书面监督报告（草稿）")
        status, _, body = await download(staff, "/documents/groupreport.docx")
        assert status == 403 and "请写明小组编号" in body.decode()
        status, _, body = await download(staff, "/documents/groupreport.docx?group=G99")
        assert status == 403 and "没有这个编号的小组" in body.decode()

        status, disposition, body = await download(staff, "/documents/posters.docx?project=C01")
        assert status == 200
        doc = opened(disposition, body, f"点位签到二维码-C01-{TODAY}.docx")
        c01 = [s for s in CATALOG.sites if s.project == "C01"]
        assert c01 and len(doc.sections) == len(c01) == len(doc.inline_shapes)
        assert {s.name for s in c01} <= set(texts_of(doc))
        status, disposition, body = await download(staff, "/documents/posters.docx")
        assert status == 200
        doc = opened(disposition, body, f"点位签到二维码-{TODAY}.docx")
        assert len(doc.sections) == len(CATALOG.sites)
        status, _, body = await download(staff, "/documents/posters.docx?project=X99")
        assert status == 403 and "没有这个代码的项目" in body.decode()
    # Nothing made for sending is kept on the server.
    assert not list(bot.settings.storage.files_dir.glob("posters-*"))


async def test_a_leader_gets_their_groups_report_and_no_other_nor_the_posters(desk: Desk) -> None:
    bot = desk.bot
    leader_phone = await bot.join("赵组长", Role.LEADER)
    async with desk.browsing(await bot.person(leader_phone)) as leader:
        status, page = await leader.get("/documents")
        assert status == 200
        assert 'id="doc-bulletin"' in page and 'id="doc-groupreport"' in page
        assert 'id="doc-posters"' not in page and "<select" not in page.split("doc-groupreport")[1]

        status, disposition, body = await download(leader, "/documents/groupreport.docx")
        assert status == 200
        doc = opened(disposition, body, f"书面监督报告-G01-{TODAY}.docx")
        assert texts_of(doc)[0] == "第一监督小组书面监督报告（草稿）"
        status, disposition, body = await download(
            leader, "/documents/groupreport.docx?group=G01&from=2020-06-01&to=2020-06-30"
        )
        assert status == 200
        opened(disposition, body, "书面监督报告-G01-2020-06-01_2020-06-30.docx")

        status, _, body = await download(leader, "/documents/groupreport.docx?group=G02")
        assert status == 403 and "不是您所在小组" in body.decode()
        status, _, body = await download(leader, "/documents/posters.docx")
        assert status == 403 and NOT_ALLOWED in body.decode()

        status, disposition, body = await download(leader, "/documents/bulletin.docx")
        assert status == 200  # no period: last month's, as /bulletin
        opened(disposition, body, "监督工作通报-2020-05.docx")


async def test_a_liaison_is_refused_the_documents(desk: Desk) -> None:
    """Deputies do not sign in to the console at all; a unit's liaison does, and is refused."""
    bot = desk.bot
    liaison_phone = await bot.join("钱联络", Role.LIAISON, group=None, unit="health")
    async with desk.browsing(await bot.person(liaison_phone)) as browser:
        _status, items = await browser.get("/items")
        assert 'id="nav-documents"' not in items
        for path in (
            "/documents",
            "/documents/bulletin.docx?month=2020-06",
            "/documents/groupreport.docx?group=G01",
            "/documents/posters.docx",
        ):
            status, disposition, body = await download(browser, path)
            assert status == 403 and NOT_ALLOWED in body.decode(), path
            assert not disposition
