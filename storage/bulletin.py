"""The bulletin's and the group report's counts in SQLite (bot/bulletin_ports.py).

Items count as the tally counts them (storage/reports.py): not drafts, withdrawn or merged.
"""

from __future__ import annotations

from storage.db import Repo
from storage.statuses import NOT_COUNTED


class BulletinRepo(Repo):
    async def flow_counts(self, campaign_id: int, start: str, end: str) -> dict[str, int]:
        row = await self.db.fetch_one(
            "SELECT "
            "SUM(forwarded_at >= ? AND forwarded_at < ?), "
            "SUM(answered_at >= ? AND answered_at < ?), "
            "SUM(closed_at >= ? AND closed_at < ?) "
            f"FROM items WHERE campaign_id = ? AND status NOT IN {NOT_COUNTED}",
            (start, end, start, end, start, end, campaign_id),
        )
        values = [int(v or 0) for v in row] if row else [0, 0, 0]
        return dict(zip(("forwarded", "answered", "closed"), values, strict=True))

    async def group_answers(self, group_id: int, start: str, end: str) -> dict[str, int]:
        return await self.db.fetch_counts(
            "SELECT response_class, COUNT(*) FROM items WHERE group_id = ? "
            "AND submitted_at >= ? AND submitted_at < ? AND response_class IS NOT NULL "
            f"AND status NOT IN {NOT_COUNTED} GROUP BY response_class",
            (group_id, start, end),
        )

    async def group_votes(self, group_id: int, start: str, end: str) -> dict[str, int]:
        return await self.db.fetch_counts(
            "SELECT r.value, COUNT(*) FROM items i JOIN ratings r ON r.item_id = i.id "
            "AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = i.id) "
            "WHERE i.group_id = ? AND i.submitted_at >= ? AND i.submitted_at < ? "
            f"AND i.status NOT IN {NOT_COUNTED} GROUP BY r.value",
            (group_id, start, end),
        )
