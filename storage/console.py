"""The web console's item list, filter choices and map points in SQLite (bot/console_ports.py).

The list is one query for the page and one COUNT for the total, both on items' own columns and
indexes; the names come from joins on the page's rows only. bench/console.py measures it on
100,000 items against the bare query.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.clock import from_db, to_db
from bot.console import Choice, ConsoleRow, FilterChoices, ItemPage, ItemQuery, MapPoint
from bot.console_ports import UnitOverdue
from bot.items import Kind, Status, parse_number
from storage.db import Repo, contains, marks
from storage.item_rows import ITEM_JOINS
from storage.rows import row_mapper
from storage.statuses import WAITING

# _OPEN is also the WHERE of the partial index items_console_site (migration 0009), word for word.
_OPEN: Final = "('submitted', 'reviewed', 'forwarded', 'in_progress', 'returned')"

_ROW_SELECT: Final = (
    """
SELECT i.id AS item_id, i.number, c.year, i.kind, i.status,
       COALESCE(p.title, '') AS project, COALESCE(si.title, '') AS subitem,
       COALESCE(s.name, '') AS site, COALESCE(u.name, lu.name, '') AS unit,
       COALESCE(i.unit_id, si.unit_id) AS unit_id,
       COALESCE(g.name, '') AS "group", COALESCE(cat.name, '') AS category,
       COALESCE(cat.name_en, '') AS category_en, i.description, i.submitted_at, i.due_at,
       (SELECT COUNT(*) FROM item_raisers r WHERE r.item_id = i.id) AS raisers,
       i.sign_due_at"""
    + ITEM_JOINS
    # lu: the sub-item's lead unit, named where staff have not set a unit.
    + """LEFT JOIN units lu ON lu.id = si.unit_id
