"""The campaign catalog in the database: all-or-nothing import by stable codes, and look-ups."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import aiosqlite

from bot.catalog import Catalog
from bot.clock import to_db
from bot.records import (
    CampaignRecord,
    CategoryRecord,
    GroupRecord,
    ImportReport,
    ProjectRecord,
    SiteRecord,
    SubitemRecord,
    UnitRecord,
)
from storage.db import Database, Repo, Row, insert, marks, select_one
from storage.rows import row_mapper
from storage.targets import import_targets

R = TypeVar("R")


async def _upsert(
    conn: aiosqlite.Connection,
    report: ImportReport,
    table: str,
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    on_insert: Mapping[str, Any] | None = None,
) -> int:
    """Insert or update one row found by its natural key; count what happened."""
    where = " AND ".join(f"{k} = ?" for k in key)
    cols = ", ".join(values)
    row = await select_one(
        conn, f"SELECT id, {cols} FROM {table} WHERE {where}", tuple(key.values())
    )
    if row is None:
        extra = on_insert or {}
        names = [*key, *values, *extra]
        row_id = await insert(
            conn,
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks(names)})",
            [*key.values(), *values.values(), *extra.values()],
        )
        report.count(table, "created")
        return row_id
    if any(row[name] != value for name, value in values.items()):
        sets = ", ".join(f"{k} = ?" for k in values)
        await conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values.values(), row["id"]))
        report.count(table, "updated")
    else:
        report.count(table, "unchanged")
    return int(row["id"])


async def _replace_links(
    conn: aiosqlite.Connection,
    report: ImportReport,
    table: str,
    column: str,
    group_id: int,
    wanted: set[int],
) -> None:
    async with conn.execute(f"SELECT {column} FROM {table} WHERE group_id = ?", (group_id,)) as cur:
        have = {int(r[0]) for r in await cur.fetchall()}
    if have == wanted:
        return
    await conn.execute(f"DELETE FROM {table} WHERE group_id = ?", (group_id,))
    await conn.executemany(
        f"INSERT INTO {table} (group_id, {column}) VALUES (?, ?)", [(group_id, i) for i in wanted]
    )
    report.count(table, "created" if not have else "updated")


async def import_catalog(db: Database, catalog: Catalog, *, now: datetime) -> ImportReport:
    """Load a campaign in one transaction; re-importing the same file changes nothing."""
    c = catalog.campaign
    report = ImportReport(campaign_code=c.code)
    async with db.transaction() as conn:
        campaign_id = await _upsert(
            conn,
            report,
            "campaigns",
            {"code": c.code},
            {"name": c.name, "year": c.year, "timezone": c.timezone, "authority": c.authority},
            on_insert={"imported_at": to_db(now)},
        )
        scope = {"campaign_id": campaign_id}
        units = {}
        for u in catalog.units:
            units[u.code] = await _upsert(
                conn, report, "units", {**scope, "code": u.code}, {"name": u.name}
            )
        projects = {}
        for pos, p in enumerate(catalog.projects):
            projects[p.code] = await _upsert(
                conn,
                report,
                "projects",
                {**scope, "code": p.code},
                {
                    "title": p.title,
                    "description": p.description,
                    "level": p.level,
                    "district": p.district or "",
                    "position": pos,
                },
            )
        subitems: dict[str, int] = {}
        for pos, s in enumerate(catalog.subitems):
            subitems[s.code] = await _upsert(
                conn,
                report,
                "subitems",
                {**scope, "code": s.code},
                {
                    "project_id": projects[s.project],
                    "unit_id": units[s.unit],
                    "title": s.title,
                    "target": s.target,
                    "position": pos,
                },
            )
        for s in catalog.subitems:
            await import_targets(conn, report, subitems[s.code], s, c.year)
        for site in catalog.sites:
            lat, lon = site.wgs84()
            await _upsert(
                conn,
                report,
                "sites",
                {**scope, "code": site.code},
                {
                    "project_id": projects[site.project],
                    "subitem_id": subitems[site.subitem] if site.subitem else None,
                    "name": site.name,
                    "address": site.address,
                    "district": site.district,
                    "lat": round(lat, 7),
                    "lon": round(lon, 7),
                    "radius_m": float(site.radius_m),
                    "source_crs": str(site.crs),
                    "source_lat": site.lat,
                    "source_lon": site.lon,
                    "illustrative": int(site.illustrative),
                },
            )
        for g in catalog.groups:
            group_id = await _upsert(
                conn,
                report,
                "groups",
                {**scope, "code": g.code},
                {"name": g.name, "led_by": g.led_by},
            )
            await _replace_links(
                conn,
                report,
                "group_projects",
                "project_id",
                group_id,
                {projects[p] for p in g.projects},
            )
            await _replace_links(
                conn, report, "group_units", "unit_id", group_id, {units[u] for u in g.units}
            )
        for pos, cat in enumerate(catalog.categories):
            await _upsert(
                conn,
                report,
                "categories",
                {**scope, "code": cat.code},
                {"name": cat.name, "name_en": cat.name_en, "position": pos},
            )
        await _import_calendar(conn, report, campaign_id, catalog)
    return report


async def _import_calendar(
    conn: aiosqlite.Connection, report: ImportReport, campaign_id: int, catalog: Catalog
) -> None:
    """Phases and key dates by their place in the file: they have no codes, and tasks never
    point at them, so an edited calendar simply replaces the old one."""
    rows: dict[str, list[dict[str, Any]]] = {
        "campaign_phases": [
            {
                "name": phase.name,
                "name_en": phase.name_en,
                "start_day": phase.start.isoformat(),
                "end_day": phase.end.isoformat(),
            }
            for phase in catalog.phases
        ],
        "campaign_key_dates": [
            {
                "name": key.name,
                "name_en": key.name_en,
                "day": key.date.isoformat(),
                "kind": key.kind,
            }
            for key in catalog.key_dates
        ],
    }
    for table, values in rows.items():
        for pos, row in enumerate(values):
            await _upsert(conn, report, table, {"campaign_id": campaign_id, "position": pos}, row)
    for table, values in rows.items():
        async with conn.execute(
            f"DELETE FROM {table} WHERE campaign_id = ? AND position >= ?",
            (campaign_id, len(values)),
        ) as cur:
            if cur.rowcount:
                report.count(table, "updated")


_campaign = row_mapper(CampaignRecord)


@dataclass(frozen=True, slots=True)
class CatalogTable(Generic[R]):
    """A catalog table as its look-ups read it: one campaign's rows, as records whose fields are
    named after the columns `select` reads, listed in the table's own order."""

    select: str  # SELECT ... FROM the table WHERE campaign_id = ?
    to: Callable[[Row], R]
    order: str

    async def all(self, db: Database, campaign_id: int, **equal: object) -> list[R]:
        """The campaign's rows whose columns have these values, in order."""
        return await db.fetch_all_as(
            self.to, f"{self._where(equal)} ORDER BY {self.order}", (campaign_id, *equal.values())
        )

    async def one(self, db: Database, campaign_id: int, **key: object) -> R | None:
        """The campaign's row of this key (its id, or its code)."""
        return await db.fetch_one_as(self.to, self._where(key), (campaign_id, *key.values()))

    async def lookup(self, db: Database, campaign_id: int, **key: object) -> R | None:
        """The same, read on the event loop's own connection (Database.lookup): for the rows a
        busy screen reads one by one."""
        return await db.lookup(self.to, self._where(key), (campaign_id, *key.values()))

    def _where(self, equal: Mapping[str, object]) -> str:
        return "".join([self.select, *(f" AND {column} = ?" for column in equal)])


