"""/forward: staff forward items to units; the menu and every button of the /forward run.

One message is edited from screen to screen: the menu, the units with reviewed items, a unit's
batch (forward all, or pick some), and the screens of the run's other parts, the returned items
(handlers/returns.py) and the paper answers (handlers/paper_answer.py). Every press is checked
again on the server: the caller is still staff (bot/scope.py; a /forward left open by someone who
is staff no more ends, handlers/guard.py), the item is still where the screen showed it, and the
lifecycle rule applies it once (a double tap forwards nothing twice).
"""

from __future__ import annotations

import html
import logging
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler
from telegram.ext import filters as tg_filters

from bot import scope
from bot.errors import Refused, require
from bot.items import Status
from bot.people import Person
from bot.usecases import forwarding
from bot.views import item_summary
from handlers import flow as flows
from handlers import forward_run, paper_answer, returns
from handlers.context import BotContext
from handlers.conversation import END
from handlers.forward_list import send_list
from handlers.forward_views import LIST_LIMIT, batch_view, menu_view, pick_view
from handlers.guard import within
from handlers.replies import edit_screen, replying

log = logging.getLogger(__name__)


# --- entry ---------------------------------------------------------------------------------------


async def start_forward(update: Update, context: BotContext) -> str:
    """Show what waits for staff: forwarding by unit, returned items, paper answers."""
    scope.require_staff(context.person)
    message, _flow = await flows.open_flow(update, context, forward_run.FLOW_KIND)
    text, markup = await menu_view(context)
    await message.reply_text(text, reply_markup=markup)
    return forward_run.CHOOSE


async def choose_step(update: Update, context: BotContext) -> forward_run.Next:
    """Every button of /forward; refusals are answered by the error handler, state unchanged."""
    query = update.callback_query
    assert query is not None
    found = await flows.pressed_verb(
        update, context, forward_run.PREFIX, forward_run.FLOW_KIND, _VERBS
    )
    if found is None:
        return None
    press, verb = found
    state, toast = await verb(update, context, press)
    await query.answer(toast)
    return state


async def _on_menu(update: Update, context: BotContext, press: flows.Pressed) -> forward_run.Result:
    await edit_screen(update, *await menu_view(context))
    return forward_run.CHOOSE, None


async def _on_cancel(
    update: Update, context: BotContext, press: flows.Pressed
) -> forward_run.Result:
    flows.end_flow(context)
    await edit_screen(update, context.texts("cancelled"))
    return END, None


async def _on_done(update: Update, context: BotContext, press: flows.Pressed) -> forward_run.Result:
    flows.end_flow(context)
    await edit_screen(update, context.texts("forward.finished"))
    return END, None


# --- forwarding by unit ---------------------------------------------------------------------------


async def _on_units(
    update: Update, context: BotContext, press: flows.Pressed
) -> forward_run.Result:
    """Units with reviewed items and their counts; ✉️ marks units without a liaison."""
    texts = context.texts
    backlog = await forward_run.store(context).backlog(context.services.campaign.id)
    rows: list[list[InlineKeyboardButton]] = []
    for entry in backlog:
        if entry.unit_id is None:
            label = texts("forward.no_unit_button", count=entry.count)
            rows.append([forward_run.run_button(context, label, "none")])
            continue
        key_label = (
            texts("forward.unit_button", unit=entry.name, count=entry.count)
            if entry.liaisons
            else texts("forward.unit_button_letter", unit=entry.name, count=entry.count)
        )
        rows.append([forward_run.run_button(context, key_label, "unit", entry.unit_id)])
    return await _choices_screen(update, context, rows, "forward.choose_unit", back="menu")


