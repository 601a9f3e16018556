"""The units' deadlines end to end: sign-for reminder and lateness, an extension asked in the
chat and approved by staff's button (the raisers told the new date), another declined, the due
date chased, and the escalation to staff and the group leader N working days later, with the
figures in /tally --json. The clock is set day by day and the daily jobs run as the scheduler
runs them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import openpyxl
import pytest
from docx import Document

from bot.errors import Refused
from bot.items import Item
from bot.jobs import run_daily_jobs
from bot.listing import ListFilter
from bot.people import Person, Role
from bot.review_rules import accept
from bot.tally import tally_json
from bot.tally_period import Period
from bot.unit_rules import forward
from bot.usecases import extensions, figures
from bot.usecases.acting import Caller
from localapi import BotMessage, SimUser
from tests.conftest import SHANGHAI, Harness, answer_to
from tests.rating_steps import apply, delivered, raise_item, reload
from tests.steps import until


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2020, month, day, hour, 0, tzinfo=SHANGHAI)


async def _forwarded(bot: Harness, author: Person, leader: Person, staff: Person) -> Item:
    services = bot.services
    item = await raise_item(bot, author)
    await apply(bot, accept(item, leader, await services.items.parties(item), bot.now()))
    item = await reload(bot, item)
    assert item.lead_unit_id is not None
    parties = await services.items.parties(item, unit_id=item.lead_unit_id)
    now = bot.now()
    await apply(bot, forward(item, staff, item.lead_unit_id, parties, now, services.policy), now)
    return await reload(bot, item)


async def _jobs(bot: Harness, moment: datetime) -> dict[str, int]:
    bot.clock.set(moment)
    return await run_daily_jobs(bot.services, moment)


async def _ask_extension(liaison: SimUser, item: Item, reason: str, *dates: str) -> BotMessage:
    """In /inbox: open the item, 📅, type the reason, then each date; the last reply."""
    await liaison.send_text("/inbox")
    await until(liaison, "共")
    await liaison.press(item.display_number)
    await liaison.settle()
    await liaison.press("申请延期")
    await until(liaison, "请写明需要延期的理由")
    await liaison.send_text(reason)
    await until(liaison, "请输入建议的新答复期限")
    reply: BotMessage | None = None
    for day in dates:
        await liaison.send_text(day)
        reply = await liaison.next_message()
    assert reply is not None
    return reply


async def _extension_decided(
    liaison: SimUser, staff: SimUser, item: Item, reason: str, day: str, button: str
) -> str:
    """The liaison asks to extend `item` to `day`; staff press `button` on the request. The
    bot's answer to staff's press."""
    reply = await _ask_extension(liaison, item, reason, day)
    assert "已提交" in (reply.text or "")
    await until(staff, "延期申请")
    press = await staff.press(button)
    return await answer_to(staff, press)


@dataclass(frozen=True)
class Cast:
    """A G01 deputy, the G01 leader, staff and the health commission's liaison (their phones)."""

    deputy: SimUser
    leader: SimUser
    staff: SimUser
    liaison: SimUser


async def forwarded_items(bot: Harness, count: int) -> tuple[Cast, list[Item]]:
    """The cast, and `count` of the deputy's problems accepted and forwarded to the health
    commission on Tuesday 2020-06-16, their notices delivered."""
    cast = Cast(
        await bot.join("王芳"),
        await bot.join("李组长", Role.LEADER, group="G01"),
        await bot.join("赵工作", Role.STAFF, group=None),
        await bot.join("钱联络", Role.LIAISON, group=None, unit="health"),
    )
    author, leader, staff = [await bot.person(p) for p in (cast.deputy, cast.leader, cast.staff)]
    items = [await _forwarded(bot, author, leader, staff) for _ in range(count)]
    await delivered(bot, cast.deputy, cast.liaison, cast.staff, cast.leader)
    return cast, items


