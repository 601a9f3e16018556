"""/forward: staff forward items to units, re-route returns, record paper answers.

One message is edited from screen to screen: the menu, the units with reviewed items, a unit's
batch (forward all, or pick some), the returned items one by one, and the paper-answer steps.
Every press is checked again on the server: the caller is still staff (bot/scope.py; a /forward
left open by someone who is staff no more ends, handlers/guard.py), the item is still where the
screen showed it, and the lifecycle rule applies it once (a double tap forwards nothing twice).
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler
from telegram.ext import filters as tg_filters

from bot import scope, unit_rules
from bot.deadlines import add_months
from bot.errors import Refused, require
from bot.forward_list import ListRow, file_name, write_list
from bot.items import Item, Status, format_number, parse_number
from bot.lifecycle import ResponseClass
from bot.notices import Notice
from bot.people import Person
from bot.query_ports import ForwardingStore
from bot.records import UnitRecord
from bot.texts import Texts
from bot.usecases import forwarding
from bot.views import clip, item_summary, number_label
from handlers.context import BotContext
from handlers.flow import (
    TYPED,
    Pressed,
    StepHandler,
    abandon_flow,
    button,
    buttons_expected,
    current_flow,
    end_flow,
    expired,
    pressed,
    start_flow,
)
from handlers.guard import within

log = logging.getLogger(__name__)

CHOOSE, NUMBER, ANSWER = "forward.choose", "forward.number", "forward.answer"
PREFIX = "fw"
LIST_LIMIT = 30  # items spelled out on a batch screen (Telegram caps a message at 4096 chars)
PAGE_SIZE = 8  # toggle buttons per page when picking items one by one
SHORT = 28  # characters of an item's text on buttons and list lines


Next = str | int | None  # the next state; None stays in the current one
Screen = tuple[str, InlineKeyboardMarkup]
Result = tuple[Next, str | None]  # the next state and an optional toast for the press


# --- small helpers -------------------------------------------------------------------------------


def _repo(context: BotContext) -> ForwardingStore:
    return context.services.forwarding


def _short(text: str, limit: int = SHORT) -> str:
    # All lines run together: dropping the lines after the first would cut without a mark.
    return clip(" ".join(text.split()), limit)


def _b(context: BotContext, label: str, verb: str, arg: str | int = "") -> InlineKeyboardButton:
    return button(label, PREFIX, current_flow(context)["nonce"], verb, arg)


def _markup(rows: Sequence[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(r) for r in rows if r])


async def _edit(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def _item(context: BotContext, item_id: object) -> Item:
    """An item of this campaign named by a button; anything else is an expired button."""
    return await forwarding.staff_item(context.services, context.person, item_id)


async def _unit(context: BotContext, unit_id: object) -> UnitRecord:
    return await forwarding.unit_of_campaign(context.services, unit_id)


# --- entry ---------------------------------------------------------------------------------------


async def start_forward(update: Update, context: BotContext) -> str:
    """Show what waits for staff: forwarding by unit, returned items, paper answers."""
    scope.require_staff(context.person)
    message = update.effective_message
    assert message is not None
    await abandon_flow(context)
    start_flow(context, "forward")
    text, markup = await _menu(context)
    await message.reply_text(text, reply_markup=markup)
    return CHOOSE


async def _menu(context: BotContext) -> Screen:
    texts = context.texts
    repo = _repo(context)
    campaign_id = context.services.campaign.id
    reviewed = await repo.count(campaign_id, str(Status.REVIEWED))
    returned = await repo.count(campaign_id, str(Status.RETURNED))
    rows = [
        [_b(context, texts("forward.button_units", count=reviewed), "units")],
        [_b(context, texts("forward.button_returns", count=returned), "returns")],
        [_b(context, texts("forward.button_paper"), "paper")],
        [_b(context, texts("button.cancel"), "cancel")],
    ]
    return texts("forward.menu", reviewed=reviewed, returned=returned), _markup(rows)


async def choose_step(update: Update, context: BotContext) -> Next:
    """Every button of /forward; refusals are answered by the error handler, state unchanged."""
    query = update.callback_query
    assert query is not None
    press = await pressed(update, context, PREFIX, kind="forward", answer=False)
    if press is None:
        return None
    handler = _VERBS.get(press.verb)
    if handler is None:
        await expired(update, context)
        return None
    state, toast = await handler(update, context, press)
    await query.answer(toast)
    return state


async def _on_menu(update: Update, context: BotContext, press: Pressed) -> Result:
    await _edit(update, *await _menu(context))
    return CHOOSE, None


async def _on_cancel(update: Update, context: BotContext, press: Pressed) -> Result:
    end_flow(context)
    await _edit(update, context.texts("cancelled"))
    return ConversationHandler.END, None


async def _on_done(update: Update, context: BotContext, press: Pressed) -> Result:
    end_flow(context)
    await _edit(update, context.texts("forward.finished"))
    return ConversationHandler.END, None


# --- forwarding by unit ---------------------------------------------------------------------------


async def _on_units(update: Update, context: BotContext, press: Pressed) -> Result:
    """Units with reviewed items and their counts; ✉️ marks units without a liaison."""
    texts = context.texts
    backlog = await _repo(context).backlog(context.services.campaign.id)
    rows: list[list[InlineKeyboardButton]] = []
    for entry in backlog:
        if entry.unit_id is None:
            label = texts("forward.no_unit_button", count=entry.count)
            rows.append([_b(context, label, "none")])
            continue
        key_label = (
            texts("forward.unit_button", unit=entry.name, count=entry.count)
            if entry.liaisons
            else texts("forward.unit_button_letter", unit=entry.name, count=entry.count)
        )
        rows.append([_b(context, key_label, "unit", entry.unit_id)])
    rows.append([_b(context, texts("button.back"), "menu")])
    text = texts("forward.choose_unit") if backlog else texts("forward.nothing_to_forward")
    await _edit(update, text, _markup(rows))
    return CHOOSE, None


async def _on_unit(update: Update, context: BotContext, press: Pressed) -> Result:
    """A unit: its reviewed items, ready to confirm."""
    unit = await _unit(context, press.int_arg())
    ids = await _repo(context).reviewed_ids(context.services.campaign.id, unit.id)
    flow = current_flow(context)
    flow.update(unit=unit.id, orphan=False, ids=ids, selected=[], page=0)
    await _edit(update, *await _batch_screen(context))
    return CHOOSE, None


async def _on_none(update: Update, context: BotContext, press: Pressed) -> Result:
    """Reviewed items without a lead unit: pick one, then its unit."""
    texts = context.texts
    ids = await _repo(context).reviewed_ids(context.services.campaign.id, None)
    rows = []
    for item_id in ids[:LIST_LIMIT]:
        item = await _item(context, item_id)
        label = f"{item.display_number} {_short(item.description)}"
        rows.append([_b(context, label, "orphan", item.id)])
    rows.append([_b(context, texts("button.back"), "units")])
    text = texts("forward.no_unit_title") if ids else texts("forward.nothing_to_forward")
    await _edit(update, text, _markup(rows))
    return CHOOSE, None


async def _on_orphan(update: Update, context: BotContext, press: Pressed) -> Result:
    """An item without a lead unit: staff choose where it goes."""
    texts = context.texts
    item = await _item(context, press.int_arg())
    require(
        item.status is Status.REVIEWED and forwarding.destination(item) is None,
        "item_state_changed",
        number=item.display_number,
    )
    current_flow(context)["orphan_id"] = item.id
    units = await context.services.catalog.units(context.services.campaign.id)
    buttons = [_b(context, u.name, "target", u.id) for u in units]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_b(context, texts("button.back"), "none")])
    summary = item_summary(item, texts, context.services.settings.zone)
    await _edit(update, texts("forward.choose_target", summary=summary), _markup(rows))
    return CHOOSE, None


async def _on_target(update: Update, context: BotContext, press: Pressed) -> Result:
    """The unit for an item without a lead unit: confirm like any batch."""
    unit = await _unit(context, press.int_arg())
    flow = current_flow(context)
    item = await _item(context, flow.get("orphan_id"))
    flow.update(unit=unit.id, orphan=True, ids=[item.id], selected=[], page=0)
    await _edit(update, *await _batch_screen(context))
    return CHOOSE, None


async def _on_batch(update: Update, context: BotContext, press: Pressed) -> Result:
    await _edit(update, *await _batch_screen(context))
    return CHOOSE, None


async def _batch_screen(context: BotContext) -> Screen:
    """The items about to go to the unit, the due date, and how they will reach it."""
    texts = context.texts
    services = context.services
    flow = current_flow(context)
    unit = await _unit(context, flow.get("unit"))
    ids: list[int] = flow.get("ids") or []
    lines = [texts("forward.batch_title", unit=html.escape(unit.name), count=len(ids))]
    for n, item_id in enumerate(ids[:LIST_LIMIT], start=1):
        item = await _item(context, item_id)
        lines.append(
            texts(
                "forward.batch_line",
                n=n,
                label=number_label(item, texts),
                text=html.escape(_short(item.description, 40)),
            )
        )
    if len(ids) > LIST_LIMIT:
        lines.append(texts("forward.batch_more", count=len(ids) - LIST_LIMIT))
    policy = services.policy
    months = policy.deadlines.answer_months
    lines.append("")
    lines.append(
        texts("forward.batch_due", due=policy.day(add_months(context.now(), months)), months=months)
    )
    liaisons = await _repo(context).liaison_count(services.campaign.id, unit.id)
    lines.append(
        texts("forward.batch_liaisons", count=liaisons)
        if liaisons
        else texts("forward.batch_no_liaison")
    )
    back = "none" if flow.get("orphan") else "units"
    rows: list[list[InlineKeyboardButton]] = []
    if ids:
        rows.append([_b(context, texts("forward.button_all", count=len(ids)), "all")])
    if len(ids) > 1:
        rows.append([_b(context, texts("forward.button_pick"), "pick")])
    rows.append([_b(context, texts("button.back"), back)])
    return "\n".join(lines), _markup(rows)


async def _on_pick(update: Update, context: BotContext, press: Pressed) -> Result:
    page = press.int_arg() or 0
    current_flow(context)["page"] = page
    await _edit(update, *await _pick_screen(context))
    return CHOOSE, None


async def _on_toggle(update: Update, context: BotContext, press: Pressed) -> Result:
    flow = current_flow(context)
    item_id = press.int_arg()
    ids: list[int] = flow.get("ids") or []
    if item_id not in ids:
        raise Refused("button_expired")
    selected: list[int] = flow.get("selected") or []
    if item_id in selected:
        flow["selected"] = [i for i in selected if i != item_id]
    else:
        flow["selected"] = [*selected, item_id]
    await _edit(update, *await _pick_screen(context))
    return CHOOSE, None


async def _pick_screen(context: BotContext) -> Screen:
    texts = context.texts
    flow = current_flow(context)
    ids: list[int] = flow.get("ids") or []
    selected = set(flow.get("selected") or [])
    pages = max(1, (len(ids) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = max(0, min(int(flow.get("page") or 0), pages - 1))
    rows: list[list[InlineKeyboardButton]] = []
    for item_id in ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        item = await _item(context, item_id)
        mark = "☑️" if item_id in selected else "⬜"
        label = f"{mark} {item.display_number} {_short(item.description)}"
        rows.append([_b(context, label, "tog", item_id)])
    nav = []
    if page > 0:
        nav.append(_b(context, texts("button.previous"), "pick", page - 1))
    if page < pages - 1:
        nav.append(_b(context, texts("button.next"), "pick", page + 1))
    rows.append(nav)
    if selected:
        label = texts("forward.button_send_selected", count=len(selected))
        rows.append([_b(context, label, "sel")])
    rows.append([_b(context, texts("button.back"), "batch")])
    return texts("forward.pick_title", page=page + 1, pages=pages), _markup(rows)


async def _on_all(update: Update, context: BotContext, press: Pressed) -> Result:
    ids: list[int] = current_flow(context).get("ids") or []
    return await _forward(update, context, ids)


async def _on_selected(update: Update, context: BotContext, press: Pressed) -> Result:
    flow = current_flow(context)
    selected = set(flow.get("selected") or [])
    require(bool(selected), "forward.nothing_selected")
    # In the order of the list, not the order of the taps.
    return await _forward(update, context, [i for i in flow.get("ids") or [] if i in selected])


async def _forward(update: Update, context: BotContext, ids: list[int]) -> Result:
    """Forward each item that is still reviewed and still meant for this unit."""
    services = context.services
    texts = context.texts
    # The run ends before anything is applied: a second tap finds no open run ("expired").
    flow = end_flow(context)
    unit = await _unit(context, flow.get("unit"))
    now = context.now()
    run = await forwarding.forward_items(
        services, context.caller(), unit.id, ids, meant_for=None if flow.get("orphan") else unit.id
    )
    forwarded, skipped, liaisons, due = run.items, run.skipped, run.liaisons, run.due
    policy = services.policy
    if not forwarded or due is None:
        await _edit(update, texts("forward.none_forwarded"))
        return ConversationHandler.END, None
    day = policy.day(due)
    if liaisons:
        batch_key = _batch_key(str(flow.get("nonce", "")), [i.id for i in forwarded])
        await _send_list(context, unit, forwarded, day, liaisons, batch_key, now)
    lines = [texts("forward.done", count=len(forwarded), unit=html.escape(unit.name), due=day)]
    lines.append(
        texts("forward.done_liaisons", count=len(liaisons))
        if liaisons
        else texts("forward.done_letter")
    )
    if skipped:
        lines.append(texts("forward.done_skipped", count=skipped))
    lines.append(texts("forward.more_hint"))
    await _edit(update, "\n".join(lines))
    return ConversationHandler.END, None


def _batch_key(nonce: str, ids: Sequence[int]) -> str:
    digest = hashlib.sha1(",".join(map(str, sorted(ids))).encode()).hexdigest()[:10]
    return f"{nonce}-{digest}"


def list_rows(items: Sequence[Item], texts: Texts, due: str) -> list[ListRow]:
    """The forwarded items as rows of the unit's list, in `texts`' language."""
    rows = []
    for item in items:
        category = (
            item.category_name_en
            if texts.language == "en" and item.category_name_en
            else item.category_name
        )
        rows.append(
            ListRow(
                number=item.display_number,
                kind=texts(f"kind.{item.kind}"),
                project=item.project_title or "",
                subitem=item.subitem_title or "",
                site=item.site_name or "",
                category=category or "",
                content=item.description,
                due=due,
            )
        )
    return rows


def list_headers(texts: Texts) -> list[str]:
    return [
        texts("forward.col_number"),
        texts("forward.col_kind"),
        texts("forward.col_project"),
        texts("forward.col_subitem"),
        texts("forward.col_site"),
        texts("forward.col_category"),
        texts("forward.col_content"),
        texts("forward.col_due"),
    ]


async def _send_list(
    context: BotContext,
    unit: UnitRecord,
    items: Sequence[Item],
    due: str,
    liaisons: Sequence[int],
    batch_key: str,
    now: datetime,
) -> None:
    """Attach the batch's list to the unit's liaisons, through the outbox like every notice."""
    services = context.services
    # One file for the whole unit, so it reads in the campaign's language, not the caller's.
    texts = Texts(services.settings.i18n.default_language)
    day = services.policy.day(now)
    path = services.settings.storage.files_dir / "forwarded" / file_name(unit.code, day, batch_key)
    title = texts("forward.list_title", unit=unit.name, day=day)
    await asyncio.to_thread(
        write_list, path, title, list_headers(texts), list_rows(items, texts, due)
    )
    notices = [
        Notice(
            person_id,
            key="forward.list_caption",
            params={"unit": html.escape(unit.name), "count": len(items)},
            file_path=str(path),
            file_kind="document",
            dedup=f"fwlist:{unit.id}:{batch_key}:{person_id}",
        )
        for person_id in dict.fromkeys(liaisons)
    ]
    await services.outbox.enqueue(notices, now)
    services.wake_sender()


# --- returned items -------------------------------------------------------------------------------


async def _on_returns(update: Update, context: BotContext, press: Pressed) -> Result:
    flow = current_flow(context)
    flow["returns"] = await _repo(context).returned_ids(context.services.campaign.id)
    return await _show_return(update, context, 0)


async def _on_next(update: Update, context: BotContext, press: Pressed) -> Result:
    return await _show_return(update, context, int(current_flow(context).get("return_pos", 0)) + 1)


async def _show_return(update: Update, context: BotContext, start: int) -> Result:
    """One returned item, the unit's reason, and the other units to send it to."""
    texts = context.texts
    services = context.services
    flow = current_flow(context)
    ids: list[int] = flow.get("returns") or []
    item: Item | None = None
    index = start
    while index < len(ids):
        candidate = await services.items.get(ids[index])
        if candidate is not None and candidate.status is Status.RETURNED:
            item = candidate
            break
        index += 1
    if item is None:
        rows = [[_b(context, texts("button.back"), "menu")]]
        await _edit(update, texts("forward.returns_empty"), _markup(rows))
        return CHOOSE, None
    flow.update(return_id=item.id, return_pos=index)
    reason = await _repo(context).return_reason(item.id)
    units = await services.catalog.units(services.campaign.id)
    buttons = [_b(context, u.name, "rr", u.id) for u in units if u.id != item.unit_id]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if index + 1 < len(ids):
        rows.append([_b(context, texts("forward.button_next_return"), "next")])
    rows.append([_b(context, texts("button.back"), "menu")])
    text = texts(
        "forward.return_item",
        position=index + 1,
        total=len(ids),
        summary=item_summary(item, texts, services.settings.zone),
        unit=html.escape(item.unit_name or "—"),
        reason=html.escape(reason or "—"),
    )
    await _edit(update, text, _markup(rows))
    return CHOOSE, None