async def _choices_screen(
    update: Update,
    context: BotContext,
    rows: list[list[InlineKeyboardButton]],
    title_key: str,
    *,
    back: str,
) -> forward_run.Result:
    """What waits to be forwarded, one button a row, and a way back; a plain word when none."""
    texts = context.texts
    text = texts(title_key) if rows else texts("forward.nothing_to_forward")
    rows.append([forward_run.run_button(context, texts("button.back"), back)])
    await edit_screen(update, text, forward_run.keyboard(rows))
    return forward_run.CHOOSE, None


async def _on_unit(update: Update, context: BotContext, press: flows.Pressed) -> forward_run.Result:
    """A unit: its reviewed items, ready to confirm."""
    unit = await forward_run.campaign_unit(context, press.int_arg())
    ids = await forward_run.store(context).reviewed_ids(context.services.campaign.id, unit.id)
    return await _open_batch(update, context, unit.id, ids, orphan=False)


async def _open_batch(
    update: Update, context: BotContext, unit_id: int, ids: list[int], *, orphan: bool
) -> forward_run.Result:
    """The items to forward to the unit, none picked yet."""
    flows.current_flow(context).update(unit=unit_id, orphan=orphan, ids=ids, selected=[], page=0)
    await edit_screen(update, *await batch_view(context))
    return forward_run.CHOOSE, None


async def _on_none(update: Update, context: BotContext, press: flows.Pressed) -> forward_run.Result:
    """Reviewed items without a lead unit: pick one, then its unit."""
    ids = await forward_run.store(context).reviewed_ids(context.services.campaign.id, None)
    rows = []
    for item_id in ids[:LIST_LIMIT]:
        item = await forward_run.staff_item(context, item_id)
        label = f"{item.display_number} {forward_run.short(item.description)}"
        rows.append([forward_run.run_button(context, label, "orphan", item.id)])
    return await _choices_screen(update, context, rows, "forward.no_unit_title", back="units")


async def _on_orphan(
    update: Update, context: BotContext, press: flows.Pressed
) -> forward_run.Result:
    """An item without a lead unit: staff choose where it goes."""
    texts = context.texts
    item = await forward_run.staff_item(context, press.int_arg())
    require(
        item.status is Status.REVIEWED and forwarding.destination(item) is None,
        "item_state_changed",
        number=item.display_number,
    )
    flows.current_flow(context)["orphan_id"] = item.id
    units = await context.services.catalog.units(context.services.campaign.id)
    buttons = [forward_run.run_button(context, u.name, "target", u.id) for u in units]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([forward_run.run_button(context, texts("button.back"), "none")])
    summary = item_summary(item, texts, context.services.settings.zone)
    await edit_screen(
        update, texts("forward.choose_target", summary=summary), forward_run.keyboard(rows)
    )
    return forward_run.CHOOSE, None


async def _on_target(
    update: Update, context: BotContext, press: flows.Pressed
) -> forward_run.Result:
    """The unit for an item without a lead unit: confirm like any batch."""
    unit = await forward_run.campaign_unit(context, press.int_arg())
    item = await forward_run.staff_item(context, flows.current_flow(context).get("orphan_id"))
    return await _open_batch(update, context, unit.id, [item.id], orphan=True)


async def _on_batch(
    update: Update, context: BotContext, press: flows.Pressed
) -> forward_run.Result:
    await edit_screen(update, *await batch_view(context))
    return forward_run.CHOOSE, None


async def _on_pick(update: Update, context: BotContext, press: flows.Pressed) -> forward_run.Result:
    page = press.int_arg() or 0
    flows.current_flow(context)["page"] = page
    await edit_screen(update, *await pick_view(context))
    return forward_run.CHOOSE, None


async def _on_toggle(
    update: Update, context: BotContext, press: flows.Pressed
) -> forward_run.Result:
    flow = flows.current_flow(context)
    item_id = press.int_arg()
    ids: list[int] = flow.get("ids") or []
    if item_id not in ids:
        raise Refused("button_expired")
    selected: list[int] = flow.get("selected") or []
    if item_id in selected:
        flow["selected"] = [i for i in selected if i != item_id]
    else:
        flow["selected"] = [*selected, item_id]
    await edit_screen(update, *await pick_view(context))
    return forward_run.CHOOSE, None


