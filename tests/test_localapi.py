"""The local Bot API stand-in, driven by a real python-telegram-bot Application over HTTP:
round trips of texts, commands, buttons, files, albums, locations and keyboards.

Telegram's error answers: tests/test_localapi_errors.py; the HTTP protocol itself:
tests/test_localapi_http.py; the bot under test: tests/localapi_bot.py.
"""

from __future__ import annotations

import hashlib

import pytest
from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove

from localapi import LocalBotApi
from tests.localapi_bot import App, api, app, jpeg

__all__ = ["api", "app"]


async def test_text_round_trip_private_and_group(api: LocalBotApi, app: App) -> None:
    alice = api.user(1001, "王芳", language_code="zh-hans")
    group = api.group(-100500, "监督小组群")

    await alice.send_text("你好")
    reply = await alice.next_message()
    assert (reply.kind, reply.text, reply.chat_id, reply.edited) == (
        "text",
        "echo: 你好",
        1001,
        False,
    )

    sent = await alice.send_text("in the group", chat=group)
    in_group = await group.next_message()
    assert in_group.text == "echo: in the group"
    # PTB quotes the message it answers in groups.
    assert in_group.raw["reply_to_message"]["message_id"] == sent.message_id
    assert await alice.settle(quiet=0.1) == []


async def test_commands_with_arguments(api: LocalBotApi, app: App) -> None:
    alice = api.user(1001, "王芳")
    group = api.group(-100500, "监督小组群")

    await alice.send_text("/start abc 项目42")
    assert (await alice.next_message()).text == "start args=['abc', '项目42']"

    await alice.send_text("/start@deputy_demo_bot x", chat=group)
    assert (await group.next_message()).text == "start args=['x']"


async def test_press_is_answered_and_message_edited(api: LocalBotApi, app: App) -> None:
    alice = api.user(1001, "王芳")
    await alice.send_text("/menu")
    shown = await alice.next_message()
    assert shown.buttons == ["确认", "取消"]
    assert shown.button_data == {"确认": "yes", "取消": "no"}

    with pytest.raises(AssertionError, match="确认"):
        await alice.press("不存在")

    await alice.press("确认")
    answer = await alice.next_answer()
    assert (answer.text, answer.show_alert) == ("got yes", True)
    edited = await alice.next_message(edited=True)
    assert (edited.message_id, edited.text, edited.buttons) == (shown.message_id, "chose yes", [])
    assert alice.messages[-1].text == "chose yes"
    # The event that announced the keyboard is a snapshot and keeps it.
    assert shown.buttons == ["确认", "取消"]

    with pytest.raises(AssertionError, match="no inline buttons"):
        await alice.press("确认")


async def test_photo_is_downloaded_byte_for_byte(api: LocalBotApi, app: App) -> None:
    alice = api.user(1001, "王芳")
    photo = jpeg(640, 480)
    await alice.send_photo(photo, caption="现场照片")
    reply = await alice.next_message()
    assert reply.text == f"bytes={len(photo)} sha={hashlib.sha256(photo).hexdigest()}"
    assert api.downloads and api.downloads[0].startswith("photos/")

    # Same bytes, same file_unique_id, but a fresh file_id, as with Telegram.
    first = (await alice.send_photo(photo)).data["photo"][0]
    second = (await alice.send_document(photo)).data["document"]
    assert first["file_unique_id"] == second["file_unique_id"]
    assert first["file_id"] != second["file_id"]
    assert (first["width"], first["height"]) == (640, 480)
    assert len(await alice.settle(quiet=0.1)) == 2


async def test_too_big_file_surfaces_as_bad_request(api: LocalBotApi, app: App) -> None:
    alice = api.user(1001, "王芳")
    await alice.send_document(bytes(20 * 1024 * 1024 + 1), file_name="huge.jpg")
    assert (await alice.next_message()).text == "BadRequest: File is too big"
    assert api.calls_to("getFile")[-1].description == "Bad Request: file is too big"


async def test_media_group_upload(api: LocalBotApi, app: App) -> None:
    alice = api.user(1001, "王芳")
    await alice.send_text("/album")
    event = await alice.next_message()
    assert event.kind == "media_group"
    assert event.text == "第一张"
    assert len(event.files) == 2 and all(data.startswith(b"\xff\xd8") for data in event.files)
    assert [m.message_id for m in alice.messages] == event.message_ids
    assert {m.kind for m in alice.messages} == {"photo"}

    # A bot may send an uploaded file again by file_id.
    await app.bot.send_photo(alice.user_id, event.file_ids[0])
    again = await alice.next_message()
    assert again.files == [event.files[0]]


async def test_locations_reach_the_bot(api: LocalBotApi, app: App) -> None:
    alice = api.user(1001, "王芳")
    await alice.send_location(30.27, 120.15, horizontal_accuracy=25.0)
    assert (await alice.next_message()).text == "loc 30.27,120.15 forwarded=False"
    await alice.send_location(31.0, 121.0, forwarded=True)
    assert (await alice.next_message()).text == "loc 31.0,121.0 forwarded=True"


async def test_keyboards_seen_by_the_user(api: LocalBotApi, app: App) -> None:
    alice = api.user(1001, "王芳")
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("📍 发送位置", request_location=True)], ["取消"]], resize_keyboard=True
    )
    await app.bot.send_message(alice.user_id, "请发送位置", reply_markup=keyboard)
    shown = await alice.next_message()
    assert shown.keyboard == ["📍 发送位置", "取消"]
    assert shown.location_buttons == ["📍 发送位置"]
    assert alice.reply_keyboard == ["📍 发送位置", "取消"]

    await app.bot.send_message(alice.user_id, "好的", reply_markup=ReplyKeyboardRemove())
    assert (await alice.next_message()).removes_keyboard
    assert alice.reply_keyboard == []
