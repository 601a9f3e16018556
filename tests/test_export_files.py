"""The list's files, opened the way an office opens them: Excel (openpyxl), CSV, Word, ZIP.

Items are made through the same repository calls the conversations use. Statuses beyond
"submitted", answers, ratings and look-backs are written straight into the database here (the
state machine that makes them is built elsewhere); each such shortcut says so where it is taken.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import io
import os
import re
import threading
import time
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Length, Pt
from docx.text.run import Run

from bot import export_cli, exports
from bot.bootstrap import database_of
from bot.clock import to_db
from bot.config import LetterSettings
from bot.errors import CliError, Refused
from bot.exports import ExportResult, export_list
from bot.invitations import InvitationRequest
from bot.items import Kind, Severity, Status
from bot.listing import ListFilter, ListRow, neutralise, parse_period, period_dates
from bot.people import Person, Role
from bot.records import PhotoTarget
from bot.services import Services
from bot.usecases.membership import issue_invitation, join
from storage.db import Row
from tests.conftest import ROOT
from tests.images import make_jpeg

FORMULA = "=1+1 现场积水严重，需要排查"

# A worker thread's pause: time.sleep fails with EINVAL under faketime (clock_nanosleep), and the
# suite must pass whatever the clock says.
_PAUSE = threading.Event()


_next_user = 900_000


async def person(services: Services, name: str, group: str = "G01") -> Person:
    global _next_user
    _next_user += 1
    issued = await issue_invitation(
        services,
        InvitationRequest(name, Role.DEPUTY, group, None),
        bot_username="deputy_test_bot",
        created_by=None,
    )
    joined, _ = await join(services, issued.token, _next_user)
    return joined


async def item(
    services: Services,
    author: Person,
    description: str,
    *,
    kind: Kind = Kind.PROBLEM,
    photos: int = 0,
    site_index: int = 0,
) -> int:
    """A submitted item at a site of the author's group, as /problem or /suggest makes it."""
    campaign_id = services.campaign.id
    assert author.group_id is not None
    projects = sorted(await services.catalog.group_project_ids(author.group_id))
    sites = [s for p in projects for s in await services.catalog.sites_of_project(campaign_id, p)]
    site = sites[site_index % len(sites)]
    categories = await services.catalog.categories(campaign_id)
    item_id = await services.items.create_draft(
        campaign_id=campaign_id,
        kind=kind,
        author_id=author.id,
        group_id=author.group_id,
        now=services.clock.now(),
    )
    fields: dict[str, object] = {
        "site_id": site.id,
        "project_id": site.project_id,
        "subitem_id": site.subitem_id,
        "description": description,
    }
    if kind is Kind.PROBLEM:
        fields |= {"category_id": categories[0].id, "severity": Severity.SERIOUS}
    await services.items.update_draft(item_id, author.id, services.clock.now(), **fields)
    for seed in range(photos):
        await services.evidence.ingest(
            make_jpeg(800, 600, pattern_seed=item_id * 10 + seed),
            person_id=author.id,
            target=PhotoTarget(item_id=item_id),
            site=None,
            reference_time=services.clock.now(),
            as_file=True,
            file_unique_id=f"f{item_id}-{seed}",
            now=services.clock.now(),
        )
    await services.items.submit(item_id, author.id, services.clock.now())
    return item_id


async def sql(services: Services, statement: str, *params: object) -> None:
    async with database_of(services).transaction() as conn:
        await conn.execute(statement, params)


async def sample(services: Services) -> dict[str, int]:
    """Three problems (one with two photos, one with a formula), two suggestions, and items that
    stay off the list by default: one withdrawn, one declined."""
    wang = await person(services, "王芳")
    li = await person(services, "李强")
    ids = {
        "photo": await item(services, wang, "外立面脚手架已停工两周，交付存在风险。", photos=2),
        "formula": await item(services, li, FORMULA, site_index=1),
        "plain": await item(services, wang, "消防通道被占用，存在安全隐患。", site_index=2),
        "suggest": await item(services, li, "建议增设遮阳棚和饮水点。", kind=Kind.SUGGESTION),
        "suggest2": await item(services, wang, "+86 热线电话应公示。", kind=Kind.SUGGESTION),
        "withdrawn": await item(services, wang, "已撤回的问题，不应出现在清单上。"),
        "declined": await item(services, li, "未采纳的问题，不应出现在清单上。"),
    }
    # Shortcuts while the review/forward state machine is built elsewhere.
    await sql(services, "UPDATE items SET status = 'withdrawn' WHERE id = ?", ids["withdrawn"])
    await sql(services, "UPDATE items SET status = 'declined' WHERE id = ?", ids["declined"])
    return ids


