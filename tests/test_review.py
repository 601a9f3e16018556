"""/review: a group leader accepts, merges, declines and asks for more; the author adds it.

Several people in one story: two deputies of 第一监督小组 report from the same site, their leader
goes through the items one at a time, and the deputy who was asked answers from the notice.
"""

from __future__ import annotations

import json

import pytest

from bot import review_rules
from bot.errors import Refused
from bot.items import Kind
from bot.people import Role
from localapi import BotMessage, CallbackPress, SimUser
from tests.conftest import Harness, answer_to, answer_to_button
from tests.images import make_jpeg
from tests.rating_steps import answered_item, raise_item
from tests.steps import DESCRIPTION, button_data, check_in, report_problem, staff_change

# The same problem in another deputy's words, and two unrelated ones at the same site.
SAME_PROBLEM = "外立面脚手架停工已两周，现场没有施工人员，按期交付有风险。"
PAVEMENT = "校门口人行道破损严重，雨天积水，学生通行不便。"
CANTEEN = "食堂排风设备噪音过大，周边居民多次反映影响休息。"
REASON = "属于市政道路养护范围，不在本项目内。"
QUESTION = "请补充排风设备的具体位置和噪音最大的时段。"
# The bot answers within milliseconds; a short quiet spell keeps the story quick.
# Long enough for a loaded 2-core CI machine to start answering after the update is fetched.
QUIET = 0.25
ADDED = "排风机在食堂北侧屋顶，晚上九点以后噪音最明显。"


def texts_of(messages: list[BotMessage]) -> str:
    return "\n---\n".join(m.text or "" for m in messages if not m.edited)


async def tap(user: SimUser, label: str) -> str:
    """Press a button and return what the bot then said (new messages only)."""
    await user.press(label)
    return texts_of(await user.settle(quiet=QUIET))


async def say(user: SimUser, text: str) -> str:
    await user.send_text(text)
    return texts_of(await user.settle(quiet=QUIET))


async def item_id(bot: Harness, number: int) -> int:
    return int(await bot.value("SELECT id FROM items WHERE number = ?", number))


async def status_and_note(bot: Harness, item: int, event: str) -> tuple[str, str]:
    """The item's status, and the note of its event that matches `event` (an SQL condition)."""
    status = await bot.value("SELECT status FROM items WHERE id = ?", item)
    note = await bot.value(f"SELECT note FROM item_events WHERE item_id = ? AND {event}", item)
    return status, note


async def submitted(bot: Harness, author: SimUser, description: str, group: str = "G01") -> int:
    """An item made through the repository calls the report conversation uses."""
    person = await bot.person(author)
    site = await bot.site_of_group(group)
    items = bot.services.items
    new_id = await items.create_draft(
        campaign_id=bot.services.campaign.id,
        kind=Kind.SUGGESTION,
        author_id=person.id,
        group_id=person.group_id,
        now=bot.now(),
    )
    await items.update_draft(
        new_id,
        person.id,
        bot.now(),
        site_id=site.id,
        project_id=site.project_id,
        subitem_id=site.subitem_id,
        description=description,
    )
    await items.submit(new_id, person.id, bot.now())
    return new_id


async def press_am(user: SimUser, item: int) -> CallbackPress:
    """The author taps "补充情况" on the leader's question.

    Once the outbox sender delivers notices, the button is on a message in their chat; until
    then the same callback data is sent from one of their messages, as Telegram would.
    """
    await user.settle(quiet=QUIET)
    for message in reversed(user.messages):
        if message.button_data.get("补充情况") == f"am:{item}":
            return await user.press_data(message.message_id, f"am:{item}")
    return await user.press_data(user.messages[-1].message_id, f"am:{item}")


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


async def _review(leader: SimUser) -> list[BotMessage]:
    await leader.send_text("/review")
    return await leader.settle(quiet=QUIET)


