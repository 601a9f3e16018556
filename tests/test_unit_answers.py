"""The terms of a unit's answer, through the real Application: a class-B answer promises a date,
the item comes back to the unit on that day for a follow-up answer and the raisers rate again; a
class-C answer names its reason (counted in the tally); and no action of a liaison closes an item.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from bot.answer_terms import AnswerGiven
from bot.bootstrap import database_of
from bot.errors import Refused
from bot.items import Status
from bot.jobs import run_daily_jobs
from bot.lifecycle import Change, Rating, ResponseClass, Step
from bot.people import Role
from bot.tally import compute_tally, render_tally
from bot.tally_period import Period
from bot.texts import Texts
from bot.usecases import rating, unit
from bot.usecases.acting import Caller, act
from localapi import SimUser
from tests.conftest import SHANGHAI, Harness, answer_to
from tests.rating_steps import delivered, press_rating, reload
from tests.steps import until
from tests.test_inbox import _cast, _item, _next


async def _keys(bot: Harness, person_id: int) -> list[str]:
    rows = await database_of(bot.services).fetch_all(
        "SELECT payload FROM outbox WHERE person_id = ? ORDER BY id", (person_id,)
    )
    return [str(json.loads(r[0]).get("key")) for r in rows]


async def _open_card(liaison: SimUser, number: str) -> str:
    await liaison.send_text("/inbox")
    await until(liaison, "· 交办事项")
    await liaison.press(number)
    return (await _next(liaison, edited=True)).text or ""


async def _answer_in_chat(liaison: SimUser, cls: str) -> None:
    """From an open card: 答复, then the class (what it asks next is the caller's)."""
    await liaison.press("📨 答复")
    await until(liaison, "请选择答复类型")
    await liaison.press(cls)


async def _finish(liaison: SimUser, text: str) -> str:
    """The text typed, no photos, the summary confirmed; the summary's text."""
    await liaison.send_text(text)
    await until(liaison, "可以发送整改照片")
    await liaison.press("完成")
    summary = await until(liaison, "请核对答复")
    await liaison.press("✅ 确认提交")
    await until(liaison, "已提交")
    return summary.text or ""


async def test_a_promise_is_followed_up_and_rated_again(bot: Harness) -> None:
    deputy, liaison, _leader, _staff = await _cast(bot, 1)
    p_deputy, p_liaison = await bot.person(deputy), await bot.person(liaison)
    item = await _item(bot, 1)
    today = bot.now().astimezone(SHANGHAI).date()
    promised = today + timedelta(days=40)

    await _open_card(liaison, "2020-0001")
    await _answer_in_chat(liaison, "B 类")
    ask = await _next(liaison, edited=True)
    assert "请输入承诺完成日期" in (ask.text or "")
    # Unreadable, not after today, too far ahead: each refused politely, asked again.
    await liaison.send_text("明年春天")
    assert "没有看懂这个日期" in ((await _next(liaison)).text or "")
    await liaison.send_text(today.isoformat())
    assert "须在今天" in ((await _next(liaison)).text or "")
    await liaison.send_text(f"{today.year + 10}-01-01")
    assert "不能晚于" in ((await _next(liaison)).text or "")
    assert (await _item(bot, 1)).status == "forwarded"
    # Full-width digits and 年月日 read as the date.
    typed = f"{promised.year}年{promised.month}月{promised.day}日".translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    await liaison.send_text(typed)
    assert "请输入答复内容" in ((await _next(liaison)).text or "")
    summary = await _finish(liaison, "已列入明年城建计划，资金已落实。")
    assert f"承诺完成日期：{promised.isoformat()}" in summary

    answered = await _item(bot, 1)
    assert answered.status == "answered" and answered.response_class == "B"
    assert answered.promised_at is not None
    assert answered.promised_at.astimezone(SHANGHAI).date() == promised
    assert await bot.value(
        "SELECT promised_at IS NOT NULL FROM responses WHERE item_id = ?", item.id
    )
    notice = await until(deputy, "请评价本次答复")
    assert f"承诺 {promised.isoformat()} 前完成" in (notice.text or "")
    # The liaison's card shows the promise while the raisers rate.
    card = await _open_card(liaison, "2020-0001")
    assert f"承诺完成日期：{promised.isoformat()}" in card

    # 满意: rated, but not closed; the item waits for its promised day.
    press = await press_rating(deputy, answered, "satisfied")
    assert "已记录您的评价" in await answer_to(deputy, press)
    await until(deputy, "可以直接输入文字")
    await deputy.press("跳过")
    rated = await reload(bot, answered)
    assert (rated.status, rated.rating, rated.closed_at) == (Status.RATED, "satisfied", None)
    assert await bot.value("SELECT COUNT(*) FROM lookbacks WHERE item_id = ?", item.id) == 0
    await delivered(bot, deputy, liaison)
    assert "answers.notice_promise_pending" in await _keys(bot, p_deputy.id)
    assert any(f"单位承诺 {promised.isoformat()} 前完成" in (m.text or "") for m in deputy.messages)
    assert any("答复评价结果：满意（满意 1、" in (m.text or "") for m in liaison.messages)
    # The raiser's own item screen (/mine) shows the promise too.
    await deputy.send_text("/mine")
    await until(deputy, "共 1 条")
    await deputy.press("问题 2020-0001")
    mine = await _next(deputy, edited=True)
    assert f"单位承诺 {promised.isoformat()} 前完成" in (mine.text or ""), mine.describe()

    # Before the day nothing happens; on the day (twice) the item goes back once.
    assert (await run_daily_jobs(bot.services, bot.now()))["promises_due"] == 0
    bot.clock.set(datetime.combine(promised, datetime.min.time(), SHANGHAI) + timedelta(hours=9))
    assert (await run_daily_jobs(bot.services, bot.now()))["promises_due"] == 1
    assert (await run_daily_jobs(bot.services, bot.now()))["promises_due"] == 0
    back = await reload(bot, answered)
    assert (back.status, back.round) == (Status.IN_PROGRESS, 2)
    assert back.due_at is not None and back.due_at - bot.now() < timedelta(days=16)
    assert (await _keys(bot, p_liaison.id)).count("answers.notice_followup_unit") == 1
    assert (await _keys(bot, p_deputy.id)).count("answers.notice_followup") == 1
    told = await until(liaison, "请于")
    assert f"承诺的完成日期 {promised.isoformat()} 已到" in (told.text or "")
    assert "打开查看" in told.buttons
    await until(deputy, "已请责任单位答复落实情况")

    # The inbox shows it as a follow-up; the follow-up answer asks the raisers again.
    card = await _open_card(liaison, "2020-0001")
    assert f"跟进答复：本单位曾承诺 {promised.isoformat()} 前完成" in card
    assert "📨 答复" in (liaison.messages[-1].buttons)
    await _answer_in_chat(liaison, "A 类")
    await _next(liaison, edited=True)
    await _finish(liaison, "道路已按计划完成改造并通过验收。")
    followed = await reload(bot, answered)
    assert (followed.status, followed.round, followed.response_class) == ("answered", 2, "A")
    assert followed.promised_at is None
    rerate = await until(deputy, "道路已按计划完成改造")
    assert "请评价本次答复" in (rerate.text or "")
    assert f"rt:{item.id}:2:satisfied" in rerate.button_data.values()
    press = await press_rating(deputy, followed, "basically")
    assert "已记录您的评价" in await answer_to(deputy, press)
    await until(deputy, "可以直接输入文字")  # the rating is concluded before the prompt
    closed = await reload(bot, followed)
    assert (closed.status, closed.rating) == (Status.CLOSED, "basically")
    assert closed.closed_at is not None
    await delivered(bot, deputy, liaison)
    assert any("已办结，评价结果：基本满意" in (m.text or "") for m in deputy.messages)
    assert any(
        "答复评价结果：基本满意（满意 0、基本满意 1" in (m.text or "") for m in liaison.messages
    )


async def test_a_class_c_answer_gives_its_reason_counted_in_the_tally(bot: Harness) -> None:
    deputy, liaison, _leader, _staff = await _cast(bot, 1)
    await _open_card(liaison, "2020-0001")
    await _answer_in_chat(liaison, "C 类")
    choose = await _next(liaison, edited=True)
    assert "请选择原因类别" in (choose.text or "")
    assert choose.buttons[:5] == ["政策不允许", "资金不足", "不属本单位职责", "条件不具备", "其他"]
    # Typing instead of choosing is not a reason.
    await liaison.send_text("没钱")
    assert "请点击上方的按钮" in ((await _next(liaison)).text or "")
    await liaison.press("资金不足")
    assert "请输入答复内容" in ((await _next(liaison, edited=True)).text or "")
    summary = await _finish(liaison, "今年预算已用完，留作明年参考。")
    assert "原因类别：资金不足" in summary
    item = await _item(bot, 1)
    assert (item.status, item.response_class, item.answer_reason) == ("answered", "C", "funding")
    assert await bot.value("SELECT reason FROM responses WHERE item_id = ?", item.id) == "funding"
    notice = await until(deputy, "请评价本次答复")
    assert "原因：资金不足" in (notice.text or "")
    card = await _open_card(liaison, "2020-0001")
    assert "原因类别：资金不足" in card

    tally = await compute_tally(bot.services, Period(), now=bot.now())
    assert tally.satisfaction.reasons["funding"] == 1
    assert sum(tally.satisfaction.reasons.values()) == 1
    text = "\n".join(render_tally(tally, Texts("zh")))
    assert "C 类答复原因：" in text and "· 资金不足 1" in text
    english = "\n".join(render_tally(tally, Texts("en")))
    assert "· Insufficient funds 1" in english


async def test_no_action_of_a_liaison_closes_an_item(bot: Harness) -> None:
    """Every liaison action leaves the item open; a rule that would close one for a liaison is
    refused where every action passes (bot/usecases/acting.py)."""
    _deputy, liaison_user, _leader, _staff = await _cast(bot, 2)
    liaison = await bot.person(liaison_user)
    item = await _item(bot, 1)
    services = bot.services

    def caller() -> Caller:
        return Caller(liaison, bot.now())

    reached = []
    assert (await unit.sign_for(services, caller(), item.id)).applied
    reached.append((await reload(bot, item)).status)
    assert (await unit.report_progress(services, caller(), item.id, "已开工建设。")).applied
    reached.append((await reload(bot, item)).status)
    promised = bot.now().date() + timedelta(days=30)
    given = AnswerGiven(ResponseClass.B, "已列入计划。", promised=promised)
    acted = await unit.answer_item(services, caller(), item.id, given)
    assert acted.applied
    reached.append((await reload(bot, item)).status)
    other = await _item(bot, 2)
    assert (await unit.return_item(services, caller(), other.id, "不属本单位职责范围。")).applied
    reached.append((await reload(bot, other)).status)
    assert reached == [Status.IN_PROGRESS, Status.IN_PROGRESS, Status.ANSWERED, Status.RETURNED]
    # Answered: nothing more the liaison can do; and rating is for raisers only.
    answered = await reload(bot, item)
    with pytest.raises(Refused):
        await unit.report_progress(services, caller(), item.id, "再报一次进展。")
    with pytest.raises(Refused):
        await rating.rate(services, caller(), item.id, answered.round, Rating.SATISFIED)
    # Even a rule that closed the item would be refused for a liaison.
    closing = Change.of(answered, liaison.id, (Step(Status.RATED), Step(Status.CLOSED)))
    with pytest.raises(Refused) as refused:
        await act(services, caller(), answered, lambda _parties: closing)
    assert refused.value.key == "answers.unit_cannot_close"
    assert (await reload(bot, item)).status is Status.ANSWERED
    assert (await reload(bot, item)).closed_at is None
    assert liaison.role is Role.LIAISON