async def export(
    services: Services, fmt: str, tmp_path: Path, filters: ListFilter | None = None, **kw: object
) -> ExportResult:
    out = tmp_path / f"list.{fmt}"
    kw.setdefault("now", services.clock.now())
    return await export_list(services, fmt, out, filters or ListFilter(), **kw)  # type: ignore[arg-type]


def sheet_rows(ws: object) -> list[list[object]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]  # type: ignore[attr-defined]


def mm(length: Length | None) -> float:
    """A length in millimetres, to a tenth; python-docx says None for one the file leaves out."""
    assert length is not None
    millimetres: float = length.mm  # python-docx leaves Length.mm unannotated
    return round(millimetres, 1)


def east_asian_font(run: Run) -> str | None:
    """The run's East Asian font (w:eastAsia), which python-docx's Font does not show."""
    properties = run._element.rPr
    assert properties is not None and properties.rFonts is not None
    font: str | None = properties.rFonts.get(qn("w:eastAsia"))  # an lxml attribute: untyped
    return font


# --- Excel ----------------------------------------------------------------------------------------


async def test_workbook_has_both_sheets_numbered_filtered_frozen_with_thumbnails(
    services: Services, tmp_path: Path
) -> None:
    ids = await sample(services)
    result = await export(services, "xlsx", tmp_path)
    assert (result.rows, result.problems, result.suggestions) == (5, 3, 2)
    assert result.path.read_bytes()[:2] == b"PK" and result.bytes == result.path.stat().st_size
    assert sorted(os.listdir(tmp_path)) == ["data", "list.xlsx"], "the temporary file was renamed"

    wb = openpyxl.load_workbook(result.path)
    assert wb.sheetnames == ["问题", "意见建议", "各单位办理情况"]
    problems, suggestions = wb["问题"], wb["意见建议"]
    rows = sheet_rows(problems)
    header = rows[0]
    assert header[:4] == ["序号", "编号", "项目", "子项"]
    for title in (
        "点位",
        "区县",
        "牵头实施单位",
        "问题类别",
        "严重程度",
        "内容",
        "现场照片",
        "提出代表",
        "监督小组",
        "提出日期",
        "办理状态",
        "答复期限",
        "亮灯",
        "答复类别",
        "答复内容",
        "满意度",
        "回头看",
    ):
        assert title in header, title
    col = {name: i for i, name in enumerate(header)}
    assert problems.freeze_panes == "A2" and suggestions.freeze_panes == "A2"
    assert problems.auto_filter.ref == f"A1:{problems.cell(1, len(header)).column_letter}4"
    assert suggestions.auto_filter.ref and suggestions.auto_filter.ref.startswith("A1:")
    assert [r[col["序号"]] for r in rows[1:]] == [1, 2, 3]
    assert [r[col["编号"]] for r in rows[1:]] == ["2020-0001", "2020-0002", "2020-0003"]
    first = rows[1]
    assert first[col["严重程度"]] == "较重" and first[col["办理状态"]] == "已提交"
    assert first[col["提出代表"]] == "王芳" and first[col["人数"]] == 1
    assert first[col["监督小组"]] and first[col["项目"]] and first[col["点位"]]
    assert first[col["牵头实施单位"]], "the sub-item's lead unit"
    assert isinstance(first[col["提出日期"]], datetime)
    assert (
        problems.column_dimensions["A"].width
        < problems.column_dimensions[problems.cell(1, col["内容"] + 1).column_letter].width
    )

    # A description that starts like a formula is text with a leading quote, never a formula.
    formula_cell = problems.cell(3, col["内容"] + 1)
    assert formula_cell.value == "'" + FORMULA and formula_cell.data_type != "f"
    assert all(c.data_type != "f" for r in problems.iter_rows() for c in r)
    plus = suggestions.cell(3, sheet_rows(suggestions)[0].index("内容") + 1)
    assert plus.value == "'+86 热线电话应公示。"

    # One thumbnail: the item with photos, in its row and the photo column, moving with the cell.
    images = problems._images
    assert len(images) == 1
    anchor = images[0].anchor
    assert (anchor._from.row, anchor._from.col) == (1, col["现场照片"])
    assert problems.row_dimensions[2].height and problems.row_dimensions[2].height >= 50
    assert suggestions._images == []

    suggestion_rows = sheet_rows(suggestions)
    assert "问题类别" not in suggestion_rows[0] and "严重程度" not in suggestion_rows[0]
    assert [r[1] for r in suggestion_rows[1:]] == ["2020-0004", "2020-0005"]
    everything = " ".join(str(v) for r in rows + suggestion_rows for v in r if v)
    assert "已撤回的问题" not in everything and "未采纳的问题" not in everything
    assert ids


