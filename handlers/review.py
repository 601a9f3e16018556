"""/review: leaders (and staff) accept, merge, decline or ask for more; authors add what was asked.

The leader sees one submitted item of their group at a time, with its photos and the items it may
repeat, and acts on it with buttons; every action goes through the lifecycle rules and is applied
only if the item is still where the leader saw it. The author answers a question from the notice's
`am:{item_id}` button: some text, optional photos, done.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    Update,
)
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import review_rules, scope
from bot.duplicates import likely_duplicates
from bot.errors import Refused
from bot.items import Item, Status, parse_number
from bot.people import Person
from bot.query_ports import ReviewStore
from bot.records import PhotoTarget
from bot.usecases import review
from bot.usecases.acting import Acted
from bot.views import clip, item_summary, number_label
from handlers.context import BotContext
from handlers.flow import (
    TYPED,
    Pressed,
    StepHandler,
    button,
    buttons_expected,
    current_flow,
    end_flow,
    expired,
    pressed,
    remove_buttons,
    start_flow,
)
from handlers.guard import within
from handlers.photos import PHOTO_INPUT, receive_photo

log = logging.getLogger(__name__)

GROUP, ITEM, MERGE, QUESTION, REASON = (
    "review.group",
    "review.item",
    "review.merge",
    "review.question",
    "review.reason",
)
MORE_TEXT, MORE_PHOTOS = "review.more_text", "review.more_photos"
PREFIX = "rv"
ALL = "all"

_EXCERPT = 40
StepResult = str | int


def _repo(context: BotContext) -> ReviewStore:
    return context.services.review


def _message(update: Update) -> Message:
    message = update.effective_message
    assert message is not None
    return message


# --- starting: /review ---------------------------------------------------------------------------


async def start_review(update: Update, context: BotContext) -> StepResult:
    """Leaders go straight to their group's first item; staff pick a group (or all) first."""
    own_group = scope.own_review_group(context.person)
    services = context.services
    texts = context.texts
    message = _message(update)
    if own_group is None:
        queues = await _repo(context).queues(services.campaign.id)
        total = await _repo(context).count_submitted(services.campaign.id, None)
        if total == 0:
            end_flow(context)
            await message.reply_text(texts("review.empty_all"))
            return ConversationHandler.END
        flow = start_flow(context, "review", group_id=None, after=0, handled=[], skipped=0)
        nonce = flow["nonce"]
        rows = [
            [
                button(
                    texts("review.group_button", code=q.code, name=q.name, count=q.count),
                    PREFIX,
                    nonce,
                    "group",
                    q.group_id,
                )
            ]
            for q in queues
        ]
        rows.append([button(texts("review.all_button", count=total), PREFIX, nonce, "group", ALL)])
        rows.append([button(texts("review.button_end"), PREFIX, nonce, "end")])
        await message.reply_text(
            texts("review.choose_group"), reply_markup=InlineKeyboardMarkup(rows)
        )
        return GROUP
    start_flow(context, "review", group_id=own_group, after=0, handled=[], skipped=0)
    return await _show_next(update, context)


async def group_step(update: Update, context: BotContext) -> StepResult:
    """Staff chose a group's queue, or all of them."""
    press = await pressed(update, context, PREFIX)
    if press is None:
        return GROUP
    await remove_buttons(update)
    if press.verb == "end":
        return await _end(update, context)
    if press.verb != "group":
        return GROUP
    flow = current_flow(context)
    if press.arg == ALL:
        flow["group_id"] = None
    else:
        group_id = press.int_arg()
        groups = {q.group_id for q in await _repo(context).queues(context.services.campaign.id)}
        if group_id is None or group_id not in groups:
            # A group emptied meanwhile (or forged data): its queue is simply empty.
            group_id = -1
        flow["group_id"] = group_id
    return await _show_next(update, context)


# --- one item at a time ------------------------------------------------------------------------


async def _show_next(update: Update, context: BotContext, note: str | None = None) -> StepResult:
    """Say what was done (if anything), then show the next submitted item or finish."""
    flow = current_flow(context)
    message = _message(update)
    texts = context.texts
    if note:
        await message.reply_text(note)
    group_id = scope.review_queue_group(context.person, flow.get("group_id"))
    item = await _repo(context).next_submitted(
        context.services.campaign.id, group_id, int(flow.get("after", 0))
    )
    if item is None:
        end_flow(context)
        skipped = int(flow.get("skipped", 0))
        if skipped:
            await message.reply_text(texts("review.done_skipped", count=skipped))
        elif group_id is None:
            await message.reply_text(texts("review.empty_all"))
        else:
            await message.reply_text(texts("review.empty"))
        return ConversationHandler.END
    flow["reviewing"] = item.id
    flow["after"] = item.number or 0
    await _send_photos(message, context, item)
    text, markup = await _card(context, item)
    await message.reply_text(text, reply_markup=markup)
    return ITEM


