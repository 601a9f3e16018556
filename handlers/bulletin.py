"""/bulletin: staff and leaders get the monthly bulletin (or any period's) as a Word document;
/groupreport: a leader their group's written supervision report as a draft to edit (staff name
the group). Both parse, call the use case, and send the file (written in a worker thread)."""

from __future__ import annotations

import asyncio
import html
from datetime import date
from typing import cast

from telegram import Message, Update
from telegram.ext import CommandHandler

from bot.bulletin_docx import cjk_font, file_name, render_bulletin
from bot.group_report_docx import file_name as report_file_name
from bot.group_report_docx import render_group_report
from bot.people import Action, require_can
from bot.tally_period import Period, PeriodError, period_text
from bot.usecases import bulletin, group_report
from bot.usecases.bulletin import previous_month
from handlers.context import BotContext
from handlers.feature import OneStep
from handlers.flow import StepHandler


def _asked(update: Update, context: BotContext, action: Action) -> tuple[Message, date]:
    """The command's message and today where the campaign is, once the caller may `action`."""
    require_can(context.person, action)
    message = update.effective_message
    assert message is not None
    return message, context.now().astimezone(context.services.settings.zone).date()


async def bulletin_command(update: Update, context: BotContext) -> None:
    """`/bulletin` (last month), `/bulletin 2025-07`, `/bulletin 2025-01-01 2025-06-30`."""
    message, today = _asked(update, context, Action.BULLETIN)
    services, texts = context.services, context.texts
    args = context.args or []
    try:
        period = previous_month(today) if not args else Period.parse(args, today)
    except PeriodError:
        period = None
    if period is None or period.first is None or period.last is None:
        await message.reply_text(texts("bulletin.bad_period"))
        return
    status = await message.reply_text(texts("bulletin.making"))
    found = await bulletin.bulletin(services, context.caller(), period)
    data = await asyncio.to_thread(render_bulletin, found, texts, cjk_font())
    await status.edit_text(texts("bulletin.done", period=period_text(period, texts)))
    await message.reply_document(document=data, filename=file_name(found, texts))


async def group_report_command(update: Update, context: BotContext) -> None:
    """`/groupreport [period]` for a leader; `/groupreport G01 [period]` for staff."""
    message, today = _asked(update, context, Action.GROUP_REPORT)
    services, texts = context.services, context.texts
    args = list(context.args or [])
    code = args.pop(0) if args and not args[0][:1].isdigit() else None
    try:
        period = Period.parse(args, today)
    except PeriodError:
        await message.reply_text(texts("groupreport.bad_period"))
        return
    found = await group_report.group_report(services, context.caller(), code, period)
    status = await message.reply_text(texts("groupreport.making"))
    data = await asyncio.to_thread(render_group_report, found, texts)
    await status.edit_text(
        texts(
            "groupreport.done",
            group=html.escape(found.group_name),
            period=period_text(period, texts),
        )
    )
    await message.reply_document(document=data, filename=report_file_name(found, texts))


def commands() -> list[StepHandler]:
    """Handlers that work outside any conversation."""
    return [
        cast(StepHandler, CommandHandler("bulletin", bulletin_command)),
        cast(StepHandler, CommandHandler("groupreport", group_report_command)),
    ]


FEATURE = OneStep(commands)
