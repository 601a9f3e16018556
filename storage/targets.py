"""Importing a sub-item's targets and milestones: targets by their stable key, in place.

A target keeps its row (and so its reported progress) across imports while its key stays; one
dropped from the catalog is retired, not deleted, so the reports against it stay readable.
Milestones are replaced as a whole when they changed: nothing refers to them.
"""

from __future__ import annotations

from datetime import date

import aiosqlite

from bot.catalog import Subitem
from bot.records import ImportReport
from storage.db import insert, marks


async def import_targets(
    conn: aiosqlite.Connection, report: ImportReport, subitem_id: int, s: Subitem, year: int
) -> None:
    async with conn.execute(
        "SELECT id, code, label, kind, amount, measure, deadline, position, retired "
        "FROM targets WHERE subitem_id = ?",
        (subitem_id,),
    ) as cur:
        have = {r["code"]: r for r in await cur.fetchall()}
    year_end = date(year, 12, 31)
    wanted: set[str] = set()
    for pos, (key, t) in enumerate(zip(s.target_keys(), s.targets, strict=True)):
        wanted.add(key)
        values = {
            "label": t.label,
            "kind": "percent" if t.is_percent else "count",
            "amount": float(t.amount),
            "measure": t.unit,
            "deadline": (t.deadline or year_end).isoformat(),
            "position": pos,
            "retired": 0,
        }
        row = have.get(key)
        if row is None:
            names = ["subitem_id", "code", *values]
            await insert(
                conn,
                f"INSERT INTO targets ({', '.join(names)}) VALUES ({marks(names)})",
                [subitem_id, key, *values.values()],
            )
            report.count("targets", "created")
        elif any(row[k] != v for k, v in values.items()):
            sets = ", ".join(f"{k} = ?" for k in values)
            await conn.execute(
                f"UPDATE targets SET {sets} WHERE id = ?", (*values.values(), row["id"])
            )
            report.count("targets", "updated")
        else:
            report.count("targets", "unchanged")
    for key, row in have.items():
        if key not in wanted and not row["retired"]:
            await conn.execute("UPDATE targets SET retired = 1 WHERE id = ?", (row["id"],))
            report.count("targets", "updated")

    async with conn.execute(
        "SELECT day, label FROM milestones WHERE subitem_id = ? ORDER BY position", (subitem_id,)
    ) as cur:
        old = [(r["day"], r["label"]) for r in await cur.fetchall()]
    new = [(m.date.isoformat(), m.label) for m in s.milestones]
    if old != new:
        await conn.execute("DELETE FROM milestones WHERE subitem_id = ?", (subitem_id,))
        await conn.executemany(
            "INSERT INTO milestones (subitem_id, day, label, position) VALUES (?, ?, ?, ?)",
            [(subitem_id, day, label, pos) for pos, (day, label) in enumerate(new)],
        )
        if new:
            report.count("milestones", "created" if not old else "updated")
