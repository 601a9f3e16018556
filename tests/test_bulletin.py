"""The monthly bulletin and a group's written supervision report: /bulletin, /groupreport, the
scheduled push on its day, who may have them, and the command line; the Word files opened."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.document import Document as DocxDocument

from bot.__main__ import main
from bot.bootstrap import database_of
from bot.clock import to_db
from bot.people import Role
from bot.schedule import bulletin_job
from bot.tally import compute_tally
from bot.tally_period import Period
from localapi import BotMessage, SimUser
from tests.conftest import SHANGHAI, START, Harness, reply_to
from tests.steps import check_in, imported_example

NOT_ALLOWED = "您的角色无权使用此功能"
JUNE = Period(START.date().replace(day=1), START.date().replace(day=30))
HEADINGS = (
    "一、总体情况",
    "二、项目推进情况",
    "三、问题和意见建议（按项目）",
    "四、逾期未答复事项（按责任单位）",
)
LIGHTS = {"绿", "黄", "红"}

_INSERT = """
INSERT INTO items (campaign_id, kind, status, number, author_id, group_id, project_id, subitem_id,
                   category_id, description, created_at, submitted_at, updated_at, due_at,
                   unit_id, forwarded_at, answered_at, closed_at, response_class)
SELECT c.id, :kind, :status, :number, p.id, p.group_id, s.project_id, s.id,
       (SELECT id FROM categories WHERE campaign_id = c.id AND code = 'quality'),
       '现场发现的情况说明', :at, :at, :at, :due, s.unit_id, :forwarded, :answered, :closed, :cls
