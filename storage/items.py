"""Items: drafts, submission with gap-free numbers, transitions with their events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import from_db, to_db
from bot.errors import Refused
from bot.items import DraftFields, Item, Kind, Severity, Status, Transition, check_complete
from bot.lifecycle import Change, EventKind, Parties, Rating, Vote
from bot.readmodels import TimelineEvent
from storage.db import Database, Row, insert
from storage.outbox import enqueue

# Item columns a lifecycle change may set; nothing else is writable this way.
_CHANGE_FIELDS = frozenset(
    {
        "unit_id",
        "merged_into_id",
        "reviewed_at",
        "forwarded_at",
        "due_at",
        "for_letter",
        "round",
        "response_class",
        "answered_at",
        "rating",
        "closed_at",
        "lookback_result",
    }
)


async def _still(conn: aiosqlite.Connection, item_id: int, status: Status, round_: int) -> bool:
    """Inside a write transaction: is the item still where the caller saw it?"""
    async with conn.execute("SELECT status, round FROM items WHERE id = ?", (item_id,)) as cur:
        row = await cur.fetchone()
    return row is not None and row[0] == status and row[1] == round_


class _Superseded(Exception):
    """The change lost a race inside its transaction; it is rolled back."""


def _db_value(value: object) -> object:
    if isinstance(value, datetime):
        return to_db(value)
    if isinstance(value, bool):
        return int(value)
    return value


ITEM_SELECT = """
SELECT i.id, i.campaign_id, i.kind, i.status, i.number, c.year, i.author_id, i.visit_id,
       i.site_id, s.name AS site_name, i.project_id, p.title AS project_title,
       i.subitem_id, si.title AS subitem_title, i.category_id, cat.name AS category_name,
       cat.name_en AS category_name_en, i.severity, i.description, i.created_at, i.submitted_at,
       (SELECT COUNT(*) FROM photos ph WHERE ph.item_id = i.id AND ph.purpose = 'evidence')
           AS photo_count,
       i.group_id, i.unit_id, u.name AS unit_name, si.unit_id AS lead_unit_id, i.merged_into_id,
       i.forwarded_at, i.due_at, i.for_letter, i.round, i.response_class, i.answered_at,
       i.rating, i.closed_at, i.lookback_result
