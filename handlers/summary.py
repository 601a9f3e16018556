"""/summary: a group's daily summary on demand (a leader's own group; any group for staff)."""

from __future__ import annotations

from datetime import date
from typing import cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import scope
from bot.errors import Refused
from bot.people import Action, require_can
from bot.summary import GroupSummary
from bot.summary_pictures import summary_pictures
from bot.summary_render import render_summary
from bot.tally_period import PeriodError, parse_day
from bot.usecases import figures
from handlers import callbacks
from handlers.context import BotContext
from handlers.feature import OneStep
from handlers.flow import StepHandler

PREFIX = callbacks.SUMMARY


def _today(context: BotContext) -> date:
    return context.now().astimezone(context.services.settings.zone).date()


def _parse_args(args: list[str]) -> tuple[str | None, date | None]:
    """(group code, day) from `/summary [CODE] [YYYY-MM-DD]`, in either order."""
    if len(args) > 2:
        raise PeriodError("too many arguments")
    code: str | None = None
    day: date | None = None
    for arg in args:
        if arg[:4].isdigit():
            if day is not None:
                raise PeriodError("two dates")
            day = parse_day(arg)
        else:
            if code is not None:
                raise PeriodError("two groups")
            code = arg
    return code, day


async def summary_command(update: Update, context: BotContext) -> None:
    """Send a day's summary; staff without a group code get the list of groups to choose from."""
    require_can(context.person, Action.SUMMARY)
    me = context.me
    message = update.effective_message
    assert message is not None
    texts = context.texts
    services = context.services
    try:
        code, day = _parse_args(list(context.args or []))
    except PeriodError:
        await message.reply_text(texts("dailysum.bad_args"))
        return
    day = day or _today(context)
    if day > _today(context):
        await message.reply_text(texts("dailysum.future_day", day=day.isoformat()))
        return
    campaign_id = services.campaign.id
    group = None
    if code is not None:
        group = await services.catalog.group_by_code(campaign_id, code)
        if group is None and code.upper() != code:
            group = await services.catalog.group_by_code(campaign_id, code.upper())
        if group is None and not scope.may_see_group_summaries(me):
            # A leader's scope is their own group, whatever code they type.
            raise Refused("dailysum.not_your_group")
        if group is None:
            await message.reply_text(texts("dailysum.unknown_group", code=code))
            return
    group_id = scope.summary_group(me, group.id if group is not None else None)
    if group_id is None:
        groups = await services.catalog.groups(campaign_id)
        rows = [
            [
                InlineKeyboardButton(
                    f"{g.code} {g.name}", callback_data=f"{PREFIX}:{g.id}:{day.isoformat()}"
                )
            ]
            for g in groups
        ]
        await message.reply_text(
            texts("dailysum.pick_group", day=day.isoformat()),
            reply_markup=InlineKeyboardMarkup(rows),
        )
        return
    await _send_summary(
        message, context, await figures.summary(services, context.caller(), group_id, day)
    )


async def summary_button(update: Update, context: BotContext) -> None:
    """Staff chose a group from the list: send that group's summary of the listed day."""
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    if len(parts) != 3 or not parts[1].isdigit() or len(parts[1]) > 12:
        raise Refused("button_expired")
    try:
        day = parse_day(parts[2])
    except PeriodError as exc:
        raise Refused("button_expired") from exc
    group_id = int(parts[1])
    # Checked again on the press, with the caller as they are now: the list was for staff, and a
    # forged id names no group of ours.
    summary = await figures.summary(context.services, context.caller(), group_id, day)
    await query.answer()
    assert isinstance(query.message, Message)
    await _send_summary(query.message, context, summary)


async def _send_summary(message: Message, context: BotContext, summary: GroupSummary) -> None:
    texts = context.texts
    for part in render_summary(summary, texts):
        await message.reply_text(part)
    for picture in await summary_pictures(summary, texts, context.services.pictures):
        await message.reply_photo(picture.data, caption=picture.caption)


def commands() -> list[StepHandler]:
    """Handlers that work outside any conversation (commands, buttons of notifications)."""
    return [
        cast(StepHandler, CommandHandler("summary", summary_command)),
        cast(StepHandler, CallbackQueryHandler(summary_button, pattern=rf"^{PREFIX}:")),
    ]


FEATURE = OneStep(commands)
