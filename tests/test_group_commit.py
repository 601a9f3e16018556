"""Database.run_write (storage/db.py): writes waiting together share one transaction, each
all-or-nothing on its own, and none is reported done before the commit; Database.lookup reads
what was committed."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime

import pytest

from bot.records import Conversation, Finished
from storage.db import Database
from storage.intake import IntakeRepo

NOW = datetime(2025, 6, 3, 1, 30, tzinfo=UTC)


def committed(db: Database, sql: str) -> list[tuple[object, ...]]:
    """What another connection sees: only what was committed."""
    with closing(sqlite3.connect(db.path)) as conn:
        return list(conn.execute(sql).fetchall())


async def test_writes_waiting_together_share_one_commit_and_fail_alone(db: Database) -> None:
    await db.run_write(lambda conn: conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v)"))
    seen_outside: list[object] = []

    def put(k: int) -> Callable[[sqlite3.Connection], int]:
        def work(conn: sqlite3.Connection) -> int:
            # Each write sees the ones before it in the batch, as if committed one by one.
            before = conn.execute("SELECT COUNT(*) FROM t").fetchone()[0]
            conn.execute("INSERT INTO t VALUES (?, ?)", (k, f"v{k}"))
            if k == 3:
                conn.execute("INSERT INTO t VALUES (?, ?)", (100, "half of a failing write"))
                raise ValueError("refused")
            # Another connection sees none of the batch yet: it is one transaction.
            [(outside,)] = committed(db, "SELECT COUNT(*) FROM t")
            seen_outside.append(outside)
            return int(before)

        return work

    results = await asyncio.gather(
        *(db.run_write(put(k)) for k in range(1, 6)), return_exceptions=True
    )
    assert isinstance(results[2], ValueError)
    # The failing one left nothing behind; the others went in, in order, in one transaction.
    assert results[:2] == [0, 1] and results[3:] == [2, 3]
    assert committed(db, "SELECT k FROM t ORDER BY k") == [(1,), (2,), (4,), (5,)]
    assert seen_outside == [0, 0, 0, 0]
    # Written during one commit, the next writes go in the next one, not lost or reordered.
    more = [db.run_write(put(k)) for k in (6, 7)]
    assert await asyncio.gather(*more) == [4, 5]
    assert seen_outside[4:] == [4, 4]


async def test_a_finish_is_committed_when_it_returns_even_if_its_caller_is_gone(
    db: Database,
) -> None:
    repo = IntakeRepo(db)
    await repo.record([(1, "7", {"update_id": 1}), (2, "8", {"update_id": 2})], NOW)
    step = Conversation("report.description", {"flow": {"kind": "report"}})
    first = asyncio.create_task(repo.finish(Finished((1,), "7", step, touched=True), NOW))
    second = asyncio.create_task(repo.finish(Finished((2,), "8", None, touched=True), NOW))
    await asyncio.sleep(0)
    second.cancel()
    await first
    assert committed(db, "SELECT address, state FROM conversations") == [
        ("7", "report.description")
    ]
    with pytest.raises(asyncio.CancelledError):
        await second
    # Handed in before the cancel, the write is committed all the same (it is safe to repeat).
    await db.close()
    assert committed(db, "SELECT seq FROM inbound WHERE done_at IS NOT NULL ORDER BY seq") == [
        (1,),
        (2,),
    ]
    await db.open()


async def test_a_lookup_on_the_loops_connection_sees_each_commit(db: Database) -> None:
    await db.run_write(lambda conn: conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v)"))
    sql = "SELECT v FROM t WHERE k = ?"
    assert await db.lookup(lambda row: row["v"], sql, (1,)) is None
    await db.run_write(lambda conn: conn.execute("INSERT INTO t VALUES (1, 'one')"))
    assert await db.lookup(lambda row: row["v"], sql, (1,)) == "one"
    # Read-only: a write through it is refused, not slipped past the write lock.
    with pytest.raises(sqlite3.OperationalError):
        await db.lookup(lambda row: row[0], "DELETE FROM t RETURNING k")


async def test_writes_handed_in_during_a_commit_go_together_in_the_next_one(db: Database) -> None:
    await db.run_write(lambda conn: conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v)"))
    started = threading.Event()
    release = threading.Event()
    seen_outside: dict[int, object] = {}

    def put(k: int) -> Callable[[sqlite3.Connection], None]:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO t VALUES (?, ?)", (k, f"v{k}"))
            [(outside,)] = committed(db, "SELECT COUNT(*) FROM t")
            seen_outside[k] = outside
            if k == 1:
                started.set()
                # Held in the database's thread until the next writes are queued.
                assert release.wait(5.0)

        return work

    first = asyncio.create_task(db.run_write(put(1)))
    assert await asyncio.to_thread(started.wait, 5.0)
    # Handed in while the first one's transaction is open: they wait for its commit, then share
    # one transaction of their own.
    later = [asyncio.create_task(db.run_write(put(k))) for k in (2, 3)]
    await asyncio.sleep(0.05)
    assert not any(task.done() for task in later)
    release.set()
    await asyncio.gather(first, *later)
    assert seen_outside == {1: 0, 2: 1, 3: 1}
    assert committed(db, "SELECT k FROM t ORDER BY k") == [(1,), (2,), (3,)]
