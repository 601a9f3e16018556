"""Staff manage people from the bot (/people) and upload the catalog (/catalog)."""

from __future__ import annotations

from bot.bootstrap import database_of
from bot.catalog_file import EXAMPLE_CATALOG
from bot.people import Role, commands_for
from localapi import SimUser
from tests.conftest import Harness, answer_to, reply_to
from tests.rating_steps import delivered
from tests.steps import press_for_edit

NEW_PROJECT = """

[[projects]]
code = "C11"
title = "新增城市书房"
description = "新建城市书房20家。"
level = "city"
"""


def menu(bot: Harness, user: SimUser) -> list[str]:
    return [c["command"] for c in bot.api.commands({"type": "chat", "chat_id": user.user_id})]


async def open_card(staff: SimUser, name: str) -> None:
    assert "请输入要管理的人员姓名" in await reply_to(staff, "/people")
    await staff.send_text(name)
    card = await staff.next_message()
    assert f"<b>{name}</b>" in (card.text or ""), card.describe()


async def test_staff_make_a_deputy_leader_of_another_group(bot: Harness) -> None:
    staff = await bot.join("陈工作人员", Role.STAFF)
    wang = await bot.join("王芳")
    assert menu(bot, wang) == list(commands_for(Role.DEPUTY))

    await open_card(staff, "王芳")
    card = staff.messages[-1]
    assert "角色：人大代表" in (card.text or "") and "第一监督小组" in (card.text or "")
    assert card.buttons == ["改角色", "改小组", "停用", "完成"]
    roles = await press_for_edit(staff, "改角色")
    assert "监督小组组长" in roles.buttons
    groups = await press_for_edit(staff, "监督小组组长")
    assert "★ 第一监督小组" in groups.buttons
    saved = await press_for_edit(staff, "第二监督小组")
    assert "已保存" in (saved.text or "") and "角色：监督小组组长" in (saved.text or "")
    assert "第二监督小组" in (saved.text or "")

    campaign_id = bot.services.campaign.id
    g01 = await bot.services.catalog.group_by_code(campaign_id, "G01")
    g02 = await bot.services.catalog.group_by_code(campaign_id, "G02")
    assert g01 is not None and g02 is not None
    person = await bot.person(wang)
    assert (person.role, person.group_id) == (Role.LEADER, g02.id)
    events = await database_of(bot.services).fetch_all(
        "SELECT field, old_value, new_value, actor_id FROM person_events WHERE person_id = ? "
        "ORDER BY id",
        (person.id,),
    )
    actor = (await bot.person(staff)).id
    assert [tuple(e) for e in events] == [
        ("role", "deputy", "leader", actor),
        ("group_id", str(g01.id), str(g02.id), actor),
    ]
    assert menu(bot, wang) == list(commands_for(Role.LEADER))
    await delivered(bot, wang)
    assert any(
        "您的角色已调整为<b>监督小组组长</b>（第二监督小组）" in (m.text or "")
        for m in wang.messages
    )


async def test_deactivating_takes_effect_once_and_locks_the_person_out(bot: Harness) -> None:
    staff = await bot.join("陈工作人员", Role.STAFF)
    wang = await bot.join("王芳")
    await open_card(staff, "王芳")
    card = staff.messages[-1]
    data = card.button_data["停用"]
    first = await staff.press_data(card.message_id, data)
    second = await staff.press_data(card.message_id, data)
    await staff.settle()
    assert "按钮已失效" in await answer_to(staff, second)
    assert "状态：已停用" in (staff.messages[-1].text or "")
    assert first.query_id != second.query_id
    person = await bot.person(wang)
    assert person.active is False
    assert await bot.value("SELECT COUNT(*) FROM person_events WHERE person_id = ?", person.id) == 1
    assert menu(bot, wang) == []
    assert "您尚未登记" in await reply_to(wang, "/mine")

    await staff.press("启用")
    await staff.settle()
    assert "状态：正常" in (staff.messages[-1].text or "")
    assert menu(bot, wang) == list(commands_for(Role.DEPUTY))


