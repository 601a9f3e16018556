"""/review: leaders (and staff) accept, merge, decline or ask for more.

The leader sees one submitted item of their group at a time, with its photos and the items it may
repeat, and acts on it with buttons; every action goes through the lifecycle rules and is applied
only if the item is still where the leader saw it. The screens are in handlers/review_views.py;
the author's answer to a question is handlers/add_more.py.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler
from telegram.ext import filters as tg_filters

from bot import scope
from bot.errors import Refused
from bot.items import Item, Status, parse_number
from bot.people import Person
from bot.services import Services
from bot.usecases import review
from bot.usecases.acting import Acted, Caller
from handlers import flow as flows
from handlers.context import BotContext
from handlers.conversation import END
from handlers.guard import within
from handlers.replies import message_of, replying
from handlers.review_views import (
    ALL,
    PREFIX,
    button_ids,
    card_view,
    merge_view,
    number_example,
    prompt_view,
    queues_view,
    send_photos,
)

log = logging.getLogger(__name__)

GROUP, ITEM, MERGE = "review.group", "review.item", "review.merge"
QUESTION, REASON = "review.question", "review.reason"

StepResult = str | int

# What the text typed in a step decides (a use case), and the note that says it was done.
_TYPED: dict[str, tuple[Callable[[Services, Caller, object, str], Awaitable[Acted]], str]] = {
    QUESTION: (review.ask_more, "review.asked"),
    REASON: (review.decline, "review.declined"),
}
# Buttons that show another screen about the item under review, and the step it opens.
_OPENS = {"merge": MERGE, "ask": QUESTION, "decline": REASON, "back": ITEM}


# --- starting: /review ---------------------------------------------------------------------------


async def start_review(update: Update, context: BotContext) -> StepResult:
    """Leaders go straight to their group's first item; staff pick a group (or all) first."""
    own_group = scope.own_review_group(context.person)
    campaign_id = context.services.campaign.id
    repo = context.services.review
    message = message_of(update)
    if own_group is None:
        queues = await repo.queues(campaign_id)
        total = await repo.count_submitted(campaign_id, None)
        if total == 0:
            flows.end_flow(context)
            await message.reply_text(context.texts("review.empty_all"))
            return END
        flow = flows.start_flow(context, "review", group_id=None, after=0, handled=[], skipped=0)
        text, markup = queues_view(context.texts, flow["nonce"], queues, total)
        await message.reply_text(text, reply_markup=markup)
        return GROUP
    flows.start_flow(context, "review", group_id=own_group, after=0, handled=[], skipped=0)
    return await _show_next(update, context)


async def group_step(update: Update, context: BotContext) -> StepResult:
    """Staff chose a group's queue, or all of them."""
    press = await flows.pressed(update, context, PREFIX)
    if press is None:
        return GROUP
    await flows.remove_buttons(update)
    if press.verb == "end":
        return await _end(update, context)
    if press.verb != "group":
        return GROUP
    flow = flows.current_flow(context)
    if press.arg == ALL:
        flow["group_id"] = None
    else:
        group_id = press.int_arg()
        queues = await context.services.review.queues(context.services.campaign.id)
        if group_id is None or group_id not in {q.group_id for q in queues}:
            # A group emptied meanwhile (or forged data): its queue is simply empty.
            group_id = -1
        flow["group_id"] = group_id
    return await _show_next(update, context)


# --- one item at a time ------------------------------------------------------------------------


async def _show_next(update: Update, context: BotContext, note: str | None = None) -> StepResult:
    """Say what was done (if anything), then show the next submitted item or finish."""
    flow = flows.current_flow(context)
    message = message_of(update)
    texts = context.texts
    if note:
        await message.reply_text(note)
    group_id = scope.review_queue_group(context.person, flow.get("group_id"))
    item = await context.services.review.next_submitted(
        context.services.campaign.id, group_id, int(flow.get("after", 0))
    )
    if item is None:
        flows.end_flow(context)
        skipped = int(flow.get("skipped", 0))
        if skipped:
            await message.reply_text(texts("review.done_skipped", count=skipped))
        elif group_id is None:
            await message.reply_text(texts("review.empty_all"))
        else:
            await message.reply_text(texts("review.empty"))
        return END
    flow["reviewing"] = item.id
    flow["after"] = item.number or 0
    await send_photos(context, message.chat_id, item)
    text, markup = await card_view(context, item)
    await message.reply_text(text, reply_markup=markup)
    return ITEM


