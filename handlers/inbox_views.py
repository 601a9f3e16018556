"""What a liaison sees in /inbox: a page of the unit's items and one item's card with the buttons
its status allows. Rendering only; handlers/inbox.py and handlers/inbox_answer.py run the steps
and bot/usecases/unit.py acts.
"""

from __future__ import annotations

import html
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.deadlines import Light, days_overdue, light
from bot.items import Item, Kind, Status
from bot.lifecycle import EventKind
from bot.readmodels import UnitInbox
from bot.texts import Texts
from bot.unit_rules import WITH_UNIT
from bot.usecases import unit
from bot.views import clip, number_label
from handlers import callbacks
from handlers.answer_views import unit_card_lines
from handlers.context import BotContext
from handlers.deadline_views import deadline_lines
from handlers.flow import button, current_flow

PREFIX = (
    callbacks.INBOX
)  # nonce'd buttons of the inbox conversation; "ib:<id>" is the notification's button
PAGE_SIZE = 8
PLACE_CHARS = 14  # of a site name on a list button
# Telegram allows 4096 characters a message; these keep the card well within it.
DESCRIPTION_CHARS = 1500
NOTE_CHARS = 300
NOTES_SHOWN = 4
ANSWER_CHARS = 800

Markup = InlineKeyboardMarkup | None


def marker(item: Item, texts: Texts, now: datetime, due_soon_days: int) -> str:
    lit = light(item.status, item.due_at, now, due_soon_days)
    if lit is Light.RED:
        return texts("inbox.dot_red")
    if lit is Light.YELLOW:
        return texts("inbox.dot_yellow")
    if lit is Light.GREEN:
        return texts("inbox.dot_green")
    if item.status is Status.ANSWERED:
        return texts("inbox.mark_answered")
    if item.status is Status.RETURNED:
        return texts("inbox.mark_returned")
    return texts("inbox.dot_none")


