"""The units' deadlines in SQLite: extension requests, escalations, per-unit counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.clock import to_db
from bot.deadline_ports import (
    AskedNotices,
    EscalationRow,
    NewEscalation,
    ReceivedRow,
    UnitEvents,
)
from bot.items import Status, Transition, format_number
from bot.lifecycle import EventKind
from bot.notices import Notice
from bot.unit_deadlines import Decision, Extension, ExtensionDecision, NewExtension
from bot.unit_figures import ReceivedFigures
from storage import unit_summary
from storage.db import Repo, changed_one, insert, select_one
from storage.item_changes import write_event
from storage.outbox import enqueue
from storage.rows import optional, required_time, row_mapper
from storage.unit_summary import RECEIVED_OLD

_extension = row_mapper(
    Extension,
    asked_at=required_time,
    due_before=required_time,
    proposed_day=date.fromisoformat,
    decision=optional(Decision),
    decided_at=optional(required_time),
)
_EXTENSION = (
    "SELECT x.id, x.item_id, x.round, x.unit_id, x.asked_by, x.asked_at, x.reason, x.due_before, "
    "x.proposed_day, x.decision, x.decided_by, x.decided_at FROM extensions x "
    "JOIN items i ON i.id = x.item_id"
)
_received = row_mapper(
    ReceivedRow,
    forwarded_at=required_time,
    sign_due_at=optional(required_time),
    signed_at=optional(required_time),
    due_at=optional(required_time),
    answered_at=optional(required_time),
)


class _MovedOn(Exception):
    """The item changed after the decision was read: the transaction is rolled back."""


class DeadlineRepo(Repo):
    async def add_extension(
        self, new: NewExtension, notices_for: AskedNotices, now: datetime, key: str | None
    ) -> int | None:
        async with self.db.transaction() as conn:
            if key is not None:
                row = await select_one(conn, "SELECT id FROM extensions WHERE ask_key = ?", (key,))
                if row is not None:
                    return int(row[0])
            if await select_one(
                conn,
                "SELECT 1 FROM extensions WHERE item_id = ? AND decision IS NULL",
                (new.item_id,),
            ):
                return None
            extension_id = await insert(
                conn,
                "INSERT INTO extensions (item_id, round, unit_id, asked_by, asked_at, reason, "
                "due_before, proposed_day, ask_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new.item_id,
                    new.round,
                    new.unit_id,
                    new.asked_by,
                    to_db(now),
                    new.reason,
                    to_db(new.due_before),
                    new.proposed_day.isoformat(),
                    key,
                ),
            )
            await enqueue(
                conn, notices_for(extension_id), now, default_dedup=f"extask{extension_id}"
            )
            return extension_id

    async def extension(self, campaign_id: int, extension_id: int) -> Extension | None:
        return await self.db.fetch_one_as(
            _extension,
            f"{_EXTENSION} WHERE x.id = ? AND i.campaign_id = ?",
            (extension_id, campaign_id),
        )

    async def open_extension(self, item_id: int) -> Extension | None:
        return await self.db.fetch_one_as(
            _extension, f"{_EXTENSION} WHERE x.item_id = ? AND x.decision IS NULL", (item_id,)
        )

    async def extensions_of(self, item_id: int) -> list[Extension]:
        return await self.db.fetch_all_as(
            _extension, f"{_EXTENSION} WHERE x.item_id = ? ORDER BY x.id", (item_id,)
        )

    async def pending_extensions(self, campaign_id: int) -> list[Extension]:
        return await self.db.fetch_all_as(
            _extension,
            f"{_EXTENSION} WHERE i.campaign_id = ? AND x.decision IS NULL ORDER BY x.id",
            (campaign_id,),
        )

    async def decide_extension(
        self, decision: ExtensionDecision, actor_id: int, now: datetime
    ) -> bool:
        try:
            return await self._decide(decision, actor_id, now)
        except _MovedOn:
            return False

    async def _decide(self, decision: ExtensionDecision, actor_id: int, now: datetime) -> bool:
        extension = decision.extension
        async with self.db.transaction() as conn:
            if not await changed_one(
                conn,
                "UPDATE extensions SET decision = ?, decided_by = ?, decided_at = ? "
                "WHERE id = ? AND decision IS NULL",
                (str(decision.decision), actor_id, to_db(now), extension.id),
            ):
                return False
            row = await select_one(
                conn,
                "SELECT status FROM items WHERE id = ? AND round = ? AND due_at = ? "
                "AND status IN (?, ?)",
                (
                    extension.item_id,
                    extension.round,
                    to_db(extension.due_before),
                    str(Status.FORWARDED),
                    str(Status.IN_PROGRESS),
                ),
            )
            if row is None:
                # The item was answered, re-routed or extended meanwhile: nothing is decided.
                raise _MovedOn
            if decision.new_due is not None:
                status = Status(row[0])
                await conn.execute(
                    "UPDATE items SET due_at = ?, updated_at = ? WHERE id = ?",
                    (to_db(decision.new_due), to_db(now), extension.item_id),
                )
                await write_event(
                    conn,
                    Transition(extension.item_id, status, status, actor_id, decision.note),
                    now,
                    EventKind.EXTENSION,
                )
            await enqueue(
                conn, decision.notices, now, default_dedup=f"ext{extension.id}:{decision.decision}"
            )
        return True

    async def record_escalation(
        self, escalation: NewEscalation, notices: Sequence[Notice], now: datetime
    ) -> bool:
        item_id, round_, due_at = escalation.item_id, escalation.round, to_db(escalation.due_at)
        async with self.db.transaction() as conn:
            if not await changed_one(
                conn,
                "INSERT INTO escalations (item_id, round, unit_id, due_at, at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (item_id, round_, escalation.unit_id, due_at, to_db(now)),
            ):
                return False
            row = await select_one(
                conn,
                "SELECT id FROM escalations WHERE item_id = ? AND round = ? AND due_at = ?",
                (item_id, round_, due_at),
            )
            assert row is not None
            await enqueue(conn, notices, now, default_dedup=f"escalation{row[0]}")
        return True

    async def escalations(self, campaign_id: int, start: str, end: str) -> list[EscalationRow]:
        rows = await self.db.fetch_all(
            "SELECT e.item_id, c.year, i.number, COALESCE(p.title, '') AS project, "
            "COALESCE(u.name, '') AS unit_name, e.due_at, e.at FROM escalations e "
            "JOIN items i ON i.id = e.item_id JOIN campaigns c ON c.id = i.campaign_id "
            "LEFT JOIN projects p ON p.id = i.project_id "
            "LEFT JOIN units u ON u.id = e.unit_id "
            "WHERE i.campaign_id = ? AND e.at >= ? AND e.at < ? ORDER BY e.at, e.id",
            (campaign_id, start, end),
        )
        return [
            EscalationRow(
                r["item_id"],
                format_number(r["year"], r["number"]),
                r["project"],
                r["unit_name"],
                required_time(r["due_at"]),
                required_time(r["at"]),
            )
            for r in rows
        ]

    async def escalated(self, campaign_id: int) -> set[tuple[int, int, datetime]]:
        rows = await self.db.fetch_all(
            "SELECT e.item_id, e.round, e.due_at FROM escalations e "
            "JOIN items i ON i.id = e.item_id WHERE i.campaign_id = ?",
            (campaign_id,),
        )
        return {(int(r[0]), int(r[1]), required_time(r[2])) for r in rows}

    async def received_counts(
        self, campaign_id: int, start: str, end: str, now: datetime
    ) -> dict[int, ReceivedFigures]:
        return await unit_summary.received_counts(self.db, campaign_id, start, end, now)

    async def received(self, campaign_id: int, start: str, end: str) -> list[ReceivedRow]:
        return await self.db.fetch_all_as(
            _received,
            "SELECT i.unit_id, i.id AS item_id, i.status, i.forwarded_at, i.sign_due_at, i.signed_at, "
            "i.due_at, "
            f"i.answered_at {RECEIVED_OLD} AND i.sign_due_at IS NULL ORDER BY i.id",
            (campaign_id, start, end),
        )

    async def unit_events(self, campaign_id: int, start: str, end: str) -> UnitEvents:
        async def per_unit(sql: str) -> dict[int, int]:
            rows = await self.db.fetch_all(sql, (campaign_id, start, end))
            return {int(r[0]): int(r[1]) for r in rows if r[0] is not None}

        # The events first (CROSS JOIN keeps that order): without statistics SQLite otherwise
        # walks every item of the campaign to look up its events (0.1-0.2 s a tally).
        asked: dict[int, int] = {}
        approved: dict[int, int] = {}
        for unit_id, count, granted in await self.db.fetch_all(
            "SELECT x.unit_id, COUNT(*), SUM(x.decision = 'approved') FROM extensions x "
            "CROSS JOIN items i ON i.id = x.item_id "
            "WHERE i.campaign_id = ? AND x.asked_at >= ? AND x.asked_at < ? GROUP BY x.unit_id",
            (campaign_id, start, end),
        ):
            if unit_id is not None:
                asked[int(unit_id)] = int(count)
                if granted:
                    approved[int(unit_id)] = int(granted)
        return UnitEvents(
            extensions=asked,
            approved=approved,
            escalations=await per_unit(
                "SELECT e.unit_id, COUNT(*) FROM escalations e "
                "CROSS JOIN items i ON i.id = e.item_id "
                "WHERE i.campaign_id = ? AND e.at >= ? AND e.at < ? GROUP BY e.unit_id"
            ),
            returns=await per_unit(
                "SELECT r.unit_id, COUNT(*) FROM unit_returns r "
                "CROSS JOIN items i ON i.id = r.item_id "
                "WHERE i.campaign_id = ? AND r.at >= ? AND r.at < ? GROUP BY r.unit_id"
            ),
        )

    async def unit_votes(
        self, campaign_id: int, start: str, end: str
    ) -> list[tuple[int, str, int]]:
        return await unit_summary.unit_votes(self.db, campaign_id, start, end)
