"""How items read to people: labels and summaries, rendered with a language's texts (HTML-safe)."""

from __future__ import annotations

import html
import unicodedata
from zoneinfo import ZoneInfo

from bot.items import Item, Kind
from bot.texts import Texts, catalog_name

ELLIPSIS = "…"
_ZWJ = "\u200d"


def _continues(ch: str) -> bool:
    """Whether `ch` belongs to the character before it: accents, joiners, selectors, skin tones."""
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch == _ZWJ
        or "\ufe00" <= ch <= "\ufe0f"  # variation selectors (emoji or text presentation)
        or "\U0001f3fb" <= ch <= "\U0001f3ff"  # skin-tone modifiers
        or "\U000e0020" <= ch <= "\U000e007f"  # tag characters of subdivision flags
    )


def clip(text: str, limit: int) -> str:
    """`text` in at most `limit` characters; when something is left out, "…" says so.

    The cut never separates a letter from its accents or an emoji from its joiners and modifiers,
    so no half-character (a lone accent, a broken family emoji) is shown. Clip before escaping
    HTML: a cut through "&amp;" would break the message.
    """
    if limit < 1:
        raise ValueError("limit must leave room for the ellipsis")
    if len(text) <= limit:
        return text
    cut = limit - 1
    while cut > 0 and (_continues(text[cut]) or text[cut - 1] == _ZWJ):
        cut -= 1
    return text[:cut].rstrip() + ELLIPSIS


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
        category = catalog_name(item.category_name, item.category_name_en, texts.language)
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
    if item.promised_at is not None and zone is not None:
        # A class-B answer's promise, until the follow-up answer (bot/promises.py).
        day = item.promised_at.astimezone(zone).strftime("%Y-%m-%d")
        lines.append(texts("answers.promised_line", date=day))
    if item.answer_reason:
        reason = texts(f"answer_reason.{item.answer_reason}")
        lines.append(texts("answers.card_reason", reason=reason))
    return "\n".join(lines)
