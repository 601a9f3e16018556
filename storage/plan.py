"""The plan in SQLite: the campaign's calendar, tasks and their deputies, coverage figures."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.clock import to_db
from bot.coverage import CoverageFigures, CoverageRange
from bot.notices import Notice
from bot.plan import Calendar, Due, KeyDateRecord, NewTask, PhaseRecord, TaskQuery, TaskRow
from storage.db import Repo, add_given, insert, select_one
from storage.outbox import enqueue
from storage.rows import row_mapper

_MEMBER = "p.role IN ('deputy', 'leader') AND p.active = 1"
_REACHABLE = f"{_MEMBER} AND p.telegram_user_id IS NOT NULL"


def _day(value: Any) -> date:
    return date.fromisoformat(str(value))


def _maybe_day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


_row = row_mapper(
    TaskRow,
    is_subitem=bool,
    first=_day,
    last=_day,
    done_on=_maybe_day,
)
_due = row_mapper(Due, first=_day, last=_day)

# The place of a task: its site's name, or its sub-item's title; the project either belongs to.
_ROWS = (
    "SELECT t.id AS task_id, t.group_id, g.name AS group_name, "
    "COALESCE(st.name, sb.title) AS place, pr.title AS project, "
    "t.subitem_id IS NOT NULL AS is_subitem, t.first_day AS first, t.last_day AS last, "
    "td.person_id, p.name AS person_name, td.done_day AS done_on "
    "FROM tasks t JOIN task_deputies td ON td.task_id = t.id "
    "JOIN persons p ON p.id = td.person_id JOIN groups g ON g.id = t.group_id "
    "LEFT JOIN sites st ON st.id = t.site_id LEFT JOIN subitems sb ON sb.id = t.subitem_id "
    "JOIN projects pr ON pr.id = COALESCE(st.project_id, sb.project_id)"
)


class PlanRepo(Repo):
    async def calendar(self, campaign_id: int) -> Calendar:
        phases = await self.db.fetch_all(
            "SELECT name, name_en, start_day, end_day FROM campaign_phases "
            "WHERE campaign_id = ? ORDER BY start_day, position",
            (campaign_id,),
        )
        key_dates = await self.db.fetch_all(
            "SELECT name, name_en, day, kind FROM campaign_key_dates "
            "WHERE campaign_id = ? ORDER BY day, position",
            (campaign_id,),
        )
        return Calendar(
            tuple(PhaseRecord(r[0], r[1], _day(r[2]), _day(r[3])) for r in phases),
            tuple(KeyDateRecord(r[0], r[1], _day(r[2]), r[3]) for r in key_dates),
        )

    async def group_members(self, group_id: int) -> list[tuple[int, str]]:
        rows = await self.db.fetch_all(
            f"SELECT p.id, p.name FROM persons p WHERE p.group_id = ? AND {_MEMBER} "
            "ORDER BY p.name, p.id",
            (group_id,),
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    async def create_task(
        self, task: NewTask, notices: Sequence[Notice], now: datetime
    ) -> tuple[int, bool]:
        async with self.db.transaction() as conn:
            found = await select_one(
                conn,
                "SELECT id FROM tasks WHERE created_by = ? AND source_key = ?",
                (task.created_by, task.source_key),
            )
            if found is not None:
                return int(found[0]), False
            task_id = await insert(
                conn,
                "INSERT INTO tasks (campaign_id, group_id, site_id, subitem_id, first_day, "
                "last_day, created_by, created_at, source_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    task.campaign_id,
                    task.group_id,
                    task.target.site_id,
                    task.target.subitem_id,
                    task.window.first.isoformat(),
                    task.window.last.isoformat(),
                    task.created_by,
                    to_db(now),
                    task.source_key,
                ),
            )
            await conn.executemany(
                "INSERT INTO task_deputies (task_id, person_id) VALUES (?, ?)",
                [(task_id, person_id) for person_id in task.person_ids],
            )
            await enqueue(conn, notices, now, default_dedup=f"task{task_id}")
        return task_id, True

    async def rows(self, campaign_id: int, query: TaskQuery) -> list[TaskRow]:
        clauses: list[str] = ["t.campaign_id = ?"]
        params: list[Any] = [campaign_id]
        add_given(
            clauses,
            params,
            ("t.group_id = ?", query.group_id),
            ("td.person_id = ?", query.person_id),
            ("t.id = ?", query.task_id),
            ("td.visit_id = ?", query.visit_id),
        )
        return await self.db.fetch_all_as(
            _row,
            f"{_ROWS} WHERE {' AND '.join(clauses)} "
            "ORDER BY t.last_day DESC, t.id DESC, p.name, p.id LIMIT ?",
            (*params, query.limit),
        )

    async def fulfil(
        self, person_id: int, site_id: int, visit_id: int, day: date, now: datetime
    ) -> list[int]:
        iso = day.isoformat()
        at = to_db(now)

        def fulfil(conn: sqlite3.Connection) -> list[int]:
            task_ids = [
                int(r[0])
                for r in conn.execute(
                    "SELECT t.id FROM tasks t JOIN task_deputies td ON td.task_id = t.id "
                    "WHERE td.person_id = ? AND td.done_at IS NULL AND t.first_day <= ? "
                    "AND t.last_day >= ? AND (t.site_id = ? OR t.subitem_id = "
                    "(SELECT subitem_id FROM sites WHERE id = ?)) ORDER BY t.id",
                    (person_id, iso, iso, site_id, site_id),
                )
            ]
            return [
                task_id
                for task_id in task_ids
                if conn.execute(
                    "UPDATE task_deputies SET done_at = ?, done_day = ?, visit_id = ? "
                    "WHERE task_id = ? AND person_id = ? AND done_at IS NULL",
                    (at, iso, visit_id, task_id, person_id),
                ).rowcount
            ]

        # Every check-in asks: one call into the database thread (Database.run_write).
        return await self.db.run_write(fulfil)

    async def due(self, campaign_id: int, opens_on: date, closes_on: date) -> list[Due]:
        return await self.db.fetch_all_as(
            _due,
            "SELECT t.id AS task_id, td.person_id, COALESCE(st.name, sb.title) AS place, "
            "t.first_day AS first, t.last_day AS last FROM tasks t "
            "JOIN task_deputies td ON td.task_id = t.id JOIN persons p ON p.id = td.person_id "
            "LEFT JOIN sites st ON st.id = t.site_id LEFT JOIN subitems sb ON sb.id = t.subitem_id "
            f"WHERE t.campaign_id = ? AND td.done_at IS NULL AND {_REACHABLE} "
            "AND (t.first_day = ? OR t.last_day = ?) ORDER BY t.id, td.person_id",
            (campaign_id, opens_on.isoformat(), closes_on.isoformat()),
        )

    async def reachable_members(self, campaign_id: int) -> list[tuple[int, str | None]]:
        rows = await self.db.fetch_all(
            f"SELECT p.id, p.language FROM persons p WHERE p.campaign_id = ? AND {_REACHABLE} "
            "ORDER BY p.id",
            (campaign_id,),
        )
        return [(int(r[0]), r[1]) for r in rows]

    async def coverage(self, campaign_id: int, span: CoverageRange) -> CoverageFigures:
        lo = span.first.isoformat() if span.first else "0000-00-00"
        hi = span.last.isoformat() if span.last else "9999-99-99"
        in_group = "" if span.group_id is None else " AND p.group_id = ?"
        group: tuple[int, ...] = () if span.group_id is None else (span.group_id,)
        people = await self.db.fetch_all(
            "SELECT p.name, NOT EXISTS (SELECT 1 FROM task_deputies td JOIN tasks t "
            "ON t.id = td.task_id WHERE td.person_id = p.id AND t.first_day <= ? "
            "AND t.last_day >= ?) AND NOT EXISTS (SELECT 1 FROM visits v "
            "WHERE v.person_id = p.id AND v.at >= ? AND v.at < ?) AS idle "
            f"FROM persons p WHERE p.campaign_id = ? AND {_MEMBER}{in_group} ORDER BY p.name, p.id",
            (hi, lo, span.start, span.end, campaign_id, *group),
        )
        # A group's sub-items: of the projects it covers, named or through a lead unit.
        of_group = (
            ""
            if span.group_id is None
            else " AND s.project_id IN (SELECT project_id FROM group_projects WHERE group_id = ? "
            "UNION SELECT s2.project_id FROM subitems s2 JOIN group_units gu "
            "ON gu.unit_id = s2.unit_id WHERE gu.group_id = ?)"
        )
        subitems = await self.db.fetch_all(
            "SELECT s.title, NOT EXISTS (SELECT 1 FROM visits v JOIN sites st ON st.id = v.site_id "
            "WHERE st.subitem_id = s.id AND v.on_site = 1 AND v.at >= ? AND v.at < ?) "
            f"FROM subitems s WHERE s.campaign_id = ?{of_group} ORDER BY s.position, s.code",
            (span.start, span.end, campaign_id, *(group * 2)),
        )
        of_task_group = "" if span.group_id is None else " AND t.group_id = ?"
        overdue = await self.db.fetch_int(
            "SELECT COUNT(*) FROM tasks t JOIN task_deputies td ON td.task_id = t.id "
            "WHERE t.campaign_id = ? AND td.done_at IS NULL AND t.last_day < ? "
            f"AND t.last_day >= ? AND t.first_day <= ?{of_task_group}",
            (campaign_id, span.today.isoformat(), lo, hi, *group),
        )
        return CoverageFigures(
            deputies=len(people),
            idle=[str(r[0]) for r in people if r[1]],
            subitems=len(subitems),
            unvisited=[str(r[0]) for r in subitems if r[1]],
            overdue=overdue,
        )
