"""/inbox: a unit's liaison accepts, returns, reports progress on and answers forwarded items.

The deputy reports through the real conversation; the leader's acceptance and the staff's
forwarding go through the same rules and `services.apply` the review and forward screens use.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.bootstrap import database_of
from bot.clock import to_db
from bot.items import Item
from bot.people import Person, Role
from bot.review_rules import accept
from bot.unit_rules import forward
from localapi import BotMessage, SimUser
from tests.conftest import Harness, answer_to, answer_to_button
from tests.images import make_jpeg
from tests.steps import (
    DESCRIPTION,
    button_data,
    check_in,
    delivered,
    report_problem,
    staff_change,
    taps,
    until,
    up_to,
)

# The first site of group G01 (tests/steps.py) belongs to sub-item C01-1, whose lead unit in
# bot/examples/hangzhou.toml is "health" (市卫健委). "edu" (市教育局) is a unit with nothing of it.
LEAD_UNIT = "health"
OTHER_UNIT = "edu"


async def _next(user: SimUser, *, edited: bool = False) -> BotMessage:
    """The bot's next new (or edited) message, past notifications the outbox may deliver."""
    while True:
        message = await user.next_message(edited=edited)
        if "新交办事项" not in (message.text or ""):
            return message


async def _item(bot: Harness, number: int) -> Item:
    item = await bot.services.items.get_by_number(bot.services.campaign.id, number)
    assert item is not None
    return item


async def _accept_and_forward(bot: Harness, number: int, leader: Person, staff: Person) -> Item:
    """The G01 leader accepts the item and staff forward it to its sub-item's lead unit."""
    services = bot.services
    item = await _item(bot, number)
    now = bot.now()
    assert await services.apply(accept(item, leader, await services.items.parties(item), now), now)
    item = await _item(bot, number)
    assert item.lead_unit_id is not None
    parties = await services.items.parties(item, unit_id=item.lead_unit_id)
    assert parties.liaisons, "the liaison joined before forwarding, so it goes through the bot"
    change = forward(item, staff, item.lead_unit_id, parties, now, services.policy)
    assert await services.apply(change, now)
    return await _item(bot, number)


async def _cast(bot: Harness, reports: int) -> tuple[SimUser, SimUser, Person, Person]:
    """A deputy of G01 with `reports` problems, the G01 leader, staff and the lead unit's
    liaison; every problem accepted and forwarded to the lead unit."""
    deputy = await bot.join("王芳")
    leader = await bot.person(await bot.join("李组长", Role.LEADER, group="G01"))
    staff = await bot.person(await bot.join("赵工作", Role.STAFF, group=None))
    liaison = await bot.join("钱联络", Role.LIAISON, group=None, unit=LEAD_UNIT)
    await check_in(bot, deputy)
    # All reported before any is accepted: the deputy's notices would interleave with the steps.
    for n in range(1, reports + 1):
        photo = make_jpeg(900, 700, pattern_seed=40) if n == 1 else None
        await report_problem(deputy, f"第 {n} 个问题：{DESCRIPTION}", photo)
    for n in range(1, reports + 1):
        await _accept_and_forward(bot, n, leader, staff)
    return deputy, liaison, leader, staff


async def _outbox_keys(bot: Harness, person: Person) -> list[dict[str, Any]]:  # JSON payloads
    rows = await database_of(bot.services).fetch_all(
        "SELECT payload FROM outbox WHERE person_id = ? ORDER BY id", (person.id,)
    )
    return [json.loads(r[0]) for r in rows]