async def _on_reroute(update: Update, context: BotContext, press: Pressed) -> Result:
    """Send a returned item to another unit: it is reviewed again, ready to forward."""
    texts = context.texts
    services = context.services
    flow = current_flow(context)
    acted, unit = await forwarding.reroute(
        services, context.caller(), flow.get("return_id"), press.int_arg()
    )
    item = acted.item
    ids: list[int] = flow.get("returns") or []
    position = int(flow.get("return_pos", 0))
    rows = []
    if position + 1 < len(ids):
        rows.append([_b(context, texts("forward.button_next_return"), "next")])
    reviewed = await _repo(context).count(services.campaign.id, str(Status.REVIEWED))
    rows.append([_b(context, texts("forward.button_units", count=reviewed), "units")])
    rows.append([_b(context, texts("button.done"), "done")])
    text = texts("forward.rerouted", label=number_label(item, texts), unit=html.escape(unit.name))
    await _edit(update, text, _markup(rows))
    return CHOOSE, None


# --- answers received on paper --------------------------------------------------------------------


async def _on_paper(update: Update, context: BotContext, press: Pressed) -> Result:
    texts = context.texts
    example = format_number(context.services.campaign.year, 7)
    rows = [[_b(context, texts("button.cancel"), "cancel")]]
    await _edit(update, texts("forward.paper_ask_number", example=example), _markup(rows))
    return NUMBER, None