async def test_deputies_and_other_groups_leaders_cannot_review(bot: Harness) -> None:
    wang = await bot.join("王芳")
    zhao = await bot.join("赵敏", group="G02")
    ours = await submitted(bot, wang, DESCRIPTION)  # 2020-0001, G01
    await submitted(bot, zhao, PAVEMENT, group="G02")  # 2020-0002, G02

    assert "无权使用此功能" in await say(wang, "/review")
    assert await bot.value("SELECT COUNT(*) FROM item_events WHERE item_id = ?", ours) == 1

    other = await bot.join("二组组长", Role.LEADER, group="G02")
    card = [m for m in await _review(other) if m.buttons]
    assert len(card) == 1 and "2020-0002" in (card[0].text or "")
    assert "2020-0001" not in (card[0].text or "")
    # A modified client puts G01's item in an accept button of this conversation.
    forged = card[0].button_data["✅ 通过"].rsplit(":", 1)[0] + f":{ours}"
    press = await other.press_data(card[0].message_id, forged)
    assert "按钮已失效" in await answer_to(other, press)
    await other.settle()
    assert await bot.value("SELECT status FROM items WHERE id = ?", ours) == "submitted"
    assert await bot.value("SELECT COUNT(*) FROM item_events WHERE item_id = ?", ours) == 1
    # The rule itself refuses another group's leader, whatever the front end does.
    item = await bot.services.items.get(ours)
    assert item is not None
    with pytest.raises(Refused) as refused:
        review_rules.accept(
            item, await bot.person(other), await bot.services.items.parties(item), bot.now()
        )
    assert refused.value.key == "item_not_your_group"


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


async def test_add_more_is_refused_politely_unless_asked_of_the_author(bot: Harness) -> None:
    wang = await bot.join("王芳")
    li = await bot.join("李建国")
    asked = await submitted(bot, li, CANTEEN)
    not_asked = await submitted(bot, wang, PAVEMENT)
    leader = await bot.join("组长", Role.LEADER, group="G01")
    item = await bot.services.items.get(asked)
    assert item is not None
    change = review_rules.ask_more(
        item, await bot.person(leader), QUESTION, await bot.services.items.parties(item)
    )
    assert await bot.services.apply(change, bot.now())

    for who, target, answer in [
        (wang, asked, "这不是您提交的记录"),  # someone else's item
        (wang, not_asked, "组长没有请您补充"),
        (wang, 987654, "按钮已失效"),
    ]:
        press = await who.press_data(who.messages[-1].message_id, f"am:{target}")
        assert answer in await answer_to(who, press)
    await wang.settle()
    assert await bot.value("SELECT COUNT(*) FROM item_events WHERE kind = 'more_info'") == 0

    # Once the leader has decided, the author's button no longer opens anything.
    decided = review_rules.decline(
        item, await bot.person(leader), REASON, await bot.services.items.parties(item)
    )
    assert await bot.services.apply(decided, bot.now())
    press = await press_am(li, asked)
    assert "不需要再补充" in await answer_to(li, press)


async def test_a_leader_merges_only_into_their_groups_items_still_being_handled(
    bot: Harness,
) -> None:
    """Merging makes the item's raisers raisers of the target: they get its notices and vote on
    its answer. So a leader may not reach into another group's items, nor into an answered one."""
    staff = await bot.person(await bot.join("机关", Role.STAFF, group=None))
    liaison = await bot.person(await bot.join("钱联络", Role.LIAISON, group=None, unit="health"))
    zhao = await bot.person(await bot.join("赵敏", group="G02"))
    other_leader = await bot.person(await bot.join("二组组长", Role.LEADER, group="G02"))
    # G02's item at the same site in the same words, already answered by the unit: 2020-0001.
    theirs = await answered_item(bot, [zhao], other_leader, staff, liaison)
    wang = await bot.person(await bot.join("王芳"))
    leader = await bot.join("组长", Role.LEADER, group="G01")
    # G01's own answered item (2020-0002), and the new one under review (2020-0003).
    ours = await answered_item(bot, [wang], await bot.person(leader), staff, liaison)
    fresh = await raise_item(bot, wang)

    card = texts_of(await _review(leader))
    assert "<b>问题 2020-0003</b>" in card, card
    # Another group's item is none of this leader's business, not even as a likely duplicate.
    assert "2020-0001" not in card and "赵敏" not in card
    # The group's own answered item is worth knowing about, but it takes no new raisers.
    assert "问题 2020-0002</b>（已答复）" in card, card
    choices = await tap(leader, "合并到…")
    assert "相似的记录" in choices
    buttons = leader.messages[-1].buttons
    assert buttons == ["« 返回"], buttons

    refused = await say(leader, "2020-0001")
    assert "2020-0001 不是本组的记录" in refused, refused
    refused = await say(leader, "2020-0002")
    assert "2020-0002 已经答复或办结" in refused, refused
    assert "不能再增加提出人" in refused

    assert await bot.value("SELECT status FROM items WHERE id = ?", fresh.id) == "submitted"
    for target in (theirs, ours):
        assert await bot.services.items.raiser_names(target.id) in (["赵敏"], ["王芳"])
    assert await bot.value("SELECT COUNT(*) FROM item_raisers WHERE item_id = ?", theirs.id) == 1
    assert await bot.value("SELECT COUNT(*) FROM item_raisers WHERE item_id = ?", ours.id) == 1
    merged = await bot.value("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%notice.merged%'")
    assert merged == 0