async def test_liaison_accepts_reports_progress_and_answers(bot: Harness) -> None:
    deputy, liaison, _leader, _staff = await _cast(bot, 1)
    deputy_person = await bot.person(deputy)
    item = await _item(bot, 1)
    assert (item.status, item.unit_id) == ("forwarded", item.lead_unit_id)

    await liaison.send_text("/inbox")
    listing = await _next(liaison)
    assert "市卫健委" in (listing.text or "") and "共 1 条" in (listing.text or "")
    assert listing.buttons[0].startswith("🟢 2020-0001"), listing.describe()

    await liaison.press("2020-0001")
    card = await _next(liaison, edited=True)
    text = card.text or ""
    assert "第 1 个问题" in text and "进度滞后" in text and "较重" in text
    assert "提出代表：1 人" in text and "🟢 按期" in text and "可退回至" in text
    assert card.buttons == [
        "✅ 接收办理",
        "↩️ 退回",
        "📝 报告进展",
        "📨 答复",
        "📅 申请延期",
        "📷 现场照片（1）",
        "« 返回列表",
    ]
    await liaison.press("📷 现场照片")
    photo = await _next(liaison)
    assert photo.files and photo.files[0][:2] == b"\xff\xd8"

    take = card.button_data["✅ 接收办理"]
    press = await liaison.press_data(card.message_id, take)
    assert "已接收 问题 2020-0001" in await answer_to(liaison, press)
    card = await _next(liaison, edited=True)
    assert "办理中" in (card.text or "") and "✅ 接收办理" not in card.buttons
    assert (await _item(bot, 1)).status == "in_progress"
    assert "notice.in_progress" in [n["key"] for n in await _outbox_keys(bot, deputy_person)]
    # A double tap (or Telegram redelivering the press) accepts it once.
    again = await liaison.press_data(card.message_id, take)
    assert "状态已经变化" in await answer_to(liaison, again)
    assert (
        await bot.value(
            "SELECT COUNT(*) FROM item_events WHERE item_id = ? AND to_status = 'in_progress' "
            "AND kind = 'transition'",
            item.id,
        )
        == 1
    )

    await liaison.press("📝 报告进展")
    assert "请输入办理进展" in ((await _next(liaison)).text or "")
    await liaison.send_text("已约谈施工单位，下周一复工。")
    assert "已报告 问题 2020-0001 的办理进展" in ((await _next(liaison)).text or "")
    card = await _next(liaison)
    assert "办理记录" in (card.text or "") and "已约谈施工单位" in (card.text or "")
    assert (
        await bot.value(
            "SELECT note FROM item_events WHERE item_id = ? AND kind = 'progress'", item.id
        )
        == "已约谈施工单位，下周一复工。"
    )
    assert "notice.progress" in [n["key"] for n in await _outbox_keys(bot, deputy_person)]

    # An answer begun and cancelled leaves nothing behind, not even its photo.
    await liaison.press("📨 答复")
    assert "请选择答复类型" in ((await _next(liaison)).text or "")
    await liaison.press("B 类")
    assert "承诺完成日期" in ((await _next(liaison, edited=True)).text or "")
    await liaison.send_text(f"{bot.now().year + 1}-03-01")  # a class-B answer promises a date
    await _next(liaison)
    await liaison.send_text("列入明年计划。")
    await _next(liaison)
    await liaison.send_photo(make_jpeg(800, 600, pattern_seed=51))
    assert "已保存照片" in ((await _next(liaison)).text or "")
    press = await liaison.press("取消")
    assert "照片已删除" in await answer_to(liaison, press)
    await _next(liaison, edited=True)
    assert await bot.value("SELECT COUNT(*) FROM photos WHERE purpose = 'response'") == 0
    assert (await _item(bot, 1)).status == "in_progress"

    await liaison.press("📨 答复")
    await _next(liaison)
    await liaison.press("A 类")
    assert "答复类型：A 类（已解决）" in ((await _next(liaison, edited=True)).text or "")
    await liaison.send_text("短")
    assert "至少 2 个字" in ((await _next(liaison)).text or "")  # one character says nothing
    await liaison.send_text("已督促施工单位复工，脚手架已恢复作业。")
    assert "可以发送整改照片" in ((await _next(liaison)).text or "")
    await liaison.send_photo(make_jpeg(800, 600, pattern_seed=52))
    assert "已保存照片" in ((await _next(liaison)).text or "")
    await liaison.press("完成")
    summary = await _next(liaison)
    assert "请核对答复" in (summary.text or "") and "照片：1 张" in (summary.text or "")
    send = summary.button_data["✅ 确认提交"]
    await liaison.press_data(summary.message_id, send)
    done = await _next(liaison)
    assert "已提交 问题 2020-0001 的答复" in (done.text or ""), done.describe()
    card = await _next(liaison)
    assert "已答复" in (card.text or "") and "等待代表评价" in (card.text or "")
    assert "📨 答复" not in card.buttons
    again = await liaison.press_data(summary.message_id, send)
    assert "状态已经变化" in await answer_to(liaison, again)

    answered = await _item(bot, 1)
    assert (answered.status, answered.response_class, answered.round) == ("answered", "A", 1)
    responses = await database_of(bot.services).fetch_all("SELECT class, text FROM responses")
    assert [tuple(r) for r in responses] == [("A", "已督促施工单位复工，脚手架已恢复作业。")]
    assert await bot.value("SELECT COUNT(*) FROM photos WHERE purpose = 'response'") == 1
    rating = [n for n in await _outbox_keys(bot, deputy_person) if n["key"] == "notice.answered"]
    assert len(rating) == 1
    data = [button_data(b) for row in rating[0]["buttons"] for b in row]
    assert f"rt:{item.id}:1:satisfied" in data

    await liaison.send_text("/inbox")
    listing = await _next(liaison)
    assert listing.buttons[0].startswith("⏳ 2020-0001") and "待评价 1" in (listing.text or "")


