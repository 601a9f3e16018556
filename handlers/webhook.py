"""Webhook mode: Telegram POSTs each update to the bot's own HTTP server.

The answer to Telegram's request is what confirms the update, so it is given only after the update
is in the inbound journal: a crash before that makes Telegram deliver it again. Requests without
the secret Telegram was given (X-Telegram-Bot-Api-Secret-Token) are refused. The same aiohttp
application can carry other routes of the bot.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web

from handlers.intake import Intake

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are small; a photo is a file id, never the bytes.
MAX_BODY_BYTES = 1 << 20


def add_webhook_route(app: web.Application, intake: Intake, path: str, secret: str | None) -> None:
    """POST /<path>: journal the update, then answer 200."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if secret is not None and not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403, text="forbidden")
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return web.Response(status=413, text="too large")
        try:
            raw = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="not JSON")
        if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        try:
            await intake.accept([raw])
        except Exception:
            # Not journaled: Telegram keeps the update and sends it again.
            log.exception("Update %s could not be journaled", raw["update_id"])
            return web.Response(status=500, text="try again")
        return web.Response(text="ok")

    app.router.add_post("/" + path.strip("/"), receive)
