"""Items: drafts, submission with gap-free numbers, and the queries that find them.

A lifecycle change and a vote are written by storage/item_changes.py; the item's SELECT and row
mapping are storage/item_rows.py's, shared with the other item queries.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from bot.clock import from_db, to_db
from bot.errors import Refused
from bot.items import (
    DraftFields,
    Item,
    ItemFilter,
    NewDraft,
    Severity,
    Status,
    Transition,
    check_complete,
)
from bot.lifecycle import Change, Parties, Rating, Vote
from bot.readmodels import TimelineEvent
from storage.db import Repo, add_given, changed_one, marks, select_one
from storage.item_changes import commit_change, write_event, write_vote
from storage.item_rows import ITEM_SELECT, item_from_row, timeline_event_from_row

# Fields the deputy fills in while the item is a draft; nothing else is writable this way.
_DRAFT_FIELDS = frozenset(
    {"site_id", "project_id", "subitem_id", "visit_id", "category_id", "severity", "description"}
)


class ItemRepo(Repo):
    async def get(self, item_id: int) -> Item | None:
        return await self.db.lookup(item_from_row, f"{ITEM_SELECT} WHERE i.id = ?", (item_id,))

    async def create_draft(
        self, draft: NewDraft, now: datetime, *, discard_unfinished: bool = False
    ) -> int:
        """A new draft. With `discard_unfinished`, the author's other drafts go in the same
        transaction: a deputy writes one report at a time, and a report started again after a
        crash must not leave the first attempt behind."""
        created = to_db(now)

        def create(conn: sqlite3.Connection) -> int:
            if discard_unfinished:
                conn.execute(
                    "DELETE FROM items WHERE author_id = ? AND status = 'draft'", (draft.author_id,)
                )
            cur = conn.execute(
                "INSERT INTO items (campaign_id, kind, status, author_id, group_id, created_at, "
                "updated_at) VALUES (?, ?, 'draft', ?, ?, ?, ?)",
                (
                    draft.campaign_id,
                    str(draft.kind),
                    draft.author_id,
                    draft.group_id,
                    created,
                    created,
                ),
            )
            assert cur.lastrowid is not None
            return cur.lastrowid

        # A step of every report: one call into the database thread (Database.run_write).
        return await self.db.run_write(create)

    async def update_draft(
        self, item_id: int, author_id: int, now: datetime, **fields: Any
    ) -> bool:
        """Change fields of the author's own draft. False when it is no longer a draft."""
        unknown = set(fields) - _DRAFT_FIELDS
        if unknown:
            raise ValueError(f"not draft fields: {sorted(unknown)}")
        sets = ", ".join(f"{name} = ?" for name in fields)
        values = [str(v) if isinstance(v, Severity) else v for v in fields.values()]
        sql = (
            f"UPDATE items SET {sets}, updated_at = ? WHERE id = ? AND author_id = ? "
            "AND status = 'draft'"
        )
        params = (*values, to_db(now), item_id, author_id)
        return await self.db.run_write(lambda conn: conn.execute(sql, params).rowcount == 1)

    async def delete_draft(self, item_id: int, author_id: int) -> None:
        await self.db.run_write(
            lambda conn: conn.execute(
                "DELETE FROM items WHERE id = ? AND author_id = ? AND status = 'draft'",
                (item_id, author_id),
            )
        )

    async def submit(self, item_id: int, author_id: int, now: datetime) -> tuple[Item, bool]:
        """Number the draft and make it submitted, in one transaction. Returns (item, newly).

        A second tap on "confirm", or the same update redelivered after a crash, finds the item
        already submitted and gets the same number back instead of a second record.
        """
        async with self.db.transaction() as conn:
            row = await select_one(conn, f"{ITEM_SELECT} WHERE i.id = ?", (item_id,))
            if row is None or row["author_id"] != author_id:
                raise Refused("report_draft_gone")
            item = item_from_row(row)
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
            await write_event(
                conn, Transition(item_id, Status.DRAFT, Status.SUBMITTED, author_id), now
            )
            await conn.execute(
                "INSERT INTO item_raisers (item_id, person_id, added_at) VALUES (?, ?, ?)",
                (item_id, author_id, to_db(now)),
            )
            row = await select_one(conn, f"{ITEM_SELECT} WHERE i.id = ?", (item_id,))
        assert row is not None
        return item_from_row(row), True

    async def apply(self, transition: Transition, now: datetime) -> bool:
        """Move an item from one status to the next, only if it is still where the rule saw it."""
        async with self.db.transaction() as conn:
            applied = await changed_one(
                conn,
                "UPDATE items SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
                (
                    str(transition.to_status),
                    to_db(now),
                    transition.item_id,
                    str(transition.from_status),
                ),
            )
            if applied:
                await write_event(conn, transition, now)
        return applied

    async def count_own(self, author_id: int) -> int:
        return await self.db.fetch_int(
            "SELECT COUNT(*) FROM items WHERE author_id = ? AND status != 'draft'", (author_id,)
        )

    async def list_own(self, author_id: int, *, offset: int, limit: int) -> list[Item]:
        return await self.db.fetch_all_as(
            item_from_row,
            f"{ITEM_SELECT} WHERE i.author_id = ? AND i.status != 'draft' "
            "ORDER BY i.submitted_at DESC, i.id DESC LIMIT ? OFFSET ?",
            (author_id, limit, offset),
        )

    async def events(self, item_id: int) -> list[tuple[str | None, str, datetime]]:
        rows = await self.db.fetch_all(
            "SELECT from_status, to_status, at FROM item_events WHERE item_id = ? ORDER BY id",
            (item_id,),
        )
        return [(r[0], r[1], from_db(r[2]) or datetime.min) for r in rows]

    # --- the closed loop ---------------------------------------------------------------------

    async def commit(self, change: Change, now: datetime, key: str | None = None) -> bool:
        """Apply a lifecycle change once, only if the item is still where the rule saw it
        (storage/item_changes.py commit_change)."""
        return await commit_change(self.db, change, now, key)

    async def record_vote(self, vote: Vote, now: datetime) -> bool:
        return await write_vote(self.db, vote, now)

    async def votes(self, item_id: int) -> list[Vote]:
        rows = await self.db.fetch_all(
            "SELECT item_id, round, person_id, value, comment FROM ratings WHERE item_id = ? "
            "ORDER BY round, at",
            (item_id,),
        )
        return [Vote(r[0], r[1], r[2], Rating(r[3]), r[4]) for r in rows]

    async def parties(self, item: Item, unit_id: int | None = None) -> Parties:
        """Who is concerned by the item; `unit_id` overrides the item's unit (forwarding)."""
        unit = unit_id if unit_id is not None else item.unit_id
        raisers = await self.db.fetch_all(
            "SELECT person_id FROM item_raisers WHERE item_id = ? ORDER BY added_at, person_id",
            (item.id,),
        )
        people = await self.db.fetch_all(
            # Only people who joined can be told anything; a unit whose liaison has not opened
            # the invitation yet is reached by letter.
            "SELECT id, role, group_id, unit_id FROM persons WHERE campaign_id = ? AND active = 1 "
            "AND telegram_user_id IS NOT NULL AND role IN ('staff', 'leader', 'liaison') "
            "ORDER BY id",
            (item.campaign_id,),
        )
        raiser_ids = tuple(r[0] for r in raisers) or (item.author_id,)
        return Parties(
            raisers=raiser_ids,
            liaisons=tuple(
                p[0] for p in people if p[1] == "liaison" and unit is not None and p[3] == unit
            ),
            staff=tuple(p[0] for p in people if p[1] == "staff"),
            leaders=tuple(
                p[0]
                for p in people
                if p[1] == "leader" and item.group_id is not None and p[2] == item.group_id
            ),
        )

    async def raiser_names(self, item_id: int) -> list[str]:
        rows = await self.db.fetch_all(
            "SELECT p.name FROM item_raisers r JOIN persons p ON p.id = r.person_id "
            "WHERE r.item_id = ? ORDER BY r.added_at, r.person_id",
            (item_id,),
        )
        return [r[0] for r in rows]

    async def find(self, campaign_id: int, which: ItemFilter) -> list[Item]:
        clauses = ["i.campaign_id = ?", "i.status != 'draft'"]
        params: list[Any] = [campaign_id]
        if which.statuses:
            clauses.append(f"i.status IN ({marks(which.statuses)})")
            params += [str(s) for s in which.statuses]
        add_given(
            clauses, params, ("i.group_id = ?", which.group_id), ("i.unit_id = ?", which.unit_id)
        )
        where = " AND ".join(clauses)
        order_by = {
            # Earliest due first (so the overdue lead); items without a due date last.
            "due": "i.due_at IS NULL, i.due_at, i.forwarded_at DESC, i.id DESC",
            "number": "i.number, i.id",
        }[which.order]
        return await self.db.fetch_all_as(
            item_from_row,
            f"{ITEM_SELECT} WHERE {where} ORDER BY {order_by} LIMIT ? OFFSET ?",
            (*params, which.limit, which.offset),
        )

    async def get_by_number(self, campaign_id: int, number: int) -> Item | None:
        return await self.db.fetch_one_as(
            item_from_row,
            f"{ITEM_SELECT} WHERE i.campaign_id = ? AND i.number = ?",
            (campaign_id, number),
        )

    async def timeline(self, item_id: int) -> list[TimelineEvent]:
        """Every event with who did it: for an item's history as users see it."""
        return await self.db.fetch_all_as(
            timeline_event_from_row,
            "SELECT e.at, e.kind, e.from_status, e.to_status, e.note, p.name AS actor, "
            "p.role AS actor_role FROM item_events e LEFT JOIN persons p ON p.id = e.actor_id "
            "WHERE e.item_id = ? ORDER BY e.id",
            (item_id,),
        )