LEFT JOIN groups g ON g.id = i.group_id
"""
)

_ORDER: Final = {
    "-number": "i.number DESC, i.id DESC",
    "number": "i.number, i.id",
    # Earliest due first, so the overdue lead; items without a due date last.
    "due": "i.due_at IS NULL, i.due_at, i.number",
    "submitted": "i.submitted_at, i.id",
    "-submitted": "i.submitted_at DESC, i.id DESC",
}

_row = row_mapper(
    ConsoleRow,
    kind=Kind,
    status=Status,
    submitted_at=from_db,
    due_at=from_db,
    sign_due_at=from_db,
)


def _where(
    campaign_id: int, query: ItemQuery, now: datetime, zone: ZoneInfo
) -> tuple[str, list[Any]]:
    clauses = ["i.campaign_id = ?", "i.status != 'draft'"]
    params: list[Any] = [campaign_id]

    def equal(column: str, value: object) -> None:
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)

    if query.statuses:
        clauses.append(f"i.status IN ({marks(query.statuses)})")
        params += [str(s) for s in query.statuses]
    equal("i.kind", None if query.kind is None else str(query.kind))
    equal("i.project_id", query.project_id)
    equal("i.subitem_id", query.subitem_id)
    equal("i.unit_id", query.unit_id)
    equal("i.group_id", query.group_id)
    equal("i.category_id", query.category_id)
    if query.date_from is not None:
        clauses.append("i.submitted_at >= ?")
        params.append(to_db(datetime.combine(query.date_from, time.min, zone)))
    if query.date_to is not None:
        clauses.append("i.submitted_at < ?")
        params.append(to_db(datetime.combine(query.date_to + timedelta(days=1), time.min, zone)))
    if query.overdue:
        clauses.append(f"i.status IN {WAITING} AND i.due_at IS NOT NULL AND i.due_at < ?")
        params.append(to_db(now))
    if query.sign_overdue:
        clauses.append("i.status = 'forwarded' AND i.sign_due_at IS NOT NULL AND i.sign_due_at < ?")
        params.append(to_db(now))
    text = query.text.strip()
    number = parse_number(text) if text else None
    if number is not None:
        clauses.append("i.number = ?")
        params.append(number[1])
    elif len(text) >= 3:
        # A phrase of trigrams: the words as typed, quotes doubled as FTS5 wants.
        clauses.append("i.id IN (SELECT rowid FROM items_text WHERE items_text MATCH ?)")
        params.append('"' + text.replace('"', '""') + '"')
    elif text:
        clauses.append("i.description LIKE ? ESCAPE '\\'")
        params.append(contains(text))
    return " AND ".join(clauses), params


class ConsoleRepo(Repo):
    async def search(
        self, campaign_id: int, query: ItemQuery, *, now: datetime, zone: ZoneInfo
    ) -> ItemPage:
        where, params = _where(campaign_id, query, now, zone)
        total = await self.db.fetch_int(f"SELECT COUNT(*) FROM items i WHERE {where}", params)
        rows = await self.db.fetch_all_as(
            _row,
            f"{_ROW_SELECT} WHERE {where} ORDER BY {_ORDER[query.sort]} LIMIT ? OFFSET ?",
            (*params, query.per_page, query.offset),
        )
        return ItemPage(rows, total, query.page, query.per_page)

    async def choices(self, campaign_id: int) -> FilterChoices:
        async def of(sql: str) -> list[Choice]:
            rows = await self.db.fetch_all(sql, (campaign_id,))
            return [Choice(int(r[0]), str(r[1])) for r in rows]

        return FilterChoices(
            projects=await of(
                "SELECT id, title FROM projects WHERE campaign_id = ? ORDER BY position, id"
            ),
            subitems=await of(
                "SELECT id, title FROM subitems WHERE campaign_id = ? ORDER BY position, id"
            ),
            units=await of("SELECT id, name FROM units WHERE campaign_id = ? ORDER BY code"),
            groups=await of("SELECT id, name FROM groups WHERE campaign_id = ? ORDER BY code"),
            categories=await of(
                "SELECT id, name FROM categories WHERE campaign_id = ? ORDER BY position, id"
            ),
        )

    async def map_points(
        self, campaign_id: int, group_id: int | None, unit_id: int | None, *, now: datetime
    ) -> list[MapPoint]:
        """Every site with its open and overdue items (within the reach), and recent check-ins."""
        reach = ""
        params: list[object] = [to_db(now)]
        if group_id is not None:
            reach += " AND group_id = ?"
            params.append(group_id)
        if unit_id is not None:
            reach += " AND unit_id = ?"
            params.append(unit_id)
        # Two plain reads joined here, rather than sites LEFT JOIN items GROUP BY: the counts are
        # read off items_console_site alone (site by site, no table rows, no sort), and a site of
        # another campaign simply finds no entry below.
        counts = {
            site_id: (open_items, overdue or 0, first)
            for site_id, open_items, overdue, first in await self.db.fetch_all(
                "SELECT site_id, COUNT(*),"
                f" SUM(status IN {WAITING} AND due_at IS NOT NULL AND due_at < ?), MIN(rowid)"
                f" FROM items WHERE site_id IS NOT NULL AND status IN {_OPEN}{reach}"
                " GROUP BY site_id",
                params,
            )
        }
        none = (0, 0, None)
        points = [
            MapPoint("site", lat, lon, name, *counts.get(site_id, none))
            for site_id, lat, lon, name in await self.db.fetch_all(
                # A scan in id order: through sites_lat SQLite would then sort the campaign's
                # sites.
                "SELECT id, lat, lon, name FROM sites WHERE +campaign_id = ?",
                (campaign_id,),
            )
        ]
        if unit_id is None:
            # Check-ins: the whole campaign's for staff, the group's members' for a leader.
            members = "" if group_id is None else " AND p.group_id = ?"
            visits = await self.db.fetch_all(
                "SELECT v.lat, v.lon, s.name FROM visits v JOIN sites s ON s.id = v.site_id"
                " JOIN persons p ON p.id = v.person_id"
                f" WHERE v.campaign_id = ? AND v.lat IS NOT NULL{members}"
                " ORDER BY v.id DESC LIMIT 2000",
                (campaign_id,) if group_id is None else (campaign_id, group_id),
            )
            points += [MapPoint("checkin", lat, lon, name, 0, 0) for lat, lon, name in visits]
        return points

    async def overdue_by_unit(
        self, campaign_id: int, group_id: int | None, unit_id: int | None, *, now: datetime
    ) -> list[UnitOverdue]:
        """Each unit's waiting and overdue items within the reach; a leader sees only the units
        their group's items went to, staff every unit (zeros too: a unit with none is news)."""
        reach = ""
        params: list[object] = [to_db(now)]
        if group_id is not None:
            reach += " AND i.group_id = ?"
            params.append(group_id)
        units = ""
        if unit_id is not None:
            units = " AND u.id = ?"
        rows = await self.db.fetch_all(
            "SELECT u.id, u.name, COUNT(i.id),"
            " COALESCE(SUM(i.due_at IS NOT NULL AND i.due_at < ?), 0)"
            " FROM units u LEFT JOIN items i ON i.unit_id = u.id AND i.campaign_id = u.campaign_id"
            f" AND i.status IN {WAITING}{reach}"
            f" WHERE u.campaign_id = ?{units} GROUP BY u.id"
            f"{' HAVING COUNT(i.id) > 0' if group_id is not None else ''} ORDER BY u.code",
            (*params, campaign_id, *(() if unit_id is None else (unit_id,))),
        )
        return [UnitOverdue(int(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in rows]