async def test_light_answer_rating_and_look_back_columns(
    services: Services, tmp_path: Path
) -> None:
    ids = await sample(services)
    now = services.clock.now()
    # Shortcuts: forwarded items with their due dates, an answer, a rating, a look-back.
    await sql(
        services,
        "UPDATE items SET status = 'forwarded', due_at = ? WHERE id = ?",
        to_db(now - timedelta(days=2)),
        ids["photo"],
    )
    await sql(
        services,
        "UPDATE items SET status = 'in_progress', due_at = ? WHERE id = ?",
        to_db(now + timedelta(days=3)),
        ids["formula"],
    )
    await sql(
        services,
        "UPDATE items SET status = 'closed', round = 2, rating = 'satisfied', "
        "lookback_result = 'held', response_class = 'A' WHERE id = ?",
        ids["plain"],
    )
    author = await database_of(services).fetch_value(
        "SELECT author_id FROM items WHERE id = ?", (ids["plain"],)
    )
    for round_, cls, text in ((1, "B", "列入明年计划"), (2, "A", "已清理通道并设置隔离栏")):
        await sql(
            services,
            "INSERT INTO responses (item_id, round, person_id, class, text, at) VALUES (?, ?, ?, ?, ?, ?)",
            ids["plain"],
            round_,
            author,
            cls,
            text,
            to_db(now),
        )
    result = await export(services, "xlsx", tmp_path)
    ws = openpyxl.load_workbook(result.path)["问题"]
    rows = sheet_rows(ws)
    col = {name: i for i, name in enumerate(rows[0])}
    by_number = {r[col["编号"]]: r for r in rows[1:]}
    red, yellow, closed = by_number["2020-0001"], by_number["2020-0002"], by_number["2020-0003"]
    assert red[col["亮灯"]] == "红" and red[col["办理状态"]] == "已交办"
    assert yellow[col["亮灯"]] == "黄"
    assert closed[col["亮灯"]] is None
    assert (
        closed[col["答复类别"]] == "A 已解决"
        and closed[col["答复内容"]] == "已清理通道并设置隔离栏"
    )
    assert closed[col["满意度"]] == "满意" and closed[col["回头看"]] == "整改到位"
    assert isinstance(red[col["答复期限"]], datetime)
    red_cell = ws.cell(2, col["亮灯"] + 1)
    assert red_cell.fill.fgColor.rgb.endswith("FFC7CE")

    (tmp_path / "en").mkdir()
    english = await export(services, "xlsx", tmp_path / "en", language="en")
    wb = openpyxl.load_workbook(english.path)
    assert wb.sheetnames == ["Problems", "Suggestions", "Units"]
    en_rows = sheet_rows(wb["Problems"])
    assert en_rows[0][:3] == ["No.", "Number", "Project"]
    assert "red" in en_rows[1] and "A solved" in en_rows[3]


