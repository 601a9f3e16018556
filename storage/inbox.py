"""A liaison's inbox: the unit's items in the order they need attention, and answer photos.

Overdue, due soon and on time are derived from `due_at` and the moment asked for, never stored
(DOMAIN.md); the comparisons below are the SQL twin of bot/deadlines.py light().
"""

from __future__ import annotations

from bot.clock import from_db, to_db
from bot.items import INBOX_STATUSES
from bot.readmodels import InboxCounts, ResponseRecord, UnitInbox
from storage.db import Repo, rowcount
from storage.statuses import WAITING

_STATUS_LIST = ", ".join(f"'{s}'" for s in INBOX_STATUSES)
_WAITING = f"i.status IN {WAITING}"


class InboxRepo(Repo):
    async def page(self, inbox: UnitInbox, *, limit: int, offset: int) -> list[int]:
        """Ids of a page of the unit's items: overdue first (the longest overdue first), then
        due soon, then the newest forwarded; answers awaiting rating and returned items last."""
        now_db, soon_db = to_db(inbox.now), to_db(inbox.soon)
        return await self.db.fetch_ints(
            f"""
            SELECT i.id FROM items i
            WHERE i.campaign_id = ? AND i.unit_id = ? AND i.status IN ({_STATUS_LIST})
            ORDER BY
                CASE WHEN {_WAITING} THEN 0 WHEN i.status = 'answered' THEN 1 ELSE 2 END,
                CASE
                    WHEN {_WAITING} AND i.due_at < ? THEN 0
                    WHEN {_WAITING} AND i.due_at <= ? THEN 1
                    ELSE 2
                END,
                CASE WHEN {_WAITING} AND i.due_at <= ? THEN i.due_at END,
                COALESCE(i.answered_at, i.forwarded_at, '') DESC,
                i.id DESC
            LIMIT ? OFFSET ?
            """,
            (inbox.campaign_id, inbox.unit_id, now_db, soon_db, soon_db, limit, offset),
        )

    async def counts(self, inbox: UnitInbox) -> InboxCounts:
        now_db, soon_db = to_db(inbox.now), to_db(inbox.soon)
        row = await self.db.fetch_one(
            f"""
            SELECT
                COALESCE(SUM({_WAITING} AND i.due_at < ?), 0),
                COALESCE(SUM({_WAITING} AND i.due_at >= ? AND i.due_at <= ?), 0),
                COALESCE(SUM({_WAITING} AND (i.due_at IS NULL OR i.due_at > ?)), 0),
                COALESCE(SUM(i.status = 'answered'), 0),
                COALESCE(SUM(i.status = 'returned'), 0)
            FROM items i
            WHERE i.campaign_id = ? AND i.unit_id = ? AND i.status IN ({_STATUS_LIST})
            """,
            (now_db, now_db, soon_db, soon_db, inbox.campaign_id, inbox.unit_id),
        )
        if row is None:
            return InboxCounts()
        return InboxCounts(*(int(v) for v in row))

    async def unit_name(self, unit_id: int) -> str | None:
        value = await self.db.fetch_value("SELECT name FROM units WHERE id = ?", (unit_id,))
        return None if value is None else str(value)

    async def latest_response(self, item_id: int) -> ResponseRecord | None:
        row = await self.db.fetch_one(
            "SELECT round, class, text, at, on_paper FROM responses WHERE item_id = ? "
            "ORDER BY round DESC LIMIT 1",
            (item_id,),
        )
        if row is None:
            return None
        at = from_db(row[3])
        assert at is not None
        return ResponseRecord(int(row[0]), str(row[1]), str(row[2]), at, bool(row[4]))

    # Answer photos are stored as they arrive, before the answer is confirmed. Those of the
    # answer being written are the ones received after the item's latest recorded answer
    # (or all, before the first); an answer keeps the photos received up to its own moment.
    _PENDING = (
        "item_id = ? AND purpose = 'response' AND person_id = ? AND received_at > "
        "COALESCE((SELECT MAX(at) FROM responses WHERE item_id = ?), '')"
    )

    async def pending_response_photos(self, item_id: int, person_id: int) -> int:
        """How many photos this person attached to the answer they are writing."""
        return await self.db.fetch_int(
            f"SELECT COUNT(*) FROM photos WHERE {self._PENDING}", (item_id, person_id, item_id)
        )

    async def discard_pending_response_photos(self, item_id: int, person_id: int) -> int:
        """Forget the photos of an answer that was cancelled (or abandoned); returns how many.

        The image files stay in the content-addressed store: another record may share them.
        """
        async with self.db.transaction() as conn:
            removed = await rowcount(
                conn, f"DELETE FROM photos WHERE {self._PENDING}", (item_id, person_id, item_id)
            )
        return removed
