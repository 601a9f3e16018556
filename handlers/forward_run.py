"""The open /forward run as its parts share it: the step names, the buttons that carry the run's
nonce, the shape of a button's handler, and the items and units a button may name.

/forward is one conversation of several parts (handlers/forward.py forwards by unit and
dispatches every button, handlers/returns.py re-routes returned items, handlers/paper_answer.py
records answers received on paper); this module is what they have in common.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.items import Item
from bot.query_ports import ForwardingStore
from bot.records import UnitRecord
from bot.usecases import forwarding
from bot.views import clip
from handlers import callbacks
from handlers.context import BotContext
from handlers.flow import Pressed, button, current_flow

CHOOSE, NUMBER, ANSWER = "forward.choose", "forward.number", "forward.answer"
PROMISE = "forward.promise"  # a paper answer of class B: its promised date
PREFIX = callbacks.FORWARD
FLOW_KIND = "forward"
SHORT = 28  # characters of an item's text on buttons and list lines

Next = str | int | None  # the next state; None stays in the current one
Screen = tuple[str, InlineKeyboardMarkup]
Result = tuple[Next, str | None]  # the next state and an optional toast for the press
# What a button's verb does: the press is answered with the toast once it returns.
Verb = Callable[[Update, BotContext, Pressed], Awaitable[Result]]


def store(context: BotContext) -> ForwardingStore:
    return context.services.forwarding


def short(text: str, limit: int = SHORT) -> str:
    # All lines run together: dropping the lines after the first would cut without a mark.
    return clip(" ".join(text.split()), limit)


def run_button(
    context: BotContext, label: str, verb: str, arg: str | int = ""
) -> InlineKeyboardButton:
    """A button of the open run (an older run's buttons have expired)."""
    return button(label, PREFIX, current_flow(context)["nonce"], verb, arg)


def keyboard(rows: Sequence[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    """The rows as a keyboard; empty rows (no page to turn to) are left out."""
    return InlineKeyboardMarkup([list(r) for r in rows if r])


async def staff_item(context: BotContext, item_id: object) -> Item:
    """An item of this campaign named by a button; anything else is an expired button."""
    return await forwarding.staff_item(context.services, context.person, item_id)


async def campaign_unit(context: BotContext, unit_id: object) -> UnitRecord:
    """A unit of this campaign named by a button; anything else is an expired button."""
    return await forwarding.unit_of_campaign(context.services, unit_id)
