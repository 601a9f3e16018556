"""One item's whole way through its unit, as a 12345 work order goes: forwarded, reminded and
signed for late, an extension approved, chased on its due date, escalated, answered as class B
with a promised date, followed up on that day, rated again and closed. The raisers' and the group
leader's notices are checked on the way; the clock is set day by day and the daily jobs run as
the scheduler runs them.
"""

from __future__ import annotations

from datetime import date, datetime, time

from bot.items import Status
from tests.conftest import SHANGHAI, Harness, answer_to
from tests.rating_steps import delivered, press_rating, reload
from tests.steps import until
from tests.test_unit_answers import _answer_in_chat, _finish, _open_card
from tests.test_unit_deadlines import _extension_decided, _jobs, at, forwarded_items

PROMISED = date(2020, 11, 20)


async def test_the_whole_unit_cycle(bot: Harness) -> None:
    cast, [item] = await forwarded_items(bot, 1)
    deputy, leader_phone, staff_phone, liaison = (
        cast.deputy,
        cast.leader,
        cast.staff,
        cast.liaison,
    )
    number = item.display_number
    assert any(
        f"<b>{number}</b>" in (m.text or "") and "已交办责任单位办理" in (m.text or "")
        for m in deputy.messages
    )
    for phone in (liaison, staff_phone, leader_phone, deputy):
        phone.drain()

    # Sign-for: reminded on the second working day, late on the third, then signed.
    assert (await _jobs(bot, at(6, 18)))["sign_reminders"] == 1
    assert "2020-06-18 前签收" in ((await until(liaison, "签收提醒")).text or "")
    assert (await _jobs(bot, at(6, 19)))["deadline_digest"] == 1
    digest = await until(staff_phone, "办理时限情况")
    assert "签收超时 1 条" in (digest.text or "") and number in (digest.text or "")
    await liaison.send_text("/inbox")
    await until(liaison, "共 1 条")
    await liaison.press(number)
    await liaison.next_message(edited=True)
    await liaison.press("接收办理")
    await liaison.settle()
    signed = await bot.value("SELECT signed_at FROM items WHERE id = ?", item.id)
    assert signed is not None and signed.startswith("2020-06-19")

    # An extension to 30 September, approved by staff; the raiser is told the new date.
    answer = await _extension_decided(
        liaison, staff_phone, item, "需要协调施工单位，工期较长", "9-30", "同意延期"
    )
    assert "2020-09-30" in answer
    await delivered(bot, deputy)
    told = [m.text or "" for m in deputy.messages if "经同意延期" in (m.text or "")]
    assert told and "调整为 2020-09-30" in told[0]

    # Chased on the new due date; escalated to staff and the leader three working days on
    # (National Day does not count, the working Saturday 10 October does).
    counts = await _jobs(bot, at(9, 30))
    assert (counts["chased"], counts["escalated"]) == (1, 0)
    assert number in ((await until(liaison, "催办")).text or "")
    assert (await _jobs(bot, at(10, 12)))["escalated"] == 0
    assert (await _jobs(bot, at(10, 13)))["escalated"] == 1
    for phone in (leader_phone, staff_phone):
        escalation = await until(phone, "通报")
        assert number in (escalation.text or "") and "市卫健委" in (escalation.text or "")

    # A class-B answer promising 20 November; the raiser rates it, the item waits for the day.
    await _open_card(liaison, number)
    await _answer_in_chat(liaison, "B 类")
    assert "请输入承诺完成日期" in ((await liaison.next_message(edited=True)).text or "")
    await liaison.send_text(PROMISED.isoformat())
    await until(liaison, "请输入答复内容")
    summary = await _finish(liaison, "已列入今年第四季度施工计划，资金已落实。")
    assert f"承诺完成日期：{PROMISED.isoformat()}" in summary
    notice = await until(deputy, "请评价本次答复")
    assert f"承诺 {PROMISED.isoformat()} 前完成" in (notice.text or "")
    answered = await reload(bot, item)
    press = await press_rating(deputy, answered, "satisfied")
    assert "已记录您的评价" in await answer_to(deputy, press)
    await until(deputy, "可以直接输入文字")
    await deputy.press("跳过")
    rated = await reload(bot, item)
    assert (rated.status, rated.closed_at) == (Status.RATED, None)

    # On the promised day the item comes back to the unit for a follow-up answer.
    moment = datetime.combine(PROMISED, time(9), SHANGHAI)
    assert (await _jobs(bot, moment))["promises_due"] == 1
    told_unit = await until(liaison, "请于")
    assert f"承诺的完成日期 {PROMISED.isoformat()} 已到" in (told_unit.text or "")
    await until(deputy, "已请责任单位答复落实情况")
    back = await reload(bot, item)
    assert (back.status, back.round) == (Status.IN_PROGRESS, 2)

    # The follow-up answer; the raiser rates again and the item is closed.
    card = await _open_card(liaison, number)
    assert f"跟进答复：本单位曾承诺 {PROMISED.isoformat()} 前完成" in card
    await _answer_in_chat(liaison, "A 类")
    await liaison.next_message(edited=True)
    await _finish(liaison, "道路已按计划完成改造并通过验收。")
    rerate = await until(deputy, "道路已按计划完成改造")
    assert "请评价本次答复" in (rerate.text or "")
    followed = await reload(bot, item)
    press = await press_rating(deputy, followed, "satisfied")
    assert "已记录您的评价" in await answer_to(deputy, press)
    await until(deputy, "可以直接输入文字")
    closed = await reload(bot, item)
    assert (closed.status, closed.rating) == (Status.CLOSED, "satisfied")
    await delivered(bot, deputy, liaison)
    assert any("已办结，评价结果：满意" in (m.text or "") for m in deputy.messages)
    assert any("答复评价结果：满意" in (m.text or "") for m in liaison.messages)
    assert await bot.value("SELECT COUNT(*) FROM escalations WHERE item_id = ?", item.id) == 1
    assert await bot.value("SELECT COUNT(*) FROM extensions WHERE item_id = ?", item.id) == 1