async def test_sign_for_extension_chase_and_escalation(bot: Harness) -> None:
    cast, (first, second) = await forwarded_items(bot, 2)
    deputy, leader_phone, staff_phone, liaison = (
        cast.deputy,
        cast.leader,
        cast.staff,
        cast.liaison,
    )
    staff = await bot.person(staff_phone)
    liaison.drain()
    staff_phone.drain()

    # Two working days to sign for: Wednesday and Thursday. Reminded on Thursday, once.
    assert (await _jobs(bot, at(6, 17)))["sign_reminders"] == 0
    assert (await _jobs(bot, at(6, 18)))["sign_reminders"] == 2  # one liaison, two items
    assert (await _jobs(bot, at(6, 18, 15)))["sign_reminders"] == 0
    await delivered(bot, liaison)
    reminded = [m.text or "" for m in liaison.messages if "签收提醒" in (m.text or "")]
    assert len(reminded) == 2 and "2020-06-18 前签收" in reminded[0]

    # Friday: both are late; staff's digest says so.
    counts = await _jobs(bot, at(6, 19))
    assert counts["sign_reminders"] == 0 and counts["deadline_digest"] == 1
    digest = await until(staff_phone, "办理时限情况")
    assert "签收超时 2 条" in (digest.text or "") and first.display_number in (digest.text or "")

    # The liaison signs for the first, late.
    await liaison.send_text("/inbox")
    await until(liaison, "共 2 条")
    await liaison.press(first.display_number)
    card = await liaison.next_message(edited=True)
    assert "签收超时（应于 2020-06-18 前签收）" in (card.text or ""), card.describe()
    await liaison.press("接收办理")
    await liaison.settle()
    signed = await bot.value("SELECT signed_at FROM items WHERE id = ?", first.id)
    assert signed is not None and signed.startswith("2020-06-19")

    # An extension: a date before the due date, one too far, then a good one.
    first = await reload(bot, first)
    assert first.due_at is not None and bot.services.policy.day(first.due_at) == "2020-09-16"
    reply = await _ask_extension(
        liaison, first, "需要协调施工单位，工期较长", "2020-09-01", "2021-03-01", "9-30"
    )
    texts = [m.text or "" for m in liaison.messages[-6:]]
    assert any("须晚于当前答复期限 2020-09-16" in t for t in texts), texts
    assert any("最晚只能到 2020-12-15" in t for t in texts), texts
    assert "已提交" in (reply.text or "") and "2020-09-30" in (reply.text or "")
    request = await until(staff_phone, "延期申请")
    assert "市卫健委" in (request.text or "") and "需要协调施工单位" in (request.text or "")
    assert request.buttons == ["✅ 同意延期", "❌ 不同意"]
    press = await staff_phone.press("同意延期")
    assert "2020-09-30" in await answer_to(staff_phone, press)
    await delivered(bot, deputy, liaison)
    told = [m.text or "" for m in deputy.messages if "经同意延期" in (m.text or "")]
    assert told and "调整为 2020-09-30" in told[0]
    assert any("延期申请已同意" in (m.text or "") for m in liaison.messages)
    first = await reload(bot, first)
    assert first.due_at is not None and bot.services.policy.day(first.due_at) == "2020-09-30"

    # The same button again, and a forged one: refused, nothing changes.
    again = await staff_phone.press_data(request.message_id, request.button_data["✅ 同意延期"])
    assert "已经处理过" in await answer_to(staff_phone, again)
    forged = await staff_phone.press_data(request.message_id, "xd:999999:approve")
    assert "失效" in await answer_to(staff_phone, forged)

    # The second: asked, declined; the liaison is told, the due date stays.
    staff_phone.drain()
    answer = await _extension_decided(
        liaison, staff_phone, second, "资金尚未到位", "2020-10-10", "不同意"
    )
    assert "不同意" in answer
    await delivered(bot, liaison)
    assert any("未获同意" in (m.text or "") for m in liaison.messages)
    second = await reload(bot, second)
    assert second.due_at is not None and bot.services.policy.day(second.due_at) == "2020-09-16"

    # A liaison of another unit may not ask; a date typed by a forged flow is not even read.
    other = await bot.person(await bot.join("孙联络", Role.LIAISON, group=None, unit="edu"))
    with pytest.raises(Refused):
        await extensions.ask(
            bot.services, Caller(other, bot.now()), first.id, "理由充分", "2020-10-30"
        )
    assert await bot.value("SELECT COUNT(*) FROM extensions") == 2

    # The second's due date: chased; three working days on (17th, 18th, 21st): escalated.
    leader_phone.drain()
    staff_phone.drain()
    counts = await _jobs(bot, at(9, 16))
    assert (counts["chased"], counts["escalated"]) == (1, 0)
    assert (await _jobs(bot, at(9, 21)))["escalated"] == 0
    assert (await _jobs(bot, at(9, 22)))["escalated"] == 1
    escalation = await until(leader_phone, "通报")
    assert second.display_number in (escalation.text or "") and "市卫健委" in (
        escalation.text or ""
    )
    await until(staff_phone, "通报")

    # The first's new due date: chased. National Day (Oct 1-8) does not count, the working
    # Saturday Oct 10 does: escalated after Oct 9, 10 and 12, not after Oct 1, 2 and 5.
    counts = await _jobs(bot, at(9, 30))
    assert (counts["chased"], counts["escalated"]) == (1, 0)
    await delivered(bot, liaison)
    chased = [m.text or "" for m in liaison.messages if "催办" in (m.text or "")]
    assert len(chased) == 2 and first.display_number in chased[-1]
    assert (await _jobs(bot, at(10, 12)))["escalated"] == 0
    counts = await _jobs(bot, at(10, 13))
    assert counts["escalated"] == 1 and counts["deadline_digest"] == 1
    assert (await _jobs(bot, at(10, 13, 15)))["escalated"] == 0
    assert await bot.value("SELECT COUNT(*) FROM escalations") == 2
    escalation = await until(leader_phone, "通报")
    assert first.display_number in (escalation.text or "")
    await delivered(bot, staff_phone)
    last_digest = [m.text or "" for m in staff_phone.messages if "办理时限情况" in (m.text or "")][
        -1
    ]
    assert "今日通报（逾期未答复）1 条：\n• <b>" + first.display_number in last_digest, last_digest

    # The figures.
    tally = await figures.tally(bot.services, Caller(staff, bot.now()), Period())
    [health] = [u for u in tally_json(tally)["units"] if u["code"] == "health"]
    assert health == {
        "code": "health",
        "name": "市卫健委",
        "received": 2,
        "sign_due": 2,
        "signed_on_time": 0,
        "answer_due": 2,
        "answered_on_time": 0,
        "on_time_rate": 0.0,
        "closed": 0,
        "closed_rate": 0.0,
        "valid_votes": 0,
        "satisfaction_rate": None,
        "extensions": 2,
        "extensions_approved": 1,
        "escalations": 2,
        "returns": 0,
    }
    # The list's workbook carries the same figures on a sheet of their own.
    out = bot.settings.storage.data_dir / "list.xlsx"
    await figures.export(
        bot.services, Caller(staff, bot.now()), "xlsx", out, ListFilter(), language="zh"
    )
    sheet = openpyxl.load_workbook(out)["各单位办理情况"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["责任单位", "收到事项", "按时签收"]
    [row] = [r for r in rows if r[0] == "市卫健委"]
    assert row == ["市卫健委", 2, 0, 2, 0, 2, 0, 0, 0, 0, "—", 2, 1, 2, 0], row

    await staff_phone.send_text("/tally")
    shown = await until(staff_phone, "各责任单位办理情况")
    assert "市卫健委：收到 2，按时签收 0/2" in (shown.text or "")
    assert "延期 2，通报 2，退回 0" in (shown.text or "")

    # The bulletin of September and October: the units' figures and both escalations.
    await staff_phone.send_text("/bulletin 2020-09-01 2020-10-31")
    message = await staff_phone.next_message(timeout=60)
    while message.kind != "document":
        message = await staff_phone.next_message(timeout=60)
    doc = Document(io.BytesIO(message.files[0]))
    paragraphs = [p.text for p in doc.paragraphs]
    assert "七、责任单位办理情况" in paragraphs and "八、逾期未答复通报" in paragraphs, paragraphs
    assert any("以下 2 件事项" in p for p in paragraphs), paragraphs
    cells = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    escalated = {row[0]: row[2:] for row in cells if row[0].startswith("2020-")}
    assert escalated == {
        second.display_number: ["市卫健委", "2020-09-16", "2020-09-22"],
        first.display_number: ["市卫健委", "2020-09-30", "2020-10-13"],
    }
    # Forwarded in June, the items are not September's or October's; the escalations are.
    [unit_row] = [row for row in cells if row[0] == "市卫健委" and len(row) == 9]
    assert unit_row == ["市卫健委", "0", "0/0", "—", "—", "—", "0", "2", "0"], unit_row
