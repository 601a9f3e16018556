"""/inbox: a liaison's items: accept, return, progress, answer.

A liaison only ever sees or acts on items forwarded to their own unit. That is checked again on
every press and every typed step (a button is data the client sends, not a permission), and once
more by the rules in bot/unit_rules.py; both ask bot/scope.py. An inbox is opened for the unit the
liaison handles then; if staff move them to another unit meanwhile, the next step closes it
(handlers/guard.py) instead of showing either unit's items.

A press is answered (answerCallbackQuery) only after every check and change has passed: a
refusal raised before that is shown as an alert by the error handler, and Telegram accepts only
one answer per press.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import scope
from bot.errors import Refused
from bot.items import Item, clean_description
from bot.lifecycle import (
    ResponseClass,
)
from bot.people import Person
from bot.records import PhotoTarget
from bot.usecases import unit
from bot.views import clip, number_label
from handlers.context import BotContext
from handlers.flow import (
    TYPED,
    Pressed,
    StepHandler,
    abandon_flow,
    button,
    buttons_expected,
    current_flow,
    expired,
    pressed,
    remove_buttons,
    start_flow,
)
from handlers.guard import within
from handlers.inbox_views import ANSWER_CHARS, PREFIX, Markup, card_view, list_view
from handlers.photos import PHOTO_INPUT, receive_photo

log = logging.getLogger(__name__)

BROWSE = "inbox.browse"  # the list, a card, the choice of answer class
REASON = "inbox.reason"  # typing why the item is not the unit's
PROGRESS = "inbox.progress"  # typing a progress note
ANSWER_TEXT = "inbox.answer_text"  # typing the answer
ANSWER_PHOTOS = "inbox.answer_photos"  # sending photos of the answer, then 完成
ANSWER_CONFIRM = "inbox.answer_confirm"  # the answer's summary: confirm or cancel

FLOW_KIND = "inbox"
ALBUM = 10  # Telegram's album limit: the first ten evidence photos are sent

# Refusals of typed text that the liaison fixes by typing again; any other ends the step.
_RETYPE = frozenset(
    {"lifecycle_reason_missing", "lifecycle_text_missing", "lifecycle_text_too_long"}
)

Result = str | None  # the next state; None keeps the current one

# --- data behind the views -------------------------------------------------------------------


def _unit(context: BotContext) -> int:
    """The unit the open inbox is for, while the caller still handles it."""
    return scope.inbox_unit(context.person, current_flow(context).get("unit_id"))


async def _my_item(context: BotContext, item_id: object) -> Item:
    """An item of the open inbox, while the caller still handles its unit."""
    _unit(context)
    return await unit.unit_item(context.services, context.person, item_id)


async def _list_view(context: BotContext, page: int) -> tuple[str, Markup]:
    return await list_view(context, _unit(context), page)


# --- sending and editing ---------------------------------------------------------------------


async def _send(update: Update, context: BotContext, text: str, markup: Markup = None) -> None:
    """A new message in the caller's chat (the pressed message may be too old to reply to)."""
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat.id, text, reply_markup=markup)


async def _edit(update: Update, text: str, markup: Markup) -> None:
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def _cancel_row(context: BotContext, item_id: int) -> list[InlineKeyboardButton]:
    nonce = current_flow(context)["nonce"]
    return [button(context.texts("button.cancel"), PREFIX, nonce, "back", item_id)]


# --- the flow's scratch state ----------------------------------------------------------------


def _clear_pending(context: BotContext) -> dict[str, object]:
    """Forget the step under way (which item, answer class, answer text)."""
    flow = current_flow(context)
    return {key: flow.pop(key, None) for key in ("item", "cls", "text")}


async def _drop_pending(context: BotContext) -> int:
    """Leave the step under way; photos of an unconfirmed answer are deleted."""
    item_id = _clear_pending(context)["item"]
    if isinstance(item_id, int) and context.person is not None:
        removed = await context.services.inbox.discard_pending_response_photos(
            item_id, context.person.id
        )
        if removed:
            log.info("Discarded %d unconfirmed answer photos of item %s", removed, item_id)
        return removed
    return 0


