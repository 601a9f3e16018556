"""A small bot for the tests of the local Bot API stand-in (tests/test_localapi*.py): a real
python-telegram-bot Application that echoes, answers buttons, downloads files, sends an album and
reports locations, polling the local server over HTTP; the `api` and `app` fixtures.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from PIL import Image
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from localapi import LocalBotApi

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
