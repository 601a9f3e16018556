"""The SQLite database: connections, pragmas, versioned migrations, transactions.

One writer connection serialised by a lock (SQLite allows one writer at a time anyway) and one reader
connection; WAL lets the reader see committed data while a write is under way.

A write transaction holds the lock while it runs, and each statement awaited inside it is a trip
to the database's thread and back through the event loop: under load, those trips (about 5 ms
each with a busy loop), not SQLite (under 1 ms), are what the lock is held for. The frequent
writes (the intake's journal, a report's drafts, a check-in) use `run_write` instead: a function
run in the database's thread. The writes waiting meanwhile run together, each in a savepoint of
its own inside one transaction (group commit): one trip and one commit for all of them, each
still all-or-nothing, and none reported done before the commit.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence, Sized
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

log = logging.getLogger(__name__)

Row = sqlite3.Row
T = TypeVar("T")


# The package of the migrations: NNNN_name.sql files and NNNN_name.py modules.
_MIGRATIONS = "storage.migrations"
# The first line of a migration that must run with foreign keys off (a table rebuild).
_FOREIGN_KEYS_OFF = "-- foreign_keys: off"


def _probe(path: Path) -> None:
    sqlite3.connect(path).close()


class DatabaseError(Exception):
    """The database cannot be opened or migrated; the message says why."""


def _migrations() -> list[tuple[int, str]]:
    """Every migration as (version, SQL), oldest first: a NNNN_name.sql file's text, or the `SQL`
    of a NNNN_name.py module (one that writes text repeated many times, as triggers for the old and
    the new row, once; tests/test_migrations_frozen.py holds every version to the text it had)."""
    found = []
    for entry in resources.files(_MIGRATIONS).iterdir():
        name = entry.name
        if not name[:4].isdigit():
            continue
        if name.endswith(".sql"):
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
        elif name.endswith(".py"):
            sql: str = importlib.import_module(f"{_MIGRATIONS}.{name[:-3]}").SQL
            found.append((int(name[:4]), sql))
    return sorted(found)


class Reads:
    """The reads every repository makes, on top of three primitives a subclass provides; the
    benchmarks' bare sqlite3 floor (bench/tally.py) provides them too, so it runs the same queries
    the same way."""

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        raise NotImplementedError

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        raise NotImplementedError

    async def fetch_value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        raise NotImplementedError

    async def fetch_one_as(
        self, to: Callable[[Row], T], sql: str, params: Sequence[Any] = ()
    ) -> T | None:
        row = await self.fetch_one(sql, params)
        return None if row is None else to(row)

    async def fetch_all_as(
        self, to: Callable[[Row], T], sql: str, params: Sequence[Any] = ()
    ) -> list[T]:
        return [to(row) for row in await self.fetch_all(sql, params)]

    async def fetch_ints(self, sql: str, params: Sequence[Any] = ()) -> list[int]:
        """The first column of every row: ids, mostly."""
        return [int(row[0]) for row in await self.fetch_all(sql, params)]

    async def fetch_int(self, sql: str, params: Sequence[Any] = ()) -> int:
        """A single number, a COUNT(*) mostly."""
        return int(await self.fetch_value(sql, params))

    async def fetch_counts(self, sql: str, params: Sequence[Any] = ()) -> dict[str, int]:
        """A tally: rows of (label, count), a `GROUP BY label` mostly, as label -> count."""
        return {str(row[0]): int(row[1]) for row in await self.fetch_all(sql, params)}


class Database(Reads):
    def __init__(self, path: Path, *, busy_timeout_ms: int = 5000) -> None:
        self.path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        # Point reads on the event loop's own thread (see `lookup`).
        self._lookups: sqlite3.Connection | None = None
        self._write_lock = asyncio.Lock()
        # run_write's queue, and the task that commits it.
        self._writes: list[_Write] = []
        self._committing: asyncio.Task[None] | None = None

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    async def open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Tried here first: when aiosqlite cannot open the file, its worker thread answers
            # after the loop may have closed, and the operator would see a thread's traceback
            # under the clear error.
            await asyncio.to_thread(_probe, self.path)
            self._writer = await self._connect()
            mode = await (await self._writer.execute("PRAGMA journal_mode = WAL")).fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                log.warning("SQLite refused WAL mode (got %s)", mode[0] if mode else None)
            await self._migrate()
            self._reader = await self._connect()
            self._lookups = sqlite3.connect(self.path, isolation_level=None)
            self._lookups.row_factory = sqlite3.Row
            self._lookups.execute("PRAGMA query_only = ON")
        except (sqlite3.Error, OSError) as exc:
            await self.close()
            raise DatabaseError(f"cannot open database {self.path}: {exc}") from exc
        except DatabaseError:
            await self.close()
            raise

    async def close(self) -> None:
        if self._committing is not None:
            # Writes already handed in are committed (or fail) before the connection goes.
            await asyncio.gather(self._committing, return_exceptions=True)
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None
        if self._lookups is not None:
            self._lookups.close()
            self._lookups = None

    async def _migrate(self) -> None:
        assert self._writer is not None
        row = await (await self._writer.execute("PRAGMA user_version")).fetchone()
        current = int(row[0]) if row else 0
        for version, sql in _migrations():
            if version <= current:
                continue
            log.info("Applying database migration %04d", version)
            # A migration that rebuilds a table others refer to asks for foreign keys off (SQLite
            # ignores the pragma inside a transaction); they are checked before it commits.
            rebuild = sql.startswith(_FOREIGN_KEYS_OFF)
            before: set[tuple[object, ...]] = set()
            if rebuild:
                # References already dangling (a hand-mended database) are not the migration's.
                before = await self._dangling()
                await self._writer.execute("PRAGMA foreign_keys = OFF")
            # The version bump is in the migration's transaction, so a crash half-way leaves the
            # old version number and the migration is retried; so does a rebuild that broke
            # references (rolled back, the bot refuses to start).
            await self._writer.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\n"
            )
            broken = await self._dangling() - before if rebuild else set()
            await self._writer.execute("ROLLBACK" if broken else "COMMIT")
            if rebuild:
                await self._writer.execute("PRAGMA foreign_keys = ON")
            if broken:
                raise DatabaseError(f"migration {version:04d} broke {len(broken)} references")

    async def _dangling(self) -> set[tuple[object, ...]]:
        assert self._writer is not None
        rows = await self._writer.execute_fetchall("PRAGMA foreign_key_check")
        return {tuple(row) for row in rows}

    @property
    def reader(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise DatabaseError("database is not open")
        return self._reader

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: committed when the block ends, rolled back on an exception."""
        if self._writer is None:
            raise DatabaseError("database is not open")
        async with self._write_lock:
            conn = self._writer
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    async def run_write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in a write transaction in the database's thread, on the plain sqlite3
        connection, and return what it returns once committed; if it raises, what it did is
        rolled back and the exception is raised here. It must not block on anything but SQLite.

        Writes handed in while a commit is under way go together in the next one (see the
        module's docstring). Once handed in, a write is committed even if the caller is
        cancelled: it is made to be safe to run again, like every write of the bot."""
        if self._writer is None:
            raise DatabaseError("database is not open")
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._writes.append(_Write(work, done))
        if self._committing is None or self._committing.done():
            self._committing = asyncio.create_task(self._commit_writes(), name="group commit")
        return cast(T, await asyncio.shield(done))

    async def _commit_writes(self) -> None:
        while self._writes:
            batch, self._writes = self._writes, []
            works = [write.work for write in batch]
            try:
                writer = self._writer
                if writer is None:
                    raise DatabaseError("database is not open")
                async with self._write_lock:
                    # aiosqlite runs a function in its thread only through this (private)
                    # method; the connection belongs to that thread.
                    outcomes: list[tuple[bool, Any]] = await writer._execute(  # type: ignore[no-untyped-call]
                        _run_batch, writer._conn, works
                    )
            except BaseException as exc:
                # BEGIN or COMMIT failed (or the loop is going away): none of them is committed.
                for write in batch:
                    if not write.done.done():
                        write.done.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            for write, (ok, value) in zip(batch, outcomes, strict=True):
                if write.done.cancelled():
                    continue
                if ok:
                    write.done.set_result(value)
                else:
                    write.done.set_exception(value)

    async def lookup(
        self, to: Callable[[Row], T], sql: str, params: Sequence[Any] = ()
    ) -> T | None:
        """One row found through a key (a primary key or a unique index), read on the event
        loop's own connection: SQLite takes microseconds for it, where the reader's thread costs a
        trip there and back, a loop iteration each way under load. Only for reads that cannot
        take longer than that; everything else goes through `fetch_*`."""
        if self._lookups is None:
            raise DatabaseError("database is not open")
        row = self._lookups.execute(sql, params).fetchone()
        return None if row is None else to(row)

    async def lookup_all(
        self, to: Callable[[Row], T], sql: str, params: Sequence[Any] = ()
    ) -> list[T]:
        """The few rows found through an index (an account's memberships: one per campaign), on
        the event loop's own connection as `lookup` reads one."""
        if self._lookups is None:
            raise DatabaseError("database is not open")
        return [to(row) for row in self._lookups.execute(sql, params).fetchall()]

    # Reads run to completion in one call: a cursor left open on the shared reader connection
    # keeps its read transaction, and every other read would see the database as it was then
    # (the outbox sender re-sent rows it had just marked sent; tests/test_faults.py).
    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = list(await self.reader.execute_fetchall(sql, params))
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self.reader.execute_fetchall(sql, params))

    async def fetch_value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def integrity_check(self) -> str:
        return str(await self.fetch_value("PRAGMA integrity_check"))


@dataclass(frozen=True, slots=True)
class _Write:
    work: Callable[[sqlite3.Connection], Any]
    done: asyncio.Future[Any]


def _run_batch(
    conn: sqlite3.Connection, works: list[Callable[[sqlite3.Connection], Any]]
) -> list[tuple[bool, Any]]:
    """Each work in a savepoint of its own, all in one transaction: (True, result) for each that
    returned, (False, exception) for each that raised and was rolled back alone."""
    outcomes: list[tuple[bool, Any]] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for work in works:
            conn.execute("SAVEPOINT work")
            try:
                value = work(conn)
            except Exception as exc:
                conn.execute("ROLLBACK TO work")
                conn.execute("RELEASE work")
                outcomes.append((False, exc))
            else:
                conn.execute("RELEASE work")
                outcomes.append((True, value))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes


class Repo:
    """A repository: its queries over the database, nothing else to hold."""

    def __init__(self, db: Database) -> None:
        self.db = db


async def insert(conn: aiosqlite.Connection, sql: str, params: Iterable[Any]) -> int:
    cur = await conn.execute(sql, tuple(params))
    rowid = cur.lastrowid
    await cur.close()
    if rowid is None:
        raise DatabaseError("insert returned no row id")
    return rowid


async def select_one(
    conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()
) -> Row | None:
    """One row read on the writer inside its transaction, where the change sees its own writes."""
    async with conn.execute(sql, params) as cur:
        return await cur.fetchone()


async def rowcount(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> int:
    """Run a write in the open transaction; how many rows it changed."""
    cur = await conn.execute(sql, params)
    changed = cur.rowcount
    await cur.close()
    return changed


async def changed_one(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> bool:
    """Run a write meant for one row; whether it took: the guarded UPDATE found its row still as
    the caller saw it, the INSERT ... ON CONFLICT DO NOTHING added its row."""
    return await rowcount(conn, sql, params) == 1


def add_given(clauses: list[str], params: list[Any], *tests: tuple[str, object]) -> None:
    """Append each `(clause, value)` whose value is given: a filter left as None stays open.

    Each clause takes its value as its one `?` parameter.
    """
    for clause, value in tests:
        if value is not None:
            clauses.append(clause)
            params.append(value)


def contains(text: str) -> str:
    """A LIKE pattern that finds `text` anywhere, its `%`, `_` and backslashes taken as
    themselves: for `LIKE ? ESCAPE '\\'`, so that what a person types is never a wildcard."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def marks(values: Sized) -> str:
    """One `?` for each value, comma-separated: the placeholders of an `IN (...)` or `VALUES
    (...)` whose values are bound as parameters, never written into the SQL."""
    return ", ".join("?" * len(values))