async def test_a_photo_added_on_request_is_the_thumbnail_when_the_item_has_no_other(
    services: Services, tmp_path: Path
) -> None:
    """请补充: photos a deputy adds when the leader asks for more (purpose more_info)."""
    wang = await person(services, "王芳")
    only_more = await item(services, wang, "补充照片才有图的问题。")
    both = await item(services, wang, "既有现场照片又有补充照片的问题。")
    answer_only = await item(services, wang, "只有单位答复照片的问题。")

    async def attach(item_id: int, purpose: str, seed: int) -> str:
        key = f"{purpose}-{item_id}-{seed}"
        await services.evidence.ingest(
            make_jpeg(640, 480, pattern_seed=seed),
            person_id=wang.id,
            target=PhotoTarget(item_id=item_id, purpose=purpose),
            site=None,
            reference_time=services.clock.now(),
            as_file=True,
            file_unique_id=key,
            now=services.clock.now(),
        )
        thumb = await database_of(services).fetch_value(
            "SELECT thumb_path FROM photos WHERE file_unique_id = ?", (key,)
        )
        return str(thumb)

    more_thumb = await attach(only_more, "more_info", 1)
    await attach(both, "more_info", 2)  # added first, but the evidence is what the item shows
    evidence_thumb = await attach(both, "evidence", 3)
    await attach(answer_only, "response", 4)  # the unit's photo does not stand for the problem

    result = await export(services, "xlsx", tmp_path)
    ws = openpyxl.load_workbook(result.path)["问题"]
    photo_col = sheet_rows(ws)[0].index("现场照片")
    images = {image.anchor._from.row: image for image in ws._images}
    assert sorted(images) == [1, 2] and all(
        i.anchor._from.col == photo_col for i in images.values()
    )
    root = services.store.root
    assert images[1]._data() == (root / more_thumb).read_bytes()
    assert images[2]._data() == (root / evidence_thumb).read_bytes()


async def test_workbook_prints_on_a4_landscape_one_page_wide_with_titles(
    services: Services, tmp_path: Path
) -> None:
    await sample(services)
    campaign = services.campaign.name
    for language, title, footer in (
        ("zh", f"{campaign}问题与建议清单（{{}}）", "第 &P 页 共 &N 页"),
        ("en", f"Problem-and-suggestion list of {campaign} ({{}})", "Page &P of &N"),
    ):
        (tmp_path / language).mkdir()
        result = await export(services, "xlsx", tmp_path / language, language=language)
        wb = openpyxl.load_workbook(result.path)
        for ws in wb:
            setup = ws.page_setup
            assert setup.orientation == "landscape", ws.title
            assert int(setup.paperSize) == int(ws.PAPERSIZE_A4) == 9
            assert ws.sheet_properties.pageSetUpPr.fitToPage
            # One page wide (absent: 1, the OOXML default), as many pages tall as needed (0).
            assert (int(setup.fitToWidth or 1), int(setup.fitToHeight)) == (1, 0)
            assert ws.print_title_rows == "$1:$1"  # the header row on every page
            assert ws.oddHeader.center.text == title.format(ws.title)
            assert ws.oddFooter.center.text == footer


# --- CSV ------------------------------------------------------------------------------------------


async def test_csv_has_a_bom_and_the_workbooks_rows(services: Services, tmp_path: Path) -> None:
    await sample(services)
    result = await export(services, "csv", tmp_path)
    raw = result.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with result.path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    assert header[:3] == ["序号", "编号", "类型"] and "现场照片" not in header
    col = {name: i for i, name in enumerate(header)}
    assert [r[col["编号"]] for r in rows[1:]] == [f"2020-000{n}" for n in range(1, 6)]
    assert [r[col["类型"]] for r in rows[1:]] == ["问题", "问题", "问题", "建议", "建议"]
    assert rows[2][col["内容"]] == "'" + FORMULA
    assert rows[5][col["内容"]] == "'+86 热线电话应公示。"
    assert (
        rows[1][col["提出日期"]]
        == services.clock.now().astimezone(services.settings.zone).date().isoformat()
    )

    # The same cells as the workbook, column for column.
    xlsx = await export(services, "xlsx", tmp_path)
    sheet = sheet_rows(openpyxl.load_workbook(xlsx.path)["问题"])
    xcol = {name: i for i, name in enumerate(sheet[0])}
    for csv_row, xlsx_row in zip(rows[1:4], sheet[1:], strict=True):
        for name in (
            "编号",
            "项目",
            "子项",
            "点位",
            "牵头实施单位",
            "内容",
            "提出代表",
            "办理状态",
        ):
            assert csv_row[col[name]] == (xlsx_row[xcol[name]] or ""), name


# --- the letter -----------------------------------------------------------------------------------


