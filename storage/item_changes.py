"""Writing an item's life: a lifecycle Change committed in one transaction, and the votes.

A change's events, records (responses, look-backs) and notices go in with it or not at all. Every
status change leaves an event (write_event), a draft's submission too (storage/items.py).
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.clock import to_db
from bot.items import Status, Transition
from bot.lifecycle import Change, EventKind, Vote
from storage.db import Database, changed_one, insert, select_one
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
        "signed_at",
        "sign_due_at",
        "promised_at",
        "answer_reason",
    }
)


async def _still(conn: aiosqlite.Connection, item_id: int, status: Status, round_: int) -> bool:
    """Inside a write transaction: is the item still where the caller saw it?"""
    row = await select_one(conn, "SELECT status, round FROM items WHERE id = ?", (item_id,))
    return row is not None and row[0] == status and row[1] == round_


class _Superseded(Exception):
    """The change lost a race inside its transaction; it is rolled back."""


def _db_value(value: object) -> object:
    if isinstance(value, datetime):
        return to_db(value)
    if isinstance(value, bool):
        return int(value)
    return value


async def write_event(
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


async def commit_change(
    db: Database, change: Change, now: datetime, key: str | None = None
) -> bool:
    """Apply a lifecycle change with its events, records and notices, in one transaction.

    Only if the item is still in the status and round the rule saw: a second tap, a
    redelivered update or a concurrent actor finds it moved on and changes nothing. `key`
    names the input that caused the change: the same input processed again (after a crash)
    finds its events and counts as applied, also for a change that keeps the status (a
    question, progress, a look-back), which the status guard alone would let in twice.
    """
    try:
        return await _commit(db, change, now, key)
    except _Superseded:
        return False


async def _commit(db: Database, change: Change, now: datetime, key: str | None) -> bool:
    unknown = set(change.fields) - _CHANGE_FIELDS
    if unknown:
        raise ValueError(f"not lifecycle fields: {sorted(unknown)}")
    if key is not None:
        # One input may change several items (forwarding a batch): each has its own key.
        key = f"{key}/{change.item_id}"
    async with db.transaction() as conn:
        if (
            key is not None
            and await select_one(conn, "SELECT 1 FROM item_events WHERE source_key = ?", (key,))
            is not None
        ):
            return True
        if not await _still(conn, change.item_id, change.expect, change.expect_round):
            return False
        first_event = 0
        current = change.expect
        for n, step in enumerate(change.steps):
            event_id = await write_event(
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
                "text, at, promised_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    change.item_id,
                    response.round,
                    response.unit_id,
                    change.actor_id,
                    int(response.on_paper),
                    str(response.response_class),
                    response.text,
                    to_db(now),
                    to_db(response.promised_at) if response.promised_at else None,
                    response.reason,
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
            concluded = await changed_one(
                conn,
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
            if not concluded:
                # Two deputies concluded the same look-back at once: the first one counts.
                raise _Superseded
        # Keyed by the first event of this change: unique, and the same on no second run
        # because a second run fails the status check above.
        await enqueue(conn, change.notices, now, default_dedup=f"ev{first_event}")
    return True


async def write_vote(db: Database, vote: Vote, now: datetime) -> bool:
    """One vote per raiser and round; False when this raiser has voted already."""
    async with db.transaction() as conn:
        if not await _still(conn, vote.item_id, Status.ANSWERED, vote.round):
            return False
        added = await changed_one(
            conn,
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
        if added:
            await write_event(
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