async def _leave_previous(context: BotContext) -> None:
    if current_flow(context).get("kind") == FLOW_KIND:
        await _drop_pending(context)
    await abandon_flow(context)


# --- entry points ----------------------------------------------------------------------------


async def start_inbox(update: Update, context: BotContext) -> str:
    """The unit's items, overdue and newest first."""
    unit_id = scope.own_unit(context.person)
    message = update.effective_message
    assert message is not None
    await _leave_previous(context)
    start_flow(context, FLOW_KIND, page=0, unit_id=unit_id)
    text, markup = await _list_view(context, 0)
    await message.reply_text(text, reply_markup=markup)
    return BROWSE


async def open_from_notice(update: Update, context: BotContext) -> str:
    """The "open" button of a forwarding notice: that item's card, checked like any press."""
    query = update.callback_query
    assert query is not None
    digits = (query.data or "").split(":", 1)[1]
    unit_id = scope.own_unit(context.person)
    item = await unit.unit_item(
        context.services, context.person, int(digits) if len(digits) < 12 else None
    )
    await _leave_previous(context)
    start_flow(context, FLOW_KIND, page=0, unit_id=unit_id)
    text, markup = await card_view(context, item)
    await query.answer()
    await _send(update, context, text, markup)
    return BROWSE


# --- buttons ---------------------------------------------------------------------------------


async def on_button(update: Update, context: BotContext) -> Result:
    """Every button of the inbox; each verb checks role, unit and state before it acts."""
    press = await pressed(update, context, PREFIX, kind=FLOW_KIND, answer=False)
    if press is None:
        return None
    verb = _VERBS.get(press.verb)
    if verb is None:
        await expired(update, context)
        return None
    return await verb(update, context, press)


async def _page(update: Update, context: BotContext, press: Pressed) -> Result:
    await _drop_pending(context)
    text, markup = await _list_view(context, press.int_arg() or 0)
    assert update.callback_query is not None
    await update.callback_query.answer()
    await _edit(update, text, markup)
    return BROWSE


async def _open(update: Update, context: BotContext, press: Pressed) -> Result:
    item = await _my_item(context, press.int_arg())
    await _drop_pending(context)
    text, markup = await card_view(context, item)
    assert update.callback_query is not None
    await update.callback_query.answer()
    await _edit(update, text, markup)
    return BROWSE


async def _photos(update: Update, context: BotContext, press: Pressed) -> Result:
    """The deputies' evidence photos of the item, as one album."""
    item = await _my_item(context, press.int_arg())
    services = context.services
    photos = (await services.photos.of(PhotoTarget(item_id=item.id)))[:ALBUM]
    query = update.callback_query
    assert query is not None
    await query.answer()
    chat = update.effective_chat
    assert chat is not None
    label = number_label(item, context.texts)
    if len(photos) == 1:  # an album needs 2 to 10 photos
        await context.bot.send_photo(
            chat.id, services.store.read(photos[0].display_path), caption=label
        )
    elif photos:
        media = [
            InputMediaPhoto(services.store.read(p.display_path), caption=label if i == 0 else None)
            for i, p in enumerate(photos)
        ]
        await context.bot.send_media_group(chat.id, media)
    return None


async def _take(update: Update, context: BotContext, press: Pressed) -> Result:
    """Accept the item: it is in progress, and its raisers are told."""
    _unit(context)
    acted = await unit.sign_for(context.services, context.caller(), press.int_arg())
    item = acted.item
    fresh = await _my_item(context, item.id)
    text, markup = await card_view(context, fresh)
    assert update.callback_query is not None
    await update.callback_query.answer(
        context.texts("inbox.taken", label=number_label(item, context.texts))
    )
    await _edit(update, text, markup)
    return BROWSE


async def _ask_reason(update: Update, context: BotContext, press: Pressed) -> Result:
    """Return the item: only while it is forwarded and the window is open; then ask why."""
    _unit(context)
    item, until = await unit.may_return(
        context.services, context.me, press.int_arg(), context.now()
    )
    policy = context.services.policy
    texts = context.texts
    await _ask_about(
        update,
        context,
        item,
        texts("inbox.ask_reason", label=number_label(item, texts), date=policy.day(until)),
        [_cancel_row(context, item.id)],
    )
    return REASON