async def test_a_leader_moved_to_another_group_sees_nothing_more_of_the_old_one(
    bot: Harness,
) -> None:
    staff = await bot.join("机关", Role.STAFF, group=None)
    wang = await bot.join("王芳")
    first = await submitted(bot, wang, DESCRIPTION)  # 2020-0001, G01
    second = await submitted(bot, wang, CANTEEN)  # 2020-0002, G01
    leader = await bot.join("组长", Role.LEADER, group="G01")
    card = next(m for m in await _review(leader) if m.buttons)
    assert "2020-0001" in (card.text or "") and "待审核 2 条" in (card.text or ""), card.describe()

    # Staff move the leader to G02 in /people while the review is open.
    await staff_change(staff, "组长", "改小组", "第二监督小组")
    await leader.settle(quiet=QUIET)

    press = await leader.press("跳过")
    after = texts_of(await leader.settle(quiet=QUIET))
    assert "您已不再负责该小组的审核" in after, after
    assert "2020-0002" not in after and CANTEEN not in after and "王芳" not in after, after
    await answer_to(leader, press)
    # The review is over, and its buttons are gone; sent again, as a client could, they do nothing.
    assert leader.messages[-1].buttons == [] and card.message_id in [
        m.message_id for m in leader.messages if m.edited and not m.buttons
    ]
    assert "按钮已失效" in await answer_to_button(leader, card, "✅ 通过")
    await leader.settle(quiet=QUIET)
    for item in (first, second):
        assert await bot.value("SELECT status FROM items WHERE id = ?", item) == "submitted"
        assert await bot.value("SELECT COUNT(*) FROM item_events WHERE item_id = ?", item) == 1

    # A new /review is the new group's queue.
    assert "本组没有待审核的记录了" in texts_of(await _review(leader))


async def test_a_moved_leader_cannot_finish_a_typed_step_for_the_old_group(bot: Harness) -> None:
    staff = await bot.join("机关", Role.STAFF, group=None)
    wang = await bot.join("王芳")
    first = await submitted(bot, wang, DESCRIPTION)
    await submitted(bot, wang, CANTEEN)
    leader = await bot.join("组长", Role.LEADER, group="G01")
    await _review(leader)
    assert "请输入不采纳 2020-0001 的理由" in await tap(leader, "不采纳")

    await staff_change(staff, "组长", "改小组", "第二监督小组")
    await leader.settle(quiet=QUIET)
    after = await say(leader, REASON)
    assert "您已不再负责该小组的审核" in after, after
    assert "2020-0002" not in after and CANTEEN not in after, after
    assert await bot.value("SELECT status FROM items WHERE id = ?", first) == "submitted"
    # The conversation is over: more text is not taken as a reason.
    assert "您已不再负责" not in await say(leader, REASON)
    assert await bot.value("SELECT status FROM items WHERE id = ?", first) == "submitted"
