"""Targets, progress reports and observations in the database (bot/progress_ports.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.clock import from_db, to_db
from bot.progress import (
    WHOLE_CAMPAIGN,
    Kind,
    MilestoneRecord,
    NewFigures,
    Reach,
    ReportRecord,
    SubitemRow,
    TargetRecord,
)
from storage.db import Repo, Row, insert, marks, select_one


def _target(r: Row) -> TargetRecord:
    return TargetRecord(
        r["id"],
        r["subitem_id"],
        r["code"],
        r["label"],
        Kind(r["kind"]),
        float(r["amount"]),
        r["measure"],
        date.fromisoformat(r["deadline"]),
        r["position"],
    )


def _subitem_row(r: Row) -> SubitemRow:
    return SubitemRow(r[0], r[1], r[2], r[3], r[4], r[5])


_SUBITEMS = (
    "SELECT s.id, s.code, s.title, s.project_id, s.unit_id, u.name AS unit_name "
    "FROM subitems s JOIN units u ON u.id = s.unit_id "
    "JOIN projects p ON p.id = s.project_id WHERE s.campaign_id = ?"
)


class ProgressRepo(Repo):
    async def subitem(self, campaign_id: int, subitem_id: int) -> SubitemRow | None:
        return await self.db.lookup(
            _subitem_row, _SUBITEMS + " AND s.id = ?", (campaign_id, subitem_id)
        )

    async def subitems(self, campaign_id: int, reach: Reach = WHOLE_CAMPAIGN) -> list[SubitemRow]:
        sql = _SUBITEMS
        params: list[object] = [campaign_id]
        if reach.project_ids is not None:
            ids = sorted(reach.project_ids)
            sql += f" AND s.project_id IN ({marks(ids)})"
            params += ids
        if reach.unit_id is not None:
            sql += " AND s.unit_id = ?"
            params.append(reach.unit_id)
        rows = await self.db.fetch_all(sql + " ORDER BY p.position, s.position, s.code", params)
        return [_subitem_row(r) for r in rows]

    async def targets(self, subitem_ids: Sequence[int]) -> list[TargetRecord]:
        if not subitem_ids:
            return []
        rows = await self.db.fetch_all(
            "SELECT * FROM targets WHERE retired = 0 "
            f"AND subitem_id IN ({marks(subitem_ids)}) ORDER BY subitem_id, position",
            list(subitem_ids),
        )
        return [_target(r) for r in rows]

    async def milestones(self, subitem_id: int) -> list[MilestoneRecord]:
        rows = await self.db.fetch_all(
            "SELECT subitem_id, day, label FROM milestones WHERE subitem_id = ? ORDER BY position",
            (subitem_id,),
        )
        return [MilestoneRecord(r[0], date.fromisoformat(r[1]), r[2]) for r in rows]

    async def _with_values(
        self, rows: list[Row], values_sql: str, *, observation: bool = False
    ) -> list[ReportRecord]:
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        found: dict[int, dict[int, float]] = {i: {} for i in ids}
        for v in await self.db.fetch_all(f"{values_sql} ({marks(ids)})", ids):
            found[v[0]][v[1]] = float(v[2])
        photos: dict[int, list[int]] = {i: [] for i in ids}
        if not observation:  # a deputy's photos go with the visit, not the observation
            for p in await self.db.fetch_all(
                "SELECT progress_report_id, id FROM photos "
                f"WHERE progress_report_id IN ({marks(ids)}) ORDER BY id",
                ids,
            ):
                photos[p[0]].append(int(p[1]))
        out = []
        for r in rows:
            at = from_db(r["at"])
            assert at is not None
            out.append(
                ReportRecord(
                    r["id"],
                    r["subitem_id"],
                    r["person_id"],
                    r["person_name"],
                    at,
                    r["note"],
                    found[r["id"]],
                    via="visit" if observation else r["via"],
                    visit_id=r["visit_id"] if observation else None,
                    photos=tuple(photos[r["id"]]),
                )
            )
        return out

    _REPORTS = (
        "SELECT r.id, r.subitem_id, r.person_id, p.name AS person_name, r.at, r.note, r.via "
        "FROM progress_reports r JOIN persons p ON p.id = r.person_id "
    )
    _REPORT_VALUES = "SELECT report_id, target_id, value FROM progress_values WHERE report_id IN"
    _OBSERVATIONS = (
        "SELECT o.id, o.subitem_id, o.person_id, p.name AS person_name, o.at, o.note, o.visit_id "
        "FROM observations o JOIN persons p ON p.id = o.person_id "
    )
    _OBSERVATION_VALUES = (
        "SELECT observation_id, target_id, value FROM observation_values WHERE observation_id IN"
    )

    async def _made_by(
        self, sql: str, subitem_ids: Sequence[int], as_of: datetime | None
    ) -> list[Row]:
        """The rows of `sql` whose `{made}` keeps what was made for these sub-items at or
        before `as_of` (none: no limit). Stored moments are UTC ISO text, so they compare as
        text. No sub-items, no query."""
        if not subitem_ids:
            return []
        made = f"subitem_id IN ({marks(subitem_ids)})"
        params: list[object] = list(subitem_ids)
        if as_of is not None:
            made += " AND at <= ?"
            params.append(to_db(as_of))
        return await self.db.fetch_all(sql.format(made=made), params)

    async def latest_reports(
        self, subitem_ids: Sequence[int], *, as_of: datetime | None = None
    ) -> dict[int, ReportRecord]:
        rows = await self._made_by(
            self._REPORTS + "WHERE r.id IN (SELECT MAX(id) FROM progress_reports "
            "WHERE {made} GROUP BY subitem_id)",
            subitem_ids,
            as_of,
        )
        return {r.subitem_id: r for r in await self._with_values(rows, self._REPORT_VALUES)}

    async def observation_counts(
        self, subitem_ids: Sequence[int], *, as_of: datetime | None = None
    ) -> dict[int, int]:
        rows = await self._made_by(
            "SELECT subitem_id, COUNT(*) FROM observations WHERE {made} GROUP BY subitem_id",
            subitem_ids,
            as_of,
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def reports(self, subitem_id: int, limit: int) -> list[ReportRecord]:
        rows = await self.db.fetch_all(
            self._REPORTS + "WHERE r.subitem_id = ? ORDER BY r.id DESC LIMIT ?",
            (subitem_id, limit),
        )
        return await self._with_values(rows, self._REPORT_VALUES)

    async def report(self, report_id: int) -> ReportRecord | None:
        rows = await self.db.fetch_all(self._REPORTS + "WHERE r.id = ?", (report_id,))
        found = await self._with_values(rows, self._REPORT_VALUES)
        return found[0] if found else None

    async def observations(self, subitem_id: int, limit: int) -> list[ReportRecord]:
        rows = await self.db.fetch_all(
            self._OBSERVATIONS + "WHERE o.subitem_id = ? ORDER BY o.id DESC LIMIT ?",
            (subitem_id, limit),
        )
        return await self._with_values(rows, self._OBSERVATION_VALUES, observation=True)

    async def _add(
        self, table: str, values_table: str, figures: NewFigures, **own: object
    ) -> tuple[int, bool]:
        """Store a report or an observation and its figures, once per source key; `own` are the
        columns only its table has. Returns (id, newly stored)."""
        row: dict[str, object] = {
            "subitem_id": figures.subitem_id,
            "person_id": figures.person_id,
            "at": to_db(figures.at),
            "note": figures.note,
            "source_key": figures.source_key,
            **own,
        }
        async with self.db.transaction() as conn:
            found = await select_one(
                conn, f"SELECT id FROM {table} WHERE source_key = ?", (figures.source_key,)
            )
            if found is not None:
                return int(found[0]), False
            row_id = await insert(
                conn,
                f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks(row)})",
                row.values(),
            )
            key = "report_id" if table == "progress_reports" else "observation_id"
            await conn.executemany(
                f"INSERT INTO {values_table} ({key}, target_id, value) VALUES (?, ?, ?)",
                [(row_id, target_id, value) for target_id, value in figures.values.items()],
            )
        return row_id, True

    async def add_report(self, report: NewFigures) -> tuple[int, bool]:
        return await self._add(
            "progress_reports",
            "progress_values",
            report,
            unit_id=report.unit_id,
            via=report.via,
        )

    async def add_observation(self, observation: NewFigures) -> tuple[int, bool]:
        return await self._add(
            "observations", "observation_values", observation, visit_id=observation.visit_id
        )

    async def liaisons_with_targets(self, campaign_id: int) -> list[tuple[int, int]]:
        rows = await self.db.fetch_all(
            "SELECT p.id, COUNT(DISTINCT s.id) FROM persons p "
            "JOIN subitems s ON s.unit_id = p.unit_id "
            "JOIN targets t ON t.subitem_id = s.id AND t.retired = 0 "
            "WHERE p.campaign_id = ? AND p.role = 'liaison' AND p.active = 1 "
            "AND p.telegram_user_id IS NOT NULL GROUP BY p.id ORDER BY p.id",
            (campaign_id,),
        )
        return [(int(r[0]), int(r[1])) for r in rows]
