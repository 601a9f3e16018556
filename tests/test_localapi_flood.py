"""The local Bot API's optional flood control: Telegram's limits, enforced the way a bot meets them.

A python-telegram-bot Bot posts messages; beyond the limit the server answers 429 with
retry_after (PTB raises RetryAfter), and once the window has passed the bot may send again.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from PIL import Image
from telegram import Bot
from telegram.error import RetryAfter

from localapi import LocalBotApi
from localapi.server import FloodLimit

TOKEN = "123456:TEST-TOKEN-flood"

# PTB warns about RetryAfter.retry_after changing type in v23; irrelevant here.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@asynccontextmanager
async def server_and_bot(
    flood_limit: FloodLimit | None = None, chat_flood_limit: FloodLimit | None = None
) -> AsyncIterator[tuple[LocalBotApi, Bot]]:
    async with (
        LocalBotApi(token=TOKEN, flood_limit=flood_limit, chat_flood_limit=chat_flood_limit) as api,
        Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as bot,
    ):
        yield api, bot


def retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value if isinstance(value, int | float) else value.total_seconds()


async def test_without_limits_a_bot_may_send_as_fast_as_it_likes() -> None:
    async with server_and_bot() as (api, bot):
        alice = api.user(1001, "王芳")
        await asyncio.gather(*(bot.send_message(alice.user_id, f"n{n}") for n in range(40)))
        assert len(alice.messages) == 40
        assert api.flood_rejections == 0


async def test_the_bot_wide_limit_refuses_the_message_beyond_it_until_the_window_passes() -> None:
    async with server_and_bot(flood_limit=(5, 0.6)) as (api, bot):
        leaders = [api.user(2000 + n, f"组长{n}") for n in range(6)]
        started = time.monotonic()
        for leader in leaders[:5]:
            await bot.send_message(leader.user_id, "今日汇总")

        with pytest.raises(RetryAfter) as refused:
            await bot.send_message(leaders[5].user_id, "今日汇总")
        assert time.monotonic() - started < 0.6, "the test machine was too slow to tell"
        # Telegram says whole seconds, at least one.
        assert retry_seconds(refused.value) == 1
        assert leaders[5].messages == []
        assert api.flood_rejections == 1
        rejected = api.calls_to("sendMessage")[-1]
        assert rejected.error_code == 429 and rejected.ok is False

        # Edits and other calls are not what the limit counts.
        first = leaders[0].messages[0]
        await bot.edit_message_text("今日汇总（更新）", leaders[0].user_id, first.message_id)
        await bot.get_me()

        await asyncio.sleep(0.6 - (time.monotonic() - started) + 0.05)
        await bot.send_message(leaders[5].user_id, "今日汇总")
        assert [m.text for m in leaders[5].messages] == ["今日汇总"]


async def test_a_refused_message_does_not_use_up_the_budget() -> None:
    async with server_and_bot(flood_limit=(2, 0.5)) as (api, bot):
        alice = api.user(1001, "王芳")
        await bot.send_message(alice.user_id, "1")
        await bot.send_message(alice.user_id, "2")
        for _ in range(3):
            with pytest.raises(RetryAfter):
                await bot.send_message(alice.user_id, "too soon")
        await asyncio.sleep(0.55)
        # Only the two accepted messages counted: both slots are free again.
        await bot.send_message(alice.user_id, "3")
        await bot.send_message(alice.user_id, "4")
        assert [m.text for m in alice.messages] == ["1", "2", "3", "4"]
        assert api.flood_rejections == 3


async def test_the_per_chat_limit_holds_one_chat_back_and_not_the_others() -> None:
    async with server_and_bot(chat_flood_limit=(2, 0.5)) as (api, bot):
        alice, bob = api.user(1001, "王芳"), api.user(1002, "李强")
        # A short burst is tolerated, as in Telegram.
        await bot.send_message(alice.user_id, "a1")
        await bot.send_photo(alice.user_id, _png())
        with pytest.raises(RetryAfter):
            await bot.send_message(alice.user_id, "a3")
        await bot.send_message(bob.user_id, "b1")
        await asyncio.sleep(0.55)
        await bot.send_message(alice.user_id, "a3")
        assert [m.kind for m in alice.messages] == ["text", "photo", "text"]
        assert [m.text for m in bob.messages] == ["b1"]
        assert api.flood_rejections == 1


def test_limits_must_make_sense() -> None:
    with pytest.raises(ValueError, match="flood limit"):
        LocalBotApi(flood_limit=(0, 1.0))
    with pytest.raises(ValueError, match="flood limit"):
        LocalBotApi(chat_flood_limit=(1, 0.0))


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()
