"""The sender's side of the outbox: which rows are due, and what became of each attempt.

Rows are queued by storage/outbox.py in the transaction of the change that causes them; this
module only moves them on: sent, retried later, given up, or parked while their person has
blocked the bot.

Retry times keep sub-second precision (backoffs in tests are fractions of a second). ISO strings
with and without a fraction still order correctly as text against the whole-second times other
modules write ("...:05+00:00" < "...:05.25+00:00" < "...:06+00:00"), so one index serves both.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from bot.clock import to_db
from bot.readmodels import OutboxStats
from bot.records import DueRow
from storage.db import Repo, marks, rowcount
from storage.rows import is_set, row_mapper

# A person's notices are sent strictly in id order, so only the oldest pending row of each
# person can be due: a later row never overtakes one that waits for its retry.
_HEADS = """
WITH heads AS (
    SELECT person_id, MIN(id) AS id FROM outbox
    WHERE sent_at IS NULL AND gave_up_at IS NULL
    GROUP BY person_id
)
SELECT o.id, o.person_id, o.payload, o.attempts, o.dedup_key,
       p.telegram_user_id, p.language, p.blocked_at, p.active
FROM heads
JOIN outbox o ON o.id = heads.id
JOIN persons p ON p.id = o.person_id
WHERE o.next_attempt_at <= ?{exclude}
ORDER BY o.id
LIMIT ?
"""


def retry_time(moment: datetime) -> str:
    """A retry time as stored: UTC ISO text, fractions of a second kept."""
    return moment.astimezone(UTC).isoformat()


_due_row = row_mapper(DueRow, blocked=("blocked_at", is_set), active=bool)
_stats = row_mapper(OutboxStats)


class DeliveryRepo(Repo):
    async def due(
        self, now: datetime, limit: int, *, exclude_persons: Collection[int] = ()
    ) -> list[DueRow]:
        """The oldest pending row of each person whose time has come, oldest first.

        `exclude_persons`: people with a row in flight, whose next row must wait for it.
        """
        excluded = sorted(exclude_persons)
        exclude = ""
        if excluded:
            exclude = f" AND o.person_id NOT IN ({marks(excluded)})"
        return await self.db.fetch_all_as(
            _due_row, _HEADS.format(exclude=exclude), (retry_time(now), *excluded, limit)
        )

    async def mark_sent(self, outbox_id: int, message_id: int, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET sent_at = ?, message_id = ?, attempts = attempts + 1 "
                "WHERE id = ? AND sent_at IS NULL",
                (to_db(now), message_id, outbox_id),
            )

    async def reschedule(
        self, outbox_id: int, attempts: int, next_attempt_at: datetime, error: str
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? "
                "WHERE id = ? AND sent_at IS NULL AND gave_up_at IS NULL",
                (attempts, retry_time(next_attempt_at), error[:500], outbox_id),
            )

    async def give_up(
        self, outbox_id: int, now: datetime, error: str, *, attempts: int | None = None
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET gave_up_at = ?, last_error = ?, "
                "attempts = COALESCE(?, attempts) "
                "WHERE id = ? AND sent_at IS NULL AND gave_up_at IS NULL",
                (to_db(now), error[:500], attempts, outbox_id),
            )

    async def mark_blocked(self, person_id: int, now: datetime) -> int:
        """The person blocked the bot: record it and park their pending notices.

        Returns how many notices were parked. They stay given up with last_error 'blocked' so
        `unblock` can bring the recent ones back.
        """
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE persons SET blocked_at = COALESCE(blocked_at, ?) WHERE id = ?",
                (to_db(now), person_id),
            )
            parked = await rowcount(
                conn,
                "UPDATE outbox SET gave_up_at = ?, last_error = 'blocked' "
                "WHERE person_id = ? AND sent_at IS NULL AND gave_up_at IS NULL",
                (to_db(now), person_id),
            )
        return parked

    async def park_if_blocked(self, outbox_id: int, now: datetime) -> bool:
        """Give up a row as 'blocked' if its person is still recorded as blocked."""
        async with self.db.transaction() as conn:
            parked = (
                await rowcount(
                    conn,
                    "UPDATE outbox SET gave_up_at = ?, last_error = 'blocked' "
                    "WHERE id = ? AND sent_at IS NULL AND gave_up_at IS NULL AND EXISTS "
                    "(SELECT 1 FROM persons p WHERE p.id = outbox.person_id AND p.blocked_at IS NOT NULL)",
                    (to_db(now), outbox_id),
                )
                > 0
            )
        return parked

    async def unblock(
        self, person_id: int, now: datetime, *, revive_within: timedelta = timedelta(days=7)
    ) -> int:
        """The person wrote to the bot again: clear blocked_at and queue again the notices
        parked while they were away that are younger than `revive_within` (older news would
        only flood them). Returns how many were queued again (0 when they were not blocked).

        The gate calls it only for a person loaded as blocked.
        """
        blocked = await self.db.fetch_value(
            "SELECT blocked_at FROM persons WHERE id = ?", (person_id,)
        )
        if blocked is None:
            return 0
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE persons SET blocked_at = NULL WHERE id = ?", (person_id,))
            revived = await rowcount(
                conn,
                "UPDATE outbox SET gave_up_at = NULL, next_attempt_at = ? "
                "WHERE person_id = ? AND sent_at IS NULL AND gave_up_at IS NOT NULL "
                "AND last_error = 'blocked' AND created_at >= ?",
                (to_db(now), person_id, to_db(now - revive_within)),
            )
        return revived

    async def pending_count(self) -> int:
        return await self.db.fetch_int(
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND gave_up_at IS NULL"
        )

    async def stats(self, now: datetime) -> OutboxStats:
        stats = await self.db.fetch_one_as(
            _stats,
            "SELECT "
            "COALESCE(SUM(sent_at IS NULL AND gave_up_at IS NULL), 0) AS pending, "
            "COALESCE(SUM(sent_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= ?), 0) "
            "AS due, "
            "COALESCE(SUM(sent_at IS NULL AND gave_up_at IS NULL AND attempts > 0), 0) "
            "AS retrying, "
            "COALESCE(SUM(sent_at IS NOT NULL), 0) AS sent, "
            "COALESCE(SUM(gave_up_at IS NOT NULL), 0) AS gave_up, "
            "(SELECT COUNT(*) FROM persons WHERE blocked_at IS NOT NULL) AS blocked_persons "
            "FROM outbox",
            (retry_time(now),),
        )
        assert stats is not None  # an aggregate without GROUP BY always has its row
        return stats