async def _current(update: Update, context: BotContext, item_id: int | None) -> Item | None:
    """The item the pressed card is about, if it is the one under review now.

    A card's buttons carry their item's id: a tap on an older card (or forged data naming
    another item) must never act on the item shown now.
    """
    flow = flows.current_flow(context)
    query = update.callback_query
    assert query is not None
    if item_id is None or item_id != flow.get("reviewing"):
        text = context.texts("button_expired")
        if item_id is not None and item_id in flow.get("handled", []):
            item = await context.services.items.get(item_id)
            text = context.texts("item_state_changed", number=item.display_number if item else "")
        await query.answer(text, show_alert=True)
        return None
    return await context.services.items.get(item_id)


def _on_button_in(state: str) -> Callable[[Update, BotContext], Coroutine[Any, Any, StepResult]]:
    """The buttons of the `state` step: the card's, the merge choices' or a prompt's way back."""

    async def step(update: Update, context: BotContext) -> StepResult:
        return await _on_button(update, context, state)

    return step


async def _on_button(update: Update, context: BotContext, state: str) -> StepResult:
    """Accept, open the merge choices, merge, ask for more, decline, go back, skip or end."""
    query = update.callback_query
    assert query is not None
    press = await flows.pressed(update, context, PREFIX, answer=False)
    if press is None:
        return state
    verb, (item_id, target_id) = press.verb, button_ids(press.arg)
    if verb == "end":
        await query.answer()
        await flows.remove_buttons(update)
        return await _end(update, context)
    item = await _current(update, context, item_id)
    if item is None:
        return state
    texts = context.texts
    flow = flows.current_flow(context)
    if verb == "merge_into":
        if target_id is None or target_id not in flow.get("proposals", []):
            await flows.expired(update, context)
            return state
        await query.answer()
        return await _merge(update, context, item, target_id)
    await query.answer()
    if verb == "skip":
        await flows.remove_buttons(update)
        flow["skipped"] = int(flow.get("skipped", 0)) + 1
        return await _show_next(update, context)
    if verb == "accept":
        return await _apply(
            update,
            context,
            item,
            lambda: review.accept(context.services, context.caller(), item.id),
            texts("review.accepted", number=item.display_number),
        )
    if verb in _OPENS:
        await flows.remove_buttons(update)
        if verb == "merge":
            text, markup = await merge_view(context, item)
        elif verb == "back":
            text, markup = await card_view(context, item)
        else:
            text, markup = prompt_view(texts, flow["nonce"], item, asking=verb == "ask")
        await message_of(update).reply_text(text, reply_markup=markup)
        return _OPENS[verb]
    return state


# --- merging -------------------------------------------------------------------------------------


async def merge_typed(update: Update, context: BotContext) -> StepResult:
    """A typed number like 2020-0003: merge the item under review into that one.

    Any number of the campaign may be typed; the merge rule decides whether it may be the target.
    """
    message = message_of(update)
    texts = context.texts
    services = context.services
    typed = parse_number(message.text or "")
    if typed is None:
        return await merge_other(update, context)
    year, number = typed
    target = None
    if year in (None, services.campaign.year):
        target = await services.items.get_by_number(services.campaign.id, number)
    if target is None or target.status is Status.DRAFT:
        await message.reply_text(
            texts("review.merge_not_found", number=html.escape((message.text or "").strip()))
        )
        return MERGE
    item = await services.items.get(int(flows.current_flow(context).get("reviewing", 0)))
    if item is None:
        return await _show_next(update, context)
    return await _merge(update, context, item, target.id)


async def merge_other(update: Update, context: BotContext) -> StepResult:
    example = number_example(context)
    await message_of(update).reply_text(context.texts("review.merge_bad_number", example=example))
    return MERGE


async def _merge(update: Update, context: BotContext, item: Item, target_id: int) -> StepResult:
    target = await context.services.items.get(target_id)
    if target is None:
        await message_of(update).reply_text(context.texts("merge_target_gone"))
        return MERGE
    note = context.texts("review.merged", number=item.display_number, target=target.display_number)
    return await _apply(
        update,
        context,
        item,
        lambda: review.merge(context.services, context.caller(), item.id, target.id),
        note,
        stay=MERGE,
    )


