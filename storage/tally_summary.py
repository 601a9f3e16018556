"""The tally's counts read from the per-month summary tables (migration 0017).

A year's tally used to count its million items through covering indexes: 1.4 s with the pages
in memory, 3-4 s from disk. The tables tally_places, tally_groups, tally_answers, tally_votes
and tally_due hold the same counts per month, kept exact by triggers in the transactions that
write items and votes, so a year is some tens of thousands of small rows.

A month there is a calendar month in UTC+8 (ZONE). A period's bounds that fall inside a month
(a period of days, another zone) leave edges: the items between the bound and the nearest whole
month are counted the old way, from the items, and added. Either way the figures are exactly
those of counting the items (tests/test_tally_summary.py checks both ways).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from bot.clock import from_db, to_db
from bot.records import AFTER_ALL, BEFORE_ALL
from storage.db import Reads
from storage.statuses import NOT_COUNTED, WAITING

# The zone of the summary tables' months and days: migration 0017's '+8 hours'.
ZONE = timezone(timedelta(hours=8))
# Month bounds that mean "no limit": every YYYY-MM sorts between them.
_NO_FIRST, _NO_END = "", "9999"


@dataclass(frozen=True, slots=True)
class Split:
    """A period [start, end) as whole summary months [first, end) (None: no whole month) and
    the UTC ranges around them that are counted from the items."""

    months: tuple[str, str] | None
    edges: tuple[tuple[str, str], ...]


def _month_start(month: date) -> str:
    return to_db(datetime.combine(month.replace(day=1), time.min, ZONE))


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _local(bound: str) -> datetime:
    moment = from_db(bound)
    assert moment is not None
    return moment.astimezone(ZONE)


def day_start(day: date) -> str:
    return to_db(datetime.combine(day, time.min, ZONE))


def local_day(bound: str) -> date:
    return _local(bound).date()


def split_period(start: str, end: str) -> Split:
    """Which whole months of [start, end) the summary answers for, and which edges the items."""
    edges = []
    try:
        first = _NO_FIRST
        if start != BEFORE_ALL:
            month = _local(start).date().replace(day=1)
            if _month_start(month) != start:
                month = _next_month(month)
                edges.append((start, _month_start(month)))
            first = month.strftime("%Y-%m")
        last = _NO_END
        if end != AFTER_ALL:
            month = _local(end).date().replace(day=1)
            last = month.strftime("%Y-%m")
            if _month_start(month) != end:
                edges.append((_month_start(month), end))
    except ValueError:
        # Not a bound as the tally writes them: count everything from the items.
        return Split(None, ((start, end),))
    if first >= last:
        return Split(None, ((start, end),) if start < end else ())
    return Split((first, last), tuple(edges))


def months_range(months: tuple[str, str]) -> tuple[str, str]:
    """The UTC range [start, end) of whole months [first, last)."""
    first, last = months
    start = BEFORE_ALL if first == _NO_FIRST else _month_start(date.fromisoformat(first + "-01"))
    end = AFTER_ALL if last == _NO_END else _month_start(date.fromisoformat(last + "-01"))
    return start, end


async def summed(
    db: Reads,
    summary_sql: str,
    items_sql: str,
    campaign_id: int,
    start: str,
    end: str,
    *,
    ids: int,
) -> list[tuple[Any, ...]]:
    """Rows (key..., count) of a period: the summary's whole months plus the edges' items.

    Both statements take (campaign_id, from, until) and return the key columns and a count;
    the first `ids` key columns are ids the summary stores as 0 for none (NULL in the items).
    """
    split = split_period(start, end)
    totals: dict[tuple[Any, ...], int] = {}
    if split.months is not None:
        for row in await db.fetch_all(summary_sql, (campaign_id, *split.months)):
            key = tuple(None if n < ids and v == 0 else v for n, v in enumerate(row[:-1]))
            totals[key] = totals.get(key, 0) + int(row[-1])
    for first, until in split.edges:
        for row in await db.fetch_all(items_sql, (campaign_id, first, until)):
            key = tuple(row[:-1])
            totals[key] = totals.get(key, 0) + int(row[-1])
    return [(*key, count) for key, count in totals.items() if count]


async def deadline_counts(
    db: Reads, campaign_id: int, start: str, end: str, now: str, soon: str
) -> tuple[int, int, int]:
    """(overdue, due soon, waiting) among the items of [start, end) a unit still has to answer
    (storage/reports.py deadline_counts says the rule)."""
    split = split_period(start, end)
    totals = [0, 0, 0]
    for first, until in split.edges:
        row = await db.fetch_one(DUE_EDGE, (now, now, soon, campaign_id, first, until))
        totals = [t + int(v or 0) for t, v in zip(totals, row or (0, 0, 0), strict=True)]
    if split.months is not None:
        today, soon_day = local_day(now), local_day(soon)
        row = await db.fetch_one(
            DUE,
            (
                today.isoformat(),
                today.isoformat(),
                soon_day.isoformat(),
                campaign_id,
                *split.months,
            ),
        )
        assert row is not None
        totals = [t + int(v or 0) for t, v in zip(totals, (row[1], row[2], row[0]), strict=True)]
        # The items due on today's or the last "soon" day: before or after the very second.
        lo, hi = months_range(split.months)
        for day in sorted({today, soon_day}):
            bounds = (day_start(day), day_start(day + timedelta(days=1)), lo, hi)
            row = await db.fetch_one(DUE_ON_DAY, (now, now, soon, campaign_id, *bounds))
            assert row is not None
            totals[0] += int(row[0] or 0)
            totals[1] += int(row[1] or 0)
    return totals[0], totals[1], totals[2]


def as_counts(rows: Sequence[tuple[Any, ...]]) -> dict[str, int]:
    """(value, count) rows as a dict, for the satisfaction counts."""
    return {str(value): int(count) for value, count in rows}


# --- the statements ---------------------------------------------------------------------------

_CLASSES = "('A', 'B', 'C')"
# The whole months of a campaign in [first, end), the rows the summary tables are read by.
MONTHS = "campaign_id = ? AND month >= ? AND month < ?"
# The edges are hours, not the year: the campaign's submission-time index finds them.
_EDGE = (
    "FROM items i INDEXED BY items_campaign_submitted WHERE i.campaign_id = ? "
    f"AND i.submitted_at >= ? AND i.submitted_at < ? AND i.status NOT IN {NOT_COUNTED}"
)

PLACES = (
    "SELECT project_id, subitem_id, unit_id, category_id, kind, status, SUM(n) "
    f"FROM tally_places WHERE {MONTHS} GROUP BY 1, 2, 3, 4, 5, 6"
)
PLACES_EDGE = (
    "SELECT i.project_id, i.subitem_id, i.unit_id, i.category_id, i.kind, i.status, COUNT(*) "
    f"{_EDGE} GROUP BY 1, 2, 3, 4, 5, 6"
)
GROUPS = f"SELECT group_id, kind, status, SUM(n) FROM tally_groups WHERE {MONTHS} GROUP BY 1, 2, 3"
GROUPS_EDGE = f"SELECT i.group_id, i.kind, i.status, COUNT(*) {_EDGE} GROUP BY 1, 2, 3"
ANSWERS = f"SELECT class, SUM(n) FROM tally_answers WHERE {MONTHS} GROUP BY 1"
ANSWERS_EDGE = (
    f"SELECT i.response_class, COUNT(*) {_EDGE} AND i.response_class IN {_CLASSES} GROUP BY 1"
)
VOTES = f"SELECT value, SUM(n) FROM tally_votes WHERE {MONTHS} GROUP BY 1"
# Each edge item's latest voted round, as storage/satisfaction.py counts them.
VOTES_EDGE = (
    "SELECT r.value, COUNT(*) FROM items i INDEXED BY items_campaign_submitted "
    "CROSS JOIN ratings r INDEXED BY ratings_tally ON r.item_id = i.id AND r.round = "
    "(SELECT MAX(l.round) FROM ratings l INDEXED BY ratings_tally WHERE l.item_id = i.id) "
    "WHERE i.campaign_id = ? AND i.submitted_at >= ? AND i.submitted_at < ? "
    f"AND i.status NOT IN {NOT_COUNTED} AND i.response_class IN {_CLASSES} GROUP BY 1"
)
DUE = (
    "SELECT SUM(n), SUM(CASE WHEN due_day < ? THEN n END), "
    "SUM(CASE WHEN due_day > ? AND due_day < ? THEN n END) "
    f"FROM tally_due WHERE {MONTHS}"
)
_DUE_SUMS = "SELECT COALESCE(SUM(due_at < ?), 0), COALESCE(SUM(due_at >= ? AND due_at <= ?), 0)"
DUE_ON_DAY = (
    f"{_DUE_SUMS} FROM items INDEXED BY items_waiting_due WHERE campaign_id = ? "
    f"AND status IN {WAITING} AND due_at >= ? AND due_at < ? "
    "AND submitted_at >= ? AND submitted_at < ?"
)
DUE_EDGE = (
    f"{_DUE_SUMS}, COUNT(*) FROM items INDEXED BY items_campaign_submitted WHERE campaign_id = ? "
    f"AND status IN {WAITING} AND submitted_at >= ? AND submitted_at < ? AND due_at IS NOT NULL"
)