FROM items i
JOIN campaigns c ON c.id = i.campaign_id
LEFT JOIN sites s ON s.id = i.site_id
LEFT JOIN projects p ON p.id = i.project_id
LEFT JOIN subitems si ON si.id = i.subitem_id
LEFT JOIN categories cat ON cat.id = i.category_id
LEFT JOIN units u ON u.id = i.unit_id
"""

# Fields the deputy fills in while the item is a draft; nothing else is writable this way.
_DRAFT_FIELDS = frozenset(
    {"site_id", "project_id", "subitem_id", "visit_id", "category_id", "severity", "description"}
)


def item_from_row(row: Row) -> Item:
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
        group_id=row["group_id"],
        unit_id=row["unit_id"],
        unit_name=row["unit_name"],
        lead_unit_id=row["lead_unit_id"],
        merged_into_id=row["merged_into_id"],
        forwarded_at=from_db(row["forwarded_at"]),
        due_at=from_db(row["due_at"]),
        for_letter=bool(row["for_letter"]),
        round=row["round"],
        response_class=row["response_class"],
        answered_at=from_db(row["answered_at"]),
        rating=row["rating"],
        closed_at=from_db(row["closed_at"]),
        lookback_result=row["lookback_result"],
    )


async def _event(
    conn: aiosqlite.Connection,
    transition: Transition,
    now: datetime,
    kind: EventKind = EventKind.TRANSITION,
    *,
    source_key: str | None = None,
) -> int:
    return await insert(
        conn,
        "INSERT INTO item_events (item_id, actor_id, at, from_status, to_status, note, kind, "
        "source_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            transition.item_id,
            transition.actor_id,
            to_db(now),
            str(transition.from_status),
            str(transition.to_status),
            transition.note,
            str(kind),
            source_key,
        ),
    )


def _timeline_event(row: Row) -> TimelineEvent:
    at = from_db(row["at"])
    assert at is not None  # item_events.at is NOT NULL
    return TimelineEvent(
        at,
        row["kind"],
        row["from_status"],
        row["to_status"],
        row["note"],
        row["actor"],
        row["actor_role"],
    )


class ItemRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, item_id: int) -> Item | None:
        row = await self.db.fetch_one(f"{ITEM_SELECT} WHERE i.id = ?", (item_id,))
        return item_from_row(row) if row else None

    async def create_draft(
        self,
        *,
        campaign_id: int,
        kind: Kind,
        author_id: int,
        group_id: int | None,
        now: datetime,
        discard_unfinished: bool = False,
    ) -> int:
        """A new draft. With `discard_unfinished`, the author's other drafts go in the same
        transaction: a deputy writes one report at a time, and a report started again after a
        crash must not leave the first attempt behind."""
        async with self.db.transaction() as conn:
            if discard_unfinished:
                await conn.execute(
                    "DELETE FROM items WHERE author_id = ? AND status = 'draft'", (author_id,)
                )
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
            async with conn.execute(f"{ITEM_SELECT} WHERE i.id = ?", (item_id,)) as cur:
                row = await cur.fetchone()
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
            await _event(conn, Transition(item_id, Status.DRAFT, Status.SUBMITTED, author_id), now)
            await conn.execute(
                "INSERT INTO item_raisers (item_id, person_id, added_at) VALUES (?, ?, ?)",
                (item_id, author_id, to_db(now)),
            )
            async with conn.execute(f"{ITEM_SELECT} WHERE i.id = ?", (item_id,)) as cur:
                row = await cur.fetchone()
        assert row is not None
        return item_from_row(row), True

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
            f"{ITEM_SELECT} WHERE i.author_id = ? AND i.status != 'draft' "
            "ORDER BY i.submitted_at DESC, i.id DESC LIMIT ? OFFSET ?",
            (author_id, limit, offset),
        )
        return [item_from_row(r) for r in rows]

    async def events(self, item_id: int) -> list[tuple[str | None, str, datetime]]:
        rows = await self.db.fetch_all(
            "SELECT from_status, to_status, at FROM item_events WHERE item_id = ? ORDER BY id",
            (item_id,),
        )
        return [(r[0], r[1], from_db(r[2]) or datetime.min) for r in rows]

    # --- the closed loop ---------------------------------------------------------------------

    async def commit(self, change: Change, now: datetime, key: str | None = None) -> bool:
        """Apply a lifecycle change with its events, records and notices, in one transaction.

        Only if the item is still in the status and round the rule saw: a second tap, a
        redelivered update or a concurrent actor finds it moved on and changes nothing. `key`
        names the input that caused the change: the same input processed again (after a crash)
        finds its events and counts as applied, also for a change that keeps the status (a
        question, progress, a look-back), which the status guard alone would let in twice.
        """
        try:
            return await self._commit(change, now, key)
        except _Superseded:
            return False

    async def _commit(self, change: Change, now: datetime, key: str | None) -> bool:
        unknown = set(change.fields) - _CHANGE_FIELDS
        if unknown:
            raise ValueError(f"not lifecycle fields: {sorted(unknown)}")
        if key is not None:
            # One input may change several items (forwarding a batch): each has its own key.
            key = f"{key}/{change.item_id}"
        async with self.db.transaction() as conn:
            if key is not None:
                async with conn.execute(
                    "SELECT 1 FROM item_events WHERE source_key = ?", (key,)
                ) as cur:
                    if await cur.fetchone() is not None:
                        return True
            if not await _still(conn, change.item_id, change.expect, change.expect_round):
                return False
            first_event = 0
            current = change.expect
            for n, step in enumerate(change.steps):
                event_id = await _event(
                    conn,
                    Transition(change.item_id, current, step.to, change.actor_id, step.note),
                    now,
                    step.kind,
                    source_key=None if key is None else key if n == 0 else f"{key}#{n}",
                )
                first_event = first_event or event_id
                current = step.to
            sets: dict[str, object] = {"status": str(current), "updated_at": to_db(now)}
            sets.update({k: _db_value(v) for k, v in change.fields.items()})
            await conn.execute(
                f"UPDATE items SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?",
                (*sets.values(), change.item_id),
            )
            if change.merge_raisers_into is not None:
                await conn.execute(
                    "INSERT INTO item_raisers (item_id, person_id, via_item_id, added_at) "
                    "SELECT ?, person_id, ?, ? FROM item_raisers WHERE item_id = ? "
                    "ON CONFLICT (item_id, person_id) DO NOTHING",
                    (change.merge_raisers_into, change.item_id, to_db(now), change.item_id),
                )
            if (response := change.response) is not None:
                await conn.execute(
                    "INSERT INTO responses (item_id, round, unit_id, person_id, on_paper, class, "
                    "text, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        change.item_id,
                        response.round,
                        response.unit_id,
                        change.actor_id,
                        int(response.on_paper),
                        str(response.response_class),
                        response.text,
                        to_db(now),
                    ),
                )
            if (lookback := change.lookback) is not None:
                await conn.execute(
                    "INSERT INTO lookbacks (item_id, group_id, round, due_at, created_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (item_id, round) DO NOTHING",
                    (
                        change.item_id,
                        lookback.group_id,
                        lookback.round,
                        to_db(lookback.due_at),
                        to_db(now),
                    ),
                )
            if (done := change.lookback_done) is not None:
                cur = await conn.execute(
                    "UPDATE lookbacks SET done_at = ?, done_by = ?, result = ?, note = ? "
                    "WHERE item_id = ? AND round = ? AND done_at IS NULL",
                    (
                        to_db(now),
                        change.actor_id,
                        str(done.result),
                        done.note,
                        change.item_id,
                        done.round,
                    ),
                )
                concluded = cur.rowcount == 1
                await cur.close()
                if not concluded:
                    # Two deputies concluded the same look-back at once: the first one counts.
                    raise _Superseded
            # Keyed by the first event of this change: unique, and the same on no second run
            # because a second run fails the status check above.
            await enqueue(conn, change.notices, now, default_dedup=f"ev{first_event}")
        return True

    async def record_vote(self, vote: Vote, now: datetime) -> bool:
        """One vote per raiser and round; False when this raiser has voted already."""
        async with self.db.transaction() as conn:
            if not await _still(conn, vote.item_id, Status.ANSWERED, vote.round):
                return False
            cur = await conn.execute(
                "INSERT INTO ratings (item_id, round, person_id, value, comment, at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    vote.item_id,
                    vote.round,
                    vote.person_id,
                    str(vote.value),
                    vote.comment,
                    to_db(now),
                ),
            )
            added = cur.rowcount == 1
            await cur.close()
            if added:
                await _event(
                    conn,
                    Transition(
                        vote.item_id,
                        Status.ANSWERED,
                        Status.ANSWERED,
                        vote.person_id,
                        str(vote.value),
                    ),
                    now,
                    EventKind.VOTE,
                )
        return added

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

    async def find(
        self,
        campaign_id: int,
        *,
        statuses: Sequence[Status] = (),
        group_id: int | None = None,
        unit_id: int | None = None,
        limit: int = 50,
        offset: int = 0,
        order: str = "number",
    ) -> list[Item]:
        """Items of the campaign by status, group and unit; `order` is "number" or "due"."""
        where, params = self._where(campaign_id, statuses, group_id, unit_id)
        order_by = {
            # Earliest due first (so the overdue lead); items without a due date last.
            "due": "i.due_at IS NULL, i.due_at, i.forwarded_at DESC, i.id DESC",
            "number": "i.number, i.id",
        }[order]
        rows = await self.db.fetch_all(
            f"{ITEM_SELECT} WHERE {where} ORDER BY {order_by} LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [item_from_row(r) for r in rows]

    async def count(
        self,
        campaign_id: int,
        *,
        statuses: Sequence[Status] = (),
        group_id: int | None = None,
        unit_id: int | None = None,
    ) -> int:
        where, params = self._where(campaign_id, statuses, group_id, unit_id)
        return int(await self.db.fetch_value(f"SELECT COUNT(*) FROM items i WHERE {where}", params))

    @staticmethod
    def _where(
        campaign_id: int, statuses: Sequence[Status], group_id: int | None, unit_id: int | None
    ) -> tuple[str, list[Any]]:
        clauses = ["i.campaign_id = ?", "i.status != 'draft'"]
        params: list[Any] = [campaign_id]
        if statuses:
            clauses.append(f"i.status IN ({', '.join('?' * len(statuses))})")
            params += [str(s) for s in statuses]
        if group_id is not None:
            clauses.append("i.group_id = ?")
            params.append(group_id)
        if unit_id is not None:
            clauses.append("i.unit_id = ?")
            params.append(unit_id)
        return " AND ".join(clauses), params

    async def get_by_number(self, campaign_id: int, number: int) -> Item | None:
        row = await self.db.fetch_one(
            f"{ITEM_SELECT} WHERE i.campaign_id = ? AND i.number = ?", (campaign_id, number)
        )
        return item_from_row(row) if row else None

    async def timeline(self, item_id: int) -> list[TimelineEvent]:
        """Every event with who did it: for an item's history as users see it."""
        rows = await self.db.fetch_all(
            "SELECT e.at, e.kind, e.from_status, e.to_status, e.note, p.name AS actor, "
            "p.role AS actor_role FROM item_events e LEFT JOIN persons p ON p.id = e.actor_id "
            "WHERE e.item_id = ? ORDER BY e.id",
            (item_id,),
        )
        return [_timeline_event(r) for r in rows]
