"""/inbox: a liaison's items: accept, return, progress; every button of the open inbox.

A liaison only ever sees or acts on items forwarded to their own unit. That is checked again on
every press and every typed step (a button is data the client sends, not a permission), and once
more by the rules in bot/unit_rules.py; both ask bot/scope.py. An inbox is opened for the unit the
liaison handles then; if staff move them to another unit meanwhile, the next step closes it
(handlers/guard.py) instead of showing either unit's items. Writing an answer is
handlers/inbox_answer.py; the screens are handlers/inbox_views.py.

A press is answered (answerCallbackQuery) only after every check and change has passed: a
refusal raised before that is shown as an alert by the error handler, and Telegram accepts only
one answer per press.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import scope
from bot.errors import Refused
from bot.people import Person
from bot.records import PhotoTarget
from bot.services import Services
from bot.usecases import unit
from bot.usecases.acting import Acted, Caller
from bot.views import number_label
from handlers import callbacks, inbox_answer, inbox_extension, inbox_flow
from handlers import flow as flows
from handlers.context import BotContext
from handlers.guard import within
from handlers.inbox_views import PREFIX, Markup, card_view, list_view
from handlers.photos import PHOTO_INPUT
from handlers.replies import edit_screen, replying, send_album, send_screen

log = logging.getLogger(__name__)


# --- entry points ----------------------------------------------------------------------------


async def _leave_previous(context: BotContext) -> None:
    if flows.current_flow(context).get("kind") == inbox_flow.FLOW_KIND:
        await inbox_flow.drop_pending(context)
    await flows.abandon_flow(context)


async def start_inbox(update: Update, context: BotContext) -> str:
    """The unit's items, overdue and newest first."""
    unit_id = scope.own_unit(context.person)
    message = update.effective_message
    assert message is not None
    await _leave_previous(context)
    flows.start_flow(context, inbox_flow.FLOW_KIND, page=0, unit_id=unit_id)
    text, markup = await list_view(context, inbox_flow.inbox_unit(context), 0)
    await message.reply_text(text, reply_markup=markup)
    return inbox_flow.BROWSE


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
    flows.start_flow(context, inbox_flow.FLOW_KIND, page=0, unit_id=unit_id)
    text, markup = await card_view(context, item)
    await query.answer()
    await send_screen(update, context, text, markup)
    return inbox_flow.BROWSE


# --- buttons ---------------------------------------------------------------------------------


async def on_button(update: Update, context: BotContext) -> inbox_flow.Result:
    """Every button of the inbox; each verb checks role, unit and state before it acts."""
    found = await flows.pressed_verb(update, context, PREFIX, inbox_flow.FLOW_KIND, _VERBS)
    if found is None:
        return None
    press, verb = found
    return await verb(update, context, press)


async def _show(
    update: Update, context: BotContext, screen: tuple[str, Markup], toast: str | None = None
) -> inbox_flow.Result:
    """Answer the press, then show `screen` on the pressed message."""
    assert update.callback_query is not None
    await update.callback_query.answer(toast)
    await edit_screen(update, *screen)
    return inbox_flow.BROWSE


async def _page(update: Update, context: BotContext, press: flows.Pressed) -> inbox_flow.Result:
    await inbox_flow.drop_pending(context)
    return await _show(
        update,
        context,
        await list_view(context, inbox_flow.inbox_unit(context), press.int_arg() or 0),
    )


async def _open(update: Update, context: BotContext, press: flows.Pressed) -> inbox_flow.Result:
    item = await inbox_flow.my_item(context, press.int_arg())
    await inbox_flow.drop_pending(context)
    return await _show(update, context, await card_view(context, item))


async def _photos(update: Update, context: BotContext, press: flows.Pressed) -> inbox_flow.Result:
    """The deputies' evidence photos of the item, as one album."""
    item = await inbox_flow.my_item(context, press.int_arg())
    photos = await context.services.photos.of(PhotoTarget(item_id=item.id))
    query = update.callback_query
    assert query is not None
    await query.answer()
    chat = update.effective_chat
    assert chat is not None
    await send_album(context, chat.id, photos, number_label(item, context.texts))
    return None


async def _take(update: Update, context: BotContext, press: flows.Pressed) -> inbox_flow.Result:
    """Accept the item: it is in progress, and its raisers are told."""
    inbox_flow.inbox_unit(context)
    acted = await unit.sign_for(context.services, context.caller(), press.int_arg())
    item = acted.item
    screen = await inbox_flow.card_screen(context, item.id)
    toast = context.texts("inbox.taken", label=number_label(item, context.texts))
    return await _show(update, context, screen, toast)


async def _ask_reason(
    update: Update, context: BotContext, press: flows.Pressed
) -> inbox_flow.Result:
    """Return the item: only while it is forwarded and the window is open; then ask why."""
    inbox_flow.inbox_unit(context)
    item, until = await unit.may_return(
        context.services, context.me, press.int_arg(), context.now()
    )
    policy = context.services.policy
    texts = context.texts
    await inbox_flow.ask_about(
        update,
        context,
        item,
        texts("inbox.ask_reason", label=number_label(item, texts), date=policy.day(until)),
        [inbox_flow.cancel_row(context, item.id)],
    )
    return inbox_flow.REASON


async def _ask_progress(
    update: Update, context: BotContext, press: flows.Pressed
) -> inbox_flow.Result:
    inbox_flow.inbox_unit(context)
    item = await unit.may_handle(context.services, context.me, press.int_arg())
    await inbox_flow.ask_about(
        update,
        context,
        item,
        context.texts("inbox.ask_progress", label=number_label(item, context.texts)),
        [inbox_flow.cancel_row(context, item.id)],
    )
    return inbox_flow.PROGRESS


