"""Staff's 同意延期 / 不同意 buttons on an extension request's notice (xd:<id>:<verb>).

The press is data the client sends: the use case checks that the caller is staff now, that the
request is of this campaign and still open, and that its item has not moved on.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.usecases import extensions
from handlers import callbacks
from handlers.context import BotContext
from handlers.flow import StepHandler, remove_buttons, steps

log = logging.getLogger(__name__)

_DATA = rf"^{callbacks.EXTENSION_DECISION}:(\d{{1,12}}):(approve|decline)$"


async def decide_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    _, raw_id, verb = (query.data or "").split(":")
    decided = await extensions.decide(
        context.services, context.caller(), int(raw_id), verb == "approve"
    )
    texts = context.texts
    if decided.decision == "approved":
        toast = texts("extension.approved", date=decided.extension.proposed_day.isoformat())
    else:
        toast = texts("extension.declined")
    await query.answer(toast, show_alert=True)
    await remove_buttons(update)


def entry_points() -> list[StepHandler]:
    return []


def states() -> dict[str, list[StepHandler]]:
    return {}


def commands() -> list[StepHandler]:
    """The decision buttons work outside any conversation."""
    return steps(CallbackQueryHandler(decide_pressed, pattern=_DATA))