# What each look-up reads.
_SITES = CatalogTable(
    "SELECT id, project_id, subitem_id, code, name, district, address, lat, lon, radius_m "
    "FROM sites WHERE campaign_id = ?",
    row_mapper(SiteRecord),
    "code",
)
_PROJECTS = CatalogTable(
    "SELECT id, code, title, level, district FROM projects WHERE campaign_id = ?",
    row_mapper(ProjectRecord),
    "position, code",
)
_SUBITEMS = CatalogTable(
    "SELECT id, project_id, code, title, target, unit_id FROM subitems WHERE campaign_id = ?",
    row_mapper(SubitemRecord),
    "position, code",
)
_CATEGORIES = CatalogTable(
    "SELECT id, code, name, name_en FROM categories WHERE campaign_id = ?",
    row_mapper(CategoryRecord),
    "position",
)
_GROUPS = CatalogTable(
    "SELECT id, code, name FROM groups WHERE campaign_id = ?", row_mapper(GroupRecord), "code"
)
UNITS = CatalogTable(
    "SELECT id, code, name FROM units WHERE campaign_id = ?", row_mapper(UnitRecord), "code"
)


class CatalogRepo(Repo):
    async def import_catalog(self, catalog: Catalog, *, now: datetime) -> ImportReport:
        return await import_catalog(self.db, catalog, now=now)

    async def campaign(self, code: str = "") -> CampaignRecord | None:
        """The configured campaign, or the most recently imported one when none is configured."""
        if code:
            return await self.db.fetch_one_as(
                _campaign, "SELECT * FROM campaigns WHERE code = ?", (code,)
            )
        return await self.db.fetch_one_as(
            _campaign, "SELECT * FROM campaigns ORDER BY id DESC LIMIT 1"
        )

    async def campaign_by_id(self, campaign_id: int) -> CampaignRecord | None:
        return await self.db.fetch_one_as(
            _campaign, "SELECT * FROM campaigns WHERE id = ?", (campaign_id,)
        )

    async def sites_within_box(
        self, campaign_id: int, lat: float, lon: float, radius_m: float
    ) -> list[SiteRecord]:
        """Candidates in a bounding box around the point; the caller measures exact distances."""
        dlat = radius_m / 111_320.0
        dlon = radius_m / (111_320.0 * max(0.01, math.cos(math.radians(lat))))
        return await self.db.fetch_all_as(
            _SITES.to,
            f"{_SITES.select} AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?",
            (campaign_id, lat - dlat, lat + dlat, lon - dlon, lon + dlon),
        )

    async def site(self, campaign_id: int, site_id: int) -> SiteRecord | None:
        return await _SITES.lookup(self.db, campaign_id, id=site_id)

    async def site_by_code(self, campaign_id: int, code: str) -> SiteRecord | None:
        return await _SITES.one(self.db, campaign_id, code=code)

    async def sites_of_project(self, campaign_id: int, project_id: int) -> list[SiteRecord]:
        return await _SITES.all(self.db, campaign_id, project_id=project_id)

    async def projects(self, campaign_id: int) -> list[ProjectRecord]:
        return await _PROJECTS.all(self.db, campaign_id)

    async def project(self, campaign_id: int, project_id: int) -> ProjectRecord | None:
        return await _PROJECTS.one(self.db, campaign_id, id=project_id)

    async def subitems_of_project(self, campaign_id: int, project_id: int) -> list[SubitemRecord]:
        return await _SUBITEMS.all(self.db, campaign_id, project_id=project_id)

    async def subitem(self, campaign_id: int, subitem_id: int) -> SubitemRecord | None:
        return await _SUBITEMS.one(self.db, campaign_id, id=subitem_id)

    async def categories(self, campaign_id: int) -> list[CategoryRecord]:
        return await _CATEGORIES.all(self.db, campaign_id)

    async def category(self, campaign_id: int, category_id: int) -> CategoryRecord | None:
        return await _CATEGORIES.lookup(self.db, campaign_id, id=category_id)

    async def groups(self, campaign_id: int) -> list[GroupRecord]:
        return await _GROUPS.all(self.db, campaign_id)

    async def units(self, campaign_id: int) -> list[UnitRecord]:
        return await UNITS.all(self.db, campaign_id)

    async def group_by_code(self, campaign_id: int, code: str) -> GroupRecord | None:
        return await _GROUPS.one(self.db, campaign_id, code=code)

    async def unit_by_code(self, campaign_id: int, code: str) -> UnitRecord | None:
        return await UNITS.one(self.db, campaign_id, code=code)

    async def group_project_ids(self, group_id: int) -> set[int]:
        """Projects a group covers: named directly, or through a lead unit it covers."""
        return set(
            await self.db.fetch_ints(
                "SELECT project_id FROM group_projects WHERE group_id = ? "
                "UNION SELECT s.project_id FROM subitems s "
                "JOIN group_units gu ON gu.unit_id = s.unit_id WHERE gu.group_id = ?",
                (group_id, group_id),
            )
        )
