"""The inbound journal and the saved conversations (storage/intake.py, schema version 5)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.records import Conversation, Finished
from storage.db import Database
from storage.intake import IntakeRepo
from tests.conftest import migrate_to

NOW = datetime(2025, 6, 3, 1, 30, tzinfo=UTC)


def update(seq: int, text: str = "/help") -> dict[str, object]:
    return {"update_id": seq, "message": {"message_id": seq, "text": text}}


async def test_a_redelivered_update_is_journaled_once(db: Database) -> None:
    repo = IntakeRepo(db)
    assert await repo.next_offset() is None
    assert await repo.record([(10, "7", update(10)), (11, "7", update(11))], NOW) == [10, 11]
    # Telegram sends 11 again (the confirming getUpdates never happened) with 12.
    assert await repo.record([(11, "7", update(11)), (12, "8", update(12, "外墙脱落"))], NOW) == [
        12
    ]
    assert await repo.next_offset() == 13
    pending = await repo.pending()
    # Only the first of each sender's can have been in progress: 10 (sender 7) and 12 (8).
    assert [(p.seq, p.attempts) for p in pending] == [(10, 1), (11, 0), (12, 1)]
    assert pending[2].payload == update(12, "外墙脱落")


async def test_done_and_the_conversation_are_saved_together(db: Database) -> None:
    repo = IntakeRepo(db)
    await repo.record([(20, "7", update(20)), (21, "7", update(21))], NOW)
    step = Conversation("report.description", {"flow": {"kind": "report", "item_id": 7}})
    await repo.finish(Finished((20,), "700001", step, touched=True), NOW)
    assert [p.seq for p in await repo.pending()] == [21]
    assert await repo.conversations() == {"700001": step}
    # An update that did not concern a conversation leaves the saved one alone.
    await repo.finish(Finished((21,), "700001"), NOW)
    assert await repo.conversations() == {"700001": step}
    assert await repo.pending() == []
    # The flow ends: the conversation goes.
    await repo.record([(22, "7", update(22, "/cancel"))], NOW)
    await repo.finish(Finished((22,), "700001", None, touched=True), NOW)
    assert await repo.conversations() == {}


async def test_attempts_count_each_start_of_processing(db: Database) -> None:
    repo = IntakeRepo(db)
    await repo.record([(30, None, update(30))], NOW)
    for expected in (1, 2, 3):
        [row] = await repo.pending()
        assert row.attempts == expected


async def test_pruning_keeps_the_offset(db: Database) -> None:
    repo = IntakeRepo(db)
    await repo.record([(40, "7", update(40)), (41, "7", update(41))], NOW)
    await repo.finish(Finished((40, 41)), NOW)
    assert await repo.prune(NOW + timedelta(days=1)) == 1
    # The newest row stays so the next getUpdates still confirms everything.
    assert await repo.next_offset() == 42


async def test_conversations_of_the_old_persistence_carry_over(tmp_path: Path) -> None:
    path = tmp_path / "v4.sqlite3"
    with closing(sqlite3.connect(path)) as conn:
        migrate_to(conn, 4)
        conn.executemany(
            "INSERT INTO ptb_store (kind, key, value) VALUES (?, ?, ?)",
            [
                ("conversation:main", "[700001, 700001]", json.dumps("checkin.photos")),
                ("user", "700001", json.dumps({"flow": {"kind": "checkin", "visit_id": 3}})),
                ("conversation:main", "[700002, 700002]", json.dumps("report.place")),
            ],
        )
        conn.execute("PRAGMA user_version = 4")
        conn.commit()
    db = Database(path)
    await db.open()
    try:
        assert await IntakeRepo(db).conversations() == {
            "700001": Conversation("checkin.photos", {"flow": {"kind": "checkin", "visit_id": 3}}),
            "700002": Conversation("report.place", {}),
        }
        assert (
            await db.fetch_value("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ptb_store'") == 0
        )
    finally:
        await db.close()
