"""/forward's returned items: staff see each item a unit returned, with the unit's reason, and
re-route it to another unit (it is reviewed again, ready to forward).

Part of the /forward run (handlers/forward_run.py); handlers/forward.py dispatches its buttons.
"""

from __future__ import annotations

import html

from telegram import Update

from bot.items import Item, Status
from bot.usecases import forwarding
from bot.views import item_summary, number_label
from handlers.context import BotContext
from handlers.flow import Pressed, current_flow
from handlers.forward_run import CHOOSE, Result, Verb, keyboard, run_button, store
from handlers.replies import edit_screen


async def _on_returns(update: Update, context: BotContext, press: Pressed) -> Result:
    flow = current_flow(context)
    flow["returns"] = await store(context).returned_ids(context.services.campaign.id)
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
        rows = [[run_button(context, texts("button.back"), "menu")]]
        await edit_screen(update, texts("forward.returns_empty"), keyboard(rows))
        return CHOOSE, None
    flow.update(return_id=item.id, return_pos=index)
    reason = await store(context).return_reason(item.id)
    units = await services.catalog.units(services.campaign.id)
    buttons = [run_button(context, u.name, "rr", u.id) for u in units if u.id != item.unit_id]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if index + 1 < len(ids):
        rows.append([run_button(context, texts("forward.button_next_return"), "next")])
    rows.append([run_button(context, texts("button.back"), "menu")])
    text = texts(
        "forward.return_item",
        position=index + 1,
        total=len(ids),
        summary=item_summary(item, texts, services.settings.zone),
        unit=html.escape(item.unit_name or "—"),
        reason=html.escape(reason or "—"),
    )
    await edit_screen(update, text, keyboard(rows))
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
        rows.append([run_button(context, texts("forward.button_next_return"), "next")])
    reviewed = await store(context).count(services.campaign.id, str(Status.REVIEWED))
    rows.append([run_button(context, texts("forward.button_units", count=reviewed), "units")])
    rows.append([run_button(context, texts("button.done"), "done")])
    text = texts("forward.rerouted", label=number_label(item, texts), unit=html.escape(unit.name))
    await edit_screen(update, text, keyboard(rows))
    return CHOOSE, None


# The buttons of this part, by the verb they carry.
VERBS: dict[str, Verb] = {"returns": _on_returns, "next": _on_next, "rr": _on_reroute}