async def test_return_window_overdue_first_and_the_notice_button(bot: Harness) -> None:
    _deputy, liaison, _leader, staff = await _cast(bot, 3)
    first, second, third = [await _item(bot, n) for n in (1, 2, 3)]
    # Answers are due months after forwarding; nothing can age an item inside a running test,
    # so due dates are moved instead: item 3 as if forwarded long ago, item 1 due in 3 days.
    async with database_of(bot.services).transaction() as conn:
        for item, days in ((third, -2), (first, 3)):
            await conn.execute(
                "UPDATE items SET due_at = ? WHERE id = ?",
                (to_db(bot.now() + timedelta(days=days)), item.id),
            )

    await liaison.send_text("/inbox")
    listing = await _next(liaison)
    assert [b.split(" ")[:2] for b in listing.buttons[:3]] == [
        ["🔴", "2020-0003"],  # overdue first
        ["🟡", "2020-0001"],  # then due soon
        ["🟢", "2020-0002"],  # then the newest forwarded
    ], listing.describe()
    assert "已逾期 1 · 🟡 即将到期 1 · 🟢 按期 1" in (listing.text or "")
    await liaison.press("2020-0003")
    overdue = await _next(liaison, edited=True)
    assert "🔴 已逾期" in (overdue.text or "") and "已逾期 2 天" in (overdue.text or "")

    # The forwarding notice's button opens the item's card, checked like any press.
    notice = await delivered(liaison, "新交办事项", "2020-0002")
    assert notice.button_data == {"打开查看": f"ib:{second.id}"}
    press = await liaison.press_data(notice.message_id, f"ib:{second.id}")
    await answer_to(liaison, press)
    card = await _next(liaison, edited=False)
    assert "第 2 个问题" in (card.text or "") and "↩️ 退回" in card.buttons

    await liaison.press("↩️ 退回")
    assert "请输入退回理由" in ((await _next(liaison)).text or "")
    await liaison.send_text("否")
    assert "请写明理由" in ((await _next(liaison)).text or "")
    assert (await _item(bot, 2)).status == "forwarded"
    await liaison.send_text("该点位由区教育局建设，不属于本单位职责。")
    assert "已退回 问题 2020-0002" in ((await _next(liaison)).text or "")
    after = await _next(liaison)
    assert any(b.startswith("↩️ 2020-0002") for b in after.buttons), after.describe()
    assert (await _item(bot, 2)).status == "returned"
    staff_notices = await _outbox_keys(bot, staff)
    assert any(
        n["key"] == "notice.returned" and "区教育局" in str(n["params"]) for n in staff_notices
    )

    # The unit may say "not ours" within 7 working days of forwarding, which span at most 11
    # calendar days (a Friday forward plus two weekends); 15 days back is past it on any
    # weekday. Moving the forwarding date back stands in for waiting that long.
    async with database_of(bot.services).transaction() as conn:
        await conn.execute(
            "UPDATE items SET forwarded_at = ? WHERE id = ?",
            (to_db(bot.now() - timedelta(days=15)), first.id),
        )
    await liaison.press("2020-0001")
    late = await _next(liaison, edited=True)
    assert "↩️ 退回" not in late.buttons and "可退回至" not in (late.text or "")
    forged = late.button_data["✅ 接收办理"].replace(":take:", ":ret:")
    press = await liaison.press_data(late.message_id, forged)
    assert "已超过退回期限" in await answer_to(liaison, press)
    assert (await _item(bot, 1)).status == "forwarded"


async def test_other_units_and_deputies_see_nothing(bot: Harness) -> None:
    deputy, _liaison, _leader, _staff = await _cast(bot, 1)
    item = await _item(bot, 1)
    stranger = await bot.join("孙联络", Role.LIAISON, group=None, unit=OTHER_UNIT)

    await stranger.send_text("/inbox")
    empty = await stranger.next_message()
    assert "市教育局目前没有交办事项" in (empty.text or ""), empty.describe()
    press = await stranger.press_data(empty.message_id, f"ib:{item.id}")
    assert "没有交办给您的单位" in await answer_to(stranger, press)
    # Buttons of the stranger's own open conversation (its real nonce, as a modified client
    # could send), carrying the other unit's item id: refused on the server, every one.
    nonce = bot.flow(stranger)["nonce"]
    for verb in ("open", "take", "ret", "prog", "ans", "photos"):
        press = await stranger.press_data(empty.message_id, f"ix:{nonce}:{verb}:{item.id}")
        assert "没有交办给您的单位" in await answer_to(stranger, press), verb
    await stranger.settle()
    assert all("第 1 个问题" not in (m.text or "") for m in stranger.messages)
    assert all(not m.files for m in stranger.messages)
    assert (await _item(bot, 1)).status == "forwarded"
    assert await bot.value("SELECT COUNT(*) FROM item_events WHERE item_id = ?", item.id) == 3

    await deputy.send_text("/inbox")
    refusal = await until(deputy, "无权")
    press = await deputy.press_data(refusal.message_id, f"ib:{item.id}")
    assert "无权" in await answer_to(deputy, press)
    assert (await _item(bot, 1)).status == "forwarded"


