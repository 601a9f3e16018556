"""Queries behind the satisfaction figures: the deputies' votes and the units' answers, counted.

Both count the items the tally counts (submitted in [start, end), not drafts, withdrawn or merged;
see storage/reports.py for the bounds), and of each item only its latest say: the votes of the
latest round anyone voted in, and the class of its latest answer.

Cost: the answers are one pass over a partial index of the answered items (migration 0005). The
votes start from `ratings` and look each vote's item up: about 3-4 µs a vote on the 2-core
development machine, so the cost follows the votes cast (a city's year: hundreds), never the
items; bench/tally.py's million items carry no votes.
"""

from __future__ import annotations

from storage.db import Database

# The same items as the tally's (storage/reports.py).
_NOT_COUNTED = "('draft', 'withdrawn', 'merged')"


async def vote_counts(db: Database, campaign_id: int, start: str, end: str) -> dict[str, int]:
    """Votes by value (satisfied, basically, dissatisfied, abstain) on each item's latest voted round."""
    # CROSS JOIN keeps ratings as the outer loop (SQLite never reorders a CROSS JOIN).
    rows = await db.fetch_all(
        "SELECT r.value, COUNT(*) FROM ratings r CROSS JOIN items i ON i.id = r.item_id "
        f"WHERE i.campaign_id = ? AND i.status NOT IN {_NOT_COUNTED} "
        "AND i.submitted_at >= ? AND i.submitted_at < ? "
        "AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = r.item_id) "
        "GROUP BY r.value",
        (campaign_id, start, end),
    )
    return {str(r[0]): int(r[1]) for r in rows}


async def answer_counts(db: Database, campaign_id: int, start: str, end: str) -> dict[str, int]:
    """Items by the class (A, B, C) of their latest answer (items.response_class)."""
    rows = await db.fetch_all(
        "SELECT response_class, COUNT(*) FROM items INDEXED BY items_tally_answer "
        "WHERE campaign_id = ? AND response_class IS NOT NULL "
        f"AND status NOT IN {_NOT_COUNTED} AND submitted_at >= ? AND submitted_at < ? "
        "GROUP BY response_class",
        (campaign_id, start, end),
    )
    return {str(r[0]): int(r[1]) for r in rows}
