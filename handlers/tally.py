"""/tally: staff's headline figures and breakdowns for a period."""

from __future__ import annotations

from typing import cast

from telegram import Update
from telegram.ext import CommandHandler

from bot import overview
from bot.people import Action, require_can
from bot.split import split_message
from bot.tally import render_tally
from bot.tally_period import Period, PeriodError
from bot.usecases import figures
from handlers.context import BotContext
from handlers.feature import OneStep
from handlers.flow import StepHandler


async def tally_command(update: Update, context: BotContext) -> None:
    """Answer with the period's figures: /tally, /tally 2025-06, /tally 2025-05-01 2025-06-30."""
    require_can(context.person, Action.TALLY)
    message = update.effective_message
    assert message is not None
    services = context.services
    today = context.now().astimezone(services.settings.zone).date()
    try:
        period = Period.parse(context.args or [], today)
    except PeriodError:
        await message.reply_text(context.texts("tally.bad_period"))
        return
    tally = await figures.tally(services, context.caller(), period)
    for part in render_tally(tally, context.texts):
        await message.reply_text(part)
    if overview.is_city_staff(services, context.person):
        # The city's staff see every campaign's figures after their own.
        rows = await overview.city_overview(services, context.person, period, now=context.now())
        for part in split_message("\n".join(overview.render_overview(rows, context.texts))):
            await message.reply_text(part)


def commands() -> list[StepHandler]:
    """Handlers that work outside any conversation (commands, buttons of notifications)."""
    return [cast(StepHandler, CommandHandler("tally", tally_command))]


FEATURE = OneStep(commands)
