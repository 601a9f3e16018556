"""The problem-and-suggestion list as SQL: one query per batch, every name joined in.

Exports reach 100,000 items, so rows come in batches by keyset (item number), each batch one
query with its joins and correlated look-ups on indexed keys: no per-item round trips, no
statement held open between batches (a long export never pins the WAL snapshot for long).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import from_db
from bot.items import Kind, Severity, Status, format_number
from bot.listing import BATCH_ROWS, ListFilter, ListPhoto, ListRow
from storage.db import Database, add_given, marks

# Joins every filter may refer to (p: project, si: sub-item, u: lead unit, g: group).
_FILTER_JOINS = """
LEFT JOIN projects p ON p.id = i.project_id
LEFT JOIN subitems si ON si.id = i.subitem_id
LEFT JOIN units u ON u.id = COALESCE(i.unit_id, si.unit_id)
LEFT JOIN groups g ON g.id = i.group_id
"""

# The thumbnail: the item's first evidence photo, else the first photo its author added when the
# leader asked for more (请补充), which is the only picture of the item some deputies send. The
# unit's answer photos and look-back photos show other moments, not the item as raised.
_ROWS = f"""
SELECT i.id, i.number, c.year, i.kind, i.status,
       COALESCE(p.title, ''), COALESCE(si.title, ''), COALESCE(s.name, ''),
       COALESCE(NULLIF(s.district, ''), p.district, ''), COALESCE(u.name, ''),
       COALESCE(cat.name, ''), COALESCE(cat.name_en, ''), i.severity, i.description,
       (SELECT group_concat(name, '、') FROM (
            SELECT pe.name AS name FROM item_raisers ir JOIN persons pe ON pe.id = ir.person_id
            WHERE ir.item_id = i.id ORDER BY ir.added_at, pe.id)),
       (SELECT COUNT(*) FROM item_raisers ir WHERE ir.item_id = i.id),
       au.name, COALESCE(g.name, ''), i.submitted_at, i.due_at,
       COALESCE(r.class, i.response_class), COALESCE(r.text, ''), i.rating, i.lookback_result,
       (SELECT ph.thumb_path FROM photos ph
        WHERE ph.item_id = i.id AND ph.purpose IN ('evidence', 'more_info')
        ORDER BY ph.purpose != 'evidence', ph.id LIMIT 1)
FROM items i
JOIN campaigns c ON c.id = i.campaign_id
JOIN persons au ON au.id = i.author_id
{_FILTER_JOINS}
LEFT JOIN sites s ON s.id = i.site_id
LEFT JOIN categories cat ON cat.id = i.category_id
LEFT JOIN responses r ON r.item_id = i.id
     AND r.round = (SELECT MAX(round) FROM responses WHERE item_id = i.id)
"""

_PHOTOS = f"""
SELECT ph.id, i.number, c.year, ph.original_path, ph.sha256, ph.taken_at, ph.purpose,
       ph.size_bytes, i.kind