async def _on_all(update: Update, context: BotContext, press: flows.Pressed) -> forward_run.Result:
    ids: list[int] = flows.current_flow(context).get("ids") or []
    return await _forward(update, context, ids)


async def _on_selected(
    update: Update, context: BotContext, press: flows.Pressed
) -> forward_run.Result:
    flow = flows.current_flow(context)
    selected = set(flow.get("selected") or [])
    require(bool(selected), "forward.nothing_selected")
    # In the order of the list, not the order of the taps.
    return await _forward(update, context, [i for i in flow.get("ids") or [] if i in selected])


async def _forward(update: Update, context: BotContext, ids: list[int]) -> forward_run.Result:
    """Forward each item that is still reviewed and still meant for this unit."""
    services = context.services
    texts = context.texts
    # The run ends before anything is applied: a second tap finds no open run ("expired").
    flow = flows.end_flow(context)
    unit = await forward_run.campaign_unit(context, flow.get("unit"))
    now = context.now()
    run = await forwarding.forward_items(
        services, context.caller(), unit.id, ids, meant_for=None if flow.get("orphan") else unit.id
    )
    forwarded, skipped, liaisons, due = run.items, run.skipped, run.liaisons, run.due
    policy = services.policy
    if not forwarded or due is None:
        await edit_screen(update, texts("forward.none_forwarded"))
        return END, None
    day = policy.day(due)
    if liaisons:
        nonce = str(flow.get("nonce", ""))
        await send_list(context, unit, forwarded, day, liaisons, nonce, now)
    lines = [texts("forward.done", count=len(forwarded), unit=html.escape(unit.name), due=day)]
    lines.append(
        texts("forward.done_liaisons", count=len(liaisons))
        if liaisons
        else texts("forward.done_letter")
    )
    if skipped:
        lines.append(texts("forward.done_skipped", count=skipped))
    lines.append(texts("forward.more_hint"))
    await edit_screen(update, "\n".join(lines))
    return END, None


# --- wiring ---------------------------------------------------------------------------------------

_VERBS: dict[str, forward_run.Verb] = {
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
    **returns.VERBS,
    **paper_answer.VERBS,
}


def entry_points() -> list[flows.StepHandler]:
    """Commands that open this feature's steps in the shared conversation."""
    return flows.steps(CommandHandler("forward", start_forward))


def _still_staff(person: Person | None, flow: dict[str, Any]) -> object:
    scope.forwarding(person)
    return None


# Every step of an open /forward first checks that the caller is still staff.
_guarded = within(forward_run.FLOW_KIND, _still_staff)


def states() -> dict[str, list[flows.StepHandler]]:
    """This feature's conversation steps (state names are prefixed with the feature's name)."""
    buttons = CallbackQueryHandler(_guarded(choose_step), pattern=rf"^{forward_run.PREFIX}:")
    typed_text = flows.TYPED & tg_filters.TEXT
    text_expected = MessageHandler(flows.TYPED, _guarded(replying("forward.text_expected")))
    return {
        forward_run.CHOOSE: flows.steps(
            buttons, MessageHandler(flows.TYPED, _guarded(flows.buttons_expected))
        ),
        forward_run.NUMBER: flows.steps(
            buttons,
            MessageHandler(typed_text, _guarded(paper_answer.number_step)),
            text_expected,
        ),
        forward_run.PROMISE: flows.steps(
            buttons,
            MessageHandler(typed_text, _guarded(paper_answer.promise_step)),
            text_expected,
        ),
        forward_run.ANSWER: flows.steps(
            buttons,
            MessageHandler(typed_text, _guarded(paper_answer.answer_step)),
            text_expected,
        ),
    }


def commands() -> list[flows.StepHandler]:
    """Handlers that work outside any conversation (commands, buttons of notifications)."""
    return []
