"""/mine lists a deputy's own items, opens one with its photos, withdraws it; staff /invite."""

from __future__ import annotations

from bot.bootstrap import database_of
from bot.people import Role
from tests.conftest import Harness, answer_to, reply_to
from tests.steps import press_for_edit, reported_with_photo, submitted_suggestions


async def test_mine_pages_opens_and_withdraws(bot: Harness) -> None:
    deputy = await bot.join("王芳")
    assert "还没有提交过" in await reply_to(deputy, "/mine")
    ids = await submitted_suggestions(bot, deputy, 7)

    await deputy.send_text("/mine")
    page1 = await deputy.next_message()
    assert "共 7 条，第 1/2 页" in (page1.text or "")
    assert page1.buttons[0].startswith("建议 2020-0007") and page1.buttons[-1] == "下一页 »"
    page2 = await press_for_edit(deputy, "下一页 »")
    assert "第 2/2 页" in (page2.text or "") and page2.buttons[-1] == "« 上一页"
    detail = await press_for_edit(deputy, "建议 2020-0001")
    assert "第 1 条建议" in (detail.text or "") and "已提交" in (detail.text or "")
    confirm = await press_for_edit(deputy, "撤回")
    assert "确定撤回 建议 2020-0001" in (confirm.text or "")
    after = await press_for_edit(deputy, "确定撤回")
    assert "已撤回" in (after.text or "") and "撤回" not in after.buttons
    assert await bot.value("SELECT status FROM items WHERE id = ?", ids[0]) == "withdrawn"
    assert (
        await bot.value(
            "SELECT COUNT(*) FROM item_events WHERE item_id = ? AND to_status = 'withdrawn'", ids[0]
        )
        == 1
    )
    # Pressing the stale "withdraw" confirmation again changes nothing.
    press = await deputy.press_data(after.message_id, f"mine:withdraw_ok:{ids[0]}")
    assert "不能撤回" in await answer_to(deputy, press)


async def test_another_deputys_item_is_never_shown(bot: Harness) -> None:
    alice = await bot.join("王芳")
    mallory = await bot.join("冒名者")
    ids = await submitted_suggestions(bot, alice, 1)
    await mallory.send_text("/mine")
    empty = await mallory.next_message()
    for verb in ("open", "photos", "withdraw", "withdraw_ok"):
        press = await mallory.press_data(empty.message_id, f"mine:{verb}:{ids[0]}")
        assert "已失效" in await answer_to(mallory, press)
    assert all("增设遮阳棚" not in (m.text or "") for m in mallory.messages)
    assert await bot.value("SELECT status FROM items WHERE id = ?", ids[0]) == "submitted"


async def _rename(bot: Harness, site_id: int, name: str) -> None:
    async with database_of(bot.services).transaction() as conn:
        await conn.execute("UPDATE sites SET name = ? WHERE id = ?", (name, site_id))


async def test_long_place_names_are_cut_with_an_ellipsis(bot: Harness) -> None:
    deputy = await bot.join("王芳")
    long_name = "西湖区文三路某小学食堂（智能“阳光厨房”）"
    site = await bot.site_of_group("G01")
    await _rename(bot, site.id, long_name)
    await submitted_suggestions(bot, deputy, 1)
    await deputy.send_text("/mine")
    label = (await deputy.next_message()).buttons[0]
    where = label.split(" · ")[1]
    assert where.endswith("…") and long_name.startswith(where[:-1]), label
    assert len(where) <= 14, label
    # A name that fits is shown whole, without a mark.
    await _rename(bot, site.id, "文三路小学")
    await deputy.send_text("/mine")
    assert (await deputy.next_message()).buttons[0].split(" · ")[1] == "文三路小学"


async def test_photos_of_an_item_are_sent_back(bot: Harness) -> None:
    deputy = await reported_with_photo(bot)
    await deputy.send_text("/mine")
    await deputy.next_message()
    await press_for_edit(deputy, "问题 2020-0001")
    await deputy.press("查看照片")
    album = await deputy.next_message()
    assert album.files and album.files[0][:2] == b"\xff\xd8"  # a JPEG display copy


async def test_staff_invites_from_inside_the_bot(bot: Harness) -> None:
    staff = await bot.join("赵工作", Role.STAFF, group=None)
    await staff.send_text("/invite")
    roles = await staff.next_message()
    assert roles.buttons[:4] == ["人大代表", "监督小组组长", "人大机关工作人员", "单位联络员"]
    units = await press_for_edit(staff, "单位联络员")
    await press_for_edit(staff, units.buttons[0])
    await staff.send_text("钱联络")
    created = await staff.next_message()
    link = next(w for w in (created.text or "").split() if w.startswith("https://t.me/"))
    token = link.split("start=")[1]
    liaison = bot.api.user(880001, "钱联络", language_code="zh")
    assert "单位联络员" in await reply_to(liaison, f"/start {token}")
    assert "无权" in await reply_to(liaison, "/mine")
    assert await bot.value("SELECT unit_id IS NOT NULL FROM persons WHERE name = '钱联络'") == 1