async def test_letter_follows_gbt_9704_and_carries_the_list(
    services: Services, tmp_path: Path
) -> None:
    await sample(services)
    result = await export(services, "docx", tmp_path, letter_number=7)
    doc = Document(str(result.path))
    section = doc.sections[0]
    # Word keeps lengths in twentieths of a point: compare in tenths of a millimetre.
    assert [mm(length) for length in (section.page_width, section.page_height)] == [210, 297]
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [mm(m) for m in margins] == [37, 35, 28, 26]

    texts = [p.text for p in doc.paragraphs]
    year = services.clock.now().astimezone(services.settings.zone).year
    assert f"杭人办函〔{year}〕7号" in texts
    title = next(p for p in doc.paragraphs if p.text.startswith("关于转交"))
    assert title.text == "关于转交杭州市2020年民生实事项目专项监督问题与建议清单的函"
    assert title.alignment == 1  # centred
    run = title.runs[0]
    assert run.font.name == "方正小标宋简体" and run.font.size == Pt(22)
    assert east_asian_font(run) == "方正小标宋简体"

    assert "杭州市人民政府办公厅：" in texts
    body = next(p for p in doc.paragraphs if "共发现问题" in p.text)
    assert "共发现问题3个，提出意见建议2条" in body.text and "3个月内" in body.text
    body_run = body.runs[0]
    assert body_run.font.name == "仿宋_GB2312" and body_run.font.size == Pt(16)
    assert east_asian_font(body_run) == "仿宋_GB2312"
    assert body.paragraph_format.line_spacing is None or body.paragraph_format.line_spacing == Pt(
        28.95
    )
    assert doc.styles["Normal"].paragraph_format.line_spacing == Pt(28.95)
    assert "附件：问题与建议清单" in texts
    today = services.clock.now().astimezone(services.settings.zone).date()
    assert f"{today.year}年{today.month}月{today.day}日" in texts

    assert doc.sections[1].orientation == 1  # the list on a landscape page


async def test_letter_lists_problems_and_suggestions_apart_with_their_sub_items(
    services: Services, tmp_path: Path
) -> None:
    ids = await sample(services)
    result = await export(services, "docx", tmp_path)
    doc = Document(str(result.path))
    problems, suggestions = doc.tables
    # Each section's heading comes right before its table, in the body's order.
    body = [
        child.xpath("string(.)") if child.tag == qn("w:p") else "<table>"
        for child in doc.element.body
        if child.tag in (qn("w:p"), qn("w:tbl"))
    ]
    at = body.index("一、问题3个")
    assert body[at + 1] == "<table>" and body[at + 2] == "二、意见建议2条"
    assert body[at + 3] == "<table>"
    heading = next(p for p in doc.paragraphs if p.text == "一、问题3个")
    assert heading.runs[0].font.name == "黑体"

    header = ["编号", "项目", "子项", "点位", "内容", "牵头实施单位"]
    assert [c.text for c in problems.rows[0].cells] == header
    assert [c.text for c in suggestions.rows[0].cells] == header
    assert [r.cells[0].text for r in problems.rows[1:]] == ["2020-0001", "2020-0002", "2020-0003"]
    assert [r.cells[0].text for r in suggestions.rows[1:]] == ["2020-0004", "2020-0005"]
    assert problems.rows[2].cells[4].text == FORMULA
    expected = await database_of(services).fetch_all(
        "SELECT i.number, COALESCE(si.title, ''), COALESCE(s.name, '') FROM items i "
        "LEFT JOIN subitems si ON si.id = i.subitem_id LEFT JOIN sites s ON s.id = i.site_id "
        "WHERE i.id IN (?, ?, ?) ORDER BY i.number",
        (ids["photo"], ids["formula"], ids["plain"]),
    )
    assert [(r.cells[2].text, r.cells[3].text) for r in problems.rows[1:]] == [
        (r[1], r[2]) for r in expected
    ]
    assert any(r.cells[2].text for r in problems.rows[1:]), "the sample has sub-items"
    # Word keeps the widths: the table fills the landscape type area (297 - 2 x 27 mm).
    assert round(sum(c.width.mm for c in problems.rows[0].cells)) == 243


@pytest.mark.parametrize(
    "configured", ["张三，电话：0571-87000000", "联系人：张三，电话：0571-87000000"]
)
async def test_the_contact_line_says_contact_once(
    services: Services, tmp_path: Path, configured: str
) -> None:
    services.settings = services.settings.model_copy(
        update={"letter": LetterSettings(contact=configured)}
    )
    await sample(services)
    doc = Document(str((await export(services, "docx", tmp_path)).path))
    lines = [p.text for p in doc.paragraphs if "联系人" in p.text]
    assert lines == ["（联系人：张三，电话：0571-87000000）"]


