"""Problems and suggestions: the whole conversation, numbers, photos, bad input, restarts."""

from __future__ import annotations

import os

from bot.bootstrap import database_of
from bot.people import Role
from tests.conftest import Harness, answer_to, answer_to_button, reply_to
from tests.images import fake_heic, make_jpeg, truncated_jpeg
from tests.steps import (
    DESCRIPTION,
    checked_in,
    confirm,
    describe_problem,
    open_problem_at_visited_site,
    problem_up_to_description,
    skip_photos,
)


async def test_problem_after_checkin_with_album_is_numbered_and_stored(bot: Harness) -> None:
    deputy = await checked_in(bot)
    assert "可以发送照片" in ((await describe_problem(deputy)).text or "")
    await deputy.send_album(
        [make_jpeg(800, 600, pattern_seed=31), make_jpeg(800, 600, pattern_seed=32)]
    )
    acks = await deputy.settle()
    # One acknowledgement per album, edited as photos arrive.
    assert len({m.message_id for m in acks}) == 1, [m.describe() for m in acks]
    assert "共 2 张" in (acks[-1].text or "")
    summary = await skip_photos(deputy)
    assert "请核对" in (summary.text or "") and DESCRIPTION in (summary.text or "")
    assert "类别：进度滞后" in (summary.text or "") and "照片：2 张" in (summary.text or "")
    done = await confirm(deputy)
    assert any("已提交：<b>问题 2020-0001</b>" in (m.text or "") for m in done), [
        m.describe() for m in done
    ]

    item = await database_of(bot.services).fetch_one("SELECT * FROM items")
    assert item is not None
    assert (item["status"], item["number"], item["kind"], item["severity"]) == (
        "submitted",
        1,
        "problem",
        "serious",
    )
    assert item["description"] == DESCRIPTION and item["visit_id"] is not None
    assert await bot.value("SELECT COUNT(*) FROM photos WHERE item_id = ?", item["id"]) == 2
    assert (
        await bot.value("SELECT to_status FROM item_events WHERE item_id = ?", item["id"])
        == "submitted"
    )


async def test_double_tap_on_confirm_creates_one_item(bot: Harness) -> None:
    deputy = await checked_in(bot)
    await describe_problem(deputy)
    summary = await skip_photos(deputy)
    data = summary.button_data["✅ 确认提交"]
    await deputy.press_data(summary.message_id, data)
    second = await deputy.press_data(summary.message_id, data)
    await deputy.settle()
    assert "已提交过：问题 2020-0001" in await answer_to(deputy, second)
    assert await bot.value("SELECT COUNT(*) FROM items WHERE status = 'submitted'") == 1


async def test_bad_descriptions_are_explained_and_change_nothing(bot: Harness) -> None:
    deputy = await checked_in(bot)
    await problem_up_to_description(deputy)
    for text, answer in [
        ("短", "描述太短"),
        ("很" * 2500, "描述太长了（2500 字）"),
        ("😀😀😀😀😀😀", "需要包含文字"),
        ("\u200b\u200b\u200b\u202e\u200b", "描述太短"),
    ]:
        assert answer in await reply_to(deputy, text)
    await deputy.send_photo(make_jpeg(640, 480))
    assert "请先用文字写下描述" in ((await deputy.next_message()).text or "")
    assert await bot.value("SELECT description FROM items WHERE status = 'draft'") == ""
    # Formula- and SQL-looking text is just text.
    tricky = '=HYPERLINK("x"); DROP TABLE items; -- 路面塌陷'
    await deputy.send_text(tricky)
    await deputy.next_message()
    assert await bot.value("SELECT description FROM items WHERE status = 'draft'") == tricky


async def test_a_four_character_chinese_report_is_complete(bot: Harness) -> None:
    deputy = await checked_in(bot)
    await problem_up_to_description(deputy)
    await deputy.send_text("灯！！！")
    refused = (await deputy.next_message()).text or ""
    assert "至少写 4 个汉字、字母或数字" in refused and "标点、空格和表情不计" in refused, refused
    assert "可以发送照片" in await reply_to(deputy, "路灯不亮")
    assert await bot.value("SELECT description FROM items WHERE status = 'draft'") == "路灯不亮"


async def test_the_length_rule_is_told_in_english(bot: Harness) -> None:
    deputy = await bot.join("Wang Fang", language_code="en")
    await deputy.send_text("/suggest")
    await deputy.next_message()
    await deputy.press("C07 ")
    choices = await deputy.next_message(edited=True)
    await deputy.press(next(b for b in choices.buttons if b.startswith("📋")))
    await deputy.next_message(edited=True)
    asked = (await deputy.next_message()).text or ""
    assert "at least 4 letters, digits or Chinese characters" in asked, asked
    await deputy.send_text("ok!! 👍")
    refused = (await deputy.next_message()).text or ""
    assert "at least 4 letters, digits or Chinese characters" in refused, refused
    assert "punctuation, spaces and emoji do not count" in refused and "it has 2" in refused
    assert await bot.value("SELECT description FROM items WHERE status = 'draft'") == ""


