"""Visits (check-ins)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.clock import to_db
from bot.visits import NewVisit, Visit
from storage.db import Repo
from storage.rows import required_time, row_mapper

_visit = row_mapper(Visit, at=required_time, on_site=bool)
_SELECT = (
    "SELECT v.id, v.person_id, v.site_id, s.name AS site_name, v.at, v.distance_m, v.on_site, "
    "v.reason FROM visits v JOIN sites s ON s.id = v.site_id"
)


class VisitRepo(Repo):
    async def record(self, visit: NewVisit) -> tuple[Visit, bool]:
        """Store a visit once per source message. Returns (visit, created)."""
        pos = visit.position
        values = (
            visit.campaign_id,
            visit.person_id,
            visit.site_id,
            to_db(visit.at),
            pos.lat if pos else None,
            pos.lon if pos else None,
            pos.accuracy_m if pos else None,
            int(pos.live) if pos else 0,
            visit.distance_m,
            int(visit.presence.on_site),
            str(visit.presence.reason),
            visit.source_key,
        )

        def record(conn: sqlite3.Connection) -> tuple[sqlite3.Row | None, bool]:
            created = conn.execute(
                "INSERT INTO visits (campaign_id, person_id, site_id, at, lat, lon, accuracy_m, "
                "live, distance_m, on_site, reason, source_key) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (person_id, source_key) DO NOTHING",
                values,
            ).rowcount
            row = conn.execute(
                f"{_SELECT} WHERE v.person_id = ? AND v.source_key = ?",
                (visit.person_id, visit.source_key),
            ).fetchone()
            return row, created == 1

        # Every check-in writes one: one call into the database thread (Database.run_write).
        row, created = await self.db.run_write(record)
        assert row is not None
        return _visit(row), created

    async def get(self, visit_id: int) -> Visit | None:
        return await self.db.lookup(_visit, f"{_SELECT} WHERE v.id = ?", (visit_id,))

    async def recent(self, person_id: int, since: datetime, limit: int = 3) -> list[Visit]:
        return await self.db.fetch_all_as(
            _visit,
            f"{_SELECT} WHERE v.person_id = ? AND v.at >= ? ORDER BY v.at DESC, v.id DESC LIMIT ?",
            (person_id, to_db(since), limit),
        )
