"""The open /inbox as its parts share it: the step names, the checks every step repeats (the
caller still handles the inbox's unit, the item is still the unit's), the step under way in the
scratch data, and the replies a typed step makes.

/inbox is one conversation of two parts: handlers/inbox.py (the list, cards, accepting, returning,
progress, and every button) and handlers/inbox_answer.py (writing an answer).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import scope
from bot.errors import Refused
from bot.items import Item
from bot.usecases import unit
from handlers.context import BotContext
from handlers.flow import Pressed, button, current_flow, remove_buttons
from handlers.inbox_views import PREFIX, Markup, card_view, list_view
from handlers.replies import message_of, send_screen

log = logging.getLogger(__name__)

BROWSE = "inbox.browse"  # the list, a card, the choice of answer class
REASON = "inbox.reason"  # typing why the item is not the unit's
PROGRESS = "inbox.progress"  # typing a progress note
ANSWER_PROMISE = "inbox.answer_promise"  # class B: typing the promised date
ANSWER_TEXT = "inbox.answer_text"  # typing the answer
ANSWER_PHOTOS = "inbox.answer_photos"  # sending photos of the answer, then 完成
ANSWER_CONFIRM = "inbox.answer_confirm"  # the answer's summary: confirm or cancel

FLOW_KIND = "inbox"

# Refusals of typed text that the liaison fixes by typing again; any other ends the step.
_RETYPE = frozenset(
    {
        "lifecycle_reason_missing",
        "lifecycle_text_missing",
        "lifecycle_text_too_long",
        "answers.promise_unreadable",
        "answers.promise_not_future",
        "answers.promise_too_far",
    }
)

Result = str | None  # the next state; None keeps the current one
# What a button's verb does; it answers the press itself, once every check has passed.
Verb = Callable[[Update, BotContext, Pressed], Awaitable[Result]]


# --- what the open inbox is about --------------------------------------------------------------


def inbox_unit(context: BotContext) -> int:
    """The unit the open inbox is for, while the caller still handles it."""
    return scope.inbox_unit(context.person, current_flow(context).get("unit_id"))


async def my_item(context: BotContext, item_id: object) -> Item:
    """An item of the open inbox, while the caller still handles its unit."""
    inbox_unit(context)
    return await unit.unit_item(context.services, context.person, item_id)


async def pending_item(context: BotContext) -> Item:
    """The item being written about, still with the unit."""
    inbox_unit(context)
    return await unit.may_handle(context.services, context.me, current_flow(context).get("item"))


async def list_screen(context: BotContext) -> tuple[str, Markup]:
    """The page of the unit's list the liaison was on."""
    return await list_view(context, inbox_unit(context), current_flow(context).get("page", 0))


async def card_screen(context: BotContext, item_id: int) -> tuple[str, Markup]:
    """The item's card as it is now, while it is still the unit's."""
    return await card_view(context, await my_item(context, item_id))


def cancel_row(context: BotContext, item_id: int) -> list[InlineKeyboardButton]:
    nonce = current_flow(context)["nonce"]
    return [button(context.texts("button.cancel"), PREFIX, nonce, "back", item_id)]


# --- the step under way ------------------------------------------------------------------------


def clear_pending(context: BotContext) -> dict[str, object]:
    """Forget the step under way (which item, answer class, its terms, answer text, extension
    reason)."""
    flow = current_flow(context)
    keys = ("item", "cls", "text", "promised", "reason", "ext_reason")
    return {key: flow.pop(key, None) for key in keys}


async def drop_pending(context: BotContext) -> int:
    """Leave the step under way; photos of an unconfirmed answer are deleted."""
    item_id = clear_pending(context)["item"]
    if isinstance(item_id, int) and context.person is not None:
        removed = await context.services.inbox.discard_pending_response_photos(
            item_id, context.person.id
        )
        if removed:
            log.info("Discarded %d unconfirmed answer photos of item %s", removed, item_id)
        return removed
    return 0


async def ask_about(
    update: Update,
    context: BotContext,
    item: Item,
    question: str,
    rows: list[list[InlineKeyboardButton]],
) -> None:
    """The press is accepted: this item is the one being written about; ask the question."""
    # Photos left over from an answer abandoned with /cancel are not part of what comes next.
    await drop_pending(context)
    current_flow(context)["item"] = item.id
    await go_on_below(update, context, question, InlineKeyboardMarkup(rows))


async def go_on_below(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Accept the press, take the buttons off its message, and go on in a new message."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await remove_buttons(update)
    await send_screen(update, context, text, markup)


# --- typed steps -------------------------------------------------------------------------------


def typed_text(update: Update) -> str:
    message = message_of(update)
    assert message.text is not None
    return message.text


async def typed_refusal(update: Update, context: BotContext, refused: Refused) -> Result:
    """Text to fix: say so and wait for another. Anything else: say so and show the list."""
    message = message_of(update)
    await message.reply_text(context.texts(refused.key, **refused.params))
    if refused.key in _RETYPE:
        return None
    await drop_pending(context)
    text, markup = await list_screen(context)
    await message.reply_text(text, reply_markup=markup)
    return BROWSE
