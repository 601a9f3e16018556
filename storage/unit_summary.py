"""The per-unit figures and the class-C reasons read from the month tables of migration 0019.

As storage/tally_summary.py does for the tally's other counts: a period's whole months (UTC+8)
come from tally_units, tally_unit_due, tally_unit_votes and tally_reasons, kept exact by
triggers; its edges inside a month are counted from the items. Of what depends on "now" (a
sign-for or answer deadline passed), the months give the deadlines of days before today, and
the few items due today are compared to the second from the items.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.clock import to_db
from bot.unit_figures import ReceivedFigures
from storage.db import Reads
from storage.statuses import NOT_COUNTED, WAITING
from storage.tally_summary import (
    MONTHS,
    as_counts,
    day_start,
    local_day,
    months_range,
    split_period,
    summed,
)

# Items forwarded to the unit that holds them now, in the period: not those it returned (they
# are back with staff, and once re-routed, another unit's).
WITH_UNIT = f"i.status IN {WAITING}"
# Items a unit received and holds or has answered: the statuses the triggers of migration 0019
# count as received.
_RECEIVED_STATUSES = "('forwarded', 'in_progress', 'answered', 'rated', 'closed')"
RECEIVED = (
    "FROM items i WHERE i.campaign_id = ? AND i.unit_id IS NOT NULL "
    f"AND i.status IN {_RECEIVED_STATUSES} "
    "AND i.forwarded_at IS NOT NULL AND i.forwarded_at >= ? AND i.forwarded_at < ?"
)
# The same of the items without a stored sign-for deadline (from before migration 0014): their
# own index, not a pass over every forwarded item of the period (migration 0019).
RECEIVED_OLD = RECEIVED.replace("FROM items i", "FROM items i INDEXED BY items_sign_due_unknown")
_ANSWERED = f"(i.answered_at IS NOT NULL AND NOT {WITH_UNIT})"
# The rule of bot/unit_figures.py's ReceivedFigures.of, in SQL (times are UTC ISO text, bot/clock.py
# to_db, so they compare as strings); for a period's edges.
_COUNTS_EDGE = (
    "SELECT i.unit_id, COUNT(*), "
    "SUM(i.signed_at IS NOT NULL OR ? > i.sign_due_at), "
    "SUM(i.signed_at IS NOT NULL AND i.signed_at <= i.sign_due_at), "
    f"SUM(CASE WHEN {_ANSWERED} THEN 1 "
    f"WHEN {WITH_UNIT} AND i.due_at IS NOT NULL AND ? > i.due_at THEN 1 ELSE 0 END), "
    f"SUM({_ANSWERED} AND (i.due_at IS NULL OR i.answered_at <= i.due_at)), "
    "SUM(i.status = 'closed') "
    f"{RECEIVED} AND i.sign_due_at IS NOT NULL GROUP BY i.unit_id"
)
_COUNTS = (
    "SELECT unit_id, SUM(received), SUM(signed), SUM(signed_on_time), SUM(answered), "
    f"SUM(answered_on_time), SUM(closed) FROM tally_units WHERE {MONTHS} GROUP BY unit_id"
)
_PAST = (
    "SELECT unit_id, what, SUM(n) FROM tally_unit_due "
    f"WHERE {MONTHS} AND day < ? GROUP BY unit_id, what"
)
# The items of the months whose deadline falls on today (UTC+8), past by `now` or not yet.
_RECEIVED_IN = (
    "AND i.unit_id IS NOT NULL AND i.sign_due_at IS NOT NULL "
    f"AND i.status IN {_RECEIVED_STATUSES} "
    "AND i.forwarded_at >= ? AND i.forwarded_at < ? GROUP BY i.unit_id"
)
_SIGN_TODAY = (
    "SELECT i.unit_id, SUM(? > i.sign_due_at) FROM items i INDEXED BY items_unsigned_due "
    "WHERE i.campaign_id = ? AND i.signed_at IS NULL AND i.sign_due_at >= ? "
    f"AND i.sign_due_at < ? {_RECEIVED_IN}"
)
_ANSWER_TODAY = (
    "SELECT i.unit_id, SUM(? > i.due_at) FROM items i INDEXED BY items_waiting_due "
    f"WHERE i.campaign_id = ? AND {WITH_UNIT} AND i.due_at >= ? "
    f"AND i.due_at < ? {_RECEIVED_IN}"
)
# Each received item's latest voted round, by unit and value.
UNIT_VOTES = f"SELECT unit_id, value, SUM(n) FROM tally_unit_votes WHERE {MONTHS} GROUP BY 1, 2"
UNIT_VOTES_EDGE = (
    "SELECT i.unit_id, r.value, COUNT(*) FROM ratings r JOIN items i ON i.id = r.item_id "
    "WHERE r.round = (SELECT MAX(r2.round) FROM ratings r2 WHERE r2.item_id = i.id) "
    f"AND i.id IN (SELECT i.id {RECEIVED}) GROUP BY i.unit_id, r.value"
)
REASONS = f"SELECT reason, SUM(n) FROM tally_reasons WHERE {MONTHS} GROUP BY 1"
REASONS_EDGE = (
    "SELECT i.answer_reason, COUNT(*) FROM items i INDEXED BY items_campaign_submitted "
    "WHERE i.campaign_id = ? AND i.submitted_at >= ? AND i.submitted_at < ? "
    f"AND i.status NOT IN {NOT_COUNTED} AND i.response_class = 'C' "
    "AND i.answer_reason IS NOT NULL GROUP BY 1"
)

# What a passed deadline of tally_unit_due (its `what`) or of today's items adds to.
_DUE = {"sign": "sign_due", "answer": "answer_due"}


async def received_counts(
    db: Reads, campaign_id: int, start: str, end: str, now: datetime
) -> dict[int, ReceivedFigures]:
    """Per unit, the items of [start, end) with a stored sign-for deadline, counted by the rule
    of bot/unit_figures.py's ReceivedFigures.of."""
    moment = to_db(now)
    split = split_period(start, end)
    totals: dict[int, ReceivedFigures] = {}

    def add(unit_id: Any, counts: ReceivedFigures) -> None:
        totals[int(unit_id)] = totals.get(int(unit_id), ReceivedFigures()) + counts

    def add_rows(rows: list[Any]) -> None:
        for unit_id, *counts in rows:
            add(unit_id, ReceivedFigures(*(int(n or 0) for n in counts)))

    for first, until in split.edges:
        add_rows(await db.fetch_all(_COUNTS_EDGE, (moment, moment, campaign_id, first, until)))
    if split.months is not None:
        # Signed and answered are the sign_due and answer_due of the items already done; the
        # deadlines passed of the others are added below.
        add_rows(await db.fetch_all(_COUNTS, (campaign_id, *split.months)))
        today = local_day(moment)
        for unit_id, what, n in await db.fetch_all(
            _PAST, (campaign_id, *split.months, today.isoformat())
        ):
            add(unit_id, ReceivedFigures(**{_DUE[str(what)]: int(n or 0)}))
        lo, hi = months_range(split.months)
        day = (day_start(today), day_start(today + timedelta(days=1)))
        for sql, what in ((_SIGN_TODAY, "sign"), (_ANSWER_TODAY, "answer")):
            for unit_id, n in await db.fetch_all(sql, (moment, campaign_id, *day, lo, hi)):
                add(unit_id, ReceivedFigures(**{_DUE[what]: int(n or 0)}))
    return {unit_id: counts for unit_id, counts in totals.items() if counts.received}


async def unit_votes(
    db: Reads, campaign_id: int, start: str, end: str
) -> list[tuple[int, str, int]]:
    """(unit, value, votes) of the latest voted round of each item received in [start, end)."""
    rows = await summed(db, UNIT_VOTES, UNIT_VOTES_EDGE, campaign_id, start, end, ids=0)
    return [(int(unit_id), str(value), int(n)) for unit_id, value, n in rows]


async def reason_counts(db: Reads, campaign_id: int, start: str, end: str) -> dict[str, int]:
    """Counted items of [start, end) whose latest answer is class C, by reason."""
    return as_counts(await summed(db, REASONS, REASONS_EDGE, campaign_id, start, end, ids=0))
