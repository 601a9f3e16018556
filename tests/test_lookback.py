"""/lookback: months after an item closed, a deputy of its group goes back, takes photos, and says
whether the fix held; a broken fix sends the item back to its unit."""

from __future__ import annotations

from datetime import timedelta

from bot.bootstrap import database_of
from bot.clock import from_db
from bot.deadlines import add_months
from bot.items import Item
from bot.people import Person, Role
from localapi import SimUser
from tests.conftest import Harness, answer_to, answer_to_button, reply_to
from tests.images import make_jpeg
from tests.rating_steps import closed_item, delivered, outbox_keys
from tests.steps import staff_change, turned_away

LONG_AGO = timedelta(days=100)  # longer than the 90 days before a look-back is due


async def _closed(bot: Harness, *, due: bool = True) -> tuple[Item, SimUser, Person, Person]:
    """An item raised by 王芳 in G01, closed long ago (or just now); returns the item, the
    author's phone, staff and the unit's liaison."""
    author = await bot.join("王芳")
    leader = await bot.person(await bot.join("赵组长", Role.LEADER))
    staff = await bot.person(await bot.join("陈工作人员", Role.STAFF))
    liaison = await bot.person(await bot.join("周联络员", Role.LIAISON, unit="health"))
    now = bot.now() - LONG_AGO if due else bot.now()
    item = await closed_item(bot, await bot.person(author), leader, staff, liaison, now=now)
    assert item.status == "closed"
    await delivered(bot, author)  # the notices of its life so far
    return item, author, staff, liaison


async def test_a_deputy_finds_the_fix_held_with_photos(bot: Harness) -> None:
    item, author, _staff, _liaison = await _closed(bot)
    sun = await bot.join("孙代表")  # same group, did not raise it
    await sun.send_text("/lookback")
    shown = await sun.settle()
    assert "1</b> 项回头看已到期" in (shown[0].text or ""), [m.describe() for m in shown]
    card = shown[-1]
    assert "2020-0001" in (card.text or "") and "已完成实验室设备安装调试" in (card.text or "")
    assert "评价结果：满意" in (card.text or "")
    assert card.buttons == ["📷 拍照记录", "✅ 效果保持", "⚠️ 问题反弹"]

    await sun.press("📷 拍照记录")
    assert "请发送 问题 2020-0001 的现场照片" in ((await sun.next_message()).text or "")
    await sun.send_photo(make_jpeg(800, 600, pattern_seed=71))
    assert "已保存照片" in ((await sun.next_message()).text or "")
    await sun.press("完成")
    await sun.settle()
    assert sun.messages[-1].buttons == ["📷 拍照记录", "✅ 效果保持", "⚠️ 问题反弹"]
    await sun.press("✅ 效果保持")
    done = await sun.settle()
    assert any("整改效果保持" in (m.text or "") for m in done), [m.describe() for m in done]
    assert any("全部完成" in (m.text or "") for m in done)

    row = await database_of(bot.services).fetch_one(
        "SELECT * FROM lookbacks WHERE item_id = ?", (item.id,)
    )
    assert row is not None
    assert (row["result"], row["done_by"]) == ("held", (await bot.person(sun)).id)
    fresh = await bot.services.items.get(item.id)
    assert fresh is not None and (fresh.status, fresh.lookback_result) == ("closed", "held")
    assert (
        await bot.value(
            "SELECT COUNT(*) FROM photos WHERE item_id = ? AND purpose = 'lookback'", item.id
        )
        == 1
    )
    assert "notice.lookback_held" in await outbox_keys(bot, await bot.person(author))


