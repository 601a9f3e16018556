"""The item list's query from a URL. A value that does not parse is left out, never an error:
a bookmarked or edited URL still shows a list, and the reach is applied by the core anyway."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from urllib.parse import urlencode

from bot.console import MAX_TEXT, PAGE_SIZES, SORTS, ItemQuery
from bot.items import Kind, Status


def _int(raw: str | None, low: int = 1, high: int = 10**9) -> int | None:
    if raw is None or not raw.strip().isdigit():
        return None
    value = int(raw)
    return value if low <= value <= high else None


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def parse_query(args: Mapping[str, str], statuses: list[str], per_page: int) -> ItemQuery:
    kind = args.get("kind", "")
    sort = args.get("sort", "-number")
    size = _int(args.get("per_page"))
    return ItemQuery(
        statuses=tuple(Status(s) for s in statuses if s in Status.__members__.values()),
        kind=Kind(kind) if kind in Kind.__members__.values() else None,
        project_id=_int(args.get("project")),
        subitem_id=_int(args.get("subitem")),
        unit_id=_int(args.get("unit")),
        group_id=_int(args.get("group")),
        category_id=_int(args.get("category")),
        date_from=_date(args.get("from")),
        date_to=_date(args.get("to")),
        overdue=args.get("overdue") == "1",
        sign_overdue=args.get("sign_overdue") == "1",
        text=args.get("q", "").strip()[:MAX_TEXT],
        sort=next((s for s in SORTS if s == sort), "-number"),
        page=_int(args.get("page"), high=10**6) or 1,
        per_page=size if size in PAGE_SIZES else per_page,
    )


def to_args(query: ItemQuery, **change: object) -> str:
    """The URL query string of `query` (with `change` applied), for links and downloads."""
    pairs: list[tuple[str, object]] = [("status", s.value) for s in query.statuses]
    fields: dict[str, object] = {
        "kind": query.kind.value if query.kind else None,
        "project": query.project_id,
        "subitem": query.subitem_id,
        "unit": query.unit_id,
        "group": query.group_id,
        "category": query.category_id,
        "from": query.date_from.isoformat() if query.date_from else None,
        "to": query.date_to.isoformat() if query.date_to else None,
        "overdue": 1 if query.overdue else None,
        "sign_overdue": 1 if query.sign_overdue else None,
        "q": query.text or None,
        "sort": query.sort if query.sort != "-number" else None,
        "page": query.page if query.page != 1 else None,
        "per_page": query.per_page,
    }
    fields.update(change)
    pairs += [(k, v) for k, v in fields.items() if v is not None]
    return urlencode(pairs)
