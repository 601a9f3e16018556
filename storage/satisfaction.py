"""Queries behind the satisfaction figures: the deputies' votes and the units' answers, counted.

Both count the items the tally counts (submitted in [start, end), not drafts, withdrawn or merged;
see storage/reports.py for the bounds), and of each item only its latest say: the votes of the
latest round anyone voted in, and the answer of the latest round. Each query starts from the
small table (ratings, responses) and looks items up by id: a year has a million items and a few
thousand answers, and the planner, which has no statistics, would otherwise walk the items.
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
    """Items by the class (A, B, C) of their latest answer."""
    rows = await db.fetch_all(
        "SELECT a.class, COUNT(*) FROM responses a CROSS JOIN items i ON i.id = a.item_id "
        f"WHERE i.campaign_id = ? AND i.status NOT IN {_NOT_COUNTED} "
        "AND i.submitted_at >= ? AND i.submitted_at < ? "
        "AND a.round = (SELECT MAX(l.round) FROM responses l WHERE l.item_id = a.item_id) "
        "GROUP BY a.class",
        (campaign_id, start, end),
    )
    return {str(r[0]): int(r[1]) for r in rows}
