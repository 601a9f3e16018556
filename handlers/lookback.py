"""/lookback: a group re-checks closed items on site: the fix held, or the problem is back.

One card per due look-back of the caller's group. A deputy may first send photos of what they see
(kept with the item, purpose "lookback"), then says 效果保持 (held) or 问题反弹 (broken, with a
note typed): a broken fix reopens the item with its unit (bot/rating_rules.py look_back).

The cards are of the group the deputy is in when /lookback opens; moved to another group
meanwhile, their next step ends the look-back (handlers/guard.py, bot/scope.py).
"""

from __future__ import annotations

import contextlib
import html
import logging
from datetime import datetime
from typing import Any, cast

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import scope
from bot.errors import Refused
from bot.items import Item
from bot.lifecycle import LookbackResult
from bot.people import Person
from bot.records import LookbackRecord
from bot.usecases import rating
from bot.views import clip, number_label, place_of
from handlers import callbacks
from handlers import flow as flows
from handlers.context import BotContext
from handlers.conversation import END
from handlers.guard import within
from handlers.photos import PHOTO_INPUT, receive_item_photo
from handlers.replies import replying

log = logging.getLogger(__name__)

CHOOSE, PHOTOS, NOTE = "lookback.choose", "lookback.photos", "lookback.note"
PREFIX = callbacks.LOOKBACK
FLOW_KIND = "lookback"
DUE_SHOWN = 10  # cards per /lookback; the rest come with the next /lookback
UPCOMING_SHOWN = 5
ANSWER_SHOWN = 600  # characters of the unit's answer repeated on a card


async def start_lookback(update: Update, context: BotContext) -> str | int:
    """Show the group's due look-backs, one card each (and, for information, the coming ones)."""
    group_id = scope.own_lookback_group(context.person)
    message = update.effective_message
    assert message is not None
    await flows.abandon_flow(context)
    services = context.services
    texts = context.texts
    now = context.now()
    due = await services.lookbacks.due_for_group(group_id, now, limit=DUE_SHOWN)
    upcoming = await services.lookbacks.upcoming_for_group(group_id, now, limit=UPCOMING_SHOWN)
    upcoming_text = await _upcoming(context, upcoming)
    if not due:
        await message.reply_text(texts("lookback.none_due") + upcoming_text)
        return END
    flow = flows.start_flow(
        context, FLOW_KIND, group_id=group_id, open=[lb.id for lb in due], cards={}
    )
    await message.reply_text(texts("lookback.intro", count=len(due)) + upcoming_text)
    for record in due:
        item = await services.items.get(record.item_id)
        if item is None:
            continue
        card = await message.reply_text(
            await _card(context, item, record), reply_markup=_verdict_buttons(context, record.id)
        )
        flow["cards"][str(record.id)] = card.message_id
    return CHOOSE


async def _upcoming(context: BotContext, upcoming: list[LookbackRecord]) -> str:
    if not upcoming:
        return ""
    services = context.services
    lines = []
    for record in upcoming:
        item = await services.items.get(record.item_id)
        if item is not None:
            lines.append(
                f"• {number_label(item, context.texts)} {html.escape(item.project_title or '')}"
                f" · {services.policy.day(record.due_at)}"
            )
    return "\n\n" + context.texts("lookback.upcoming", lines="\n".join(lines))


async def _card(context: BotContext, item: Item, record: LookbackRecord) -> str:
    """What the deputy needs on site: the item, the unit's answer, the rating, the photos."""
    services = context.services
    texts = context.texts
    answer = await services.ratings.response(item.id)
    answer_text = clip(answer.text, ANSWER_SHOWN) if answer else ""
    closed = services.policy.day(item.closed_at) if item.closed_at else "—"
    return texts(
        "lookback.card",
        label=number_label(item, texts),
        place=html.escape(place_of(item)) or "—",
        description=html.escape(item.description) or "—",
        cls=texts(f"response_class.{answer.response_class}") if answer else "—",
        answer=html.escape(answer_text) or "—",
        rating=texts(f"rating.{item.rating}") if item.rating else texts("rating.none"),
        closed=closed,
        photos=item.photo_count,
        due=services.policy.day(record.due_at),
    )


