"""Queueing notifications: outbox rows written inside the caller's transaction.

The sender (storage/delivery.py, bot/sender.py) reads them later. A notice's dedup key is unique:
queueing the same notice twice (a redelivered update, a job that runs twice) keeps one row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import aiosqlite

from bot.clock import to_db
from bot.notices import Notice
from storage.db import Repo, rowcount


async def enqueue(
    conn: aiosqlite.Connection, notices: Iterable[Notice], now: datetime, *, default_dedup: str = ""
) -> int:
    """Write notices in the open transaction; returns how many were new.

    A notice without its own dedup key gets `<default_dedup>:<person>:<n>`, where n counts the
    notices of this call, so one change can tell one person two things.
    """
    added = 0
    for n, notice in enumerate(notices):
        dedup = notice.dedup or f"{default_dedup}:{notice.person_id}:{n}"
        if not notice.dedup and not default_dedup:
            raise ValueError("a notice needs a dedup key")
        added += await rowcount(
            conn,
            "INSERT INTO outbox (dedup_key, person_id, payload, created_at, next_attempt_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING",
            (dedup, notice.person_id, notice.to_json(), to_db(now), to_db(now)),
        )
    return added


class OutboxRepo(Repo):
    """Queue notices outside any other change (summaries, reminders)."""

    async def enqueue(self, notices: Iterable[Notice], now: datetime) -> int:
        async with self.db.transaction() as conn:
            return await enqueue(conn, notices, now)