async def _card(context: BotContext, item: Item) -> tuple[str, InlineKeyboardMarkup]:
    """The item as the leader reviews it: summary, raisers, questions asked, likely duplicates."""
    services = context.services
    texts = context.texts
    flow = current_flow(context)
    repo = _repo(context)
    zone = services.settings.zone
    group_id = scope.review_queue_group(context.person, flow.get("group_id"))
    remaining = await repo.count_submitted(services.campaign.id, group_id)
    names = await services.items.raiser_names(item.id)
    lines = [
        texts("review.card_title", count=remaining),
        "",
        item_summary(item, texts, zone),
        texts("review.raisers", count=len(names), names=html.escape("、".join(names)) or "—"),
    ]
    asked = await repo.ask_state(item.id)
    if asked is not None:
        date = asked.asked_at.astimezone(zone).strftime("%m-%d %H:%M")
        if asked.waiting:
            lines.append(
                texts("review.asked_waiting", date=date, question=html.escape(asked.question))
            )
        else:
            lines.append(
                texts(
                    "review.asked_answered",
                    question=html.escape(asked.question),
                    answers=html.escape("\n".join(asked.answers)),
                )
            )
        extra = await services.photos.count(PhotoTarget(item_id=item.id, purpose="more_info"))
        if extra:
            lines.append(texts("review.more_photo_count", count=extra))
    me = context.me
    # Only items within the caller's reach are shown as duplicates; of those, only the ones still
    # awaiting their answer are offered to merge into (an answered one is shown for information).
    candidates = await repo.duplicate_candidates(item, group_id=scope.review_reach(me))
    proposals = likely_duplicates(
        item, [c for c in candidates if scope.may_merge_into(me, item, c)]
    )
    flow["proposals"] = [o.id for o, _score in proposals if review_rules.takes_raisers(o)]
    if proposals:
        lines += ["", texts("review.duplicates")]
        for other, _score in proposals:
            lines.append(
                texts(
                    "review.duplicate_line",
                    label=number_label(other, texts),
                    status=texts(f"status.{other.status}"),
                    place=html.escape(_where(other)),
                    excerpt=html.escape(_excerpt(other.description)),
                )
            )
    return "\n".join(lines), _item_buttons(context, item)


def _where(item: Item) -> str:
    """The most precise place of an item, for a one-line mention."""
    return item.site_name or item.subitem_title or item.project_title or "—"


def _excerpt(text: str) -> str:
    return clip(" ".join(text.split()), _EXCERPT)


def _item_buttons(context: BotContext, item: Item) -> InlineKeyboardMarkup:
    texts = context.texts
    nonce = current_flow(context)["nonce"]

    def b(label: str, verb: str) -> InlineKeyboardButton:
        return button(label, PREFIX, nonce, verb, item.id)

    return InlineKeyboardMarkup(
        [
            [
                b(texts("review.button_accept"), "accept"),
                b(texts("review.button_merge"), "merge"),
            ],
            [b(texts("review.button_ask"), "ask"), b(texts("review.button_decline"), "decline")],
            [b(texts("review.button_skip"), "skip"), b(texts("review.button_end"), "end")],
        ]
    )


async def _send_photos(message: Message, context: BotContext, item: Item) -> None:
    """The evidence (and any photos the author added since) before the card, as an album."""
    services = context.services
    photos = await services.photos.of(PhotoTarget(item_id=item.id))
    photos += await services.photos.of(PhotoTarget(item_id=item.id, purpose="more_info"))
    if not photos:
        return
    label = number_label(item, context.texts)
    # Telegram albums hold 2 to 10 photos; the card says how many there are in all.
    shown = photos[:10]
    data = await asyncio.gather(
        *(asyncio.to_thread(services.store.read, p.display_path) for p in shown)
    )
    if len(data) == 1:
        await message.reply_photo(data[0], caption=label)
        return
    await message.reply_media_group(
        [InputMediaPhoto(d, caption=label if i == 0 else None) for i, d in enumerate(data)]
    )


async def _current(update: Update, context: BotContext, item_id: int | None) -> Item | None:
    """The item the pressed card is about, if it is the one under review now.

    A card's buttons carry their item's id: a tap on an older card (or forged data naming
    another item) must never act on the item shown now.
    """
    flow = current_flow(context)
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