async def test_staff_cannot_change_themselves_and_deputies_cannot_manage(bot: Harness) -> None:
    staff = await bot.join("陈工作人员", Role.STAFF)
    await open_card(staff, "陈工作人员")
    press = await staff.press("停用")
    assert "不能修改自己" in await answer_to(staff, press)
    assert (await bot.person(staff)).active is True

    deputy = await bot.join("王芳")
    for command in ("/people", "/catalog"):
        assert "无权使用此功能" in await reply_to(deputy, command)


async def test_a_person_is_found_by_part_of_their_name(bot: Harness) -> None:
    staff = await bot.join("陈工作人员", Role.STAFF)
    await bot.join("王芳")
    await bot.join("王强")
    await staff.send_text("/people")
    await staff.next_message()
    assert "没有找到" in await reply_to(staff, "李")
    await staff.send_text("王")
    listing = await staff.next_message()
    assert "找到 2 人" in (listing.text or "")
    card = await press_for_edit(staff, "王强")
    assert "<b>王强</b>" in (card.text or "")


async def test_a_catalog_with_a_new_project_is_imported_after_confirmation(bot: Harness) -> None:
    staff = await bot.join("陈工作人员", Role.STAFF)
    projects = await bot.value("SELECT COUNT(*) FROM projects")
    assert "hangzhou-2020" in await reply_to(staff, "/catalog")
    text = EXAMPLE_CATALOG.read_text(encoding="utf-8") + NEW_PROJECT
    await staff.send_document(text.encode(), file_name="hangzhou.toml")
    preview = await staff.next_message()
    assert "校验通过" in (preview.text or "") and "民生实事项目：新增 1" in (preview.text or "")
    assert await bot.value("SELECT COUNT(*) FROM projects") == projects  # not yet
    done = await press_for_edit(staff, "确认导入")
    assert "已导入清单 hangzhou-2020" in (done.text or ""), done.describe()
    assert await bot.value("SELECT COUNT(*) FROM projects") == projects + 1
    assert await bot.value("SELECT title FROM projects WHERE code = 'C11'") == "新增城市书房"

    # The same file again: nothing to do.
    await staff.send_text("/catalog")
    await staff.next_message()
    await staff.send_document(text.encode(), file_name="hangzhou.toml")
    assert "完全一致" in ((await staff.next_message()).text or "")


async def test_a_broken_catalog_shows_its_errors_and_changes_nothing(bot: Harness) -> None:
    staff = await bot.join("陈工作人员", Role.STAFF)
    before = await bot.value("SELECT COUNT(*) FROM subitems WHERE unit_id IS NOT NULL")
    await staff.send_text("/catalog")
    await staff.next_message()
    broken = EXAMPLE_CATALOG.read_text(encoding="utf-8").replace(
        'unit = "health"', 'unit = "nowhere"', 1
    )
    await staff.send_document(broken.encode(), file_name="hangzhou.toml")
    reply = await staff.next_message()
    assert "subitems[0].unit: unknown unit &#x27;nowhere&#x27;" in (reply.text or ""), (
        reply.describe()
    )
    assert "数据库没有任何改动" in (reply.text or "")

    # Still waiting for a file: a catalog of another campaign is refused politely.
    other = EXAMPLE_CATALOG.read_text(encoding="utf-8").replace(
        'code = "hangzhou-2020"', 'code = "hangzhou-2021"', 1
    )
    await staff.send_document(other.encode(), file_name="hangzhou-2021.toml")
    assert "正在运行的是 <code>hangzhou-2020</code>" in ((await staff.next_message()).text or "")
    assert ".toml" in await reply_to(staff, "随便说点什么")
    assert await bot.value("SELECT COUNT(*) FROM subitems WHERE unit_id IS NOT NULL") == before
    assert await bot.value("SELECT COUNT(*) FROM campaigns") == 1
