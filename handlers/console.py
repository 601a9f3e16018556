"""/web: a one-time login link to the web console, and the Mini App button where Telegram allows.

The link is the person's key for minutes: it goes only to their private chat, as a button (or,
when the console is not on HTTPS and Telegram would refuse a button, in the text).
"""

from __future__ import annotations

from html import escape
from typing import cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, WebAppInfo
from telegram.ext import CommandHandler

from bot.usecases import web_login
from handlers.context import BotContext
from handlers.feature import OneStep
from handlers.flow import StepHandler


async def web_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    texts = context.texts
    settings = context.services.settings.web
    if not settings.enabled:
        await message.reply_text(texts("web.off"))
        return
    token = await web_login.issue_link(context.services, context.person, context.now())
    base = settings.public_url.rstrip("/")
    link = f"{base}/login/{token}"
    minutes = round(settings.login_link_minutes)
    if not settings.secure:
        await message.reply_text(texts("web.link_sent_plain", minutes=minutes, link=escape(link)))
        return
    rows = [
        [InlineKeyboardButton(texts("web.open_button"), url=link)],
        [InlineKeyboardButton(texts("web.webapp_button"), web_app=WebAppInfo(f"{base}/app"))],
    ]
    await message.reply_text(
        texts("web.link_sent", minutes=minutes), reply_markup=InlineKeyboardMarkup(rows)
    )


def commands() -> list[StepHandler]:
    return [cast(StepHandler, CommandHandler("web", web_command))]


FEATURE = OneStep(commands)
