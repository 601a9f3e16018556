"""Staff's toggle on a raiser's comment: shown to the unit (without its author) or not.

The comment reaches staff as a notice with its author and a button (bot/usecases/answers.py); the
press is checked again here (still staff, the item of the campaign, the comment still there) and
the message is turned into the comment's new state with the opposite button.
"""

from __future__ import annotations

import contextlib
import html
import re
from typing import cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler

from bot.errors import Refused
from bot.usecases import answers
from bot.views import clip
from handlers import callbacks
from handlers.context import BotContext
from handlers.flow import StepHandler

DATA = rf"^{callbacks.SHOW_COMMENT}:(\d{{1,12}}):(\d{{1,6}}):(\d{{1,12}}):([01])$"
_DATA = re.compile(DATA)
COMMENT_SHOWN = 1500  # characters of the comment repeated on the edited message


async def toggle(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    match = _DATA.fullmatch(query.data or "")
    if match is None:
        raise Refused("button_expired")
    item_id, round_, person_id, show = (int(g) for g in match.groups())
    item, comment = await answers.show_comment(
        context.services, context.caller(), item_id, round_, person_id, bool(show)
    )
    texts = context.texts
    await query.answer(
        texts("answers.comment_now_shown") if comment.shown else texts("answers.comment_now_hidden")
    )
    button = answers.comment_button(comment)
    text = texts(
        "answers.comment_staff_screen",
        number=item.display_number,
        author=html.escape(comment.author),
        rating=texts(f"rating.{comment.value}"),
        text=html.escape(clip(comment.text, COMMENT_SHOWN)),
        state=texts("answers.state_shown") if comment.shown else texts("answers.state_hidden"),
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts(button.label_key),
                    callback_data=callbacks.notice_data(button.act, button.args),
                )
            ]
        ]
    )
    with contextlib.suppress(BadRequest):  # unchanged (a second press) or too old to edit
        await query.edit_message_text(text, reply_markup=markup)


def handlers() -> list[StepHandler]:
    """Works outside any conversation, like the notice it belongs to."""
    return [cast(StepHandler, CallbackQueryHandler(toggle, pattern=DATA))]