async def _ask_progress(update: Update, context: BotContext, press: Pressed) -> Result:
    _unit(context)
    item = await unit.may_handle(context.services, context.me, press.int_arg())
    await _ask_about(
        update,
        context,
        item,
        context.texts("inbox.ask_progress", label=number_label(item, context.texts)),
        [_cancel_row(context, item.id)],
    )
    return PROGRESS


async def _ask_class(update: Update, context: BotContext, press: Pressed) -> Result:
    """Start an answer: first its class."""
    _unit(context)
    item = await unit.may_handle(context.services, context.me, press.int_arg())
    nonce = current_flow(context)["nonce"]
    texts = context.texts
    rows = [
        [button(texts(f"response_class.{c}"), PREFIX, nonce, "cls", c.value)] for c in ResponseClass
    ]
    rows.append(_cancel_row(context, item.id))
    await _ask_about(
        update, context, item, texts("inbox.choose_class", label=number_label(item, texts)), rows
    )
    return BROWSE


async def _ask_about(
    update: Update,
    context: BotContext,
    item: Item,
    question: str,
    rows: list[list[InlineKeyboardButton]],
) -> None:
    """The press is accepted: this item is the one being written about; ask the question."""
    # Photos left over from an answer abandoned with /cancel are not part of what comes next.
    await _drop_pending(context)
    current_flow(context)["item"] = item.id
    assert update.callback_query is not None
    await update.callback_query.answer()
    await remove_buttons(update)
    await _send(update, context, question, InlineKeyboardMarkup(rows))


async def _pending_item(context: BotContext) -> Item:
    """The item whose answer is being written, still with the unit."""
    _unit(context)
    return await unit.may_handle(context.services, context.me, current_flow(context).get("item"))


async def _choose_class(update: Update, context: BotContext, press: Pressed) -> Result:
    item = await _pending_item(context)
    if press.arg not in {c.value for c in ResponseClass}:
        raise Refused("button_expired")
    flow = current_flow(context)
    flow["cls"] = press.arg
    flow.pop("text", None)
    texts = context.texts
    assert update.callback_query is not None
    await update.callback_query.answer()
    await _edit(
        update,
        texts(
            "inbox.ask_answer_text",
            label=number_label(item, texts),
            cls=texts(f"response_class.{press.arg}"),
        ),
        InlineKeyboardMarkup([_cancel_row(context, item.id)]),
    )
    return ANSWER_TEXT


def _answer_draft(context: BotContext) -> tuple[ResponseClass, str] | None:
    flow = current_flow(context)
    cls, text = flow.get("cls"), flow.get("text")
    if not isinstance(cls, str) or not isinstance(text, str):
        return None
    return ResponseClass(cls), text


async def _photos_done(update: Update, context: BotContext, press: Pressed) -> Result:
    """Photos are in: show the answer once more before it is sent."""
    draft = _answer_draft(context)
    if draft is None:
        raise Refused("button_expired")
    item = await _pending_item(context)
    count = await context.services.inbox.pending_response_photos(item.id, context.me.id)
    texts = context.texts
    nonce = current_flow(context)["nonce"]
    rows = [
        [button(texts("button.confirm"), PREFIX, nonce, "send", item.id)],
        _cancel_row(context, item.id),
    ]
    assert update.callback_query is not None
    await update.callback_query.answer()
    await remove_buttons(update)
    await _send(
        update,
        context,
        texts(
            "inbox.answer_summary",
            label=number_label(item, texts),
            cls=texts(f"response_class.{draft[0]}"),
            text=html.escape(clip(draft[1], ANSWER_CHARS)),
            count=count,
        ),
        InlineKeyboardMarkup(rows),
    )
    return ANSWER_CONFIRM


