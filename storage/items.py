"""Items: drafts, submission with gap-free numbers, transitions with their events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import from_db, to_db
from bot.errors import Refused
from bot.items import DraftFields, Item, Kind, Severity, Status, Transition, check_complete
from storage.db import Database, Row, insert

_SELECT = """
SELECT i.id, i.campaign_id, i.kind, i.status, i.number, c.year, i.author_id, i.visit_id,
       i.site_id, s.name AS site_name, i.project_id, p.title AS project_title,
       i.subitem_id, si.title AS subitem_title, i.category_id, cat.name AS category_name,
       cat.name_en AS category_name_en, i.severity, i.description, i.created_at, i.submitted_at,
       (SELECT COUNT(*) FROM photos ph WHERE ph.item_id = i.id) AS photo_count
FROM items i
JOIN campaigns c ON c.id = i.campaign_id
LEFT JOIN sites s ON s.id = i.site_id
LEFT JOIN projects p ON p.id = i.project_id
LEFT JOIN subitems si ON si.id = i.subitem_id
LEFT JOIN categories cat ON cat.id = i.category_id
"""

# Fields the deputy fills in while the item is a draft; nothing else is writable this way.
_DRAFT_FIELDS = frozenset(
    {"site_id", "project_id", "subitem_id", "visit_id", "category_id", "severity", "description"}
)


def _item(row: Row) -> Item:
    created = from_db(row["created_at"])
    assert created is not None
    return Item(
        id=row["id"],
        campaign_id=row["campaign_id"],
        kind=Kind(row["kind"]),
        status=Status(row["status"]),
        number=row["number"],
        year=row["year"],
        author_id=row["author_id"],
        visit_id=row["visit_id"],
        site_id=row["site_id"],
        site_name=row["site_name"],
        project_id=row["project_id"],
        project_title=row["project_title"],
        subitem_id=row["subitem_id"],
        subitem_title=row["subitem_title"],
        category_id=row["category_id"],
        category_name=row["category_name"],
        category_name_en=row["category_name_en"],
        severity=Severity(row["severity"]) if row["severity"] else None,
        description=row["description"],
        created_at=created,
        submitted_at=from_db(row["submitted_at"]),
        photo_count=row["photo_count"],
    )


async def _event(conn: aiosqlite.Connection, transition: Transition, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO item_events (item_id, actor_id, at, from_status, to_status, note) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            transition.item_id,
            transition.actor_id,
            to_db(now),
            str(transition.from_status),
            str(transition.to_status),
            transition.note,
        ),
    )


class ItemRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, item_id: int) -> Item | None:
        row = await self.db.fetch_one(f"{_SELECT} WHERE i.id = ?", (item_id,))
        return _item(row) if row else None

    async def create_draft(
        self, *, campaign_id: int, kind: Kind, author_id: int, group_id: int | None, now: datetime
    ) -> int:
        async with self.db.transaction() as conn:
            return await insert(
                conn,
                "INSERT INTO items (campaign_id, kind, status, author_id, group_id, created_at, "
                "updated_at) VALUES (?, ?, 'draft', ?, ?, ?, ?)",
                (campaign_id, str(kind), author_id, group_id, to_db(now), to_db(now)),
            )

    async def update_draft(
        self, item_id: int, author_id: int, now: datetime, **fields: Any
    ) -> bool:
        """Change fields of the author's own draft. False when it is no longer a draft."""
        unknown = set(fields) - _DRAFT_FIELDS
        if unknown:
            raise ValueError(f"not draft fields: {sorted(unknown)}")
        sets = ", ".join(f"{name} = ?" for name in fields)
        values = [str(v) if isinstance(v, Severity) else v for v in fields.values()]
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                f"UPDATE items SET {sets}, updated_at = ? WHERE id = ? AND author_id = ? "
                "AND status = 'draft'",
                (*values, to_db(now), item_id, author_id),
            )
            changed = cur.rowcount == 1
            await cur.close()
        return changed

    async def delete_draft(self, item_id: int, author_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM items WHERE id = ? AND author_id = ? AND status = 'draft'",
                (item_id, author_id),
            )

    async def submit(self, item_id: int, author_id: int, now: datetime) -> tuple[Item, bool]:
        """Number the draft and make it submitted, in one transaction. Returns (item, newly).

        A second tap on "confirm", or the same update redelivered after a crash, finds the item
        already submitted and gets the same number back instead of a second record.
        """
        async with self.db.transaction() as conn:
            async with conn.execute(f"{_SELECT} WHERE i.id = ?", (item_id,)) as cur:
                row = await cur.fetchone()
            if row is None or row["author_id"] != author_id:
                raise Refused("report_draft_gone")
            item = _item(row)
            if item.status is not Status.DRAFT:
                return item, False
            check_complete(
                DraftFields(
                    item.kind,
                    item.site_id,
                    item.project_id,
                    item.subitem_id,
                    item.category_id,
                    item.severity,
                    item.description,
                )
            )
            async with conn.execute(
                "UPDATE campaigns SET next_number = next_number + 1 WHERE id = ? "
                "RETURNING next_number - 1",
                (item.campaign_id,),
            ) as cur:
                num_row = await cur.fetchone()
            assert num_row is not None
            await conn.execute(
                "UPDATE items SET status = 'submitted', number = ?, submitted_at = ?, updated_at = ? "
                "WHERE id = ?",
                (num_row[0], to_db(now), to_db(now), item_id),
            )
            await _event(conn, Transition(item_id, Status.DRAFT, Status.SUBMITTED, author_id), now)
            async with conn.execute(f"{_SELECT} WHERE i.id = ?", (item_id,)) as cur:
                row = await cur.fetchone()
        assert row is not None
        return _item(row), True

    async def apply(self, transition: Transition, now: datetime) -> bool:
        """Move an item from one status to the next, only if it is still where the rule saw it."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE items SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
                (
                    str(transition.to_status),
                    to_db(now),
                    transition.item_id,
                    str(transition.from_status),
                ),
            )
            applied = cur.rowcount == 1
            await cur.close()
            if applied:
                await _event(conn, transition, now)
        return applied

    async def count_own(self, author_id: int) -> int:
        return int(
            await self.db.fetch_value(
                "SELECT COUNT(*) FROM items WHERE author_id = ? AND status != 'draft'", (author_id,)
            )
        )

    async def list_own(self, author_id: int, *, offset: int, limit: int) -> list[Item]:
        rows = await self.db.fetch_all(
            f"{_SELECT} WHERE i.author_id = ? AND i.status != 'draft' "
            "ORDER BY i.submitted_at DESC, i.id DESC LIMIT ? OFFSET ?",
            (author_id, limit, offset),
        )
        return [_item(r) for r in rows]

    async def events(self, item_id: int) -> list[tuple[str | None, str, datetime]]:
        rows = await self.db.fetch_all(
            "SELECT from_status, to_status, at FROM item_events WHERE item_id = ? ORDER BY id",
            (item_id,),
        )
        return [(r[0], r[1], from_db(r[2]) or datetime.min) for r in rows]