FROM campaigns c JOIN persons p ON p.name = :author JOIN subitems s ON s.code = :subitem
"""


def _item(number: int, status: str, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "number": number,
        "status": status,
        "kind": "problem",
        "author": "王芳",
        "subitem": "C01-1",
        "at": to_db(START),
        "due": None,
        "forwarded": None,
        "answered": None,
        "closed": None,
        "cls": None,
    }
    row.update({k: to_db(v) if isinstance(v, datetime) else v for k, v in fields.items()})
    return row


async def _story(bot: Harness) -> tuple[SimUser, SimUser, SimUser]:
    """A deputy and a leader of G01 (the deputy checks in), staff; items of June in each state."""
    deputy = await bot.join("王芳")
    leader = await bot.join("赵组长", Role.LEADER)
    staff = await bot.join("陈工作人员", Role.STAFF)
    await check_in(bot, deputy)
    day = timedelta(days=1)
    items = [
        _item(1, "submitted"),
        _item(2, "forwarded", forwarded=START + day, due=START - 3 * day),  # overdue
        _item(3, "answered", kind="suggestion", forwarded=START, answered=START + 2 * day, cls="A"),
        _item(4, "closed", forwarded=START, answered=START + day, closed=START + 3 * day, cls="B"),
        _item(5, "submitted", at=START + 40 * day),  # July: not in June's figures
    ]
    async with database_of(bot.services).transaction() as conn:
        for row in items:
            await conn.execute(_INSERT, row)
    return deputy, leader, staff


async def _document(user: SimUser) -> tuple[list[BotMessage], str, DocxDocument]:
    said = [await user.next_message(timeout=60)]
    while said[-1].kind != "document":
        said.append(await user.next_message(timeout=60))
    doc = said[-1]
    return said, doc.file_names[0] or "", Document(io.BytesIO(doc.files[0]))


def _texts(doc: DocxDocument) -> list[str]:
    return [p.text for p in doc.paragraphs]


def _progress_rows(doc: DocxDocument) -> list[list[str]]:
    [table] = [t for t in doc.tables if t.rows[0].cells[-1].text == "进度灯"]
    return [[c.text for c in row.cells] for row in table.rows[1:]]


async def test_staff_get_the_months_bulletin_with_lights_and_the_tallys_counts(
    bot: Harness,
) -> None:
    _, _, staff = await _story(bot)
    await staff.send_text("/bulletin 2020-06")
    said, name, doc = await _document(staff)
    assert name == "监督工作通报-2020-06.docx"
    assert "监督工作通报" in (said[-2].text or "")
    texts = _texts(doc)
    for heading in HEADINGS:
        assert heading in texts
    tally = await compute_tally(bot.services, JUNE, now=bot.now())
    assert (tally.problems, tally.suggestions) == (3, 1)
    [overview] = [t for t in texts if t.startswith("2020-06-01")]
    assert f"发现问题 {tally.problems} 个、提出意见建议 {tally.suggestions} 条" in overview
    assert "本期交办 3 件，责任单位答复 2 件，办结 1 件" in overview
    rows = _progress_rows(doc)
    codes = {project.code for project in (await bot.services.catalog.projects(1))}
    assert {r[0] for r in rows} >= codes  # every project, with its sub-items
    assert {r[5] for r in rows if r[5] != "—"} <= LIGHTS and any(r[5] in LIGHTS for r in rows)
    assert len(doc.inline_shapes) == 1  # the chart
    section = doc.sections[0]
    assert [round(m.mm) for m in (section.top_margin, section.left_margin) if m] == [37, 28]
    assert any("逾期未答复事项共 1 件" in t for t in texts)


async def test_a_leader_gets_their_groups_report_and_no_other(bot: Harness) -> None:
    deputy, leader, staff = await _story(bot)
    await leader.send_text("/groupreport 2020-06")
    _, name, doc = await _document(leader)
    assert name == "书面监督报告-G01.docx"
    texts = _texts(doc)
    assert texts[0] == "第一监督小组书面监督报告（草稿）"
    assert any("共签到 1 次，走访点位 1 个" in t for t in texts)
    assert "本组共发现问题 3 个、提出意见建议 1 条。" in texts
    assert any("A 类（已解决）1 件、B 类（列入计划）1 件" in t for t in texts)
    assert "尚未办结的事项共 3 件：" in texts
    assert {r[0] for r in _progress_rows(doc)} >= {"C01"}
    assert "C02" not in {r[0] for r in _progress_rows(doc)}  # not the group's project

    assert "不是您所在小组" in await reply_to(leader, "/groupreport G02")
    for command in ("/bulletin", "/groupreport"):
        assert NOT_ALLOWED in await reply_to(deputy, command)
    assert "请写明小组编号" in await reply_to(staff, "/groupreport")
    assert "没有这个编号的小组" in await reply_to(staff, "/groupreport G99")
    await staff.send_text("/groupreport G02 2020-06")
    _, name, doc = await _document(staff)
    assert name == "书面监督报告-G02.docx" and "本组共发现问题 0 个、提出意见建议 0 条。" in _texts(
        doc
    )
    assert not [e for e in await deputy.settle() if e.kind == "document"]


async def test_the_bulletin_goes_to_staff_and_leaders_on_its_day_once(bot: Harness) -> None:
    deputy, leader, staff = await _story(bot)
    bot.clock.set(datetime(2020, 7, 1, 9, 0, tzinfo=SHANGHAI))
    assert await bulletin_job(bot.services, bot.now()) == 2
    assert await bulletin_job(bot.services, bot.now() + timedelta(days=1)) == 0
    for user in (staff, leader):
        _, name, doc = await _document(user)
        assert name == "监督工作通报-2020-06.docx"
        assert "二、项目推进情况" in _texts(doc)
    assert not [e for e in await deputy.settle() if e.kind == "document"]
    bot.clock.set(datetime(2020, 8, 1, 9, 0, tzinfo=SHANGHAI))
    assert await bulletin_job(bot.services, bot.now()) == 2  # the next month's


def test_cli_writes_the_bulletin_and_the_group_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = imported_example(tmp_path)
    out = tmp_path / "bulletin.docx"
    base = ["--config", str(config), "--out", str(out)]
    assert main(["bulletin", *base, "--month", "2020-07"]) == 0
    assert "bulletin 2020-07-01 - 2020-07-31" in capsys.readouterr().out
    assert "一、总体情况" in _texts(Document(str(out)))
    half = ["--from", "2020-01-01", "--to", "2020-06-30", "--lang", "en"]
    assert main(["bulletin", *base, *half]) == 0
    assert any(t.startswith("1. Overview") or "Overview" in t for t in _texts(Document(str(out))))
    report = tmp_path / "g01.docx"
    args = ["group-report", "--config", str(config), "--group", "G01", "--out", str(report)]
    assert main(args) == 0
    assert _texts(Document(str(report)))[0] == "第一监督小组书面监督报告（草稿）"
    assert main([*args[:-1], str(tmp_path / "g.txt")]) == 1
    assert main(["group-report", *base, "--group", "G99"]) == 1
    assert "--group G99: no such group" in capsys.readouterr().err
