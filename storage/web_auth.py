"""The web console's login links, sessions and audit trail in SQLite (bot/console_ports.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.clock import to_db
from bot.console_ports import AuditLine, WebSession
from storage.db import Repo, insert, rowcount, select_one
from storage.rows import required_time, row_mapper

_session = row_mapper(WebSession, last_seen_at=required_time, ended=bool)


class WebAuthRepo(Repo):
    # Most writes here are one statement each, in a transaction of its own.
    async def _insert(self, sql: str, params: Sequence[object]) -> int:
        async with self.db.transaction() as conn:
            return await insert(conn, sql, params)

    async def _update(self, sql: str, params: Sequence[object]) -> None:
        async with self.db.transaction() as conn:
            await rowcount(conn, sql, params)

    async def add_link(
        self, person_id: int, token_hash: str, now: datetime, until: datetime
    ) -> None:
        await self._insert(
            "INSERT INTO web_links (person_id, token_hash, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (person_id, token_hash, to_db(now), to_db(until)),
        )

    async def use_link(self, token_hash: str, now: datetime) -> int | None:
        # One statement marks it used only if unused and unexpired: two tabs racing with the same
        # link get one session between them.
        async with self.db.transaction() as conn:
            changed = await rowcount(
                conn,
                "UPDATE web_links SET used_at = ?"
                " WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                (to_db(now), token_hash, to_db(now)),
            )
            if not changed:
                return None
            row = await select_one(
                conn, "SELECT person_id FROM web_links WHERE token_hash = ?", (token_hash,)
            )
        return None if row is None else int(row[0])

    async def open_session(
        self, person_id: int, token_hash: str, csrf: str, via: str, now: datetime
    ) -> int:
        return await self._insert(
            "INSERT INTO web_sessions"
            " (person_id, token_hash, csrf, via, created_at, last_seen_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (person_id, token_hash, csrf, via, to_db(now), to_db(now)),
        )

    async def session(self, token_hash: str) -> WebSession | None:
        return await self.db.fetch_one_as(
            _session,
            "SELECT id, person_id, csrf, last_seen_at, ended_at IS NOT NULL AS ended"
            " FROM web_sessions WHERE token_hash = ?",
            (token_hash,),
        )

    async def touch(self, session_id: int, now: datetime) -> None:
        await self._update(
            "UPDATE web_sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL",
            (to_db(now), session_id),
        )

    async def end_session(self, session_id: int, now: datetime) -> None:
        await self._update(
            "UPDATE web_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
            (to_db(now), session_id),
        )

    async def audit(self, line: AuditLine) -> None:
        await self._insert(
            "INSERT INTO web_audit (person_id, session_id, at, action, target, outcome)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                line.person_id,
                line.session_id,
                to_db(line.at),
                line.action,
                line.target,
                line.outcome,
            ),
        )