async def _send_answer(update: Update, context: BotContext, press: Pressed) -> Result:
    """Record the answer; every raiser is asked to rate it (through the outbox)."""
    draft = _answer_draft(context)
    if draft is None:
        # A second tap on 确认提交, or a redelivered press: the answer is in already.
        item = await _my_item(context, press.int_arg())
        raise Refused("item_state_changed", number=item.display_number)
    item = await _pending_item(context)
    count = await context.services.inbox.pending_response_photos(item.id, context.me.id)
    acted = await unit.answer_item(context.services, context.caller(), item.id, draft[0], draft[1])
    if not acted.applied:
        raise Refused("item_state_changed", number=item.display_number)
    _clear_pending(context)
    texts = context.texts
    assert update.callback_query is not None
    await update.callback_query.answer()
    await remove_buttons(update)
    await _send(
        update,
        context,
        texts(
            "inbox.answered",
            label=number_label(item, texts),
            cls=texts(f"response_class.{draft[0]}"),
            count=count,
        ),
    )
    text, markup = await card_view(context, await _my_item(context, item.id))
    await _send(update, context, text, markup)
    return BROWSE


async def _back(update: Update, context: BotContext, press: Pressed) -> Result:
    """Cancel the step under way (an answer's photos are deleted) and show the card again."""
    removed = await _drop_pending(context)
    try:
        item = await _my_item(context, press.int_arg())
        text, markup = await card_view(context, item)
    except Refused:
        # The item left the inbox meanwhile (re-routed, closed): the list is what is left.
        text, markup = await _list_view(context, current_flow(context).get("page", 0))
    texts = context.texts
    assert update.callback_query is not None
    await update.callback_query.answer(
        texts("inbox.answer_cancelled") if removed else texts("inbox.cancelled")
    )
    await _edit(update, text, markup)
    return BROWSE


_VERBS: dict[str, Callable[[Update, BotContext, Pressed], Awaitable[Result]]] = {
    "page": _page,
    "open": _open,
    "photos": _photos,
    "take": _take,
    "ret": _ask_reason,
    "prog": _ask_progress,
    "ans": _ask_class,
    "cls": _choose_class,
    "done": _photos_done,
    "send": _send_answer,
    "back": _back,
}


# --- typed steps -----------------------------------------------------------------------------


async def _typed_refusal(update: Update, context: BotContext, refused: Refused) -> Result:
    """Text to fix: say so and wait for another. Anything else: say so and show the list."""
    message = update.effective_message
    assert message is not None
    await message.reply_text(context.texts(refused.key, **refused.params))
    if refused.key in _RETYPE:
        return None
    await _drop_pending(context)
    text, markup = await _list_view(context, current_flow(context).get("page", 0))
    await message.reply_text(text, reply_markup=markup)
    return BROWSE


def _typed(update: Update) -> str:
    message = update.effective_message
    assert message is not None and message.text is not None
    return message.text


async def reason_typed(update: Update, context: BotContext) -> Result:
    """The reason for returning the item: it goes back to staff, who re-route it."""
    try:
        _unit(context)
        acted = await unit.return_item(
            context.services, context.caller(), current_flow(context).get("item"), _typed(update)
        )
    except Refused as refused:
        return await _typed_refusal(update, context, refused)
    item, applied = acted.item, acted.applied
    _clear_pending(context)
    texts = context.texts
    label = number_label(item, texts)
    if applied:
        confirmation = texts("inbox.returned", label=label)
    else:
        confirmation = texts("item_state_changed", number=item.display_number)
    await _send(update, context, confirmation)
    text, markup = await _list_view(context, current_flow(context).get("page", 0))
    await _send(update, context, text, markup)
    return BROWSE


async def progress_typed(update: Update, context: BotContext) -> Result:
    """A progress note: recorded, and the raisers are told."""
    try:
        _unit(context)
        acted = await unit.report_progress(
            context.services, context.caller(), current_flow(context).get("item"), _typed(update)
        )
    except Refused as refused:
        return await _typed_refusal(update, context, refused)
    item, applied = acted.item, acted.applied
    _clear_pending(context)
    texts = context.texts
    if applied:
        confirmation = texts("inbox.progress_posted", label=number_label(item, texts))
    else:
        confirmation = texts("item_state_changed", number=item.display_number)
    await _send(update, context, confirmation)
    text, markup = await card_view(context, await _my_item(context, item.id))
    await _send(update, context, text, markup)
    return BROWSE


