"""Webhook mode: the real Application behind its own HTTP server, fed by the local Bot API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import WEBHOOK_SECRET_ENV, WebhookSettings
from bot.people import Role
from localapi import LocalBotApi, SimUser
from tests.conftest import Harness, make_settings, running_bot
from tests.serving import free_port
from tests.steps import help_text, open_invitation

SECRET = "hook-Secret_2020-deputy"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class WebhookBot:
    harness: Harness
    url: str


@pytest.fixture
async def webhook_bot(
    api: LocalBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[WebhookBot]:
    monkeypatch.setenv(WEBHOOK_SECRET_ENV, SECRET)
    port = free_port()
    base = make_settings(api, tmp_path / "data")
    telegram = base.telegram.model_copy(
        update={
            "mode": "webhook",
            "webhook": WebhookSettings(
                listen="127.0.0.1",
                port=port,
                url_path="tg",
                public_url=f"http://127.0.0.1:{port}",
            ),
        }
    )
    async with running_bot(api, base.model_copy(update={"telegram": telegram})) as harness:
        yield WebhookBot(harness, f"http://127.0.0.1:{port}/tg")


def start_update(update_id: int, user_id: int, name: str, text: str) -> dict[str, Any]:
    """The JSON Telegram would POST for a private text command."""
    person = {"id": user_id, "is_bot": False, "first_name": name, "language_code": "zh-hans"}
    command = text.split()[0]
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": name},
            "from": person,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


async def invited(webhook_bot: WebhookBot, user_id: int, name: str) -> tuple[SimUser, str]:
    """A deputy of G01 invited but not yet in the bot: their phone, and their invitation token."""
    token = await webhook_bot.harness.invite(name, Role.DEPUTY, "G01")
    return webhook_bot.harness.api.user(user_id, name, language_code="zh-hans"), token


async def test_webhook_is_registered_with_url_and_secret(
    webhook_bot: WebhookBot, api: LocalBotApi
) -> None:
    calls = api.calls_to("setWebhook")
    assert len(calls) == 1, [c.describe() for c in api.calls]
    params = calls[0].params
    assert params["url"] == webhook_bot.url
    assert params["secret_token"] == SECRET
    assert calls[0].ok
    assert api.webhook_url == webhook_bot.url
    # Webhook mode never long-polls.
    assert api.calls_to("getUpdates") == []


async def test_deputy_joins_and_gets_help_through_the_webhook(
    webhook_bot: WebhookBot, api: LocalBotApi
) -> None:
    bot = webhook_bot.harness
    deputy, token = await invited(webhook_bot, 660001, "王芳")

    await open_invitation(deputy, token, "王芳")
    told = await help_text(deputy)
    assert "/checkin" in told
    assert "/problem" in told

    assert await bot.value("SELECT telegram_user_id FROM persons WHERE name = '王芳'") == 660001
    # Both updates came by POST to the bot's server, none by getUpdates.
    assert api.calls_to("getUpdates") == []
    assert api.pending_updates == []
    info = await bot.app.bot.get_webhook_info()
    assert info.url == webhook_bot.url
    assert info.last_error_message is None


async def test_posts_without_the_right_secret_are_rejected_and_change_nothing(
    webhook_bot: WebhookBot, api: LocalBotApi
) -> None:
    bot = webhook_bot.harness
    intruder, token = await invited(webhook_bot, 660002, "李建国")
    payload = start_update(900_001, intruder.chat_id, "李建国", f"/start {token}")

    async with aiohttp.ClientSession() as session:
        for headers in ({}, {SECRET_HEADER: "wrong-secret"}):
            async with session.post(webhook_bot.url, json=payload, headers=headers) as response:
                assert response.status == 403, headers

        # Give a wrongly accepted update every chance to be processed before looking.
        await asyncio.sleep(0.5)
        assert (
            await bot.value("SELECT COUNT(*) FROM persons WHERE telegram_user_id IS NOT NULL") == 0
        )
        assert await bot.value("SELECT COUNT(*) FROM invitations WHERE used_at IS NOT NULL") == 0
        assert intruder.messages == []
        assert [c for c in api.calls if c.params.get("chat_id") in (660002, "660002")] == []

        # The same body with the secret is taken: the rejection above was the secret's doing.
        async with session.post(
            webhook_bot.url, json=payload, headers={SECRET_HEADER: SECRET}
        ) as response:
            assert response.status == 200
    welcome = await intruder.next_message(timeout=10)
    assert "欢迎您，李建国" in (welcome.text or ""), welcome.describe()
    assert await bot.value("SELECT telegram_user_id FROM persons WHERE name = '李建国'") == 660002
