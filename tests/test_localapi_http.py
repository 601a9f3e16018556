"""The local Bot API stand-in's HTTP protocol itself: tokens, methods, JSON and form bodies,
redelivery of unconfirmed updates, long polls, webhooks with retries, and added latency."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from aiohttp import web

from localapi import LocalBotApi
from tests.localapi_bot import App, api, app
from tests.serving import serving

__all__ = ["api", "app"]


async def raw_call(api: LocalBotApi, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    """A Bot API call over plain HTTP, form-encoded like most clients send it."""
    form = {key: str(value) for key, value in params.items()}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api.base_url}{api.token}/{method}", data=form) as response,
    ):
        return response.status, await response.json()


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
    async with serving(receiver) as base_url:
        alice = api.user(1001, "王芳")
        status, _ = await raw_call(api, "setWebhook", url=f"{base_url}/hook", secret_token="s3cr3t")
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