async def list_view(context: BotContext, unit_id: int, page: int) -> tuple[str, Markup]:
    """A page of the unit's items as buttons, with the counts by traffic light."""
    services = context.services
    texts = context.texts
    repo = services.inbox
    now = context.now()
    soon = services.settings.deadlines.due_soon_days
    unit = html.escape(await repo.unit_name(unit_id) or "")
    inbox = UnitInbox(services.campaign.id, unit_id, now, soon)
    counts = await repo.counts(inbox)
    flow = current_flow(context)
    if counts.total == 0:
        flow["page"] = 0
        return texts("inbox.empty", unit=unit), None
    pages = (counts.total + PAGE_SIZE - 1) // PAGE_SIZE
    page = max(0, min(page, pages - 1))
    flow["page"] = page
    nonce = flow["nonce"]
    ids = await repo.page(inbox, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    rows = []
    for item_id in ids:
        item = await services.items.get(item_id)
        if item is None:
            continue
        where = item.site_name or item.subitem_title or item.project_title or ""
        label = texts(
            "inbox.entry",
            mark=marker(item, texts, now, soon),
            number=item.display_number,
            place=clip(where, PLACE_CHARS),
        )
        rows.append([button(label, PREFIX, nonce, "open", item.id)])
    nav = []
    if page > 0:
        nav.append(button(texts("button.previous"), PREFIX, nonce, "page", page - 1))
    if page < pages - 1:
        nav.append(button(texts("button.next"), PREFIX, nonce, "page", page + 1))
    if nav:
        rows.append(nav)
    text = "\n".join(
        (
            texts("inbox.title", unit=unit, total=counts.total, page=page + 1, pages=pages),
            texts(
                "inbox.counts",
                red=counts.red,
                yellow=counts.yellow,
                green=counts.green,
                answered=counts.answered,
                returned=counts.returned,
            ),
            texts("inbox.hint"),
        )
    )
    return text, InlineKeyboardMarkup(rows)


async def card_view(context: BotContext, item: Item) -> tuple[str, Markup]:
    """Everything the unit needs to handle the item, and the buttons its status allows."""
    services = context.services
    texts = context.texts
    policy = services.policy
    now = context.now()
    lines = [
        texts(
            "inbox.card_head",
            label=number_label(item, texts),
            status=texts(f"status.{item.status}"),
        )
    ]
    lit = light(item.status, item.due_at, now, services.settings.deadlines.due_soon_days)
    if item.due_at is not None and lit is not None:
        day = policy.day(item.due_at)
        if lit is Light.RED:
            lines.append(
                texts(
                    "inbox.card_overdue",
                    light=texts(f"light.{lit}"),
                    date=day,
                    days=days_overdue(item.due_at, now),
                )
            )
        else:
            lines.append(texts("inbox.card_due", light=texts(f"light.{lit}"), date=day))
    if item.round > 1:
        lines.append(texts("inbox.card_round", round=item.round))
    if item.project_title:
        lines.append(texts("inbox.card_project", project=html.escape(item.project_title)))
    if item.subitem_title:
        lines.append(texts("inbox.card_subitem", subitem=html.escape(item.subitem_title)))
    if item.site_name:
        lines.append(texts("inbox.card_site", site=html.escape(item.site_name)))
    if item.kind is Kind.PROBLEM:
        category = (
            item.category_name_en
            if texts.language == "en" and item.category_name_en
            else item.category_name
        )
        severity = texts(f"severity.{item.severity}") if item.severity else "—"
        lines.append(
            texts("inbox.card_category", category=html.escape(category or "—"), severity=severity)
        )
    lines.append(
        texts(
            "inbox.card_description",
            description=html.escape(clip(item.description, DESCRIPTION_CHARS)),
        )
    )
    raisers = len(await services.items.raiser_names(item.id))
    lines.append(texts("inbox.card_raisers", count=raisers, photos=item.photo_count))
    if item.forwarded_at is not None:
        lines.append(texts("inbox.card_forwarded", date=policy.day(item.forwarded_at)))
    lines += await deadline_lines(services, item, now, texts)
    until = unit.return_until(services, item, now)
    if until is not None:
        lines.append(
            texts(
                "inbox.card_return_until",
                date=policy.day(until),
                days=services.settings.deadlines.return_working_days,
            )
        )
    notes = [
        row
        for row in await services.items.timeline(item.id)
        if row.kind == EventKind.PROGRESS and row.note
    ]
    if notes:
        lines.append(texts("inbox.card_history"))
        for row in notes[-NOTES_SHOWN:]:
            assert row.note is not None
            lines.append(
                texts(
                    "inbox.card_event",
                    date=policy.day(row.at),
                    kind=texts(f"event.{row.kind}"),
                    note=html.escape(clip(row.note, NOTE_CHARS)),
                )
            )
    if item.status is Status.ANSWERED:
        response = await services.inbox.latest_response(item.id)
        if response is not None:
            lines.append(
                texts(
                    "inbox.card_response",
                    cls=texts(f"response_class.{response.response_class}"),
                    date=policy.day(response.at),
                    text=html.escape(clip(response.text, ANSWER_CHARS)),
                )
            )
        lines.append(texts("inbox.card_awaiting_rating"))
    elif item.status is Status.RETURNED:
        lines.append(texts("inbox.card_returned"))
    lines += await unit_card_lines(context, item)

    nonce = current_flow(context)["nonce"]
    rows: list[list[InlineKeyboardButton]] = []
    if item.status is Status.FORWARDED:
        rows.append([button(texts("inbox.button_take"), PREFIX, nonce, "take", item.id)])
        if until is not None:
            rows.append([button(texts("inbox.button_return"), PREFIX, nonce, "ret", item.id)])
    if item.status in WITH_UNIT:
        rows.append(
            [
                button(texts("inbox.button_progress"), PREFIX, nonce, "prog", item.id),
                button(texts("inbox.button_answer"), PREFIX, nonce, "ans", item.id),
            ]
        )
        if item.due_at is not None:
            rows.append([button(texts("extension.button_ask"), PREFIX, nonce, "ext", item.id)])
    if item.photo_count:
        rows.append(
            [
                button(
                    texts("inbox.button_photos", count=item.photo_count),
                    PREFIX,
                    nonce,
                    "photos",
                    item.id,
                )
            ]
        )
    page = current_flow(context).get("page", 0)
    rows.append([button(texts("button.back_to_list"), PREFIX, nonce, "page", page)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)