async def number_step(update: Update, context: BotContext) -> Next:
    """The number of the item a unit answered on paper."""
    message = update.effective_message
    assert message is not None and message.text is not None
    texts = context.texts
    services = context.services
    campaign = services.campaign
    example = format_number(campaign.year, 7)
    typed = parse_number(message.text)
    item = None
    if typed and typed[0] in (None, campaign.year):
        item = await services.items.get_by_number(campaign.id, typed[1])
    if item is None:
        number = html.escape(clip(message.text.strip(), 20))
        await message.reply_text(texts("forward.paper_not_found", number=number, example=example))
        return None
    if item.status not in unit_rules.WITH_UNIT:
        await message.reply_text(
            texts(
                "forward.paper_wrong_status",
                label=number_label(item, texts),
                status=texts(f"status.{item.status}"),
            )
        )
        return None
    flow = current_flow(context)
    flow["paper_id"] = item.id
    rows = [[_b(context, texts(f"response_class.{c}"), "cls", str(c))] for c in ResponseClass]
    rows.append([_b(context, texts("button.cancel"), "cancel")])
    text = texts(
        "forward.paper_choose_class",
        summary=item_summary(item, texts, services.settings.zone),
        unit=html.escape(item.unit_name or "—"),
    )
    await message.reply_text(text, reply_markup=_markup(rows))
    return CHOOSE


