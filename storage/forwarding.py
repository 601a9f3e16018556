"""Look-ups for forwarding: reviewed items by the unit they go to, returned items, units.

An item's target unit is its own `unit_id` when staff have set one (re-routing, an earlier
forwarding), otherwise the lead unit of its sub-item. An item without a sub-item has no target:
staff must choose the unit.
"""

from __future__ import annotations

from bot.readmodels import UnitBacklog
from bot.records import UnitRecord
from storage.catalog import UNITS
from storage.db import Repo

# The unit a reviewed item goes to unless staff choose another.
_TARGET = "COALESCE(i.unit_id, si.unit_id)"

# Liaisons counted the way ItemRepo.parties counts them, so "has liaisons" here agrees with the
# for_letter flag the forwarding rule sets.
_LIAISONS = (
    "SELECT COUNT(*) FROM persons pe WHERE pe.campaign_id = ? AND pe.role = 'liaison' "
    "AND pe.active = 1 AND pe.telegram_user_id IS NOT NULL AND pe.unit_id = {unit}"
)


class ForwardingRepo(Repo):
    async def backlog(self, campaign_id: int) -> list[UnitBacklog]:
        """Units with reviewed items, by unit code; the items without a unit come last."""
        rows = await self.db.fetch_all(
            f"SELECT t.target, u.code, u.name, COUNT(*) AS n, "
            f"({_LIAISONS.format(unit='t.target')}) AS liaisons "
            f"FROM (SELECT {_TARGET} AS target FROM items i "
            "LEFT JOIN subitems si ON si.id = i.subitem_id "
            "WHERE i.campaign_id = ? AND i.status = 'reviewed') t "
            "LEFT JOIN units u ON u.id = t.target "
            "GROUP BY t.target ORDER BY t.target IS NULL, u.code",
            (campaign_id, campaign_id),
        )
        return [UnitBacklog(r[0], r[1] or "", r[2] or "", int(r[3]), int(r[4] or 0)) for r in rows]

    async def reviewed_ids(self, campaign_id: int, unit_id: int | None) -> list[int]:
        """Reviewed items going to `unit_id` (None: those without a unit), by number."""
        target = f"{_TARGET} IS NULL" if unit_id is None else f"{_TARGET} = ?"
        params: tuple[int, ...] = (campaign_id,) if unit_id is None else (campaign_id, unit_id)
        return await self.db.fetch_ints(
            "SELECT i.id FROM items i LEFT JOIN subitems si ON si.id = i.subitem_id "
            f"WHERE i.campaign_id = ? AND i.status = 'reviewed' AND {target} "
            "ORDER BY i.number, i.id",
            params,
        )

    async def count(self, campaign_id: int, status: str) -> int:
        return await self.db.fetch_int(
            "SELECT COUNT(*) FROM items WHERE campaign_id = ? AND status = ?", (campaign_id, status)
        )

    async def returned_ids(self, campaign_id: int) -> list[int]:
        """Items units gave back, the longest waiting first."""
        return await self.db.fetch_ints(
            "SELECT i.id FROM items i WHERE i.campaign_id = ? AND i.status = 'returned' "
            "ORDER BY i.updated_at, i.number",
            (campaign_id,),
        )

    async def return_reason(self, item_id: int) -> str:
        """What the unit said when it last gave the item back."""
        note = await self.db.fetch_value(
            "SELECT note FROM item_events WHERE item_id = ? AND to_status = 'returned' "
            "AND from_status != 'returned' ORDER BY id DESC LIMIT 1",
            (item_id,),
        )
        return str(note or "")

    async def unit(self, campaign_id: int, unit_id: int) -> UnitRecord | None:
        return await UNITS.one(self.db, campaign_id, id=unit_id)

    async def liaison_count(self, campaign_id: int, unit_id: int) -> int:
        return await self.db.fetch_int(_LIAISONS.format(unit="?"), (campaign_id, unit_id))