def _ids(press: Pressed) -> tuple[int | None, int | None]:
    """(item id, merge target id) of a review button's argument "item[.target]"."""
    item_part, _, target_part = press.arg.partition(".")
    item_id = int(item_part) if item_part.isdigit() and len(item_part) < 12 else None
    target_id = int(target_part) if target_part.isdigit() and len(target_part) < 12 else None
    return item_id, target_id


async def item_step(update: Update, context: BotContext) -> StepResult:
    """Accept, open the merge choices, ask for more, decline, skip or end."""
    return await _on_button(update, context, ITEM)


async def merge_step(update: Update, context: BotContext) -> StepResult:
    """A proposed item to merge into, or back to the card."""
    return await _on_button(update, context, MERGE)


async def question_step(update: Update, context: BotContext) -> StepResult:
    return await _on_button(update, context, QUESTION)


async def reason_step(update: Update, context: BotContext) -> StepResult:
    return await _on_button(update, context, REASON)


async def _on_button(update: Update, context: BotContext, state: str) -> StepResult:
    query = update.callback_query
    assert query is not None
    press = await pressed(update, context, PREFIX, answer=False)
    if press is None:
        return state
    verb, (item_id, target_id) = press.verb, _ids(press)
    if verb == "end":
        await query.answer()
        await remove_buttons(update)
        return await _end(update, context)
    item = await _current(update, context, item_id)
    if item is None:
        return state
    texts = context.texts
    flow = current_flow(context)
    if verb == "merge_into":
        if target_id is None or target_id not in flow.get("proposals", []):
            await expired(update, context)
            return state
        await query.answer()
        return await _merge(update, context, item, target_id)
    await query.answer()
    if verb == "skip":
        await remove_buttons(update)
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
    if verb == "merge":
        return await _merge_choices(update, context, item)
    if verb in ("ask", "decline"):
        await remove_buttons(update)
        number = item.display_number
        prompt = (
            texts("review.question_prompt", number=number)
            if verb == "ask"
            else texts("review.reason_prompt", number=number)
        )
        back = button(texts("button.back"), PREFIX, flow["nonce"], "back", item.id)
        await _message(update).reply_text(prompt, reply_markup=InlineKeyboardMarkup([[back]]))
        return QUESTION if verb == "ask" else REASON
    if verb == "back":
        await remove_buttons(update)
        text, markup = await _card(context, item)
        await _message(update).reply_text(text, reply_markup=markup)
        return ITEM
    return state


# --- merging -------------------------------------------------------------------------------------


def _example(context: BotContext) -> str:
    return f"{context.services.campaign.year}-0001"


async def _merge_choices(update: Update, context: BotContext, item: Item) -> StepResult:
    """The proposed duplicates as buttons; a number may be typed instead."""
    texts = context.texts
    flow = current_flow(context)
    nonce = flow["nonce"]
    rows = []
    for target_id in flow.get("proposals", []):
        target = await context.services.items.get(target_id)
        if (
            target is not None
            and scope.may_merge_into(context.me, item, target)
            and review_rules.takes_raisers(target)
        ):
            rows.append(
                [
                    button(
                        texts("review.merge_into", number=target.display_number),
                        PREFIX,
                        nonce,
                        "merge_into",
                        f"{item.id}.{target.id}",
                    )
                ]
            )
    rows.append([button(texts("button.back"), PREFIX, nonce, "back", item.id)])
    number, example = item.display_number, _example(context)
    prompt = (
        texts("review.merge_prompt", number=number, example=example)
        if len(rows) > 1
        else texts("review.merge_prompt_none", number=number, example=example)
    )
    await remove_buttons(update)
    await _message(update).reply_text(prompt, reply_markup=InlineKeyboardMarkup(rows))
    return MERGE


async def merge_typed(update: Update, context: BotContext) -> StepResult:
    """A typed number like 2020-0003: merge the item under review into that one.

    Any number of the campaign may be typed; the merge rule decides whether it may be the target.
    """
    message = _message(update)
    texts = context.texts
    services = context.services
    flow = current_flow(context)
    typed = parse_number(message.text or "")
    if typed is None:
        await message.reply_text(texts("review.merge_bad_number", example=_example(context)))
        return MERGE
    year, number = typed
    target = None
    if year in (None, services.campaign.year):
        target = await services.items.get_by_number(services.campaign.id, number)
    if target is None or target.status is Status.DRAFT:
        await message.reply_text(
            texts("review.merge_not_found", number=html.escape((message.text or "").strip()))
        )
        return MERGE
    item = await services.items.get(int(flow.get("reviewing", 0)))
    if item is None:
        return await _show_next(update, context)
    return await _merge(update, context, item, target.id)


