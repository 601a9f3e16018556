"""/inbox's answer: a liaison writes the unit's answer to an item, in four steps: its class (with
a promised date for B, typed, or a reason category for C, picked: bot/answer_terms.py), its
text (checked by the rule as soon as it is typed), photos, and a summary to confirm. Only the
confirmation records the answer; every raiser is then asked to rate it.

Part of the open inbox (handlers/inbox_flow.py): handlers/inbox.py dispatches its buttons and
registers its typed steps.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.answer_terms import REASONS, AnswerGiven, parse_day
from bot.errors import Refused
from bot.items import Item, clean_description
from bot.lifecycle import ResponseClass
from bot.records import PhotoTarget
from bot.usecases import unit
from bot.views import clip, number_label
from handlers import inbox_flow
from handlers.answer_views import chosen_terms, example_promise_day
from handlers.context import BotContext
from handlers.flow import Pressed, button, current_flow
from handlers.inbox_views import ANSWER_CHARS, PREFIX
from handlers.photos import receive_photo
from handlers.replies import edit_screen, send_screen


async def _ask_class(update: Update, context: BotContext, press: Pressed) -> inbox_flow.Result:
    """Start an answer: first its class."""
    inbox_flow.inbox_unit(context)
    item = await unit.may_handle(context.services, context.me, press.int_arg())
    nonce = current_flow(context)["nonce"]
    texts = context.texts
    rows = [
        [button(texts(f"response_class.{c}"), PREFIX, nonce, "cls", c.value)] for c in ResponseClass
    ]
    rows.append(inbox_flow.cancel_row(context, item.id))
    await inbox_flow.ask_about(
        update, context, item, texts("inbox.choose_class", label=number_label(item, texts)), rows
    )
    return inbox_flow.BROWSE


async def _choose_class(update: Update, context: BotContext, press: Pressed) -> inbox_flow.Result:
    """The class is chosen: B asks its promised date, C its reason, A goes to the text."""
    item = await inbox_flow.pending_item(context)
    if press.arg not in {c.value for c in ResponseClass}:
        raise Refused("button_expired")
    flow = current_flow(context)
    flow["cls"] = press.arg
    for key in ("text", "promised", "reason"):
        flow.pop(key, None)
    texts = context.texts
    assert update.callback_query is not None
    await update.callback_query.answer()
    label = number_label(item, texts)
    if press.arg == ResponseClass.B:
        await edit_screen(
            update,
            texts("answers.ask_promise", label=label, example=example_promise_day(context)),
            InlineKeyboardMarkup([inbox_flow.cancel_row(context, item.id)]),
        )
        return inbox_flow.ANSWER_PROMISE
    if press.arg == ResponseClass.C:
        nonce = flow["nonce"]
        rows = [
            [button(texts(f"answer_reason.{code}"), PREFIX, nonce, "why", code)] for code in REASONS
        ]
        rows.append(inbox_flow.cancel_row(context, item.id))
        await edit_screen(
            update, texts("answers.choose_reason", label=label), InlineKeyboardMarkup(rows)
        )
        return inbox_flow.BROWSE
    await _ask_text(update, context, item, edit=True)
    return inbox_flow.ANSWER_TEXT


async def _ask_text(update: Update, context: BotContext, item: Item, *, edit: bool) -> None:
    flow = current_flow(context)
    texts = context.texts
    question = texts(
        "inbox.ask_answer_text",
        label=number_label(item, texts),
        cls=texts(f"response_class.{flow['cls']}"),
    )
    markup = InlineKeyboardMarkup([inbox_flow.cancel_row(context, item.id)])
    if edit:
        await edit_screen(update, question, markup)
    else:
        await send_screen(update, context, question, markup)


async def promise_typed(update: Update, context: BotContext) -> inbox_flow.Result:
    """Class B: the date the unit promises; after today and within range, or asked again."""
    flow = current_flow(context)
    try:
        if flow.get("cls") != ResponseClass.B:
            raise Refused("button_expired")
        item = await inbox_flow.pending_item(context)
        day = unit.check_promise(
            context.services, context.caller(), parse_day(inbox_flow.typed_text(update))
        )
    except Refused as refused:
        return await inbox_flow.typed_refusal(update, context, refused)
    flow["promised"] = day.isoformat()
    await _ask_text(update, context, item, edit=False)
    return inbox_flow.ANSWER_TEXT


async def _choose_reason(update: Update, context: BotContext, press: Pressed) -> inbox_flow.Result:
    """Class C: the reason category is picked; then the text."""
    item = await inbox_flow.pending_item(context)
    flow = current_flow(context)
    if flow.get("cls") != ResponseClass.C or press.arg not in REASONS:
        raise Refused("button_expired")
    flow["reason"] = press.arg
    assert update.callback_query is not None
    await update.callback_query.answer()
    await _ask_text(update, context, item, edit=True)
    return inbox_flow.ANSWER_TEXT


def _terms(context: BotContext) -> dict[str, Any]:
    """The answer's promised date (B) and reason (C) as chosen so far, for the use case."""
    flow = current_flow(context)
    return chosen_terms(flow.get("promised"), flow.get("reason"))