async def test_suggestion_without_checkin_by_subitem_and_gap_free_numbers(bot: Harness) -> None:
    alice = await bot.join("王芳")
    bob = await bot.join("李建国")
    # Alice opens a problem draft and cancels it: drafts never consume a number.
    await alice.send_text("/problem")
    await alice.next_message()
    assert "已取消" in await reply_to(alice, "/cancel")
    assert await bot.value("SELECT COUNT(*) FROM items") == 0

    await bob.send_text("/suggest")
    projects = await bob.next_message()
    assert "请选择所属项目" in (projects.text or "")
    await bob.press("C07 ")
    choices = await bob.next_message(edited=True)
    subitem = next(b for b in choices.buttons if b.startswith("📋"))
    await bob.press(subitem)
    await bob.next_message(edited=True)
    assert "意见建议" in ((await bob.next_message()).text or "")
    await bob.send_text("建议在校门口增设家长等候区和临时停车泊位。")
    await bob.next_message()
    summary = await skip_photos(bob)
    assert "类别" not in (summary.text or "")  # suggestions have no category or severity
    assert any("建议 2020-0001" in (m.text or "") for m in await confirm(bob))
    row = await database_of(bot.services).fetch_one(
        "SELECT site_id, subitem_id, project_id FROM items"
    )
    assert row is not None and row["site_id"] is None and row["subitem_id"] is not None


async def test_edit_from_summary_changes_the_field(bot: Harness) -> None:
    deputy = await checked_in(bot)
    await describe_problem(deputy)
    await skip_photos(deputy)
    await deputy.press("修改")
    fields = await deputy.next_message(edited=True)
    assert fields.buttons[:5] == ["点位 / 项目", "问题类别", "严重程度", "描述", "补充照片"]
    await deputy.press("严重程度")
    await deputy.next_message(edited=False)
    await deputy.press("严重")
    await deputy.next_message(edited=True)
    summary = await deputy.next_message(edited=False)
    assert "严重程度：严重" in (summary.text or "")
    await confirm(deputy)
    assert await bot.value("SELECT severity FROM items") == "grave"


async def test_bad_photos_get_clear_answers_and_are_not_stored(bot: Harness) -> None:
    deputy = await checked_in(bot)
    await describe_problem(deputy)
    cases = [
        (b"this is a text file, not a photo", "IMG_1.jpg", "不是可识别的图片"),
        (truncated_jpeg(), "IMG_2.jpg", "损坏或不完整"),
        (fake_heic(), "IMG_3.HEIC", "损坏或不完整"),
        (os.urandom(1024) + b"\0" * (25 * 1024 * 1024), "IMG_4.jpg", "超过 20 MB"),
    ]
    for data, name, answer in cases:
        await deputy.send_document(data, file_name=name, mime_type="image/jpeg")
        reply = await deputy.next_message()
        assert answer in (reply.text or ""), (name, reply.describe())
    await deputy.send_document(b"%PDF-1.4", file_name="report.pdf", mime_type="application/pdf")
    assert "请发送照片" in ((await deputy.next_message()).text or "")
    await deputy.send_sticker()
    assert "请发送照片" in ((await deputy.next_message()).text or "")
    assert await bot.value("SELECT COUNT(*) FROM photos") == 0
    # The 25 MB file was refused from its declared size, without downloading it.
    assert not [p for p in bot.api.downloads if "IMG_4" in p]


async def test_near_duplicate_photo_in_a_later_record_is_flagged(bot: Harness) -> None:
    deputy = await checked_in(bot)
    photo = make_jpeg(1000, 750, pattern_seed=77)
    for _ in range(2):
        await describe_problem(deputy)
        await deputy.send_photo(
            photo if _ == 0 else make_jpeg(800, 600, pattern_seed=77, quality=70)
        )
        ack = await deputy.next_message()
        await skip_photos(deputy)
        await confirm(deputy)
    assert "非常相似" in (ack.text or "")
    assert await bot.value("SELECT flags FROM photos ORDER BY id DESC LIMIT 1") == "near_duplicate"
    assert await bot.value("SELECT COUNT(*) FROM items WHERE status = 'submitted'") == 2


async def test_conversation_survives_a_restart(bot: Harness) -> None:
    deputy = await checked_in(bot)
    await open_problem_at_visited_site(deputy)
    await deputy.press("工程质量")
    await deputy.next_message(edited=True)
    severity = await deputy.next_message()
    assert severity.buttons == ["一般", "较重", "严重"]

    await bot.restart()

    # The old message's buttons still belong to the open conversation.
    await deputy.press("严重")
    await deputy.next_message(edited=True)
    assert "请用文字描述" in ((await deputy.next_message()).text or "")
    await deputy.send_text(DESCRIPTION)
    await deputy.next_message()
    summary = await skip_photos(deputy)
    assert "类别：工程质量" in (summary.text or "")
    assert any("问题 2020-0001" in (m.text or "") for m in await confirm(deputy))
    assert await bot.value("SELECT COUNT(*) FROM items") == 1


async def test_stale_and_forged_buttons_expire_and_change_nothing(bot: Harness) -> None:
    deputy = await checked_in(bot)
    categories = await open_problem_at_visited_site(deputy)
    await deputy.send_text("/cancel")
    await deputy.settle()
    # A button from the cancelled conversation.
    assert "已失效" in await answer_to_button(deputy, categories, "进度滞后")
    # Forged data, and someone else's item in a /mine button.
    assert "已失效" in await answer_to(
        deputy, await deputy.press_data(categories.message_id, "rp:zzzzzz:confirm:1")
    )
    assert "已失效" in await answer_to(
        deputy, await deputy.press_data(categories.message_id, "mine:withdraw_ok:1")
    )
    assert "已失效" in await answer_to(
        deputy, await deputy.press_data(categories.message_id, "garbage")
    )
    assert await bot.value("SELECT COUNT(*) FROM items") == 0


async def test_roles_are_checked_on_the_server(bot: Harness) -> None:
    staff = await bot.join("赵工作", Role.STAFF, group=None)
    assert "无权" in await reply_to(staff, "/checkin")
    assert "无权" in await reply_to(staff, "/problem")
    deputy = await bot.join("王芳")
    assert "无权" in await reply_to(deputy, "/invite")
    assert await bot.value("SELECT COUNT(*) FROM items") == 0