# --- typed question or reason ------------------------------------------------------------------


async def question_typed(update: Update, context: BotContext) -> StepResult:
    """The leader's question for the author: the item stays in review, the author is asked."""
    return await _typed(update, context, QUESTION)


async def reason_typed(update: Update, context: BotContext) -> StepResult:
    """The reason the item is declined: the author is told."""
    return await _typed(update, context, REASON)


async def _typed(update: Update, context: BotContext, state: str) -> StepResult:
    text = message_of(update).text or ""
    item = await context.services.items.get(int(flows.current_flow(context).get("reviewing", 0)))
    if item is None:
        return await _show_next(update, context)
    decide, done = _TYPED[state]
    return await _apply(
        update,
        context,
        item,
        lambda: decide(context.services, context.caller(), item.id, text),
        context.texts(done, number=item.display_number),
        stay=state,
    )


# --- applying ------------------------------------------------------------------------------------


async def _apply(
    update: Update,
    context: BotContext,
    item: Item,
    decide: Callable[[], Awaitable[Acted]],
    done: str,
    *,
    stay: str = ITEM,
) -> StepResult:
    """Make the decision (a use case); a moved-on item gets a polite word and the next one.

    Bad input (a reason too short) keeps the step open; nothing is written.
    """
    flow = flows.current_flow(context)
    try:
        applied = (await decide()).applied
    except Refused as refused:
        if refused.key != "item_state_changed":
            # The button's query is answered already: the refusal goes into the chat.
            await message_of(update).reply_text(context.texts(refused.key, **refused.params))
            return stay
        applied = False
    await flows.remove_buttons(update)
    flow.setdefault("handled", []).append(item.id)
    if not applied:
        log.info("Review of item %s found it moved on", item.id)
        done = context.texts("item_state_changed", number=item.display_number)
    return await _show_next(update, context, done)


async def _end(update: Update, context: BotContext) -> int:
    flows.end_flow(context)
    await message_of(update).reply_text(context.texts("review.ended"))
    return END


# --- wiring --------------------------------------------------------------------------------------


def entry_points() -> list[flows.StepHandler]:
    """Commands that open this feature's steps in the shared conversation."""
    return flows.steps(CommandHandler("review", start_review))


def _still_reviewing(person: Person | None, flow: dict[str, Any]) -> object:
    return scope.review_queue_group(person, flow.get("group_id"))


# Every step of an open review first checks that the caller still reviews the flow's group.
_guarded = within("review", _still_reviewing)


def states() -> dict[str, list[flows.StepHandler]]:
    """This feature's conversation steps (state names are prefixed with the feature's name)."""
    text = flows.TYPED & tg_filters.TEXT
    text_expected = _guarded(replying("review.text_expected"))

    def buttons(state: str) -> CallbackQueryHandler[BotContext, StepResult]:
        return CallbackQueryHandler(_guarded(_on_button_in(state)), pattern=rf"^{PREFIX}:")

    return {
        GROUP: flows.steps(
            CallbackQueryHandler(_guarded(group_step), pattern=rf"^{PREFIX}:"),
            MessageHandler(flows.TYPED, _guarded(flows.buttons_expected)),
        ),
        ITEM: flows.steps(
            buttons(ITEM), MessageHandler(flows.TYPED, _guarded(flows.buttons_expected))
        ),
        MERGE: flows.steps(
            buttons(MERGE),
            MessageHandler(text, _guarded(merge_typed)),
            MessageHandler(flows.TYPED, _guarded(merge_other)),
        ),
        QUESTION: flows.steps(
            buttons(QUESTION),
            MessageHandler(text, _guarded(question_typed)),
            MessageHandler(flows.TYPED, text_expected),
        ),
        REASON: flows.steps(
            buttons(REASON),
            MessageHandler(text, _guarded(reason_typed)),
            MessageHandler(flows.TYPED, text_expected),
        ),
    }


def commands() -> list[flows.StepHandler]:
    """Handlers that work outside any conversation (commands, buttons of notifications)."""
    return []
