"""/forward: staff send reviewed items to units, re-route returned ones, record paper answers."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import openpyxl
import pytest

from bot import review_rules, unit_rules
from bot.bootstrap import database_of
from bot.clock import from_db
from bot.deadlines import add_months
from bot.forward_list import ListRow, safe_cell, write_list
from bot.people import Role
from localapi import SimUser
from tests.conftest import Harness, answer_to, answer_to_button, reply_to
from tests.steps import (
    DESCRIPTION,
    button_data,
    check_in,
    confirm,
    press_for_edit,
    report_problem,
    skip_photos,
    staff_change,
    turned_away,
)

TRICKY = '=HYPERLINK("http://x"); 楼道扶手松动，存在安全隐患'


async def join_cast(
    bot: Harness, *liaisons: tuple[str, str]
) -> tuple[SimUser, SimUser, list[SimUser], SimUser]:
    """They join in this order: 王芳 (a deputy of G01), her leader 张组长, the liaisons (name,
    unit code) and 工作人员 of the staff."""
    deputy = await bot.join("王芳")
    leader = await bot.join("张组长", Role.LEADER)
    joined = [await bot.join(n, Role.LIAISON, group=None, unit=u) for n, u in liaisons]
    return deputy, leader, joined, await bot.join("工作人员", Role.STAFF, group=None)


async def raise_problems(bot: Harness, deputy: SimUser, *texts: str) -> list[int]:
    """The deputy checks in once and raises one problem per text; returns the item ids."""
    await check_in(bot, deputy)
    ids = []
    for text in texts:
        await report_problem(deputy, text)
        ids.append(await bot.value("SELECT MAX(id) FROM items WHERE status = 'submitted'"))
    return ids


async def accept(bot: Harness, leader: SimUser, *item_ids: int) -> None:
    """The group leader accepts the items (the /review screens are someone else's)."""
    person = await bot.person(leader)
    for item_id in item_ids:
        item = await bot.services.items.get(item_id)
        assert item is not None
        parties = await bot.services.items.parties(item)
        change = review_rules.accept(item, person, parties, bot.now())
        assert await bot.services.apply(change, bot.now())


async def outbox(bot: Harness, user: SimUser) -> list[dict[str, Any]]:
    person = await bot.person(user)
    rows = await database_of(bot.services).fetch_all(
        "SELECT payload FROM outbox WHERE person_id = ? ORDER BY id", (person.id,)
    )
    return [json.loads(r[0]) for r in rows]


async def open_units(staff: SimUser) -> str:
    await staff.send_text("/forward")
    menu = await staff.next_message()
    assert "交办与答复" in (menu.text or ""), menu.describe()
    await staff.press("按单位交办")
    return (await staff.next_message(edited=True)).text or ""


async def test_staff_forward_a_units_items_and_its_liaison_gets_them_with_the_list(
    bot: Harness,
) -> None:
    deputy, leader, [liaison], staff = await join_cast(bot, ("联络员", "health"))
    ids = await raise_problems(bot, deputy, DESCRIPTION, TRICKY)
    await accept(bot, leader, *ids)

    units = await open_units(staff)
    assert "请选择单位" in units
    assert "市卫健委（2）" in staff.messages[-1].buttons
    batch = await press_for_edit(staff, "市卫健委（2）")
    text = batch.text or ""
    assert "交办给 市卫健委" in text and "问题 2020-0001" in text and "问题 2020-0002" in text
    assert "1 位联络员" in text
    # A nervous double tap on "forward all" forwards once.
    data = batch.button_data["✅ 全部交办（2）"]
    first = await staff.press_data(batch.message_id, data)
    second = await staff.press_data(batch.message_id, data)
    assert "已失效" in await answer_to(staff, second)
    # One person's updates go in order: the second press is answered after the first is done,
    # so what the first sent (its edit comes after the list is made, which can outlast a quiet
    # spell) has all arrived, and is read here rather than by the next step.
    await staff.settle()
    assert first.query_id != second.query_id
    done = staff.messages[-1].text or ""
    assert "已交办 2 条给 <b>市卫健委</b>" in done and "已通知该单位 1 位联络员" in done

    before = bot.now()
    health = await bot.value("SELECT id FROM units WHERE code = 'health'")
    for item_id in ids:
        row = await database_of(bot.services).fetch_one(
            "SELECT * FROM items WHERE id = ?", (item_id,)
        )
        assert row is not None
        assert (row["status"], row["unit_id"], row["for_letter"], row["round"]) == (
            "forwarded",
            health,
            0,
            1,
        )
        forwarded_at, due_at = from_db(row["forwarded_at"]), from_db(row["due_at"])
        assert forwarded_at is not None and due_at is not None
        assert before - forwarded_at < timedelta(minutes=1)
        assert due_at == add_months(forwarded_at, 3)
        assert timedelta(days=89) <= due_at - forwarded_at <= timedelta(days=92)
        policy = bot.services.policy
        assert policy.day(due_at) in done
        assert (
            await bot.value(
                "SELECT COUNT(*) FROM item_events WHERE item_id = ? AND to_status = 'forwarded'",
                item_id,
            )
            == 1
        )

    # The liaison: one notice per item, then the list of the batch as a document.
    to_liaison = await outbox(bot, liaison)
    assert [n["key"] for n in to_liaison] == [
        "notice.forwarded_unit",
        "notice.forwarded_unit",
        "forward.list_caption",
    ]
    assert button_data(to_liaison[0]["buttons"][0][0]) == f"ib:{ids[0]}"
    document = to_liaison[-1]
    assert document["file_kind"] == "document" and document["params"]["count"] == 2
    sheet = openpyxl.load_workbook(document["file_path"]).active
    assert sheet is not None
    rows = [[c or "" for c in r] for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert rows[0] == ["编号", "类型", "项目", "子项", "点位", "问题类别", "内容", "答复期限"]
    assert [r[0] for r in rows[1:]] == ["2020-0001", "2020-0002"]
    assert rows[1][1] == "问题" and rows[1][5] == "进度滞后" and rows[1][6] == DESCRIPTION
    assert rows[1][2] and rows[1][3] and rows[1][4]
    assert rows[2][6] == "'" + TRICKY  # a formula-looking text stays text
    assert due_at is not None  # as asserted in the loop; mypy forgets it after the loop
    assert rows[1][7] == policy.day(due_at)
    # The deputy hears that both went to the unit.
    keys = [n["key"] for n in await outbox(bot, deputy)]
    assert keys.count("notice.forwarded") == 2

    # Nothing is left to forward.
    assert "目前没有待交办的事项" in await open_units(staff)


async def test_unit_without_liaison_goes_by_letter_and_staff_record_its_paper_answer(
    bot: Harness,
) -> None:
    deputy, leader, _, staff = await join_cast(bot)
    first, second = await raise_problems(bot, deputy, DESCRIPTION, TRICKY)
    await accept(bot, leader, first, second)

    await open_units(staff)
    assert "✉️ 市卫健委（2）" in staff.messages[-1].buttons
    batch = await press_for_edit(staff, "市卫健委（2）")
    assert "尚无联络员" in (batch.text or "")
    # Only the second item this time.
    picking = await press_for_edit(staff, "逐条选择")
    assert not any("交办所选" in b for b in picking.buttons)
    picking = await press_for_edit(staff, "2020-0002")
    assert any(b.startswith("☑️ 2020-0002") for b in picking.buttons), picking.describe()
    done = await press_for_edit(staff, "交办所选（1）")
    assert "已交办 1 条" in (done.text or "")
    assert "该单位尚无联络员，已标记为函告" in (done.text or "")
    statuses = await database_of(bot.services).fetch_all(
        "SELECT status, for_letter FROM items WHERE id IN (?, ?) ORDER BY id", (first, second)
    )
    assert [tuple(r) for r in statuses] == [("reviewed", 0), ("forwarded", 1)]
    assert await bot.value("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%forward.list%'") == 0

    # The unit answers on paper; staff type it in on the unit's behalf.
    await staff.send_text("/forward")
    await staff.next_message()
    await staff.press("录入书面答复")
    assert "2020-0007" in ((await staff.next_message(edited=True)).text or "")
    # Still reviewed: not with a unit.
    assert "只有已交办或办理中的事项" in await reply_to(staff, "2020-0001")
    assert "没有找到编号为 2020-0099" in await reply_to(staff, "2020-0099")
    await staff.send_text("2020-0002")
    classes = await staff.next_message()
    assert "请选择答复类型" in (classes.text or "") and "市卫健委" in (classes.text or "")
    # Class B: the letter's promised date first, checked as a liaison's would be.
    await staff.press("B 类")
    assert "请输入承诺完成日期" in ((await staff.next_message(edited=True)).text or "")
    assert "须在今天" in await reply_to(staff, "2020-06-01")
    assert "请输入书面答复" in await reply_to(staff, "2020年12月31日")
    assert "至少 2 个字" in await reply_to(staff, "好")
    await staff.send_text("已列入明年维修计划，预计三季度完成。")
    recorded = await staff.next_message()
    assert "已代为录入" in (recorded.text or "") and "B 类" in (recorded.text or "")

    assert await bot.value("SELECT status FROM items WHERE id = ?", second) == "answered"
    response = await database_of(bot.services).fetch_one(
        "SELECT * FROM responses WHERE item_id = ?", (second,)
    )
    assert response is not None
    assert (response["on_paper"], response["class"], response["round"]) == (1, "B", 1)
    assert str(response["promised_at"]).startswith("2020-12-3")  # local midnight, kept in UTC
    assert response["person_id"] == (await bot.person(staff)).id
    answered = [
        n for n in await outbox(bot, deputy) if n["key"] == "answers.notice_answered_promise"
    ]
    assert len(answered) == 1
    assert button_data(answered[0]["buttons"][0][0]) == f"rt:{second}:1:satisfied"


async def test_a_returned_item_is_rerouted_and_reaches_the_other_units_liaison(
    bot: Harness,
) -> None:
    deputy, leader, [health, edu], staff = await join_cast(
        bot, ("卫健联络员", "health"), ("教育联络员", "edu")
    )
    (item_id,) = await raise_problems(bot, deputy, DESCRIPTION)
    await accept(bot, leader, item_id)
    await open_units(staff)
    await press_for_edit(staff, "市卫健委（1）")
    await press_for_edit(staff, "全部交办")

    # The health commission says it is not theirs.
    item = await bot.services.items.get(item_id)
    assert item is not None
    services = bot.services
    change = unit_rules.return_item(
        item,
        await bot.person(health),
        "该点位由教育部门负责建设。",
        await services.items.parties(item),
        bot.now(),
        services.policy,
    )
    assert await services.apply(change, bot.now())
    # Staff are told through the outbox, and asked to re-route.
    told = await staff.next_message()
    assert "市卫健委 退回了问题" in (told.text or "") and "/forward" in (told.text or "")

    await staff.send_text("/forward")
    menu = await staff.next_message()
    assert "被退回待改派 1 条" in (menu.text or "")
    returned = await press_for_edit(staff, "处理退回")
    assert "该点位由教育部门负责建设。" in (returned.text or "")
    assert "退回单位：市卫健委" in (returned.text or "")
    assert "市卫健委" not in returned.buttons  # not back to the unit that returned it
    rerouted = await press_for_edit(staff, "市教育局")
    assert "改派给 <b>市教育局</b>" in (rerouted.text or "")
    edu_id = await bot.value("SELECT id FROM units WHERE code = 'edu'")
    row = await database_of(services).fetch_one(
        "SELECT status, unit_id, due_at FROM items WHERE id = ?", (item_id,)
    )
    assert row is not None and tuple(row) == ("reviewed", edu_id, None)

    units = await press_for_edit(staff, "按单位交办")
    assert "市教育局（1）" in units.buttons
    await press_for_edit(staff, "市教育局（1）")
    await staff.press("全部交办")
    assert "已交办 1 条给 <b>市教育局</b>" in ((await staff.next_message(edited=True)).text or "")
    assert await bot.value("SELECT status FROM items WHERE id = ?", item_id) == "forwarded"
    assert [n["key"] for n in await outbox(bot, edu)] == [
        "notice.forwarded_unit",
        "forward.list_caption",
    ]
    # The first unit got it once, before it gave it back.
    assert [n["key"] for n in await outbox(bot, health)].count("notice.forwarded_unit") == 1


async def test_an_item_without_a_lead_unit_is_forwarded_where_staff_choose(bot: Harness) -> None:
    deputy, leader, _, staff = await join_cast(bot)
    await deputy.send_text("/suggest")
    await deputy.next_message()
    await press_for_edit(deputy, "C01 ")
    await press_for_edit(deputy, "整个项目")
    await deputy.next_message()
    await deputy.send_text("建议在各区疾控中心之间建立检测设备共享机制。")
    await deputy.next_message()
    await skip_photos(deputy)
    await confirm(deputy)
    item_id = await bot.value("SELECT id FROM items WHERE status = 'submitted'")
    await accept(bot, leader, item_id)

    await open_units(staff)
    await press_for_edit(staff, "未确定单位（1）")
    choose = await press_for_edit(staff, "2020-0001")
    assert "请选择交办单位" in (choose.text or "")
    batch = await press_for_edit(staff, "市卫健委")
    assert "交办给 市卫健委" in (batch.text or "") and "逐条选择" not in batch.buttons
    await staff.press("全部交办（1）")
    assert "已交办 1 条" in ((await staff.next_message(edited=True)).text or "")
    row = await database_of(bot.services).fetch_one(
        "SELECT i.status, u.code FROM items i JOIN units u ON u.id = i.unit_id"
    )
    assert row is not None and tuple(row) == ("forwarded", "health")


async def test_only_staff_forward_and_old_buttons_expire(bot: Harness) -> None:
    for name, role, unit in [
        ("王芳", Role.DEPUTY, None),
        ("张组长", Role.LEADER, None),
        ("联络员", Role.LIAISON, "health"),
    ]:
        user = await bot.join(name, role, group=None if unit else "G01", unit=unit)
        await user.send_text("/forward")
        assert "无权使用" in ((await user.next_message()).text or ""), name
    staff = await bot.join("工作人员", Role.STAFF, group=None)
    await staff.send_text("/forward")
    menu = await staff.next_message()
    await staff.send_text("/cancel")
    await staff.next_message()
    assert "已失效" in await answer_to_button(staff, menu, "📤 按单位交办（0）")
    # Forged data in a fresh run is no better.
    await staff.send_text("/forward")
    fresh = await staff.next_message()
    nonce = fresh.button_data["📤 按单位交办（0）"].split(":")[1]
    forged = await staff.press_data(fresh.message_id, f"fw:{nonce}:unit:999999")
    assert "已失效" in await answer_to(staff, forged)


async def test_staff_made_a_deputy_while_forwarding_get_no_further(bot: Harness) -> None:
    wang = await bot.join("王芳")
    leader = await bot.join("张组长", Role.LEADER)
    [item_id] = await raise_problems(bot, wang, DESCRIPTION)
    await accept(bot, leader, item_id)
    staff = await bot.join("工作人员", Role.STAFF, group=None)
    other = await bot.join("赵主任", Role.STAFF, group=None)
    await staff.send_text("/forward")
    menu = await staff.next_message()

    await staff_change(other, "工作人员", "改角色", "人大代表", "第一监督小组")
    await staff.settle()
    await turned_away(staff, menu, "📤 按单位交办（1）", "您已不再负责交办", "市卫健委")
    assert "已失效" in await answer_to_button(staff, menu, "📤 按单位交办（1）")
    assert await bot.value("SELECT status FROM items WHERE id = ?", item_id) == "reviewed"


def test_the_list_writer_keeps_formulas_as_text(tmp_path: Any) -> None:
    assert [safe_cell(v) for v in ("=1+1", "+86 571", "-3", "@x", "正常", "")] == [
        "'=1+1",
        "'+86 571",
        "'-3",
        "'@x",
        "正常",
        "",
    ]
    path = write_list(
        tmp_path / "l.xlsx",
        "=title",
        list("ABCDEFGH"),
        [ListRow("2020-0001", "问题", "p", "s", "site", "c", "=cmd|' /C calc'!A0", "2020-04-01")],
    )
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert sheet["A1"].value == "'=title"
    assert sheet["G4"].value == "'=cmd|' /C calc'!A0" and sheet["G4"].data_type == "s"
    with pytest.raises(ValueError, match="headers"):
        write_list(tmp_path / "bad.xlsx", "t", ["A"], [])