async def _on_class(update: Update, context: BotContext, press: Pressed) -> Result:
    texts = context.texts
    flow = current_flow(context)
    if press.arg not in {c.value for c in ResponseClass} or "paper_id" not in flow:
        raise Refused("button_expired")
    flow["paper_class"] = press.arg
    rows = [[_b(context, texts("button.cancel"), "cancel")]]
    cls = texts(f"response_class.{press.arg}")
    await _edit(update, texts("forward.paper_ask_text", cls=cls), _markup(rows))
    return ANSWER, None


async def answer_step(update: Update, context: BotContext) -> Next:
    """The answer's text: recorded on the unit's behalf; the raisers are asked to rate it."""
    message = update.effective_message
    assert message is not None and message.text is not None
    texts = context.texts
    services = context.services
    flow = current_flow(context)
    response_class = ResponseClass(str(flow.get("paper_class")))
    try:
        acted = await forwarding.record_paper_answer(
            services, context.caller(), flow.get("paper_id"), response_class, message.text
        )
    except Refused as refused:
        await message.reply_text(texts(refused.key, **refused.params))
        if refused.key.startswith("lifecycle_text"):
            return None  # too short or too long: the next message is taken as the text
        end_flow(context)
        return ConversationHandler.END
    end_flow(context)
    item = acted.item
    if not acted.applied:
        await message.reply_text(texts("item_state_changed", number=item.display_number))
        return ConversationHandler.END
    await message.reply_text(
        texts(
            "forward.paper_recorded",
            label=number_label(item, texts),
            cls=texts(f"response_class.{response_class}"),
        )
    )
    return ConversationHandler.END


