"""getUpdates as the intake reads it (handlers/polling.py), against a server answering as
Telegram does: a batch, an error with its retry_after, a refused token, and a proxy's HTML page."""

from __future__ import annotations

import json

import pytest
from aiohttp import web

from handlers.polling import LongPoll, PollError
from tests.serving import serving

UPDATE = {"update_id": 5, "message": {"message_id": 1, "text": "外立面脚手架已停工"}}
# UTF-8 as Telegram sends it, with something in the batch that is not an update.
BATCH = json.dumps({"ok": True, "result": [UPDATE, "not an update"]}, ensure_ascii=False)
ANSWERS: dict[int, tuple[int, bytes]] = {
    0: (200, BATCH.encode()),
    1: (429, b'{"ok":false,"description":"Too Many Requests","parameters":{"retry_after":7}}'),
    2: (401, b'{"ok":false,"description":"Unauthorized"}'),
    3: (502, b"<html>502 Bad Gateway</html>"),
}


async def _poll(offset: int) -> list[dict[str, object]]:
    async def answer(request: web.Request) -> web.Response:
        status, body = ANSWERS[(await request.json())["offset"]]
        return web.Response(status=status, body=body, content_type="application/json")

    app = web.Application()
    app.router.add_post("/botT/getUpdates", answer)
    async with serving(app) as base_url:
        poll = LongPoll(f"{base_url}/botT")
        try:
            return await poll.get(offset, 0, ["message"])
        finally:
            await poll.close()


async def test_a_batch_is_read_whole_and_only_its_updates_kept() -> None:
    assert await _poll(0) == [UPDATE]


async def test_flood_control_says_how_long_to_wait() -> None:
    with pytest.raises(PollError, match="429: Too Many Requests") as raised:
        await _poll(1)
    assert (raised.value.retry_after, raised.value.fatal) == (7.0, False)


async def test_a_refused_token_stops_the_poll() -> None:
    with pytest.raises(PollError, match="401: Unauthorized") as raised:
        await _poll(2)
    assert raised.value.fatal


async def test_a_page_that_is_not_json_is_tried_again() -> None:
    with pytest.raises(PollError, match="502: no description") as raised:
        await _poll(3)
    assert (raised.value.retry_after, raised.value.fatal) == (0.0, False)
