"""How a step answers besides its own screens: the screen it was pressed on edited, a new message
in the caller's chat, a fixed reply to input the step does not take, an item's photos as an album.

Shared by the flows so that each says these things the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, TypeVar, cast

from telegram import InlineKeyboardMarkup, InputMediaPhoto, Message, Update
from telegram.error import BadRequest

from bot.items import clean_description, has_words
from bot.records import StoredPhoto
from handlers.context import BotContext

ALBUM = 10  # Telegram albums hold 2 to 10 photos
T = TypeVar("T")


def message_of(update: Update) -> Message:
    """The message of a step's update (a typed message, or the one whose button was pressed)."""
    message = update.effective_message
    assert message is not None
    return message


async def edit_screen(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Show `text` on the message whose button was pressed."""
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        # It shows this already (a double tap, or an update processed again): nothing to do.
        if "not modified" not in str(exc).lower():
            raise


async def send_screen(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A new message in the caller's chat (the pressed message may be too old to reply to)."""
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat.id, text, reply_markup=markup)


async def alongside(edit: Awaitable[object], step: Awaitable[T]) -> T:
    """Change the pressed screen (edit it, take its buttons off) while the step goes on to its
    next message: Telegram shows the edit in place, so neither waits for the other's round trip.
    Both have finished when this returns (the step's result); the first failure is raised.
    Whatever the step stored must be committed before: the edit says it is done."""
    done, result = await asyncio.gather(edit, step, return_exceptions=True)
    for outcome in (done, result):
        if isinstance(outcome, BaseException):
            raise outcome
    return cast(T, result)


Reply = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
# A conversation step: returns its next state, END, or None to stay.
Step = Callable[[Update, BotContext], Coroutine[Any, Any, str | int | None]]


def replying(key: str) -> Reply:
    """A step for input its state does not take: it says what is expected and stays."""

    async def reply(update: Update, context: BotContext) -> None:
        message = update.effective_message
        if message is not None:
            await message.reply_text(context.texts(key))

    return reply


async def typed_comment(
    update: Update, context: BotContext, *, empty: str, too_long: str, most: int
) -> str | None:
    """The typed comment, cleaned; None once the caller is told why it is not taken (`empty`: it
    has no words, `too_long`: more than `most` characters)."""
    message = message_of(update)
    assert message.text is not None
    comment = clean_description(message.text)
    if not has_words(comment):
        await message.reply_text(context.texts(empty))
        return None
    if len(comment) > most:
        await message.reply_text(context.texts(too_long, max=most))
        return None
    return comment


# A name typed to search people (/people, /evaluation's voters): its first NAME_MAX characters
# are looked up, and at most MATCHES_SHOWN of the people found are offered, a button each.
NAME_MAX = 40
MATCHES_SHOWN = 10


def name_fragment(text: str) -> str:
    """The name (or part of one) typed to search people, as it is looked up."""
    return text.strip()[:NAME_MAX]


async def send_album(
    context: BotContext, chat_id: int, photos: Sequence[StoredPhoto], caption: str
) -> None:
    """The first photos as one album captioned on its first photo (a single photo goes alone)."""
    if not photos:
        return
    store = context.services.store
    data = await asyncio.gather(
        *(asyncio.to_thread(store.read, p.display_path) for p in photos[:ALBUM])
    )
    if len(data) == 1:
        await context.bot.send_photo(chat_id, data[0], caption=caption)
        return
    await context.bot.send_media_group(
        chat_id,
        [InputMediaPhoto(d, caption=caption if i == 0 else None) for i, d in enumerate(data)],
    )