def _said(messages: list[BotMessage]) -> str:
    """What the bot newly said; an edit that only takes buttons off shows nothing new."""
    for edit in (m for m in messages if m.edited):
        assert not edit.buttons and "第 2 个问题" not in (edit.text or ""), edit.describe()
    return "\n---\n".join(m.text or "" for m in messages if not m.edited)


async def _said_up_to(user: SimUser, fragment: str) -> str:
    """What the bot newly said up to its message with `fragment` and right after it. Waited
    for, not caught in a quiet spell: on a busy machine the bot can take longer than one to
    answer (a run beside a benchmark got nothing within 0.1 s)."""
    return _said(await up_to(user, fragment) + await user.settle(quiet=0.1))


async def _move_liaison(staff: SimUser, liaison: SimUser, unit: str) -> None:
    """Staff make 钱联络 the liaison of `unit` in /people, and the liaison's chat goes quiet."""
    await staff_change(staff, "钱联络", "改角色", "单位联络员", unit)
    await liaison.settle(quiet=0.1)


async def _open_first_item(liaison: SimUser) -> None:
    """A fresh /inbox of 市卫健委, and its item 2020-0001 opened."""
    await liaison.send_text("/inbox")
    await until(liaison, "市卫健委")
    await liaison.press("2020-0001")
    await liaison.settle(quiet=0.1)


async def test_a_liaison_moved_to_another_unit_sees_nothing_more_of_the_old_one(
    bot: Harness,
) -> None:
    _deputy, liaison, _leader, _staff = await _cast(bot, 2)
    staff = await bot.join("陈工作人员", Role.STAFF)
    first, second = await _item(bot, 1), await _item(bot, 2)

    # The list is open when staff move the liaison to 市教育局 in /people.
    await liaison.send_text("/inbox")
    listing = await until(liaison, "市卫健委")
    assert any(b.startswith("🟢 2020-0002") for b in listing.buttons), listing.describe()
    await _move_liaison(staff, liaison, "市教育局")
    press = await liaison.press("2020-0002")
    said = await _said_up_to(liaison, "您已不再负责该单位的事项")
    assert "第 2 个问题" not in said and "市卫健委" not in said, said
    await answer_to(liaison, press)
    # The inbox is closed and its buttons are gone; sent again, as a client could, they do nothing.
    label = next(b for b in listing.buttons if "2020-0001" in b)
    assert "按钮已失效" in await answer_to_button(liaison, listing, label)
    await liaison.settle(quiet=0.1)
    assert "第 2 个问题" not in _said(liaison.messages[-3:])

    # Back at 市卫健委, halfway through a progress note, and moved again before sending it.
    await _move_liaison(staff, liaison, "市卫健委")
    await _open_first_item(liaison)
    await liaison.press("📝 报告进展")
    await _said_up_to(liaison, "请输入办理进展")
    await _move_liaison(staff, liaison, "市教育局")
    await liaison.send_text("已约谈施工单位，下周一复工。")
    said = await _said_up_to(liaison, "您已不再负责该单位的事项")
    assert "市卫健委" not in said and "市教育局" not in said, said
    assert await bot.value("SELECT COUNT(*) FROM item_events WHERE kind = 'progress'") == 0

    # Moved while an answer waits for its photos: the answer and its photo go with the inbox.
    await _move_liaison(staff, liaison, "市卫健委")
    await _open_first_item(liaison)
    await taps(liaison, "📨 答复", "A 类", quiet=0.1)
    await liaison.send_text("已督促施工单位复工。")
    # The photo goes once its question is there; a quiet spell can come before the question.
    await until(liaison, "可以发送整改照片")
    await liaison.send_photo(make_jpeg(800, 600, pattern_seed=53))
    # Waited for, not caught in a quiet spell: storing a photo takes a while on a slow machine.
    assert "已保存照片" in ((await liaison.next_message(timeout=20)).text or "")
    assert await bot.value("SELECT COUNT(*) FROM photos WHERE purpose = 'response'") == 1
    await _move_liaison(staff, liaison, "市教育局")
    await liaison.press("完成")
    await _said_up_to(liaison, "您已不再负责该单位的事项")
    assert await bot.value("SELECT COUNT(*) FROM photos WHERE purpose = 'response'") == 0
    for item in (first, second):
        assert (await _item(bot, item.number or 0)).status == "forwarded"