async def test_the_leader_finds_the_problem_back_and_the_unit_gets_it_again(bot: Harness) -> None:
    item, _author, staff, liaison = await _closed(bot)
    leader = next(u for u in bot.api._users.values() if u.first_name == "赵组长")
    await leader.send_text("/lookback")
    await leader.settle()
    await leader.press("⚠️ 问题反弹")
    assert "请写明 问题 2020-0001 的问题如何反弹" in ((await leader.next_message()).text or "")
    assert "请写明理由" in await reply_to(leader, "坏")
    await leader.send_text("实验室空调再次故障，设备停用。")
    done = await leader.settle()
    assert any("问题反弹，已重新交办责任单位" in (m.text or "") for m in done), [
        m.describe() for m in done
    ]
    now = bot.now()
    fresh = await bot.services.items.get(item.id)
    assert fresh is not None
    assert (fresh.status, fresh.round, fresh.lookback_result) == ("in_progress", 2, "broken")
    assert fresh.closed_at is None and fresh.rating is None
    assert fresh.due_at is not None and abs(fresh.due_at - add_months(now, 1)) < timedelta(
        minutes=5
    )
    assert await bot.value("SELECT note FROM lookbacks WHERE item_id = ?", item.id) == (
        "实验室空调再次故障，设备停用。"
    )
    assert "notice.reopened_unit" in await outbox_keys(bot, liaison)
    assert "notice.reopened" in await outbox_keys(bot, staff)
    # Reopened, the look-back is no longer listed.
    assert "没有到期的回头看" in await reply_to(leader, "/lookback")


async def test_a_look_back_is_done_once_even_from_two_phones(bot: Harness) -> None:
    item, _author, _staff, _liaison = await _closed(bot)
    sun = await bot.join("孙代表")
    qian = await bot.join("钱代表")
    for deputy in (sun, qian):
        await deputy.send_text("/lookback")
        await deputy.settle()
    await sun.press("✅ 效果保持")
    await sun.settle()
    late = await qian.press("✅ 效果保持")
    assert "回头看已经完成" in await answer_to(qian, late)
    await qian.settle()
    assert (
        await bot.value(
            "SELECT COUNT(*) FROM item_events WHERE item_id = ? AND kind = 'lookback'", item.id
        )
        == 1
    )


async def test_look_backs_not_yet_due_are_listed_for_information(bot: Harness) -> None:
    item, author, _staff, _liaison = await _closed(bot, due=False)
    await author.send_text("/lookback")
    reply = await author.next_message()
    assert "没有到期的回头看" in (reply.text or "") and "即将到期的回头看" in (reply.text or "")
    due = from_db(await bot.value("SELECT due_at FROM lookbacks WHERE item_id = ?", item.id))
    assert due is not None and bot.services.policy.day(due) in (reply.text or "")
    assert reply.buttons == []


async def test_other_groups_and_staff_have_no_look_back_here(bot: Harness) -> None:
    await _closed(bot)
    other = await bot.join("吴代表", group="G02")
    assert "没有到期的回头看" in await reply_to(other, "/lookback")
    staff = next(u for u in bot.api._users.values() if u.first_name == "陈工作人员")
    assert "无权使用此功能" in await reply_to(staff, "/lookback")


async def test_a_deputy_moved_to_another_group_no_longer_looks_back_at_the_old_ones(
    bot: Harness,
) -> None:
    item, _author, _staff, _liaison = await _closed(bot)
    clerk = await bot.join("李工作人员", Role.STAFF)
    sun = await bot.join("孙代表")
    await sun.send_text("/lookback")
    card = (await sun.settle())[-1]
    assert "2020-0001" in (card.text or ""), card.describe()

    await staff_change(clerk, "孙代表", "改小组", "第二监督小组")
    await delivered(bot, sun)
    await turned_away(sun, card, "⚠️ 问题反弹", "您已不在该监督小组", "2020-0001")
    assert "按钮已失效" in await answer_to_button(sun, card, "✅ 效果保持")
    fresh = await bot.services.items.get(item.id)
    assert fresh is not None and (fresh.status, fresh.lookback_result) == ("closed", None)
    assert await bot.value("SELECT done_by FROM lookbacks WHERE item_id = ?", item.id) is None