def test_the_example_config_shows_a_contact_without_the_label() -> None:
    """What config.example.toml suggests is what the letter's own words expect."""
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    section = text[text.index("[letter]") :]
    comment = next(line for line in section.splitlines() if "contact" in line.lower())
    example = re.search(r'"([^"]+)"', comment)
    assert example is not None and not example.group(1).startswith("联系人"), comment


# --- the photo archive ----------------------------------------------------------------------------


async def _photos_of(services: Services, item_id: int) -> list[Row]:
    """The item's stored photos, in the order they were received."""
    return await database_of(services).fetch_all(
        "SELECT original_path, sha256 FROM photos WHERE item_id = ? ORDER BY id", (item_id,)
    )


async def test_photo_archive_has_the_originals_and_a_checked_manifest(
    services: Services, tmp_path: Path
) -> None:
    ids = await sample(services)
    originals = await _photos_of(services, ids["photo"])
    result = await export(services, "zip", tmp_path)
    # Two photos of one problem; the other four listed items have none.
    assert (result.photos, result.rows, result.problems, result.suggestions) == (2, 1, 1, 0)
    assert result.listed == 5
    with zipfile.ZipFile(result.path) as archive:
        names = archive.namelist()
        assert sorted(names) == ["2020-0001_1.jpg", "2020-0001_2.jpg", "manifest.csv"]
        raw = archive.read("manifest.csv")
        assert raw.startswith(b"\xef\xbb\xbf")
        manifest = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        assert [m["file"] for m in manifest] == ["2020-0001_1.jpg", "2020-0001_2.jpg"]
        for entry, original in zip(manifest, originals, strict=True):
            data = archive.read(entry["file"])
            assert entry["item"] == "2020-0001" and entry["check"] == "ok"
            assert entry["sha256"] == hashlib.sha256(data).hexdigest() == original["sha256"]
            assert data == (services.store.root / original["original_path"]).read_bytes()


async def test_a_damaged_photo_is_marked_in_the_manifest(
    services: Services, tmp_path: Path
) -> None:
    ids = await sample(services)
    path = (await _photos_of(services, ids["photo"]))[0]["original_path"]
    (services.store.root / path).write_bytes(b"\xff\xd8 not the photo that was received")
    result = await export(services, "zip", tmp_path)
    with zipfile.ZipFile(result.path) as archive:
        manifest = list(
            csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig")))
        )
        assert [m["check"] for m in manifest] == ["differs from record", "ok"]
        assert (
            manifest[0]["sha256"] == hashlib.sha256(archive.read(manifest[0]["file"])).hexdigest()
        )


# --- filters --------------------------------------------------------------------------------------


async def test_filters_by_date_project_group_unit_and_status(
    services: Services, tmp_path: Path
) -> None:
    ids = await sample(services)
    other_group = await person(services, "赵敏", group="G02")
    far = await item(services, other_group, "另一小组发现的问题，项目不同。")
    # Shortcut: this one was submitted last year.
    await sql(
        services, "UPDATE items SET submitted_at = '2019-06-30T17:00:00+00:00' WHERE id = ?", far
    )

    async def numbers(filters: ListFilter) -> list[str]:
        result = await export(services, "csv", tmp_path, filters)
        with result.path.open(encoding="utf-8-sig", newline="") as fh:
            return [r[1] for r in list(csv.reader(fh))[1:]]

    everything = await numbers(ListFilter())
    assert everything == [
        "2020-0001",
        "2020-0002",
        "2020-0003",
        "2020-0004",
        "2020-0005",
        "2020-0008",
    ]
    # 2019-06-30T17:00Z is 2019-07-01 01:00 in Hangzhou: the local date counts.
    assert await numbers(ListFilter(date_from=date(2019, 7, 1), date_to=date(2019, 7, 1))) == [
        "2020-0008"
    ]
    assert await numbers(ListFilter(date_to=date(2019, 6, 30))) == []
    assert "2020-0008" not in await numbers(ListFilter(date_from=date(2020, 1, 1)))
    assert await numbers(ListFilter(group="G02")) == ["2020-0008"]
    project = await database_of(services).fetch_value(
        "SELECT p.code FROM items i JOIN projects p ON p.id = i.project_id WHERE i.id = ?", (far,)
    )
    assert "2020-0008" in await numbers(ListFilter(project=project))
    unit = await database_of(services).fetch_value(
        "SELECT u.code FROM items i JOIN subitems s ON s.id = i.subitem_id JOIN units u ON u.id = s.unit_id WHERE i.id = ?",
        (ids["photo"],),
    )
    assert "2020-0001" in await numbers(ListFilter(unit=unit))
    assert await numbers(ListFilter(statuses=(Status.WITHDRAWN, Status.DECLINED))) == [
        "2020-0006",
        "2020-0007",
    ]
    assert await numbers(ListFilter(statuses=(Status.DRAFT,))) == []
    # Re-routed by staff: the item's own unit wins over the sub-item's.
    await sql(
        services,
        "UPDATE items SET unit_id = (SELECT id FROM units WHERE code = 'sc-fire') WHERE id = ?",
        ids["plain"],
    )
    assert await numbers(ListFilter(unit="sc-fire")) == ["2020-0003"]


