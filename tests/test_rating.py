"""Deputies rate a unit's answer from the buttons of its notice: every raiser once, the item's
rating by the DOMAIN.md rule, 不满意 sends it back for a month, otherwise it closes and its group
gets a look-back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.bootstrap import database_of
from bot.clock import from_db
from bot.deadlines import add_months
from bot.items import Item
from bot.people import Person, Role
from localapi import SimUser
from tests.conftest import Harness, answer_to
from tests.rating_steps import (
    answered_item,
    delivered,
    outbox_keys,
    press_rating,
    rating_message,
)


@dataclass
class Cast:
    """Two deputies of G01 who raised the same problem, their leader, staff and the liaison."""

    wang: SimUser
    li: SimUser
    liaison_phone: SimUser
    p_wang: Person
    p_li: Person
    leader: Person
    staff: Person
    liaison: Person

    async def answered(self, bot: Harness) -> Item:
        raisers = [self.p_wang, self.p_li]
        return await answered_item(bot, raisers, self.leader, self.staff, self.liaison)


async def _cast(bot: Harness) -> Cast:
    wang = await bot.join("王芳")
    li = await bot.join("李强")
    leader = await bot.person(await bot.join("赵组长", Role.LEADER))
    staff = await bot.person(await bot.join("陈工作人员", Role.STAFF))
    liaison_phone = await bot.join("周联络员", Role.LIAISON, unit="health")
    return Cast(
        wang,
        li,
        liaison_phone,
        await bot.person(wang),
        await bot.person(li),
        leader,
        staff,
        await bot.person(liaison_phone),
    )


async def test_satisfied_and_basically_close_the_item_with_a_look_back(bot: Harness) -> None:
    cast = await _cast(bot)
    item = await cast.answered(bot)
    assert await bot.value("SELECT COUNT(*) FROM item_raisers WHERE item_id = ?", item.id) == 2
    await delivered(bot, cast.wang, cast.li)

    pressed_on = rating_message(cast.wang)
    press = await press_rating(cast.wang, item, "satisfied")
    assert "已记录您的评价" in await answer_to(cast.wang, press)
    shown = await cast.wang.settle()
    rated = next(m for m in shown if m.message_id == pressed_on.message_id)
    assert "您的评价：<b>满意</b>" in (rated.text or "") and rated.buttons == []
    assert "已完成实验室设备安装调试" in (rated.text or "")
    prompt = shown[-1]
    assert "可以直接输入文字" in (prompt.text or "") and prompt.buttons == ["跳过"]
    # One of two raisers has voted: the item waits for the other.
    assert await bot.value("SELECT status FROM items WHERE id = ?", item.id) == "answered"

    await cast.wang.send_text("设备已到位，但培训还需加强。")
    saved = await cast.wang.settle()
    assert any("意见已随评价保存" in (m.text or "") for m in saved), [m.describe() for m in saved]
    assert (
        await bot.value(
            "SELECT comment FROM ratings WHERE item_id = ? AND person_id = ?",
            item.id,
            cast.p_wang.id,
        )
        == "设备已到位，但培训还需加强。"
    )

    press = await press_rating(cast.li, item, "basically")
    assert "已记录您的评价" in await answer_to(cast.li, press)
    await cast.li.settle()
    await cast.li.press("跳过")
    skipped = await cast.li.settle()
    assert any("不补充意见" in (m.text or "") for m in skipped)

    row = await database_of(bot.services).fetch_one(
        "SELECT status, rating, closed_at, round FROM items WHERE id = ?", (item.id,)
    )
    assert row is not None
    assert (row["status"], row["rating"], row["round"]) == ("closed", "basically", 1)
    lookback = await database_of(bot.services).fetch_one(
        "SELECT group_id, round, due_at, done_at FROM lookbacks WHERE item_id = ?", (item.id,)
    )
    assert lookback is not None and lookback["done_at"] is None
    assert lookback["group_id"] == cast.p_wang.group_id and lookback["round"] == 1
    due = from_db(lookback["due_at"])
    closed = from_db(row["closed_at"])
    assert due is not None and closed is not None
    assert due - closed == timedelta(days=bot.settings.deadlines.lookback_after_days)
    for raiser in (cast.p_wang, cast.p_li):
        assert "notice.closed" in await outbox_keys(bot, raiser)


async def test_two_dissatisfied_send_the_item_back_for_a_month(bot: Harness) -> None:
    cast = await _cast(bot)
    item = await cast.answered(bot)
    await delivered(bot, cast.wang, cast.li)
    for user in (cast.wang, cast.li):
        press = await press_rating(user, item, "dissatisfied")
        assert "已记录您的评价" in await answer_to(user, press)
        await user.settle()
    before = bot.now()

    row = await database_of(bot.services).fetch_one(
        "SELECT status, rating, round, due_at FROM items WHERE id = ?", (item.id,)
    )
    assert row is not None
    assert (row["status"], row["rating"], row["round"]) == ("in_progress", "dissatisfied", 2)
    due = from_db(row["due_at"])
    assert due is not None and abs(due - add_months(before, 1)) < timedelta(minutes=5)
    assert await bot.value("SELECT COUNT(*) FROM lookbacks") == 0
    assert "notice.rehandle_unit" in await outbox_keys(bot, cast.liaison)
    assert "notice.rehandle" in await outbox_keys(bot, cast.p_wang)

    # The first round's buttons are stale now: a late press is told so, and changes nothing.
    late = await press_rating(cast.wang, item, "satisfied", round_=1)
    assert "评价已经结束" in await answer_to(cast.wang, late)
    await cast.wang.settle()
    assert await bot.value("SELECT COUNT(*) FROM ratings WHERE item_id = ?", item.id) == 2


async def test_a_double_press_records_one_vote(bot: Harness) -> None:
    cast = await _cast(bot)
    item = await cast.answered(bot)
    await delivered(bot, cast.wang)
    first = await press_rating(cast.wang, item, "satisfied")
    second = await press_rating(cast.wang, item, "dissatisfied")
    assert "已记录您的评价" in await answer_to(cast.wang, first)
    assert "您已评价过这条答复（满意）" in await answer_to(cast.wang, second)
    await cast.wang.settle()
    votes = await database_of(bot.services).fetch_all(
        "SELECT person_id, value FROM ratings WHERE item_id = ?", (item.id,)
    )
    assert [tuple(v) for v in votes] == [(cast.p_wang.id, "satisfied")]
    assert (
        await bot.value(
            "SELECT COUNT(*) FROM item_events WHERE item_id = ? AND kind = 'vote'", item.id
        )
        == 1
    )
    assert await bot.value("SELECT status FROM items WHERE id = ?", item.id) == "answered"


async def test_a_forged_press_by_someone_who_did_not_raise_it_is_refused(bot: Harness) -> None:
    cast = await _cast(bot)
    item = await cast.answered(bot)
    outsider = await bot.join("孙代表")  # same group, did not raise it
    press = await press_rating(outsider, item, "satisfied")
    assert "只有提出这条记录的代表可以评价答复" in await answer_to(outsider, press)
    press = await press_rating(cast.liaison_phone, item, "satisfied")
    assert "无权使用此功能" in await answer_to(cast.liaison_phone, press)
    bogus = await outsider.press_data(rating_message(outsider).message_id, f"rt:{item.id}:1:great")
    assert "按钮已失效" in await answer_to(outsider, bogus)
    await outsider.settle()
    assert await bot.value("SELECT COUNT(*) FROM ratings") == 0
    assert await bot.value("SELECT status FROM items WHERE id = ?", item.id) == "answered"


async def test_abstaining_is_not_a_valid_vote(bot: Harness) -> None:
    cast = await _cast(bot)
    item = await cast.answered(bot)
    await delivered(bot, cast.wang, cast.li)
    for user, value in ((cast.wang, "abstain"), (cast.li, "satisfied")):
        press = await press_rating(user, item, value)
        assert "已记录您的评价" in await answer_to(user, press)
        await user.settle()
    # Counted as a vote, 1:1 would not be "more than half 满意"; abstaining is no vote at all.
    row = await database_of(bot.services).fetch_one(
        "SELECT status, rating FROM items WHERE id = ?", (item.id,)
    )
    assert row is not None and (row["status"], row["rating"]) == ("closed", "satisfied")


async def test_rating_in_the_middle_of_a_report_keeps_the_report(bot: Harness) -> None:
    cast = await _cast(bot)
    item = await cast.answered(bot)
    await delivered(bot, cast.wang)
    notice = rating_message(cast.wang)
    await cast.wang.send_text("/suggest")
    question = await cast.wang.next_message()
    assert "请选择所属项目" in (question.text or ""), question.describe()
    press = await cast.wang.press_data(notice.message_id, f"rt:{item.id}:{item.round}:basically")
    assert "已记录您的评价" in await answer_to(cast.wang, press)
    after = await cast.wang.settle()
    assert not any("可以直接输入文字" in (m.text or "") for m in after)
    # The suggestion goes on where it was.
    await cast.wang.press("提升公共卫生应急能力")
    assert "请选择点位" in ((await cast.wang.next_message(edited=True)).text or "")
    assert (
        await bot.value(
            "SELECT value FROM ratings WHERE item_id = ? AND person_id = ?", item.id, cast.p_wang.id
        )
        == "basically"
    )
