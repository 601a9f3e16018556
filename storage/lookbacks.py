"""Look-backs (回头看) of closed items, as a group sees them: due now, coming up, one by id."""

from __future__ import annotations

from datetime import datetime

from bot.clock import from_db, to_db
from bot.records import LookbackRecord
from storage.db import Database, Row

_COLS = "l.id, l.item_id, l.group_id, l.round, l.due_at, l.done_at, l.result"


def _record(row: Row) -> LookbackRecord:
    due = from_db(row["due_at"])
    assert due is not None
    return LookbackRecord(
        row["id"],
        row["item_id"],
        row["group_id"],
        row["round"],
        due,
        from_db(row["done_at"]),
        row["result"],
    )


class LookbackRepo:
    """Look-backs as a group sees them: due now, coming up, one by id."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, lookback_id: int) -> LookbackRecord | None:
        row = await self.db.fetch_one(
            f"SELECT {_COLS} FROM lookbacks l WHERE l.id = ?", (lookback_id,)
        )
        return _record(row) if row else None

    async def due_for_group(
        self, group_id: int, now: datetime, *, limit: int = 20
    ) -> list[LookbackRecord]:
        """Open look-backs of the group whose time has come, the longest-waiting first.

        Only items still closed in the round the look-back was planned for: an item reopened
        since (or closed again in a later round) has its own, newer look-back.
        """
        rows = await self.db.fetch_all(
            f"SELECT {_COLS} FROM lookbacks l JOIN items i ON i.id = l.item_id "
            "WHERE l.group_id = ? AND l.done_at IS NULL AND l.due_at <= ? "
            "AND i.status = 'closed' AND i.round = l.round "
            "ORDER BY l.due_at, l.id LIMIT ?",
            (group_id, to_db(now), limit),
        )
        return [_record(r) for r in rows]

    async def upcoming_for_group(
        self, group_id: int, now: datetime, *, limit: int = 10
    ) -> list[LookbackRecord]:
        """Open look-backs of the group that are not due yet, the soonest first."""
        rows = await self.db.fetch_all(
            f"SELECT {_COLS} FROM lookbacks l JOIN items i ON i.id = l.item_id "
            "WHERE l.group_id = ? AND l.done_at IS NULL AND l.due_at > ? "
            "AND i.status = 'closed' AND i.round = l.round "
            "ORDER BY l.due_at, l.id LIMIT ?",
            (group_id, to_db(now), limit),
        )
        return [_record(r) for r in rows]
