"""The outbox's Telegram side: how a rendered notice is sent, and what Telegram's errors mean.

The sender itself (pace, retries, ordering) is bot/sender.py; this module only translates. The
pace is the one Pacer the replies use too (handlers/flood.py), so notices and replies share
Telegram's flood budget.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.config import Settings
from bot.pacing import Pacer
from bot.sender import Blocked, OutboxSender, Permanent, RenderedNotice, RetryLater, Transient
from bot.services import Services
from handlers import callbacks

log = logging.getLogger(__name__)

# Bad requests that mean the person is out of reach rather than the message being wrong.
_UNREACHABLE = ("chat not found", "user not found", "peer_id_invalid")

# Enough connections for every message the sender may have on the wire at once.
MAX_IN_FLIGHT = 64


def retry_after_seconds(error: RetryAfter) -> float:
    """PTB 22 gives retry_after as int seconds or as a timedelta (PTB_TIMEDELTA); take both."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | float | timedelta = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _markup(rendered: RenderedNotice) -> InlineKeyboardMarkup | None:
    if not rendered.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    button.label, callback_data=callbacks.notice_data(button.act, button.args)
                )
                for button in row
            ]
            for row in rendered.buttons
        ]
    )


class TelegramTransport:
    """bot.sender.Transport over a PTB Bot."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int, rendered: RenderedNotice) -> int:
        try:
            message = await self._send(chat_id, rendered)
        except RetryAfter as exc:
            raise RetryLater(retry_after_seconds(exc)) from exc
        except Forbidden as exc:
            raise Blocked(exc.message) from exc
        except BadRequest as exc:
            # BadRequest is a NetworkError in PTB, so it is told apart first.
            if any(reason in exc.message.lower() for reason in _UNREACHABLE):
                raise Blocked(exc.message) from exc
            raise Permanent(exc.message) from exc
        except ChatMigrated as exc:
            raise Permanent(exc.message) from exc
        except NetworkError as exc:
            # TimedOut, dropped connections, 5xx answers.
            raise Transient(exc.message) from exc
        except TelegramError as exc:
            # Unparsable answers, a token Telegram rejects for a moment, conflicts: keep the
            # notice and try again later rather than lose it.
            raise Transient(exc.message) from exc
        return message.message_id

    async def _send(self, chat_id: int, rendered: RenderedNotice) -> Message:
        markup = _markup(rendered)
        if rendered.file_path is None:
            return await self.bot.send_message(
                chat_id,
                rendered.text or "",
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        path = Path(rendered.file_path)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            raise Permanent(f"file unreadable: {exc.strerror or type(exc).__name__}") from exc
        common: dict[str, Any] = {
            "caption": rendered.text or None,
            "parse_mode": ParseMode.HTML,
            "reply_markup": markup,
        }
        if rendered.file_kind == "photo":
            return await self.bot.send_photo(chat_id, data, **common)
        return await self.bot.send_document(chat_id, data, filename=path.name, **common)


def delivery_bot(settings: Settings, token: str) -> tuple[Bot, list[HTTPXRequest]]:
    """A Bot of its own for the outbox, so stalled sends never take the connections that
    replies to users need (and the other way round). Returns it with its request objects,
    which the caller shuts down (the bot is never initialised: that would cost a getMe)."""
    requests = [
        HTTPXRequest(
            connection_pool_size=MAX_IN_FLIGHT,
            read_timeout=15,
            write_timeout=15,
            connect_timeout=5,
            pool_timeout=5,
            media_write_timeout=60,
        ),
        # Never used for getUpdates; keep it tiny.
        HTTPXRequest(connection_pool_size=1),
    ]
    bot = Bot(
        token,
        base_url=settings.telegram.base_url,
        base_file_url=settings.telegram.base_file_url,
        request=requests[0],
        get_updates_request=requests[1],
    )
    return bot, requests


def build_sender(
    bot: Bot, settings: Settings, services: Services, pacer: Pacer | None = None
) -> OutboxSender:
    return OutboxSender(
        services.delivery,
        TelegramTransport(bot),
        settings.outbox,
        default_language=settings.i18n.default_language,
        max_in_flight=MAX_IN_FLIGHT,
        clock=services.clock,
        pacer=pacer,
    )


@asynccontextmanager
async def delivering(
    app: Application[Any, Any, Any, Any, Any, Any],
    settings: Settings,
    services: Services,
    pacer: Pacer | None = None,
) -> AsyncIterator[OutboxSender]:
    """Run the outbox sender for the life of the block; on exit let messages on the wire finish.

    Only the application's bot token is used; the sender has its own connections.
    """
    bot, requests = delivery_bot(settings, app.bot.token)
    sender = build_sender(bot, settings, services, pacer)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop), name="outbox sender")
    try:
        yield sender
    finally:
        stop.set()
        try:
            await task
        except Exception:
            log.exception("Outbox sender stopped with an error")
        for request in requests:
            await request.shutdown()
