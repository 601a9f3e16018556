"""Staff manage people (role, group, unit, access) and rehearse a catalog import.

Every change to a person is written with its audit rows (person_events) and the person's notice
in one transaction, and only if the person is still as the staff member saw them: a double tap
or two staff members at once change them once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import cast

import aiosqlite

from bot.catalog import Catalog
from bot.clock import to_db
from bot.notices import Notice
from bot.people import PersonCard, PersonChange, PersonEdit, Role
from bot.records import ImportReport
from storage.catalog import import_catalog
from storage.db import Database, Repo, changed_one, contains, insert
from storage.outbox import enqueue
from storage.rows import is_set, row_mapper

_SELECT = """
SELECT p.id, p.campaign_id, p.name, p.role, p.group_id, g.name AS group_name, p.unit_id,
       u.name AS unit_name, p.telegram_user_id, p.language, p.active, p.joined_at, p.blocked_at
FROM persons p
LEFT JOIN groups g ON g.id = p.group_id
LEFT JOIN units u ON u.id = p.unit_id
"""


_card = row_mapper(
    PersonCard,
    role=Role,
    active=bool,
    joined=("joined_at", is_set),
    blocked=("blocked_at", is_set),
)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _stored(person: PersonCard | PersonChange) -> dict[str, object]:
    """What a change may alter, as the persons table holds it: of the card seen, or the change."""
    return {
        "role": str(person.role),
        "group_id": person.group_id,
        "unit_id": person.unit_id,
        "active": int(person.active),
    }


# --- the catalog ---------------------------------------------------------------------------------


class _Rehearsed(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__("rehearsal")
        self.report = report


class _InTransaction:
    """Stands in for the Database inside a transaction that is already open, so that
    import_catalog's own transaction becomes part of ours (and is rolled back with it)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        yield self._conn


class ManageRepo(Repo):
    """People as staff manage them, and catalog imports rehearsed before they are made."""

    async def find_people(
        self, campaign_id: int, fragment: str, *, limit: int = 10
    ) -> list[PersonCard]:
        """People of the campaign whose name contains `fragment`, exact matches first."""
        return await self.db.fetch_all_as(
            _card,
            f"{_SELECT} WHERE p.campaign_id = ? AND p.name LIKE ? ESCAPE '\\' "
            "ORDER BY p.name != ?, p.name, p.id LIMIT ?",
            (campaign_id, contains(fragment), fragment, limit),
        )

    async def person_card(self, person_id: int) -> PersonCard | None:
        return await self.db.fetch_one_as(_card, f"{_SELECT} WHERE p.id = ?", (person_id,))

    async def change_person(
        self, edit: PersonEdit, *, now: datetime, notices: Iterable[Notice] = ()
    ) -> int | None:
        """Apply the change if the person is still as seen; returns the first audit row's id.

        None when nothing differs or the person was changed meanwhile (nothing is written then).
        """
        seen, actor_id = edit.seen, edit.actor_id
        before, after = _stored(seen), _stored(edit.change)
        differs = [name for name in before if before[name] != after[name]]
        if not differs:
            return None
        async with self.db.transaction() as conn:
            applied = await changed_one(
                conn,
                "UPDATE persons SET role = ?, group_id = ?, unit_id = ?, active = ? "
                "WHERE id = ? AND role = ? AND group_id IS ? AND unit_id IS ? AND active = ?",
                (*after.values(), seen.id, *before.values()),
            )
            if not applied:
                return None
            first = 0
            for name in differs:
                event_id = await insert(
                    conn,
                    "INSERT INTO person_events (person_id, actor_id, at, field, old_value, new_value) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (seen.id, actor_id, to_db(now), name, _text(before[name]), _text(after[name])),
                )
                first = first or event_id
            await enqueue(conn, notices, now, default_dedup=f"pe{first}")
        return first

    async def rehearse_import(self, catalog: Catalog, *, now: datetime) -> ImportReport:
        """What importing the catalog would create and update, without changing anything.

        The real import runs inside a transaction that is then rolled back: the preview is what the
        import will do, not an estimate kept in step with it by hand.
        """
        try:
            async with self.db.transaction() as conn:
                report = await import_catalog(
                    cast(Database, _InTransaction(conn)), catalog, now=now
                )
                raise _Rehearsed(report)
        except _Rehearsed as rehearsed:
            return rehearsed.report
        raise AssertionError("the rehearsal always rolls back")
