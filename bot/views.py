"""How items read to people: labels and summaries, rendered with a language's texts (HTML-safe)."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from bot.items import Item, Kind
from bot.texts import Texts


def number_label(item: Item, texts: Texts) -> str:
    """e.g. 问题 2025-0042 / Problem 2025-0042."""
    return texts("item_label", kind=texts(f"kind.{item.kind}"), number=item.display_number)


def place_of(item: Item) -> str:
    return " / ".join(p for p in (item.project_title, item.subitem_title, item.site_name) if p)


def item_summary(item: Item, texts: Texts, zone: ZoneInfo | None = None) -> str:
    lines = []
    if item.number is not None:
        lines.append(f"<b>{number_label(item, texts)}</b> · {texts(f'status.{item.status}')}")
    else:
        lines.append(f"<b>{texts(f'kind.{item.kind}')}</b>")
    lines.append(texts("summary.place", place=html.escape(place_of(item)) or "—"))
    if item.kind is Kind.PROBLEM:
        category = (
            item.category_name_en
            if texts.language == "en" and item.category_name_en
            else item.category_name
        )
        lines.append(texts("summary.category", category=html.escape(category or "—")))
        severity = texts(f"severity.{item.severity}") if item.severity else "—"
        lines.append(texts("summary.severity", severity=severity))
    lines.append(texts("summary.description", description=html.escape(item.description) or "—"))
    lines.append(texts("summary.photos", count=item.photo_count))
    if item.submitted_at is not None and zone is not None:
        lines.append(
            texts(
                "summary.date", date=item.submitted_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            )
        )
    return "\n".join(lines)