def _verdict_buttons(context: BotContext, lookback_id: int) -> InlineKeyboardMarkup:
    texts = context.texts
    nonce = flows.current_flow(context)["nonce"]
    return InlineKeyboardMarkup(
        [
            [flows.button(texts("lookback.button_photos"), PREFIX, nonce, "photos", lookback_id)],
            [
                flows.button(texts("lookback.button_held"), PREFIX, nonce, "held", lookback_id),
                flows.button(texts("lookback.button_broken"), PREFIX, nonce, "broken", lookback_id),
            ],
        ]
    )


async def _open_lookback(
    context: BotContext, lookback_id: int | None
) -> tuple[LookbackRecord, Item]:
    """The look-back a button names, still open, of the open flow's group, with its item."""
    group_id = scope.lookback_group(context.person, flows.current_flow(context).get("group_id"))
    return await rating.open_lookback(context.services, context.person, lookback_id, group_id)


async def lookback_button(update: Update, context: BotContext) -> str | int:
    """Photos, held, broken (then a note), done with photos, back."""
    press = await flows.pressed(update, context, PREFIX, answer=False)
    if press is None:
        return _state_of(context)
    # Answered only once the press was acted on: a refusal on the way becomes its alert.
    next_state = await _act(update, context, press)
    await press.query.answer()
    return next_state


async def _act(update: Update, context: BotContext, press: flows.Pressed) -> str | int:
    texts = context.texts
    flow = flows.current_flow(context)
    record, item = await _open_lookback(context, press.int_arg())
    query = press.query
    assert query.message is not None
    chat_id = query.message.chat.id
    if press.verb == "photos":
        question = texts(
            "lookback.ask_photos",
            label=number_label(item, texts),
            max=context.services.settings.reports.max_photos,
        )
        return await _wait_for(
            context, chat_id, record, PHOTOS, question, texts("button.done"), "photos_done"
        )
    if press.verb == "photos_done":
        flow["step"] = CHOOSE
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
        await context.bot.send_message(
            chat_id,
            texts("lookback.ask_verdict", label=number_label(item, texts)),
            reply_markup=_verdict_buttons(context, record.id),
        )
        return CHOOSE
    if press.verb == "held":
        return await _conclude(context, chat_id, record, item, LookbackResult.HELD, "")
    if press.verb == "broken":
        question = texts("lookback.ask_note", label=number_label(item, texts))
        return await _wait_for(
            context, chat_id, record, NOTE, question, texts("button.back"), "back"
        )
    if press.verb == "back":
        flow["step"] = CHOOSE
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(texts("lookback.note_dropped"))
        return CHOOSE
    return _state_of(context)


async def _wait_for(
    context: BotContext,
    chat_id: int,
    record: LookbackRecord,
    step: str,
    question: str,
    label: str,
    verb: str,
) -> str:
    """Ask for what the deputy sends next about `record` (photos, a note); its one button ends
    the waiting with `verb`."""
    flow = flows.current_flow(context)
    flow["current"] = record.id
    flow["step"] = step
    await context.bot.send_message(
        chat_id,
        question,
        reply_markup=InlineKeyboardMarkup(
            [[flows.button(label, PREFIX, flow["nonce"], verb, record.id)]]
        ),
    )
    return step


def _state_of(context: BotContext) -> str:
    step = flows.current_flow(context).get("step")
    return step if step in (CHOOSE, PHOTOS, NOTE) else CHOOSE


async def lookback_photo(update: Update, context: BotContext) -> str:
    """A photo of what the deputy sees on site now, kept with the item."""
    flow = flows.current_flow(context)
    record, item = await _open_lookback(context, flow.get("current"))
    await receive_item_photo(update, context, item, purpose="lookback")
    log.info("Look-back %s: photo received", record.id)
    return PHOTOS


