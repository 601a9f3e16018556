"""What staff see in /forward: the menu, a unit's batch about to be forwarded, and the page of
its items to pick from. Rendering only; handlers/forward.py runs the steps.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton

from bot.deadlines import add_months
from bot.items import Status
from bot.views import number_label
from handlers.context import BotContext
from handlers.flow import current_flow
from handlers.forward_run import (
    Screen,
    campaign_unit,
    keyboard,
    run_button,
    short,
    staff_item,
    store,
)

LIST_LIMIT = 30  # items spelled out on a batch screen (Telegram caps a message at 4096 chars)
PAGE_SIZE = 8  # toggle buttons per page when picking items one by one


async def menu_view(context: BotContext) -> Screen:
    """What waits for staff: reviewed items to forward, returned items, paper answers."""
    texts = context.texts
    repo = store(context)
    campaign_id = context.services.campaign.id
    reviewed = await repo.count(campaign_id, str(Status.REVIEWED))
    returned = await repo.count(campaign_id, str(Status.RETURNED))
    rows = [
        [run_button(context, texts("forward.button_units", count=reviewed), "units")],
        [run_button(context, texts("forward.button_returns", count=returned), "returns")],
        [run_button(context, texts("forward.button_paper"), "paper")],
        [run_button(context, texts("button.cancel"), "cancel")],
    ]
    return texts("forward.menu", reviewed=reviewed, returned=returned), keyboard(rows)


async def batch_view(context: BotContext) -> Screen:
    """The items about to go to the unit, the due date, and how they will reach it."""
    texts = context.texts
    services = context.services
    flow = current_flow(context)
    unit = await campaign_unit(context, flow.get("unit"))
    ids: list[int] = flow.get("ids") or []
    lines = [texts("forward.batch_title", unit=html.escape(unit.name), count=len(ids))]
    for n, item_id in enumerate(ids[:LIST_LIMIT], start=1):
        item = await staff_item(context, item_id)
        lines.append(
            texts(
                "forward.batch_line",
                n=n,
                label=number_label(item, texts),
                text=html.escape(short(item.description, 40)),
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
    liaisons = await store(context).liaison_count(services.campaign.id, unit.id)
    lines.append(
        texts("forward.batch_liaisons", count=liaisons)
        if liaisons
        else texts("forward.batch_no_liaison")
    )
    back = "none" if flow.get("orphan") else "units"
    rows: list[list[InlineKeyboardButton]] = []
    if ids:
        rows.append([run_button(context, texts("forward.button_all", count=len(ids)), "all")])
    if len(ids) > 1:
        rows.append([run_button(context, texts("forward.button_pick"), "pick")])
    rows.append([run_button(context, texts("button.back"), back)])
    return "\n".join(lines), keyboard(rows)


async def pick_view(context: BotContext) -> Screen:
    """A page of the batch's items to tick one by one, and the way to send the ticked ones."""
    texts = context.texts
    flow = current_flow(context)
    ids: list[int] = flow.get("ids") or []
    selected = set(flow.get("selected") or [])
    pages = max(1, (len(ids) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = max(0, min(int(flow.get("page") or 0), pages - 1))
    rows: list[list[InlineKeyboardButton]] = []
    for item_id in ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        item = await staff_item(context, item_id)
        mark = "☑️" if item_id in selected else "⬜"
        label = f"{mark} {item.display_number} {short(item.description)}"
        rows.append([run_button(context, label, "tog", item_id)])
    nav = []
    if page > 0:
        nav.append(run_button(context, texts("button.previous"), "pick", page - 1))
    if page < pages - 1:
        nav.append(run_button(context, texts("button.next"), "pick", page + 1))
    rows.append(nav)
    if selected:
        label = texts("forward.button_send_selected", count=len(selected))
        rows.append([run_button(context, label, "sel")])
    rows.append([run_button(context, texts("button.back"), "batch")])
    return texts("forward.pick_title", page=page + 1, pages=pages), keyboard(rows)