async def text_expected(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(context.texts("forward.text_expected"))


# --- wiring ---------------------------------------------------------------------------------------

Verb = Callable[[Update, BotContext, Pressed], Awaitable[Result]]

_VERBS: dict[str, Verb] = {
    "menu": _on_menu,
    "cancel": _on_cancel,
    "done": _on_done,
    "units": _on_units,
    "unit": _on_unit,
    "none": _on_none,
    "orphan": _on_orphan,
    "target": _on_target,
    "batch": _on_batch,
    "pick": _on_pick,
    "tog": _on_toggle,
    "all": _on_all,
    "sel": _on_selected,
    "returns": _on_returns,
    "next": _on_next,
    "rr": _on_reroute,
    "paper": _on_paper,
    "cls": _on_class,
}


def entry_points() -> list[StepHandler]:
    """Commands that open this feature's steps in the shared conversation."""
    return [cast(StepHandler, CommandHandler("forward", start_forward))]


def _still_staff(person: Person | None, flow: dict[str, Any]) -> object:
    scope.forwarding(person)
    return None


# Every step of an open /forward first checks that the caller is still staff.
_guarded = within("forward", _still_staff)


def states() -> dict[str, list[StepHandler]]:
    """This feature's conversation steps (state names are prefixed with the feature's name)."""
    buttons = cast(StepHandler, CallbackQueryHandler(_guarded(choose_step), pattern=r"^fw:"))
    typed_text = TYPED & tg_filters.TEXT
    return {
        CHOOSE: [buttons, cast(StepHandler, MessageHandler(TYPED, _guarded(buttons_expected)))],
        NUMBER: [
            buttons,
            cast(StepHandler, MessageHandler(typed_text, _guarded(number_step))),
            cast(StepHandler, MessageHandler(TYPED, _guarded(text_expected))),
        ],
        ANSWER: [
            buttons,
            cast(StepHandler, MessageHandler(typed_text, _guarded(answer_step))),
            cast(StepHandler, MessageHandler(TYPED, _guarded(text_expected))),
        ],
    }


def commands() -> list[StepHandler]:
    """Handlers that work outside any conversation (commands, buttons of notifications)."""
    return []