async def _back(update: Update, context: BotContext, press: flows.Pressed) -> inbox_flow.Result:
    """Cancel the step under way (an answer's photos are deleted) and show the card again."""
    removed = await inbox_flow.drop_pending(context)
    try:
        item = await inbox_flow.my_item(context, press.int_arg())
        screen = await card_view(context, item)
    except Refused:
        # The item left the inbox meanwhile (re-routed, closed): the list is what is left.
        screen = await inbox_flow.list_screen(context)
    texts = context.texts
    toast = texts("inbox.answer_cancelled") if removed else texts("inbox.cancelled")
    return await _show(update, context, screen, toast)


_VERBS: dict[str, inbox_flow.Verb] = {
    "page": _page,
    "open": _open,
    "photos": _photos,
    "take": _take,
    "ret": _ask_reason,
    "prog": _ask_progress,
    "back": _back,
    **inbox_answer.VERBS,
    **inbox_extension.VERBS,
}


# --- typed steps -----------------------------------------------------------------------------

Record = Callable[[Services, Caller, object, str], Awaitable[Acted]]


async def _record_typed(
    update: Update,
    context: BotContext,
    record: Record,
    done_key: str,
    then: Callable[[int], Awaitable[tuple[str, Markup]]],
) -> inbox_flow.Result:
    """Record the typed text about the item (a use case), confirm, then show the next screen."""
    try:
        inbox_flow.inbox_unit(context)
        acted = await record(
            context.services,
            context.caller(),
            flows.current_flow(context).get("item"),
            inbox_flow.typed_text(update),
        )
    except Refused as refused:
        return await inbox_flow.typed_refusal(update, context, refused)
    item = acted.item
    inbox_flow.clear_pending(context)
    texts = context.texts
    if acted.applied:
        confirmation = texts(done_key, label=number_label(item, texts))
    else:
        confirmation = texts("item_state_changed", number=item.display_number)
    await send_screen(update, context, confirmation)
    await send_screen(update, context, *await then(item.id))
    return inbox_flow.BROWSE


async def reason_typed(update: Update, context: BotContext) -> inbox_flow.Result:
    """The reason for returning the item: it goes back to staff, who re-route it."""

    async def the_list(item_id: int) -> tuple[str, Markup]:
        return await inbox_flow.list_screen(context)

    return await _record_typed(update, context, unit.return_item, "inbox.returned", the_list)


async def progress_typed(update: Update, context: BotContext) -> inbox_flow.Result:
    """A progress note: recorded, and the raisers are told."""

    async def the_card(item_id: int) -> tuple[str, Markup]:
        return await inbox_flow.card_screen(context, item_id)

    return await _record_typed(
        update, context, unit.report_progress, "inbox.progress_posted", the_card
    )


# --- registration ----------------------------------------------------------------------------


def _still_in_unit(person: Person | None, flow: dict[str, Any]) -> object:
    return scope.inbox_unit(person, flow.get("unit_id"))


# Every step of an open inbox first checks that the caller still handles the flow's unit; when
# they do not, an unconfirmed answer's photos go with the flow.
_guarded = within(inbox_flow.FLOW_KIND, _still_in_unit, cleanup=inbox_flow.drop_pending)


def _buttons() -> CallbackQueryHandler[BotContext, inbox_flow.Result | int]:
    return CallbackQueryHandler(_guarded(on_button), pattern=rf"^{PREFIX}:")


def _typing(
    callback: Callable[[Update, BotContext], Coroutine[Any, Any, inbox_flow.Result]],
) -> list[flows.StepHandler]:
    return flows.steps(
        MessageHandler(flows.TYPED & filters.TEXT, _guarded(callback)),
        _buttons(),
        MessageHandler(flows.TYPED, _guarded(replying("inbox.text_expected"))),
    )


def entry_points() -> list[flows.StepHandler]:
    """Commands that open this feature's steps in the shared conversation."""
    return flows.steps(
        CommandHandler("inbox", start_inbox),
        CallbackQueryHandler(open_from_notice, pattern=rf"^{callbacks.OPEN_IN_INBOX}:\d+$"),
    )


def states() -> dict[str, list[flows.StepHandler]]:
    """This feature's conversation steps (state names are prefixed with the feature's name)."""
    buttons_only = MessageHandler(flows.TYPED, _guarded(flows.buttons_expected))
    return {
        inbox_flow.BROWSE: flows.steps(_buttons(), buttons_only),
        inbox_flow.REASON: _typing(reason_typed),
        inbox_flow.PROGRESS: _typing(progress_typed),
        inbox_flow.ANSWER_PROMISE: _typing(inbox_answer.promise_typed),
        inbox_flow.ANSWER_TEXT: _typing(inbox_answer.answer_text_typed),
        inbox_flow.ANSWER_PHOTOS: flows.steps(
            MessageHandler(PHOTO_INPUT, _guarded(inbox_answer.answer_photo)),
            _buttons(),
            MessageHandler(flows.TYPED, _guarded(replying("inbox.photos_expected"))),
        ),
        inbox_flow.ANSWER_CONFIRM: flows.steps(_buttons(), buttons_only),
        inbox_extension.EXT_REASON: _typing(inbox_extension.reason_typed),
        inbox_extension.EXT_DATE: _typing(inbox_extension.date_typed),
    }


def commands() -> list[flows.StepHandler]:
    """Handlers that work outside any conversation (commands, buttons of notifications)."""
    return []