photos_expected = replying("lookback.photos_expected")


async def note_step(update: Update, context: BotContext) -> str | int:
    """What is wrong again: the item goes back to its unit with this note."""
    message = update.effective_message
    assert message is not None and message.text is not None
    flow = flows.current_flow(context)
    record, item = await _open_lookback(context, flow.get("current"))
    try:
        return await _conclude(
            context, message.chat_id, record, item, LookbackResult.BROKEN, message.text
        )
    except Refused as refused:
        if refused.key in ("lifecycle_reason_missing", "lifecycle_text_too_long"):
            # A note that is too short or too long: say so and wait for a better one.
            await message.reply_text(context.texts(refused.key, **refused.params))
            return NOTE
        raise


note_expected = replying("lookback.note_expected")


async def _conclude(
    context: BotContext,
    chat_id: int,
    record: LookbackRecord,
    item: Item,
    result: LookbackResult,
    note: str,
) -> str | int:
    """Apply the look-back; the card loses its buttons; the next card waits, or we are done."""
    services = context.services
    texts = context.texts
    acted = await rating.conclude_lookback(services, context.caller(), record, item, result, note)
    change = acted.change
    flow = flows.current_flow(context)
    card_id = flow.get("cards", {}).get(str(record.id))
    if isinstance(card_id, int):
        # The card may be gone or already without buttons; neither matters.
        with contextlib.suppress(BadRequest):
            await context.bot.edit_message_reply_markup(chat_id, card_id, reply_markup=None)
    label = number_label(item, texts)
    if result is LookbackResult.HELD:
        done = texts("lookback.held_done", label=label)
    else:
        due = change.fields.get("due_at")
        done = texts(
            "lookback.broken_done",
            label=label,
            due=services.policy.day(due) if isinstance(due, datetime) else "—",
        )
    remaining = [i for i in flow.get("open", []) if i != record.id]
    flow["open"] = remaining
    flow["step"] = CHOOSE
    flow.pop("current", None)
    if not remaining:
        flows.end_flow(context)
        await context.bot.send_message(chat_id, done + "\n\n" + texts("lookback.all_done"))
        return END
    await context.bot.send_message(
        chat_id, done + "\n\n" + texts("lookback.next", count=len(remaining))
    )
    return CHOOSE


def entry_points() -> list[flows.StepHandler]:
    """Commands that open this feature's steps in the shared conversation."""
    return [cast(flows.StepHandler, CommandHandler("lookback", start_lookback))]


def _still_in_group(person: Person | None, flow: dict[str, Any]) -> object:
    return scope.lookback_group(person, flow.get("group_id"))


# Every step of an open look-back first checks that the caller is still in the flow's group.
_guarded = within(FLOW_KIND, _still_in_group)


def states() -> dict[str, list[flows.StepHandler]]:
    """This feature's conversation steps (state names are prefixed with the feature's name)."""
    buttons = cast(
        flows.StepHandler, CallbackQueryHandler(_guarded(lookback_button), pattern=rf"^{PREFIX}:")
    )
    return {
        CHOOSE: [
            buttons,
            cast(flows.StepHandler, MessageHandler(flows.TYPED, _guarded(flows.buttons_expected))),
        ],
        PHOTOS: [
            cast(flows.StepHandler, MessageHandler(PHOTO_INPUT, _guarded(lookback_photo))),
            buttons,
            cast(flows.StepHandler, MessageHandler(flows.TYPED, _guarded(photos_expected))),
        ],
        NOTE: [
            cast(
                flows.StepHandler, MessageHandler(flows.TYPED & filters.TEXT, _guarded(note_step))
            ),
            buttons,
            cast(flows.StepHandler, MessageHandler(flows.TYPED, _guarded(note_expected))),
        ],
    }


def commands() -> list[flows.StepHandler]:
    """Handlers that work outside any conversation (commands, buttons of notifications)."""
    return []
