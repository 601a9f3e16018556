"""/review: a group leader accepts, merges, declines and asks for more; the author adds it.

Several people in one story: two deputies of 第一监督小组 report from the same site, their leader
goes through the items one at a time, and the deputy who was asked answers from the notice.
Also: a double tap accepts once, a typed number merges, and staff choose a group first.
"""

from __future__ import annotations

import json

from bot.people import Role
from tests.conftest import Harness, answer_to
from tests.images import make_jpeg
from tests.review_steps import (
    ADDED,
    CANTEEN,
    PAVEMENT,
    QUESTION,
    QUIET,
    REASON,
    SAME_PROBLEM,
    _review,
    item_id,
    press_am,
    say,
    status_and_note,
    submitted,
    tap,
    texts_of,
)
from tests.steps import DESCRIPTION, button_data, check_in, report_problem


async def test_leader_accepts_merges_declines_and_asks_the_author_who_adds(bot: Harness) -> None:
    wang = await bot.join("王芳")
    li = await bot.join("李建国")
    for deputy in (wang, li):
        await check_in(bot, deputy)
    await report_problem(wang, DESCRIPTION)  # 2020-0001
    await report_problem(li, SAME_PROBLEM)  # 2020-0002
    await report_problem(wang, PAVEMENT)  # 2020-0003
    await report_problem(li, CANTEEN)  # 2020-0004
    leader = await bot.join("组长", Role.LEADER, group="G01")
    boss = await bot.person(leader)

    # One item at a time, with who raised it and what it may repeat.
    first = await say(leader, "/review")
    assert "待审核 4 条" in first and "<b>问题 2020-0001</b>" in first, first
    assert "提出人（1 人）：王芳" in first and DESCRIPTION in first
    assert "可能重复的记录" in first and "问题 2020-0002" in first

    second = await tap(leader, "通过")
    assert "已通过 2020-0001" in second and "<b>问题 2020-0002</b>" in second, second
    assert "可能重复的记录" in second and "问题 2020-0001</b>（已审核）" in second
    one = await item_id(bot, 1)
    assert await bot.value("SELECT status FROM items WHERE id = ?", one) == "reviewed"
    assert (
        await bot.value(
            "SELECT actor_id FROM item_events WHERE item_id = ? AND to_status = 'reviewed'", one
        )
        == boss.id
    )

    # The near-duplicate joins the first; both deputies now count as its raisers.
    choices = await tap(leader, "合并到…")
    assert "把 2020-0002 合并到哪一条" in choices
    third = await tap(leader, "合并到 2020-0001")
    assert "已将 2020-0002 合并到 2020-0001" in third and "<b>问题 2020-0003</b>" in third, third
    assert "可能重复的记录" not in third  # same site, unrelated problem
    two = await item_id(bot, 2)
    assert await bot.value("SELECT status FROM items WHERE id = ?", two) == "merged"
    assert await bot.value("SELECT merged_into_id FROM items WHERE id = ?", two) == one
    assert await bot.value("SELECT COUNT(*) FROM item_raisers WHERE item_id = ?", one) == 2
    assert await bot.services.items.raiser_names(one) == ["王芳", "李建国"]

    # Declined with a reason: the reason is the event's note, and the author is told.
    assert "请输入不采纳 2020-0003 的理由" in await tap(leader, "不采纳")
    assert "请写明理由" in await say(leader, "无")  # too short: still asking
    fourth = await say(leader, REASON)
    assert "已不采纳 2020-0003" in fourth and "<b>问题 2020-0004</b>" in fourth, fourth
    three = await item_id(bot, 3)
    assert await status_and_note(bot, three, "to_status = 'declined'") == ("declined", REASON)
    author = await bot.person(wang)
    assert "notice.declined" in await bot.value(
        "SELECT payload FROM outbox WHERE person_id = ? ORDER BY id DESC", author.id
    )

    # Asked for more: the item stays in review; its author gets a question with a button.
    assert "请输入希望代表补充的内容" in await tap(leader, "请补充")
    done = await say(leader, QUESTION)
    assert "已请代表补充 2020-0004" in done and "本组没有待审核的记录了" in done, done
    four = await item_id(bot, 4)
    assert await status_and_note(bot, four, "kind = 'ask_more'") == ("submitted", QUESTION)
    asked = await bot.person(li)
    notice = await bot.value(
        "SELECT payload FROM outbox WHERE person_id = ? AND payload LIKE '%notice.ask_more%'",
        asked.id,
    )
    assert [button_data(b) for row in json.loads(notice)["buttons"] for b in row] == [f"am:{four}"]

    # The author answers: text, a photo, done. The leader is told.
    press = await press_am(li, four)
    start = texts_of(await li.settle(quiet=QUIET))
    assert "组长的问题" in start and QUESTION in start, start
    assert (await answer_to(li, press)) == ""
    assert "已记下您的说明" in await say(li, ADDED)
    await li.send_photo(make_jpeg(800, 600, pattern_seed=41))
    assert "共 1 张" in texts_of(await li.settle(quiet=QUIET))
    assert "已补充 问题 2020-0004，已通知组长" in await tap(li, "完成")
    assert (
        await bot.value(
            "SELECT actor_id FROM item_events WHERE item_id = ? AND kind = 'more_info' AND note = ?",
            four,
            ADDED,
        )
        == asked.id
    )
    assert (
        await bot.value(
            "SELECT COUNT(*) FROM photos WHERE item_id = ? AND purpose = 'more_info'", four
        )
        == 1
    )
    assert "notice.more_info" in await bot.value(
        "SELECT payload FROM outbox WHERE person_id = ? ORDER BY id DESC", boss.id
    )

    # Back in review, the card shows the answer and the added photo comes first.
    await leader.settle()
    again = [m for m in await _review(leader) if not m.edited]
    assert any(m.kind == "photo" for m in again), [m.describe() for m in again]
    card = texts_of(again)
    assert "代表已补充" in card and ADDED in card and "补充照片：1 张" in card, card
    assert "本组没有待审核的记录了" in await tap(leader, "通过")
    assert await bot.value("SELECT status FROM items WHERE id = ?", four) == "reviewed"


