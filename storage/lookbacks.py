"""Look-backs (回头看) of closed items, as a group sees them: due now, coming up, one by id."""

from __future__ import annotations

from datetime import datetime

from bot.clock import from_db, to_db
from bot.records import LookbackRecord
from storage.db import Repo
from storage.rows import required_time, row_mapper

_COLS = "l.id, l.item_id, l.group_id, l.round, l.due_at, l.done_at, l.result"
_record = row_mapper(LookbackRecord, due_at=required_time, done_at=from_db)

# Open look-backs of a group, of items still closed in the round the look-back was planned for:
# an item reopened since (or closed again in a later round) has its own, newer look-back. The
# caller adds how due_at compares with now.
_OPEN_OF_GROUP = (
    f"SELECT {_COLS} FROM lookbacks l JOIN items i ON i.id = l.item_id "
    "WHERE l.group_id = ? AND l.done_at IS NULL AND i.status = 'closed' AND i.round = l.round "
    "AND l.due_at {due} ? ORDER BY l.due_at, l.id LIMIT ?"
)


class LookbackRepo(Repo):
    """Look-backs as a group sees them: due now, coming up, one by id."""

    async def get(self, lookback_id: int) -> LookbackRecord | None:
        return await self.db.fetch_one_as(
            _record, f"SELECT {_COLS} FROM lookbacks l WHERE l.id = ?", (lookback_id,)
        )

    async def due_for_group(
        self, group_id: int, now: datetime, *, limit: int = 20
    ) -> list[LookbackRecord]:
        """Open look-backs of the group whose time has come, the longest-waiting first."""
        return await self.db.fetch_all_as(
            _record, _OPEN_OF_GROUP.format(due="<="), (group_id, to_db(now), limit)
        )

    async def upcoming_for_group(
        self, group_id: int, now: datetime, *, limit: int = 10
    ) -> list[LookbackRecord]:
        """Open look-backs of the group that are not due yet, the soonest first."""
        return await self.db.fetch_all_as(
            _record, _OPEN_OF_GROUP.format(due=">"), (group_id, to_db(now), limit)
        )