async def _merge(update: Update, context: BotContext, item: Item, target_id: int) -> StepResult:
    target = await context.services.items.get(target_id)
    if target is None:
        await _message(update).reply_text(context.texts("merge_target_gone"))
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
    message = _message(update)
    text = message.text or ""
    item = await context.services.items.get(int(current_flow(context).get("reviewing", 0)))
    if item is None:
        return await _show_next(update, context)
    texts = context.texts
    if state == QUESTION:
        return await _apply(
            update,
            context,
            item,
            lambda: review.ask_more(context.services, context.caller(), item.id, text),
            texts("review.asked", number=item.display_number),
            stay=QUESTION,
        )
    return await _apply(
        update,
        context,
        item,
        lambda: review.decline(context.services, context.caller(), item.id, text),
        texts("review.declined", number=item.display_number),
        stay=REASON,
    )


async def text_expected(update: Update, context: BotContext) -> None:
    await _message(update).reply_text(context.texts("review.text_expected"))


async def question_other(update: Update, context: BotContext) -> StepResult:
    await text_expected(update, context)
    return QUESTION


async def reason_other(update: Update, context: BotContext) -> StepResult:
    await text_expected(update, context)
    return REASON


async def merge_other(update: Update, context: BotContext) -> StepResult:
    await _message(update).reply_text(
        context.texts("review.merge_bad_number", example=_example(context))
    )
    return MERGE


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
    flow = current_flow(context)
    message = _message(update)
    try:
        applied = (await decide()).applied
    except Refused as refused:
        if refused.key != "item_state_changed":
            # The button's query is answered already: the refusal goes into the chat.
            await message.reply_text(context.texts(refused.key, **refused.params))
            return stay
        applied = False
    await remove_buttons(update)
    flow.setdefault("handled", []).append(item.id)
    if not applied:
        log.info("Review of item %s found it moved on", item.id)
        done = context.texts("item_state_changed", number=item.display_number)
    return await _show_next(update, context, done)


async def _end(update: Update, context: BotContext) -> int:
    end_flow(context)
    await _message(update).reply_text(context.texts("review.ended"))
    return ConversationHandler.END


# --- the author adds information -----------------------------------------------------------------


async def start_more(update: Update, context: BotContext) -> StepResult | None:
    """The author pressed "补充情况" on the leader's question: ask for the text."""
    query = update.callback_query
    assert query is not None
    texts = context.texts
    data = query.data or ""
    item_id = int(data.removeprefix("am:")) if len(data) < 20 else 0
    item = await context.services.items.get(item_id)
    if item is None or item.status is Status.DRAFT:
        refusal = texts("button_expired")
    elif not scope.is_author(context.me, item):
        refusal = texts("item_not_yours")
    elif item.status is not Status.SUBMITTED:
        refusal = texts("review.more_closed", number=item.display_number)
    elif (asked := await _repo(context).ask_state(item.id)) is None:
        refusal = texts("review.more_not_asked", number=item.display_number)
    else:
        await query.answer()
        flow = start_flow(context, "review_more", adding_to=item.id)
        cancel = button(texts("button.cancel"), PREFIX, flow["nonce"], "cancel")
        await _message(update).reply_text(
            texts(
                "review.more_start",
                label=number_label(item, texts),
                question=html.escape(asked.question),
            ),
            reply_markup=InlineKeyboardMarkup([[cancel]]),
        )
        return MORE_TEXT
    # Nothing starts, and whatever the person was doing stays open (None keeps the state).
    await query.answer(refusal, show_alert=True)
    return None


async def _own_submitted(context: BotContext) -> Item:
    return await review.own_submitted(
        context.services, context.me, current_flow(context).get("adding_to")
    )


async def more_text(update: Update, context: BotContext) -> StepResult:
    """Keep the text (checked now, committed with the photos), then offer photos."""
    message = _message(update)
    texts = context.texts
    item = await _own_submitted(context)
    try:
        await review.check_more(context.services, context.me, item.id, message.text or "")
    except Refused as refused:
        if refused.key == "item_state_changed":
            end_flow(context)
            await message.reply_text(texts("review.more_closed", number=item.display_number))
            return ConversationHandler.END
        await message.reply_text(texts(refused.key, **refused.params))
        return MORE_TEXT
    flow = current_flow(context)
    flow["text"] = message.text or ""
    done = button(texts("button.done"), PREFIX, flow["nonce"], "done")
    await message.reply_text(
        texts("review.more_ask_photos", max=context.services.settings.reports.max_photos),
        reply_markup=InlineKeyboardMarkup([[done]]),
    )
    return MORE_PHOTOS