async def test_double_tap_accepts_once_and_a_typed_number_merges(bot: Harness) -> None:
    wang = await bot.join("王芳")
    first = await submitted(bot, wang, DESCRIPTION)
    second = await submitted(bot, wang, PAVEMENT)
    leader = await bot.join("组长", Role.LEADER, group="G01")
    card = next(m for m in await _review(leader) if m.buttons)
    data = card.button_data["✅ 通过"]
    await leader.press_data(card.message_id, data)
    again = await leader.press_data(card.message_id, data)
    await leader.settle()
    assert "状态已经变化" in await answer_to(leader, again)
    assert (
        await bot.value(
            "SELECT COUNT(*) FROM item_events WHERE item_id = ? AND to_status = 'reviewed'", first
        )
        == 1
    )

    # The second item is on screen now; no proposal fits, so the leader types the number.
    assert "与 2020-0002 相似的记录" in await tap(leader, "合并到…")
    assert "没有找到编号为 2020-0099" in await say(leader, "2020-0099")
    assert "请输入记录编号" in await say(leader, "第一条")
    merged = await say(leader, "2020-0001")
    assert "已将 2020-0002 合并到 2020-0001" in merged and "本组没有待审核的记录了" in merged
    assert await bot.value("SELECT merged_into_id FROM items WHERE id = ?", second) == first


async def test_staff_choose_a_group_then_review(bot: Harness) -> None:
    wang = await bot.join("王芳")
    zhao = await bot.join("赵敏", group="G02")
    ours = await submitted(bot, wang, DESCRIPTION)
    await submitted(bot, zhao, PAVEMENT, group="G02")
    staff = await bot.join("机关", Role.STAFF, group=None)
    choice = next(m for m in await _review(staff) if m.buttons)
    assert "G01 第一监督小组（1）" in choice.buttons and "全部小组（2）" in choice.buttons
    card = await tap(staff, "G01 第一监督小组（1）")
    assert "2020-0001" in card and "待审核 1 条" in card, card
    assert "本组没有待审核的记录了" in await tap(staff, "通过")
    clerk = await bot.person(staff)
    assert (
        await bot.value(
            "SELECT actor_id FROM item_events WHERE item_id = ? AND to_status = 'reviewed'", ours
        )
        == clerk.id
    )