async def answer_text_typed(update: Update, context: BotContext) -> Result:
    """The answer's text; checked by the rule now, so the summary never shows a bad one."""
    flow = current_flow(context)
    cls = flow.get("cls")
    services = context.services
    try:
        if not isinstance(cls, str):
            raise Refused("button_expired")
        item = await _pending_item(context)
        # Only validates: the answer is made on 确认提交.
        await unit.check_answer(
            services, context.caller(), item.id, ResponseClass(cls), _typed(update)
        )
    except Refused as refused:
        return await _typed_refusal(update, context, refused)
    flow["text"] = clean_description(_typed(update))
    texts = context.texts
    nonce = flow["nonce"]
    rows = [
        [button(texts("button.done"), PREFIX, nonce, "done", item.id)],
        _cancel_row(context, item.id),
    ]
    await _send(
        update,
        context,
        texts("inbox.ask_answer_photos", max=services.settings.reports.max_photos),
        InlineKeyboardMarkup(rows),
    )
    return ANSWER_PHOTOS


async def answer_photo(update: Update, context: BotContext) -> Result:
    """A photo of the answer, stored at once with purpose "response" (deleted on cancel)."""
    if _answer_draft(context) is None:
        raise Refused("button_expired")
    item = await _pending_item(context)
    services = context.services
    target = PhotoTarget(item_id=item.id, purpose="response")
    pending = await context.services.inbox.pending_response_photos(item.id, context.me.id)
    # Earlier rounds' answer photos stay; each answer may bring its own set.
    earlier = await services.photos.count(target) - pending
    await receive_photo(
        update,
        context,
        target=target,
        site=None,
        reference_time=context.now(),
        limit=earlier + services.settings.reports.max_photos,
    )
    return None


async def text_expected(update: Update, context: BotContext) -> Result:
    message = update.effective_message
    assert message is not None
    await message.reply_text(context.texts("inbox.text_expected"))
    return None


async def photos_expected(update: Update, context: BotContext) -> Result:
    message = update.effective_message
    assert message is not None
    await message.reply_text(context.texts("inbox.photos_expected"))
    return None


# --- registration ----------------------------------------------------------------------------


def _step(handler: object) -> StepHandler:
    # Only widens the handler's type to the element type the conversation's lists expect.
    return cast(StepHandler, handler)


def _still_in_unit(person: Person | None, flow: dict[str, Any]) -> object:
    return scope.inbox_unit(person, flow.get("unit_id"))


# Every step of an open inbox first checks that the caller still handles the flow's unit; when
# they do not, an unconfirmed answer's photos go with the flow.
_guarded = within(FLOW_KIND, _still_in_unit, cleanup=_drop_pending)


def _buttons() -> StepHandler:
    return _step(CallbackQueryHandler(_guarded(on_button), pattern=rf"^{PREFIX}:"))


def _typing(
    callback: Callable[[Update, BotContext], Coroutine[Any, Any, Result]],
) -> list[StepHandler]:
    return [
        _step(MessageHandler(TYPED & filters.TEXT, _guarded(callback))),
        _buttons(),
        _step(MessageHandler(TYPED, _guarded(text_expected))),
    ]


def entry_points() -> list[StepHandler]:
    """Commands that open this feature's steps in the shared conversation."""
    return [
        _step(CommandHandler("inbox", start_inbox)),
        _step(CallbackQueryHandler(open_from_notice, pattern=r"^ib:\d+$")),
    ]


def states() -> dict[str, list[StepHandler]]:
    """This feature's conversation steps (state names are prefixed with the feature's name)."""
    buttons_only = _step(MessageHandler(TYPED, _guarded(buttons_expected)))
    return {
        BROWSE: [_buttons(), buttons_only],
        REASON: _typing(reason_typed),
        PROGRESS: _typing(progress_typed),
        ANSWER_TEXT: _typing(answer_text_typed),
        ANSWER_PHOTOS: [
            _step(MessageHandler(PHOTO_INPUT, _guarded(answer_photo))),
            _buttons(),
            _step(MessageHandler(TYPED, _guarded(photos_expected))),
        ],
        ANSWER_CONFIRM: [_buttons(), buttons_only],
    }


def commands() -> list[StepHandler]:
    """Handlers that work outside any conversation (commands, buttons of notifications)."""
    return []
