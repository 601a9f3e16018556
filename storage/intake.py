"""The inbound journal and the open conversations (schema version 5).

An update is journaled before Telegram is told it arrived, and marked done in one transaction
with the conversation it leaves behind; see storage/migrations/0005_durable_intake.sql.

These are the bot's most frequent writes (two for every step anyone takes): each is one call into
the database's thread, committed together with the other writes waiting at the time
(Database.run_write): at the week's peak one transaction finishes dozens of steps.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson

from bot.clock import to_db
from bot.readmodels import Inbound
from bot.records import Conversation, Finished
from storage.db import Database, rowcount

_RECORD = (
    "INSERT OR IGNORE INTO inbound (channel, seq, address, payload, received_at) "
    "VALUES (?, ?, ?, ?, ?)"
)
_DONE = "UPDATE inbound SET done_at = ? WHERE channel = ? AND seq = ?"
_FORGET = "DELETE FROM conversations WHERE channel = ? AND address = ?"
_SAVE = (
    "INSERT INTO conversations (channel, address, state, data, updated_at) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, address) DO UPDATE SET "
    "state = excluded.state, data = excluded.data, updated_at = excluded.updated_at"
)


def _record_all(
    conn: sqlite3.Connection, rows: list[tuple[str, int, str | None, str, str]]
) -> list[int]:
    return [row[1] for row in rows if conn.execute(_RECORD, row).rowcount == 1]


def _finish(
    conn: sqlite3.Connection,
    done: list[tuple[str, str, int]],
    forget: tuple[str, str] | None,
    save: tuple[str, str, str, str, str] | None,
) -> None:
    conn.executemany(_DONE, done)
    if forget is not None:
        conn.execute(_FORGET, forget)
    if save is not None:
        conn.execute(_SAVE, save)


class IntakeRepo:
    def __init__(self, db: Database, channel: str = "telegram") -> None:
        self.db = db
        self.channel = channel

    async def record(
        self, updates: Sequence[tuple[int, str | None, dict[str, Any]]], now: datetime
    ) -> list[int]:
        """Journal a batch of (seq, sender, update) in one transaction; returns the seqs that
        were new (a redelivered update is already there and is not processed twice)."""
        at = to_db(now)
        # orjson: Telegram's own JSON, journaled as it came (UTF-8 as is, like ensure_ascii=False).
        rows = [
            (self.channel, seq, address, orjson.dumps(payload).decode(), at)
            for seq, address, payload in updates
        ]
        return await self.db.run_write(functools.partial(_record_all, rows=rows))

    async def next_offset(self) -> int | None:
        """The getUpdates offset that confirms everything journaled so far."""
        last = await self.db.fetch_value(
            "SELECT MAX(seq) FROM inbound WHERE channel = ?", (self.channel,)
        )
        return None if last is None else int(last) + 1

    async def pending(self) -> list[Inbound]:
        """Updates journaled but not done, oldest first. The first of each sender's counts one
        more attempt: a sender's updates are processed one after the other, so only that one
        can have been in progress when the bot stopped."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE inbound SET attempts = attempts + 1 WHERE channel = ? AND seq IN ("
                " SELECT MIN(seq) FROM inbound WHERE channel = ? AND done_at IS NULL"
                " GROUP BY COALESCE(address, 'seq:' || seq))",
                (self.channel, self.channel),
            )
            async with conn.execute(
                "SELECT seq, payload, attempts FROM inbound "
                "WHERE channel = ? AND done_at IS NULL ORDER BY seq",
                (self.channel,),
            ) as cur:
                rows = await cur.fetchall()
        return [Inbound(r[0], json.loads(r[1]), r[2]) for r in rows]

    async def finish(self, finished: Finished, now: datetime) -> None:
        """Mark the update done and save the conversation it left, in one transaction (JSON
        encoded first: a conversation that cannot be encoded fails here, before the commit)."""
        at = to_db(now)
        forget = save = None
        if finished.touched and finished.address is not None:
            if finished.conversation is None:
                forget = (self.channel, finished.address)
            else:
                data = json.dumps(finished.conversation.data, ensure_ascii=False)
                save = (self.channel, finished.address, finished.conversation.state, data, at)
        done = [(at, self.channel, seq) for seq in finished.seqs]
        await self.db.run_write(functools.partial(_finish, done=done, forget=forget, save=save))

    async def conversations(self) -> dict[str, Conversation]:
        rows = await self.db.fetch_all(
            "SELECT address, state, data FROM conversations WHERE channel = ?", (self.channel,)
        )
        return {r[0]: Conversation(r[1], json.loads(r[2])) for r in rows}

    async def prune(self, before: datetime) -> int:
        """Forget updates done before `before` (kept a while for redeliveries and inquiries)."""
        async with self.db.transaction() as conn:
            removed = await rowcount(
                conn,
                "DELETE FROM inbound WHERE channel = ? AND done_at IS NOT NULL AND done_at < ? "
                "AND seq < (SELECT MAX(seq) FROM inbound WHERE channel = ?)",
                (self.channel, to_db(before), self.channel),
            )
        return removed