def _terms_line(context: BotContext) -> str:
    flow = current_flow(context)
    texts = context.texts
    if isinstance(promised := flow.get("promised"), str):
        return "\n" + texts("answers.summary_promise", date=promised)
    if isinstance(reason := flow.get("reason"), str):
        return "\n" + texts("answers.summary_reason", reason=texts(f"answer_reason.{reason}"))
    return ""


def _answer_draft(context: BotContext) -> tuple[ResponseClass, str] | None:
    flow = current_flow(context)
    cls, text = flow.get("cls"), flow.get("text")
    if not isinstance(cls, str) or not isinstance(text, str):
        return None
    return ResponseClass(cls), text


async def answer_text_typed(update: Update, context: BotContext) -> inbox_flow.Result:
    """The answer's text; checked by the rule now, so the summary never shows a bad one."""
    flow = current_flow(context)
    cls = flow.get("cls")
    services = context.services
    try:
        if not isinstance(cls, str):
            raise Refused("button_expired")
        item = await inbox_flow.pending_item(context)
        # Only validates: the answer is made on 确认提交.
        given = AnswerGiven(ResponseClass(cls), inbox_flow.typed_text(update), **_terms(context))
        await unit.check_answer(services, context.caller(), item.id, given)
    except Refused as refused:
        return await inbox_flow.typed_refusal(update, context, refused)
    flow["text"] = clean_description(inbox_flow.typed_text(update))
    texts = context.texts
    rows = [
        [button(texts("button.done"), PREFIX, flow["nonce"], "done", item.id)],
        inbox_flow.cancel_row(context, item.id),
    ]
    await send_screen(
        update,
        context,
        texts("inbox.ask_answer_photos", max=services.settings.reports.max_photos),
        InlineKeyboardMarkup(rows),
    )
    return inbox_flow.ANSWER_PHOTOS


async def answer_photo(update: Update, context: BotContext) -> inbox_flow.Result:
    """A photo of the answer, stored at once with purpose "response" (deleted on cancel)."""
    if _answer_draft(context) is None:
        raise Refused("button_expired")
    item = await inbox_flow.pending_item(context)
    services = context.services
    target = PhotoTarget(item_id=item.id, purpose="response")
    pending = await services.inbox.pending_response_photos(item.id, context.me.id)
    # Earlier rounds' answer photos stay; each answer may bring its own set.
    earlier = await services.photos.count(target) - pending
    await receive_photo(
        update,
        context,
        target=target,
        limit=earlier + services.settings.reports.max_photos,
    )
    return None


async def _photos_done(update: Update, context: BotContext, press: Pressed) -> inbox_flow.Result:
    """Photos are in: show the answer once more before it is sent."""
    draft = _answer_draft(context)
    if draft is None:
        raise Refused("button_expired")
    item = await inbox_flow.pending_item(context)
    count = await context.services.inbox.pending_response_photos(item.id, context.me.id)
    texts = context.texts
    nonce = current_flow(context)["nonce"]
    rows = [
        [button(texts("button.confirm"), PREFIX, nonce, "send", item.id)],
        inbox_flow.cancel_row(context, item.id),
    ]
    await inbox_flow.go_on_below(
        update,
        context,
        texts(
            "inbox.answer_summary",
            label=number_label(item, texts),
            cls=texts(f"response_class.{draft[0]}"),
            text=html.escape(clip(draft[1], ANSWER_CHARS)),
            count=count,
        )
        + _terms_line(context),
        InlineKeyboardMarkup(rows),
    )
    return inbox_flow.ANSWER_CONFIRM


async def _send_answer(update: Update, context: BotContext, press: Pressed) -> inbox_flow.Result:
    """Record the answer; every raiser is asked to rate it (through the outbox)."""
    draft = _answer_draft(context)
    if draft is None:
        # A second tap on 确认提交, or a redelivered press: the answer is in already.
        item = await inbox_flow.my_item(context, press.int_arg())
        raise Refused("item_state_changed", number=item.display_number)
    item = await inbox_flow.pending_item(context)
    count = await context.services.inbox.pending_response_photos(item.id, context.me.id)
    given = AnswerGiven(draft[0], draft[1], **_terms(context))
    acted = await unit.answer_item(context.services, context.caller(), item.id, given)
    if not acted.applied:
        raise Refused("item_state_changed", number=item.display_number)
    inbox_flow.clear_pending(context)
    texts = context.texts
    await inbox_flow.go_on_below(
        update,
        context,
        texts(
            "inbox.answered",
            label=number_label(item, texts),
            cls=texts(f"response_class.{draft[0]}"),
            count=count,
        ),
    )
    await send_screen(update, context, *await inbox_flow.card_screen(context, item.id))
    return inbox_flow.BROWSE


# The buttons of this part, by the verb they carry.
VERBS: dict[str, inbox_flow.Verb] = {
    "ans": _ask_class,
    "cls": _choose_class,
    "why": _choose_reason,
    "done": _photos_done,
    "send": _send_answer,
}
