"""The local Bot API stand-in, driven by a real python-telegram-bot Application over HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import io
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from PIL import Image
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from localapi import ApiCall, ApiError, LocalBotApi

App = Application[Any, Any, Any, Any, Any, Any]
Context = ContextTypes.DEFAULT_TYPE


def jpeg(width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="JPEG")
    return buffer.getvalue()


# -- the bot under test ------------------------------------------------------------------


async def echo(update: Update, context: Context) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def start(update: Update, context: Context) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"start args={context.args}")


async def menu(update: Update, context: Context) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("确认", callback_data="yes"),
                InlineKeyboardButton("取消", callback_data="no"),
            ]
        ]
    )
    await update.effective_message.reply_text("请选择", reply_markup=keyboard)


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"got {query.data}", show_alert=True)
    await query.edit_message_text(f"chose {query.data}")


async def on_file(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    file_id = message.photo[-1].file_id if message.photo else message.document.file_id  # type: ignore[union-attr]
    try:
        file = await context.bot.get_file(file_id)
        data = await file.download_as_bytearray()
    except BadRequest as error:
        await message.reply_text(f"BadRequest: {error.message}")
        return
    await message.reply_text(f"bytes={len(data)} sha={hashlib.sha256(data).hexdigest()}")


async def album(update: Update, context: Context) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_media_group(
        [
            InputMediaPhoto(jpeg(color=(0, 0, 255)), caption="第一张"),
            InputMediaPhoto(jpeg(color=(0, 255, 0))),
        ]
    )


async def on_location(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.location is not None
    forwarded = message.forward_origin is not None
    await message.reply_text(
        f"loc {message.location.latitude},{message.location.longitude} forwarded={forwarded}"
    )


@pytest.fixture
async def api() -> AsyncIterator[LocalBotApi]:
    async with LocalBotApi() as server:
        yield server


@pytest.fixture
async def app(api: LocalBotApi) -> AsyncIterator[App]:
    application: App = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("menu", menu))
    application.add_handler(CommandHandler("album", album))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(filters.PHOTO | filters.Document.ALL, on_file))
    application.add_handler(MessageHandler(filters.LOCATION, on_location))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    await application.initialize()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, timeout=5)
    await application.start()
    yield application
    await application.updater.stop()
    await application.stop()
    await application.shutdown()
    assert api.internal_errors == []


async def raw_call(api: LocalBotApi, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    """A Bot API call over plain HTTP, form-encoded like most clients send it."""
    form = {key: str(value) for key, value in params.items()}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api.base_url}{api.token}/{method}", data=form) as response,
    ):
        return response.status, await response.json()


# -- round trips through the real Application ------------------------------------------


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


# -- Telegram's error answers --------------------------------------------------------------


async def test_unknown_chat_and_blocked_user(api: LocalBotApi, app: App) -> None:
    alice = api.user(1001, "王芳")
    with pytest.raises(BadRequest, match="Chat not found"):
        await app.bot.send_message(424242, "anyone?")

    alice.block()
    with pytest.raises(Forbidden, match="blocked by the user"):
        await app.bot.send_message(alice.user_id, "still there?")
    alice.unblock()
    await app.bot.send_message(alice.user_id, "welcome back")
    assert (await alice.next_message()).text == "welcome back"


async def test_edit_errors(api: LocalBotApi, app: App) -> None:
    alice = api.user(1001, "王芳")
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await app.bot.edit_message_text("x", chat_id=alice.user_id, message_id=999)
    sent = await app.bot.send_message(alice.user_id, "same")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await app.bot.edit_message_text("same", chat_id=alice.user_id, message_id=sent.message_id)


async def test_commands_are_kept_per_scope(api: LocalBotApi, app: App) -> None:
    alice = api.user(1001, "王芳")
    commands = [BotCommand("start", "开始"), BotCommand("report", "上报问题")]
    await app.bot.set_my_commands(
        commands, scope=BotCommandScopeChat(alice.user_id), language_code="zh"
    )

    call = api.calls_to("setMyCommands")[-1]
    assert call.params["scope"] == {"type": "chat", "chat_id": 1001}
    assert call.params["language_code"] == "zh"
    scope = {"type": "chat", "chat_id": 1001}
    assert [c["command"] for c in api.commands(scope, "zh")] == ["start", "report"]
    assert api.commands() == []
    fetched = await app.bot.get_my_commands(
        scope=BotCommandScopeChat(alice.user_id), language_code="zh"
    )
    assert [c.command for c in fetched] == ["start", "report"]
    with pytest.raises(BadRequest, match="language code"):
        await app.bot.set_my_commands(commands, language_code="zh-hans")


# PTB warns about RetryAfter.retry_after changing type in v23; irrelevant here.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_interceptor_injects_faults(api: LocalBotApi, app: App) -> None:
    alice = api.user(1001, "王芳")

    async def flood(call: ApiCall) -> ApiError | None:
        if call.method == "sendMessage":
            return ApiError(429, "Too Many Requests: retry after 3", {"retry_after": 3})
        return None

    api.interceptors.append(flood)
    with pytest.raises(RetryAfter):
        await app.bot.send_message(alice.user_id, "hi")
    api.interceptors.clear()
    await app.bot.send_message(alice.user_id, "hi")
    assert (await alice.next_message()).text == "hi"


async def test_timeouts_explain_what_happened(api: LocalBotApi, app: App) -> None:
    alice = api.user(1001, "王芳")
    await alice.send_sticker()
    assert await alice.settle(quiet=0.1) == []
    with pytest.raises(TimeoutError, match=r"no bot message within 0\.2s"):
        await alice.next_message(timeout=0.2)


# -- the HTTP protocol itself ----------------------------------------------------------------


async def test_http_protocol_details(api: LocalBotApi) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{api.base_url}123:WRONG/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with session.post(f"{api.base_url}{api.token}/noSuchMethod") as response:
            assert response.status == 404
            assert (await response.json())["description"] == "Not Found"
        async with session.get(f"{api.base_url}{api.token}/GETME") as response:
            assert (await response.json())["result"]["username"] == "deputy_demo_bot"

        alice = api.user(1001, "王芳")
        body = {"chat_id": 1001, "text": "json", "reply_markup": {"inline_keyboard": []}}
        async with session.post(f"{api.base_url}{api.token}/sendMessage", json=body) as response:
            assert (await response.json())["result"]["chat"]["id"] == 1001
    status, answer = await raw_call(api, "sendMessage", chat_id="1001", text="123")
    assert status == 200 and answer["result"]["text"] == "123"
    assert [m.text for m in await alice.settle(quiet=0.05)] == ["json", "123"]


async def test_unconfirmed_updates_are_redelivered(api: LocalBotApi) -> None:
    alice = api.user(1001, "王芳")
    first = await alice.send_text("one")
    second = await alice.send_text("two")

    _, answer = await raw_call(api, "getUpdates")
    assert [u["update_id"] for u in answer["result"]] == [first.update_id, second.update_id]
    _, answer = await raw_call(api, "getUpdates", offset=0)
    assert len(answer["result"]) == 2, "nothing was confirmed, so both come again"

    _, answer = await raw_call(api, "getUpdates", offset=first.update_id + 1)
    assert [u["message"]["text"] for u in answer["result"]] == ["two"]
    _, answer = await raw_call(api, "getUpdates", offset=first.update_id)
    assert [u["message"]["text"] for u in answer["result"]] == ["two"], "confirmed ones are gone"
    _, answer = await raw_call(api, "getUpdates", offset=second.update_id + 1)
    assert answer["result"] == []

    # A long poll is answered as soon as an update arrives.
    started = time.monotonic()
    poll = asyncio.create_task(raw_call(api, "getUpdates", offset=second.update_id + 1, timeout=3))
    await asyncio.sleep(0.05)
    third = await alice.send_text("three")
    _, answer = await poll
    assert [u["update_id"] for u in answer["result"]] == [third.update_id]
    assert time.monotonic() - started < 1.0


async def test_webhook_delivery_with_retry(api: LocalBotApi) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    failures = [500]

    async def receive(request: web.Request) -> web.Response:
        if failures:
            return web.Response(status=failures.pop())
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response(text="ok")

    receiver = web.Application()
    receiver.router.add_post("/hook", receive)
    runner = web.AppRunner(receiver)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        alice = api.user(1001, "王芳")
        status, _ = await raw_call(
            api, "setWebhook", url=f"http://127.0.0.1:{port}/hook", secret_token="s3cr3t"
        )
        assert status == 200
        sent = await alice.send_text("via webhook")
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.02)
        assert received == [("s3cr3t", {"update_id": sent.update_id, "message": sent.data})]

        status, answer = await raw_call(api, "getUpdates")
        assert status == 409 and answer["description"].startswith("Conflict:")
        _, info = await raw_call(api, "getWebhookInfo")
        assert info["result"]["url"].endswith("/hook")
        assert "500" in info["result"]["last_error_message"]
        assert info["result"]["pending_update_count"] == 0

        await raw_call(api, "deleteWebhook")
        status, answer = await raw_call(api, "getUpdates")
        assert (status, answer["result"]) == (200, [])
    finally:
        await runner.cleanup()


async def test_delay_adds_latency(api: LocalBotApi) -> None:
    api.delay = 0.2
    started = time.monotonic()
    status, _ = await raw_call(api, "getMe")
    assert status == 200
    assert time.monotonic() - started >= 0.2


async def test_settle_waits_for_delayed_replies(api: LocalBotApi, app: App) -> None:
    alice = api.user(1001, "王芳")
    api.delay = 0.25
    await alice.send_text("slow")
    # The reply is still in flight after `quiet`; settle must not call the bot finished.
    events = await alice.settle(quiet=0.1)
    assert [event.text for event in events] == ["echo: slow"]
    api.delay = 0.0
