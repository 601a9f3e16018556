"""A past period's bulletin and group report show the projects' progress as it stood at the
period's end: the last report made by then, status and light on its last day; a report made
after it belongs to the next period's.

Example catalog facts used: the health unit (市卫健委) leads C01-3 (负压救护车 30 辆, by
2020-12-31); project C01 is group G01's.
"""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document

from bot.people import Role
from bot.usecases import progress
from bot.usecases.acting import Caller
from localapi import SimUser
from tests.conftest import SHANGHAI, Harness


async def _report(bot: Harness, liaison: SimUser, at: datetime, value: str) -> None:
    person = await bot.person(liaison)
    [sp] = [s for s in await progress.reportable(bot.services, person) if s.subitem.code == "C01-3"]
    caller = Caller(person, at, f"test:{at.isoformat()}")
    await progress.submit_report(
        bot.services, caller, sp.subitem.id, {sp.targets[0].id: value}, "", via="chat"
    )


async def _c013_row(user: SimUser, command: str) -> list[str]:
    """The C01-3 row of the progress table of the document the command sends."""
    await user.send_text(command)
    message = await user.next_message(timeout=60)
    while message.kind != "document":
        message = await user.next_message(timeout=60)
    doc = Document(io.BytesIO(message.files[0]))
    [table] = [t for t in doc.tables if t.rows[0].cells[-1].text == "进度灯"]
    [row] = [[c.text for c in r.cells] for r in table.rows[1:] if r.cells[0].text == "C01-3"]
    return row


async def test_a_past_months_bulletin_shows_progress_at_the_months_end(bot: Harness) -> None:
    liaison = await bot.join("钱联络", Role.LIAISON, group=None, unit="health")
    staff = await bot.join("陈工作人员", Role.STAFF)
    leader = await bot.join("赵组长", Role.LEADER)
    await _report(bot, liaison, datetime(2020, 6, 20, 10, 0, tzinfo=SHANGHAI), "12")
    # The month's last half hour still counts for June ...
    await _report(bot, liaison, datetime(2020, 6, 30, 23, 30, tzinfo=SHANGHAI), "15")
    # ... ten minutes into July does not: the target reached, but after June's end.
    await _report(bot, liaison, datetime(2020, 7, 1, 0, 10, tzinfo=SHANGHAI), "30")
    bot.clock.set(datetime(2020, 7, 10, 9, 0, tzinfo=SHANGHAI))

    code, _title, _unit, percent, status, light = await _c013_row(staff, "/bulletin 2020-06")
    # 15 of 30 on 30 June, half the year gone: on track, not done.
    assert (code, percent, status, light) == ("C01-3", "50%", "推进中", "绿")
    july = await _c013_row(staff, "/bulletin 2020-07")
    assert july[3:] == ["100%", "已完成", "绿"]
    # The group's report of June: the same figures for its project's sub-item.
    assert (await _c013_row(leader, "/groupreport 2020-06"))[3:] == ["50%", "推进中", "绿"]
    # The board of today (/projects) has the latest report.
    board = await progress.campaign_board(bot.services)
    [sp] = [s for p in board.projects for s in p.subitems if s.subitem.code == "C01-3"]
    assert sp.derived.percent == 100 and sp.latest is not None and sp.latest.values
