"""The local Bot API stand-in answers like Telegram when things go wrong: unknown chats, blocked
users, edits that cannot be made, commands per scope, injected faults and timeouts that say what
happened."""

from __future__ import annotations

import pytest
from telegram import BotCommand, BotCommandScopeChat
from telegram.error import BadRequest, Forbidden, RetryAfter

from localapi import ApiCall, ApiError, LocalBotApi
from tests.localapi_bot import App, api, app

__all__ = ["api", "app"]


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
