"""What the daily jobs look up: who gets reminded, what is overdue, which windows have passed."""

from __future__ import annotations

from datetime import datetime

from bot.clock import to_db
from bot.readmodels import DueLookback, Liaison, UnitOverdue
from storage.db import Repo
from storage.statuses import WAITING

# Only people who joined can be told anything (an invitation not yet used has no chat).
_REACHABLE = "active = 1 AND telegram_user_id IS NOT NULL"


class JobsRepo(Repo):
    """What the daily jobs read: who to remind, what is overdue, which look-backs are due."""

    async def liaisons(self, campaign_id: int) -> list[Liaison]:
        rows = await self.db.fetch_all(
            "SELECT id, unit_id FROM persons WHERE campaign_id = ? AND role = 'liaison' "
            f"AND unit_id IS NOT NULL AND {_REACHABLE} ORDER BY id",
            (campaign_id,),
        )
        return [Liaison(r[0], r[1]) for r in rows]

    async def staff(self, campaign_id: int) -> list[int]:
        return await self.db.fetch_ints(
            f"SELECT id FROM persons WHERE campaign_id = ? AND role = 'staff' AND {_REACHABLE} "
            "ORDER BY id",
            (campaign_id,),
        )

    async def group_members(self, group_id: int) -> list[int]:
        """Deputies and leaders of a group: the people who can do its look-backs."""
        return await self.db.fetch_ints(
            "SELECT id FROM persons WHERE group_id = ? AND role IN ('deputy', 'leader') "
            f"AND {_REACHABLE} ORDER BY id",
            (group_id,),
        )

    async def units_with_due_items(self, campaign_id: int, until: datetime) -> set[int]:
        """Units holding at least one item due before `until` (overdue or due soon)."""
        units = await self.db.fetch_ints(
            f"SELECT DISTINCT unit_id FROM items WHERE campaign_id = ? AND status IN {WAITING} "
            "AND due_at IS NOT NULL AND due_at <= ? AND unit_id IS NOT NULL",
            (campaign_id, to_db(until)),
        )
        return set(units)

    async def overdue_by_unit(self, campaign_id: int, now: datetime) -> list[UnitOverdue]:
        """Overdue items per unit, the most overdue unit first."""
        rows = await self.db.fetch_all(
            "SELECT COALESCE(u.name, '') AS name, COUNT(*) AS n FROM items i "
            "LEFT JOIN units u ON u.id = i.unit_id "
            f"WHERE i.campaign_id = ? AND i.status IN {WAITING} AND i.due_at IS NOT NULL "
            "AND i.due_at < ? GROUP BY i.unit_id ORDER BY n DESC, name",
            (campaign_id, to_db(now)),
        )
        return [UnitOverdue(r["name"], int(r["n"])) for r in rows]

    async def count_returned(self, campaign_id: int) -> int:
        """Items units gave back, waiting for staff to pick another unit."""
        return await self.db.fetch_int(
            "SELECT COUNT(*) FROM items WHERE campaign_id = ? AND status = 'returned'",
            (campaign_id,),
        )

    async def count_for_letter(self, campaign_id: int) -> int:
        """Forwarded items whose unit has no liaison in the bot: they travel by the formal letter."""
        return await self.db.fetch_int(
            "SELECT COUNT(*) FROM items WHERE campaign_id = ? AND for_letter = 1 "
            "AND status = 'forwarded'",
            (campaign_id,),
        )

    async def expired_answered(self, campaign_id: int, answered_before: datetime) -> list[int]:
        """Answered items whose rating window is over (answered before the given moment)."""
        return await self.db.fetch_ints(
            "SELECT id FROM items WHERE campaign_id = ? AND status = 'answered' "
            "AND answered_at IS NOT NULL AND answered_at <= ? ORDER BY answered_at, id",
            (campaign_id, to_db(answered_before)),
        )

    async def due_lookbacks(self, campaign_id: int, now: datetime) -> list[DueLookback]:
        """Open look-backs whose time has come, of items still closed in that round."""
        rows = await self.db.fetch_all(
            "SELECT l.id, l.item_id, l.group_id FROM lookbacks l JOIN items i ON i.id = l.item_id "
            "WHERE i.campaign_id = ? AND l.done_at IS NULL AND l.due_at <= ? "
            "AND l.group_id IS NOT NULL AND i.status = 'closed' AND i.round = l.round "
            "ORDER BY l.due_at, l.id",
            (campaign_id, to_db(now)),
        )
        return [DueLookback(r[0], r[1], r[2]) for r in rows]
