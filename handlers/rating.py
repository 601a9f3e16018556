"""Deputies rate a unit's answer: 满意 / 基本满意 / 不满意 (or abstain), then may add a comment.

The rating buttons come with the answer's notification (bot/rating_rules.py rating_buttons),
outside any conversation; every press is checked again here: the presser raised the item, the item
is answered and the round is the current one. The vote is stored before anything is said, and the
rating is concluded as soon as every raiser has voted; the optional comment comes afterwards and
only annotates the stored vote.
"""

from __future__ import annotations

import contextlib
import html
import logging
import re
from typing import cast

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.errors import Refused
from bot.items import Item
from bot.lifecycle import Rating
from bot.usecases import answers, rating
from bot.views import clip, number_label
from handlers import callbacks, rating_comments
from handlers import flow as flows
from handlers.context import BotContext
from handlers.conversation import END
from handlers.replies import message_of, replying, typed_comment

log = logging.getLogger(__name__)

COMMENT = "rating.comment"
PREFIX = callbacks.RATING_COMMENT  # the comment step's own buttons
# The notification's buttons (callbacks.RATE): item id, round, value. Anything else is no rating.
RATING_DATA = rf"^{callbacks.RATE}:\d+:\d+:(satisfied|basically|dissatisfied|abstain)$"
_RATING_RE = re.compile(RATING_DATA)
COMMENT_MAX = 1000
ANSWER_SHOWN = 1500  # characters of the answer repeated on the rated message


def _parse(data: str) -> tuple[int, int, Rating]:
    """Item id, round and value of a rating button; forged data is an expired button."""
    if not _RATING_RE.fullmatch(data):
        raise Refused("button_expired")
    _, item_id, round_, value = data.split(":")
    if len(item_id) > 12 or len(round_) > 6:
        raise Refused("button_expired")
    return int(item_id), int(round_), Rating(value)


async def rate(update: Update, context: BotContext) -> str | int | None:
    """Record the raiser's rating once, conclude when all have voted, offer a comment."""
    query = update.callback_query
    assert query is not None
    item_id, round_, value = _parse(query.data or "")
    texts = context.texts
    rated = await rating.rate(context.services, context.caller(), item_id, round_, value)
    item = rated.item
    if rated.already:
        await query.answer(
            texts("rating_flow.already", rating=texts(f"rating.{rated.value}")), show_alert=True
        )
        await _show_choice(update, context, item, round_, rated.value)
        await rating.conclude_round(context.services, context.caller(), item)
        return None
    await query.answer(texts("rating_flow.thanks"))
    await _show_choice(update, context, item, round_, value)
    await rating.conclude_round(context.services, context.caller(), item)

    flow = flows.current_flow(context)
    if flow and flow.get("kind") != "rating":
        # The deputy is in the middle of something else (a report, a check-in): the vote
        # stands, and their open conversation is left as it was instead of being replaced.
        return None
    message = query.message
    assert message is not None
    if flow:
        await _close_prompt(context, message.chat.id)  # an earlier rating's comment prompt
    flow = flows.start_flow(context, "rating", rated_item=item.id, rated_round=round_)
    prompt = await context.bot.send_message(
        message.chat.id,
        texts("rating_flow.ask_comment", label=number_label(item, texts)),
        reply_markup=InlineKeyboardMarkup(
            [[flows.button(texts("rating_flow.skip"), PREFIX, flow["nonce"], "skip")]]
        ),
    )
    flow["prompt_id"] = prompt.message_id
    return COMMENT


async def _show_choice(
    update: Update, context: BotContext, item: Item, round_: int, value: Rating
) -> None:
    """Turn the pressed message into a record of the answer and the chosen rating, no buttons."""
    query = update.callback_query
    assert query is not None
    texts = context.texts
    answer = await context.services.ratings.response(item.id, round_)
    answer_text = clip(answer.text, ANSWER_SHOWN) if answer else ""
    text = texts(
        "rating_flow.rated",
        label=number_label(item, texts),
        project=html.escape(item.project_title or "—"),
        cls=texts(f"response_class.{answer.response_class}") if answer else "—",
        answer=html.escape(answer_text) or "—",
        rating=texts(f"rating.{value}"),
    )
    try:
        await query.edit_message_text(text, reply_markup=None)
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return
        # A message that cannot be edited (a photo, too old): keep it, drop its buttons.
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)


async def comment_step(update: Update, context: BotContext) -> str | int:
    """The deputy's comment on their rating, stored with their vote."""
    texts = context.texts
    comment = await typed_comment(
        update,
        context,
        empty="rating_flow.comment_expected",
        too_long="lifecycle_text_too_long",
        most=COMMENT_MAX,
    )
    if comment is None:
        return COMMENT
    message = message_of(update)
    flow = flows.current_flow(context)
    item_id, round_ = flow.get("rated_item"), flow.get("rated_round")
    if not isinstance(item_id, int) or not isinstance(round_, int):
        flows.end_flow(context)
        await message.reply_text(texts("button_expired"))
        return END
    saved = await rating.comment(context.services, context.me, item_id, round_, comment)
    if saved:
        # Staff decide whether the unit may read it (without its author).
        await answers.tell_staff_of_comment(context.services, context.caller(), item_id, round_)
    await _close_prompt(context, message.chat_id)
    flows.end_flow(context)
    await message.reply_text(
        texts("rating_flow.comment_saved") if saved else texts("rating_flow.comment_lost")
    )
    return END


async def skip_step(update: Update, context: BotContext) -> str | int:
    """No comment: the rating stands as it is."""
    press = await flows.pressed(update, context, PREFIX)
    if press is None or press.verb != "skip":
        return COMMENT
    flows.end_flow(context)
    with contextlib.suppress(BadRequest):
        await press.query.edit_message_text(context.texts("rating_flow.comment_skipped"))
    return END


comment_expected = replying("rating_flow.comment_expected")


async def _close_prompt(context: BotContext, chat_id: int) -> None:
    prompt_id = flows.current_flow(context).get("prompt_id")
    if isinstance(prompt_id, int):
        # The prompt may be gone or already without its button; neither matters.
        with contextlib.suppress(BadRequest):
            await context.bot.edit_message_reply_markup(chat_id, prompt_id, reply_markup=None)


def entry_points() -> list[flows.StepHandler]:
    """Commands that open this feature's steps in the shared conversation."""
    return [cast(flows.StepHandler, CallbackQueryHandler(rate, pattern=RATING_DATA))]


def states() -> dict[str, list[flows.StepHandler]]:
    """This feature's conversation steps (state names are prefixed with the feature's name)."""
    return {
        COMMENT: [
            cast(flows.StepHandler, MessageHandler(flows.TYPED & filters.TEXT, comment_step)),
            cast(flows.StepHandler, CallbackQueryHandler(skip_step, pattern=rf"^{PREFIX}:")),
            cast(flows.StepHandler, MessageHandler(flows.TYPED, comment_expected)),
        ]
    }


def commands() -> list[flows.StepHandler]:
    """Handlers that work outside any conversation (commands, buttons of notifications):
    staff's toggle on a comment (handlers/rating_comments.py)."""
    return rating_comments.handlers()