async def test_an_empty_list_still_has_its_headers(services: Services, tmp_path: Path) -> None:
    result = await export(services, "xlsx", tmp_path)
    assert result.rows == 0
    wb = openpyxl.load_workbook(result.path)
    # The units' sheet: its header and every unit of the catalog, at zero.
    assert [len(sheet_rows(ws)) for ws in wb] == [1, 1, 19]
    letter = await export(services, "docx", tmp_path)
    assert len(Document(str(letter.path)).tables[0].rows) == 1


# --- a large list: batches, progress, and a free event loop ---------------------------------------


async def test_large_export_goes_in_batches_with_progress_and_never_blocks_the_loop(
    services: Services, tmp_path: Path
) -> None:
    author = await person(services, "王芳")
    template = await item(services, author, "模板问题：道路破损需要修复。")
    # Shortcut: 3,000 submitted items in one statement, numbered like submissions would be.
    async with database_of(services).transaction() as conn:
        await conn.executemany(
            "INSERT INTO items (campaign_id, kind, status, number, author_id, group_id, site_id, "
            "project_id, subitem_id, category_id, severity, description, created_at, submitted_at, "
            "updated_at) SELECT campaign_id, kind, status, ?, author_id, group_id, site_id, "
            "project_id, subitem_id, category_id, severity, ?, created_at, submitted_at, updated_at "
            "FROM items WHERE id = ?",
            [(n, f"第 {n} 条：道路破损", template) for n in range(2, 3002)],
        )
        await conn.execute("UPDATE campaigns SET next_number = 3002")
    calls: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        calls.append((done, total))

    gaps: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.005)
            now_ = time.perf_counter()
            gaps.append(now_ - last)
            last = now_

    ticking = asyncio.create_task(ticker())
    result = await export(services, "xlsx", tmp_path, progress=progress, batch=500)
    stop.set()
    await ticking
    assert result.rows == 3001
    # Progress is relayed from the worker thread: in order, ending with the whole count.
    assert len(calls) >= 2 and calls[-1] == (3001, 3001)
    assert all(total == 3001 for _, total in calls)
    assert [done for done, _ in calls] == sorted({done for done, _ in calls})
    assert max(gaps) < 0.25, f"the event loop stalled for {max(gaps):.3f}s"
    ws = openpyxl.load_workbook(result.path, read_only=True)["问题"]
    numbers = [r[1] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert numbers == [f"2020-{n:04d}" for n in range(1, 3002)]


async def test_a_failed_or_cancelled_export_leaves_no_file(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    author = await person(services, "王芳")
    for n in range(5):
        await item(services, author, f"第 {n} 条：道路破损需要修复。")
    original = exports.CsvListWriter.add
    seen: list[int] = []

    def failing(self: exports.CsvListWriter, rows: list[ListRow]) -> None:
        seen.append(len(rows))
        if len(seen) == 2:
            raise OSError("disk full")
        original(self, rows)

    monkeypatch.setattr(exports.CsvListWriter, "add", failing)
    with pytest.raises(OSError, match="disk full"):
        await export(services, "csv", tmp_path, batch=2)
    assert sorted(os.listdir(tmp_path)) == ["data"]

    def slow(self: exports.CsvListWriter, rows: list[ListRow]) -> None:
        _PAUSE.wait(0.1)
        original(self, rows)

    monkeypatch.setattr(exports.CsvListWriter, "add", slow)
    task = asyncio.create_task(export(services, "csv", tmp_path, batch=1))
    await asyncio.sleep(0.15)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.3)  # the worker thread stops after its batch and cleans up
    assert sorted(os.listdir(tmp_path)) == ["data"]


# --- the command line -----------------------------------------------------------------------------


def cli_args(*argv: str) -> argparse.Namespace:
    def with_config(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", type=Path)

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    export_cli.add_parser(sub, with_config)
    return parser.parse_args(["export", *argv])


async def test_cli_writes_the_file_and_says_what_is_in_it(
    services: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await sample(services)
    out = tmp_path / "清单.xlsx"
    code = await export_cli.run(
        services.settings, cli_args("--format", "xlsx", "--out", str(out), "--group", "G01")
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert str(out) in printed and "5 items: 3 problems, 2 suggestions" in printed
    assert openpyxl.load_workbook(out).sheetnames == ["问题", "意见建议", "各单位办理情况"]
    letter = tmp_path / "函.docx"
    await export_cli.run(
        services.settings,
        cli_args(
            "--format",
            "docx",
            "--out",
            str(letter),
            "--letter-number",
            "12",
            "--status",
            "submitted",
        ),
    )
    assert any("〔" in p.text and "12号" in p.text for p in Document(str(letter)).paragraphs)
    archive = tmp_path / "照片.zip"
    await export_cli.run(services.settings, cli_args("--format", "zip", "--out", str(archive)))
    printed = capsys.readouterr().out
    assert "2 photos of 1 items (1 problems, 0 suggestions); 5 items listed" in printed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--from", "2020-07-01", "--to", "2020-06-01"), "is after --to"),
        (("--from", "2020-13-01"), "expected a date like 2020-06-30"),
        (("--project", "NOPE"), "no such project"),
        (("--group", "G99"), "no such group"),
        (("--unit", "nobody"), "no such unit"),
        (("--status", "lost"), "expected one of"),
        (("--status", "draft"), "expected one of"),
        (("--letter-number", "0"), "--letter-number"),
    ],
)
async def test_cli_refuses_bad_arguments_clearly(
    services: Services, tmp_path: Path, argv: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "list.xlsx"
    with pytest.raises(CliError, match=message):
        await export_cli.run(
            services.settings, cli_args("--format", "xlsx", "--out", str(out), *argv)
        )
    assert not out.exists()


async def test_cli_refuses_a_missing_folder_or_a_folder_as_the_file(
    services: Services, tmp_path: Path
) -> None:
    with pytest.raises(CliError, match="does not exist"):
        await export_cli.run(
            services.settings, cli_args("--format", "csv", "--out", str(tmp_path / "no" / "x.csv"))
        )
    with pytest.raises(CliError, match="is a folder"):
        await export_cli.run(services.settings, cli_args("--format", "csv", "--out", str(tmp_path)))


# --- pure helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 571", "'+86 571"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1+1", "'＝1+1"),
        ("＋1", "'＋1"),
        ("－1", "'－1"),
        ("＠x", "'＠x"),
        ("  =cmd", "'  =cmd"),
        ("道路破损 =1", "道路破损 =1"),
        ("2020-0001", "2020-0001"),
        ("", ""),
    ],
)
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def test_periods() -> None:
    today = date(2020, 6, 17)  # a Wednesday
    assert period_dates("all", today) == (None, None)
    assert period_dates("this_month", today) == (date(2020, 6, 1), today)
    assert period_dates("last_month", today) == (date(2020, 5, 1), date(2020, 5, 31))
    assert period_dates("last_month", date(2020, 1, 5)) == (date(2019, 12, 1), date(2019, 12, 31))
    assert period_dates("this_week", today) == (date(2020, 6, 15), today)
    assert parse_period("2020-05-01 2020-06-30") == (date(2020, 5, 1), date(2020, 6, 30))
    assert parse_period(" 2020/5/1~2020/6/30 ") == (date(2020, 5, 1), date(2020, 6, 30))
    assert parse_period("2020年5月1日至2020年6月30日") == (date(2020, 5, 1), date(2020, 6, 30))
    for bad in ("yesterday", "2020-02-30 2020-03-01", "2020-05-01"):
        with pytest.raises(Refused) as refused:
            parse_period(bad)
        assert refused.value.key == "export.bad_period"
    with pytest.raises(Refused) as reversed_:
        parse_period("2020-06-30 2020-05-01")
    assert reversed_.value.key == "export.period_reversed"
