"""What the bulletin and the group report ask of a store beyond the tally's counts
(storage/bulletin.py implements it). Bounds are stored UTC strings [start, end) as
bot/tally_period.py's Period.bounds makes them."""

from __future__ import annotations

from typing import Protocol


class BulletinStore(Protocol):
    async def flow_counts(self, campaign_id: int, start: str, end: str) -> dict[str, int]:
        """Items forwarded, answered and closed in the range (by when that happened, whenever
        they were raised): keys "forwarded", "answered", "closed"."""
        ...

    async def group_answers(self, group_id: int, start: str, end: str) -> dict[str, int]:
        """The group's counted items submitted in the range, by the class of their latest
        answer (A, B, C); unanswered items are not counted."""
        ...

    async def group_votes(self, group_id: int, start: str, end: str) -> dict[str, int]:
        """Deputies' votes on the units' answers to the group's counted items submitted in the
        range, by value, of each item's latest voted round (as bot/satisfaction.py counts)."""
        ...
