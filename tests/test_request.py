"""The bot's HTTP client (handlers/request.py): what goes on the wire, and that it arrives whole.

Calls without files go as one JSON body (the Bot API takes application/json); calls with files as
multipart. Both are checked on the wire, then end to end against the local Bot API server.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from PIL import Image
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from handlers.request import AiohttpRequest
from localapi import LocalBotApi
from tests.serving import serving

TOKEN = "123456:TEST-TOKEN"
TEXT = "外立面脚手架已停工两周 & <b>不是标记</b> 100%"
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("较重", callback_data="sv:2")]])


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


Seen = list[tuple[str, str, bytes]]


@pytest.fixture
async def wire() -> AsyncIterator[tuple[str, Seen]]:
    """A server that keeps each request's method, content type and body, and answers as
    Telegram would for a sent message."""
    seen: Seen = []

    async def answer(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "getMe":
            me = {"id": 1, "is_bot": True, "first_name": "Deputy Bot", "username": "d_bot"}
            return web.json_response({"ok": True, "result": me})
        seen.append((method, request.content_type, await request.read()))
        message = {"message_id": 1, "date": 0, "chat": {"id": 7, "type": "private"}, "text": "x"}
        return web.json_response({"ok": True, "result": message})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", answer)
    async with serving(app) as base_url:
        yield f"{base_url}/bot", seen


async def test_a_call_without_files_is_one_json_body(wire: tuple[str, Seen]) -> None:
    base_url, seen = wire
    async with Bot(TOKEN, base_url=base_url, request=AiohttpRequest()) as bot:
        await bot.send_message(7, TEXT, reply_markup=KEYBOARD, parse_mode="HTML")
    method, content_type, body = seen[-1]
    assert (method, content_type) == ("sendMessage", "application/json")
    # UTF-8 as it is, not \u escapes or percent-encoding; the keyboard an object, not a string.
    assert TEXT.encode() in body
    sent = json.loads(body)
    assert sent == {
        "chat_id": 7,
        "text": TEXT,
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "较重", "callback_data": "sv:2"}]]},
    }


async def test_a_call_with_a_file_is_multipart(wire: tuple[str, Seen]) -> None:
    base_url, seen = wire
    async with Bot(TOKEN, base_url=base_url, request=AiohttpRequest()) as bot:
        await bot.send_photo(7, _jpeg(), caption=TEXT)
    method, content_type, body = seen[-1]
    assert (method, content_type) == ("sendPhoto", "multipart/form-data")
    assert TEXT.encode() in body and _jpeg() in body


async def test_text_keyboard_and_photo_arrive_whole() -> None:
    async with LocalBotApi(token=TOKEN) as api:
        user = api.user(1001, "王芳")
        async with Bot(TOKEN, base_url=api.base_url, request=AiohttpRequest()) as bot:
            await bot.send_message(user.chat_id, TEXT, reply_markup=KEYBOARD)
            await bot.send_photo(user.chat_id, _jpeg(), caption="现场照片")
        text = await user.next_message()
        assert (text.text, text.buttons) == (TEXT, ["较重"])
        photo = await user.next_message()
        assert photo.kind == "photo" and photo.text == "现场照片" and photo.files


async def test_answers_are_read_whole_and_bad_bytes_as_ptb_reads_them() -> None:
    """Answers go through orjson; those it refuses still read as python-telegram-bot reads
    them: a byte that is not UTF-8 becomes U+FFFD, and what is not JSON is a TelegramError."""
    good = b'"text":"\xe5\xb7\xb2\xe6\x8f\x90\xe4\xba\xa4"'  # 已提交
    bodies = {
        7: b'{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":7,"type":"private"},%s}}'
        % good,
        8: b'{"ok":true,"result":{"message_id":2,"date":0,"chat":{"id":8,"type":"private"},'
        b'"text":"a\xffb"}}',
        9: b"<html>502 Bad Gateway</html>",
    }

    async def answer(request: web.Request) -> web.Response:
        if request.match_info["method"] == "getMe":
            me = {"id": 1, "is_bot": True, "first_name": "Deputy Bot", "username": "d_bot"}
            return web.json_response({"ok": True, "result": me})
        chat_id = (await request.json())["chat_id"]
        return web.Response(body=bodies[chat_id], content_type="application/json")

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", answer)
    async with serving(app) as base_url:
        bot = Bot(TOKEN, base_url=f"{base_url}/bot", request=AiohttpRequest())
        async with bot:
            assert (await bot.send_message(7, "x")).text == "已提交"
            assert (await bot.send_message(8, "x")).text == "a\ufffdb"
            with pytest.raises(TelegramError, match="Invalid server response"):
                await bot.send_message(9, "x")
