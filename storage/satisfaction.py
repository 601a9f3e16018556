"""Queries behind the satisfaction figures: the deputies' votes and the units' answers, counted.

Both count the items the tally counts (submitted in [start, end), not drafts, withdrawn or merged;
see storage/reports.py for the bounds), and of each item only its latest say: the votes of the
latest round anyone voted in, and the class of its latest answer.

Both read per-day counts kept exact by the transactions that write items and votes (migration
0017, storage/tally_summary.py): a year is a few thousand rows instead of half a million answered
items and their votes (0.9 s warm and seconds from disk before).
"""

from __future__ import annotations

from storage import unit_summary
from storage.db import Repo
from storage.tally_summary import ANSWERS, ANSWERS_EDGE, VOTES, VOTES_EDGE, as_counts, summed


class SatisfactionRepo(Repo):
    """The votes and answer classes behind the satisfaction figure."""

    async def vote_counts(self, campaign_id: int, start: str, end: str) -> dict[str, int]:
        """Votes by value (satisfied, basically, dissatisfied, abstain) on each item's latest voted
        round; per-day counts kept by the votes' own transactions (storage/tally_summary.py)."""
        return as_counts(await summed(self.db, VOTES, VOTES_EDGE, campaign_id, start, end, ids=0))

    async def answer_counts(self, campaign_id: int, start: str, end: str) -> dict[str, int]:
        """Items by the class (A, B, C) of their latest answer (items.response_class)."""
        rows = await summed(self.db, ANSWERS, ANSWERS_EDGE, campaign_id, start, end, ids=0)
        return as_counts(rows)

    async def reason_counts(self, campaign_id: int, start: str, end: str) -> dict[str, int]:
        """Items whose latest answer is class C, by its reason category (migration 0015); per-month
        counts kept by the items' own transactions (migration 0019, storage/unit_summary.py)."""
        return await unit_summary.reason_counts(self.db, campaign_id, start, end)
