"""/review and its answers, whose they are: deputies and other groups' leaders cannot review,
only the asked author adds more, a leader merges only into their group's open items, and a
leader moved to another group sees and finishes nothing more of the old one."""

from __future__ import annotations

import pytest

from bot import review_rules
from bot.errors import Refused
from bot.people import Role
from tests.conftest import Harness, answer_to, answer_to_button
from tests.rating_steps import answered_item, raise_item
from tests.review_steps import (
    CANTEEN,
    PAVEMENT,
    QUESTION,
    QUIET,
    REASON,
    _review,
    press_am,
    say,
    submitted,
    tap,
    texts_of,
)
from tests.steps import DESCRIPTION, staff_change


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
