"""Queries behind the satisfaction figures: the deputies' votes and the units' answers, counted.

Both count the items the tally counts (submitted in [start, end), not drafts, withdrawn or merged;
see storage/reports.py for the bounds), and of each item only its latest say: the votes of the
latest round anyone voted in, and the class of its latest answer.

Cost: both read the answered items of the period from a partial index (migration 0005), the
votes then each item's latest round from an index of the votes: on the 2-core development
machine, for a year of a million items with half a million answered and as many votes, about
0.08 s for the answers and 0.9 s for the votes (0.015 s and 0.15-0.2 s for a month).
"""

from __future__ import annotations

from bot.items import Status
from storage.db import Repo

# The same items as the tally's (storage/reports.py): all but drafts, withdrawn and merged.
_LEFT_OUT = (Status.DRAFT, Status.WITHDRAWN, Status.MERGED)
_COUNTED = str(tuple(s.value for s in Status if s not in _LEFT_OUT))
_CLASSES = "('A', 'B', 'C')"  # responses.class's CHECK

# The counted items of a period that have an answer. Equalities (IN lists) on class and status let
# the index seek straight to each pair's dates: a month costs a month, not the year.
_ANSWERED = "items i INDEXED BY items_tally_answer"
_ANSWERED_IN_PERIOD = (
    f"i.campaign_id = ? AND i.response_class IN {_CLASSES} AND i.status IN {_COUNTED} "
    "AND i.submitted_at >= ? AND i.submitted_at < ?"
)


class SatisfactionRepo(Repo):
    """The votes and answer classes behind the satisfaction figure."""

    async def vote_counts(self, campaign_id: int, start: str, end: str) -> dict[str, int]:
        """Votes by value (satisfied, basically, dissatisfied, abstain) on each item's latest voted
        round. Only answered items have votes, so the answered items of the period lead."""
        # CROSS JOIN keeps the items as the outer loop (SQLite never reorders a CROSS JOIN).
        return await self.db.fetch_counts(
            f"SELECT r.value, COUNT(*) FROM {_ANSWERED} "
            "CROSS JOIN ratings r INDEXED BY ratings_tally ON r.item_id = i.id AND r.round = "
            "(SELECT MAX(l.round) FROM ratings l INDEXED BY ratings_tally WHERE l.item_id = i.id) "
            f"WHERE {_ANSWERED_IN_PERIOD} GROUP BY r.value",
            (campaign_id, start, end),
        )

    async def answer_counts(self, campaign_id: int, start: str, end: str) -> dict[str, int]:
        """Items by the class (A, B, C) of their latest answer (items.response_class)."""
        return await self.db.fetch_counts(
            f"SELECT i.response_class, COUNT(*) FROM {_ANSWERED} "
            f"WHERE {_ANSWERED_IN_PERIOD} GROUP BY i.response_class",
            (campaign_id, start, end),
        )

    async def reason_counts(self, campaign_id: int, start: str, end: str) -> dict[str, int]:
        """Items whose latest answer is class C, by its reason category (migration 0015)."""
        return await self.db.fetch_counts(
            f"SELECT i.answer_reason, COUNT(*) FROM {_ANSWERED} "
            f"WHERE {_ANSWERED_IN_PERIOD} AND i.response_class = 'C' "
            "AND i.answer_reason IS NOT NULL GROUP BY i.answer_reason",
            (campaign_id, start, end),
        )