async def more_text_expected(update: Update, context: BotContext) -> StepResult:
    await _message(update).reply_text(context.texts("review.more_text_expected"))
    return MORE_TEXT


async def more_photo(update: Update, context: BotContext) -> StepResult:
    """A photo that goes with the added information."""
    services = context.services
    item = await _own_submitted(context)
    site = await services.catalog.site(services.campaign.id, item.site_id) if item.site_id else None
    await receive_photo(
        update,
        context,
        target=PhotoTarget(item_id=item.id, purpose="more_info"),
        site=site,
        reference_time=context.now(),
        limit=services.settings.reports.max_photos,
    )
    return MORE_PHOTOS


async def more_photos_expected(update: Update, context: BotContext) -> StepResult:
    await _message(update).reply_text(context.texts("review.more_photos_expected"))
    return MORE_PHOTOS


async def more_button(update: Update, context: BotContext) -> StepResult:
    """完成 commits the added information (the leaders are told); cancel drops it."""
    press = await pressed(update, context, PREFIX)
    if press is None:
        return MORE_PHOTOS if current_flow(context).get("text") else MORE_TEXT
    texts = context.texts
    message = _message(update)
    await remove_buttons(update)
    if press.verb == "cancel":
        end_flow(context)
        await message.reply_text(texts("review.more_cancelled"))
        return ConversationHandler.END
    if press.verb != "done" or not current_flow(context).get("text"):
        return MORE_TEXT
    item = await _own_submitted(context)
    text = str(current_flow(context)["text"])
    try:
        acted = await review.add_more(context.services, context.caller(), item.id, text)
    except Refused as refused:
        if refused.key != "item_state_changed":
            raise
        applied = False
    else:
        applied = acted.applied
    end_flow(context)
    if applied:
        await message.reply_text(texts("review.more_saved", label=number_label(item, texts)))
    else:
        await message.reply_text(texts("review.more_closed", number=item.display_number))
    return ConversationHandler.END


# --- wiring --------------------------------------------------------------------------------------


def _steps(*handlers: Any) -> list[StepHandler]:
    return list(handlers)


def entry_points() -> list[StepHandler]:
    """Commands that open this feature's steps in the shared conversation."""
    return _steps(
        CommandHandler("review", start_review),
        CallbackQueryHandler(start_more, pattern=r"^am:\d+$"),
    )


def _still_reviewing(person: Person | None, flow: dict[str, Any]) -> object:
    return scope.review_queue_group(person, flow.get("group_id"))


# Every step of an open review first checks that the caller still reviews the flow's group.
_guarded = within("review", _still_reviewing)


def states() -> dict[str, list[StepHandler]]:
    """This feature's conversation steps (state names are prefixed with the feature's name)."""
    more = CallbackQueryHandler(more_button, pattern=r"^rv:")
    text = TYPED & filters.TEXT
    return {
        GROUP: _steps(
            CallbackQueryHandler(_guarded(group_step), pattern=r"^rv:"),
            MessageHandler(TYPED, _guarded(buttons_expected)),
        ),
        ITEM: _steps(
            CallbackQueryHandler(_guarded(item_step), pattern=r"^rv:"),
            MessageHandler(TYPED, _guarded(buttons_expected)),
        ),
        MERGE: _steps(
            CallbackQueryHandler(_guarded(merge_step), pattern=r"^rv:"),
            MessageHandler(text, _guarded(merge_typed)),
            MessageHandler(TYPED, _guarded(merge_other)),
        ),
        QUESTION: _steps(
            CallbackQueryHandler(_guarded(question_step), pattern=r"^rv:"),
            MessageHandler(text, _guarded(question_typed)),
            MessageHandler(TYPED, _guarded(question_other)),
        ),
        REASON: _steps(
            CallbackQueryHandler(_guarded(reason_step), pattern=r"^rv:"),
            MessageHandler(text, _guarded(reason_typed)),
            MessageHandler(TYPED, _guarded(reason_other)),
        ),
        MORE_TEXT: _steps(
            more,
            MessageHandler(text, more_text),
            MessageHandler(TYPED, more_text_expected),
        ),
        MORE_PHOTOS: _steps(
            MessageHandler(PHOTO_INPUT, more_photo),
            more,
            MessageHandler(TYPED, more_photos_expected),
        ),
    }


def commands() -> list[StepHandler]:
    """Handlers that work outside any conversation (commands, buttons of notifications)."""
    return []