FROM items i
JOIN campaigns c ON c.id = i.campaign_id
{_FILTER_JOINS}
JOIN photos ph ON ph.item_id = i.id
"""


def _where(campaign_id: int, filters: ListFilter, zone: ZoneInfo) -> tuple[str, list[Any]]:
    statuses = filters.listed_statuses()
    clauses = [
        "i.campaign_id = ?",
        "i.number IS NOT NULL",
        f"i.status IN ({marks(statuses)})" if statuses else "0",
    ]
    params: list[Any] = [campaign_id, *(str(s) for s in statuses)]
    start, end = filters.submitted_between(zone)
    add_given(
        clauses,
        params,
        ("i.submitted_at >= ?", start),
        ("i.submitted_at < ?", end),
        ("p.code = ?", filters.project),
        ("g.code = ?", filters.group),
        ("u.code = ?", filters.unit),
    )
    return " AND ".join(clauses), params


# Dictionary look-ups: calling the enums is a measurable part of a 100,000-row export.
_KINDS = {k.value: k for k in Kind}
_STATUSES = {s.value: s for s in Status}
_SEVERITIES = {s.value: s for s in Severity}


def _row(r: tuple[Any, ...]) -> ListRow:
    raisers, count = r[14], r[15]
    if not count:
        # Items submitted before raisers were recorded: the author raised it alone.
        raisers, count = r[16], 1
    return ListRow(
        r[0],
        format_number(r[2], r[1]),
        _KINDS[r[3]],
        _STATUSES[r[4]],
        r[5],
        r[6],
        r[7],
        r[8],
        r[9],
        r[10],
        r[11],
        _SEVERITIES.get(r[12]) if r[12] else None,
        r[13],
        raisers or "",
        count,
        r[17],
        from_db(r[18]),
        from_db(r[19]),
        r[20],
        r[21],
        r[22],
        r[23],
        r[24],
    )


class ListRepo:
    """Counts for the chat and the command line, on the shared (async) connection; rows for a
    worker thread through a reader of its own (`reader`)."""

    def __init__(self, db: Database, *, busy_timeout_ms: int = 5000) -> None:
        self.db = db
        self.busy_timeout_ms = busy_timeout_ms

    def reader(self) -> ListReader:
        """A reader for the calling thread; close it (or use it with `with`) when done."""
        return ListReader(self.db.path, busy_timeout_ms=self.busy_timeout_ms)

    async def count(self, campaign_id: int, filters: ListFilter, zone: ZoneInfo) -> dict[Kind, int]:
        where, params = _where(campaign_id, filters, zone)
        rows = await self.db.fetch_all(
            f"SELECT i.kind, COUNT(*) FROM items i {_FILTER_JOINS} WHERE {where} GROUP BY i.kind",
            params,
        )
        counts = dict.fromkeys(Kind, 0)
        counts.update({Kind(r[0]): int(r[1]) for r in rows})
        return counts

    async def count_photos(self, campaign_id: int, filters: ListFilter, zone: ZoneInfo) -> int:
        where, params = _where(campaign_id, filters, zone)
        return int(
            await self.db.fetch_value(
                f"SELECT COUNT(*) FROM items i {_FILTER_JOINS} JOIN photos ph ON ph.item_id = i.id "
                f"WHERE {where}",
                params,
            )
        )


class ListReader:
    """The list's rows for a worker thread, through a connection of its own.

    An export reads and writes in the same worker thread: reading on the event loop would hand
    the GIL back and forth with the writer for every batch (a third slower at 100,000 rows), and
    would queue everyone else's reads behind the export's on the shared reader connection. WAL
    lets this connection read while the bot writes; query_only makes sure it never writes.
    """

    def __init__(self, path: Path, *, busy_timeout_ms: int = 5000) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        self.conn.execute("PRAGMA query_only = ON")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ListReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def rows(
        self, campaign_id: int, filters: ListFilter, zone: ZoneInfo, *, batch: int = BATCH_ROWS
    ) -> Iterator[list[ListRow]]:
        """The listed items in number order, `batch` at a time (keyset: no statement held open)."""
        where, params = _where(campaign_id, filters, zone)
        sql = f"{_ROWS} WHERE {where} AND i.number > ? ORDER BY i.number LIMIT ?"
        after = 0
        while True:
            found = self.conn.execute(sql, (*params, after, batch)).fetchall()
            if not found:
                return
            after = found[-1][1]
            yield [_row(r) for r in found]
            if len(found) < batch:
                return

    def photos(
        self, campaign_id: int, filters: ListFilter, zone: ZoneInfo, *, batch: int = BATCH_ROWS
    ) -> Iterator[list[ListPhoto]]:
        """Every photo of the listed items, by item number and then in the order received."""
        where, params = _where(campaign_id, filters, zone)
        sql = (
            f"{_PHOTOS} WHERE {where} AND (i.number > ? OR (i.number = ? AND ph.id > ?)) "
            "ORDER BY i.number, ph.id LIMIT ?"
        )
        after_number, after_id = 0, 0
        while True:
            found = self.conn.execute(
                sql, (*params, after_number, after_number, after_id, batch)
            ).fetchall()
            if not found:
                return
            after_number, after_id = found[-1][1], found[-1][0]
            yield [
                ListPhoto(
                    r[0], format_number(r[2], r[1]), r[3], r[4], r[5], r[6], r[7], _KINDS[r[8]]
                )
                for r in found
            ]
            if len(found) < batch:
                return
