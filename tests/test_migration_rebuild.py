"""Migration 0016 (several campaigns) rebuilds persons with foreign keys off (storage/db.py's
hook for such migrations): the people of an existing database are kept, and a rebuild that leaves
a reference dangling is not committed."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from storage.db import Database, DatabaseError, _migrations


async def test_migration_keeps_the_people_of_an_existing_database(tmp_path: Path) -> None:
    """A database at schema 12 (before several campaigns) migrates with its people intact."""
    path = tmp_path / "old.sqlite3"
    with closing(sqlite3.connect(path)) as conn:
        for version, sql in _migrations():
            if version <= 12:
                conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")
        conn.executescript(
            "BEGIN;"
            "INSERT INTO campaigns (id, code, name, year, timezone, imported_at) "
            "VALUES (1, 'c', '活动', 2020, 'Asia/Shanghai', '2020-01-01T00:00:00+00:00');"
            "INSERT INTO persons (id, campaign_id, name, role, telegram_user_id, language, "
            "created_at, blocked_at) VALUES (7, 1, '王芳', 'deputy', 4242, 'en', "
            "'2020-01-01T00:00:00+00:00', '2020-02-01T00:00:00+00:00');"
            "INSERT INTO invitations (person_id, token_hash, created_at, expires_at) "
            "VALUES (7, 'h', '2020-01-01T00:00:00+00:00', '2020-01-08T00:00:00+00:00');"
            "COMMIT;"
        )
    db = Database(path)
    await db.open()
    try:
        row = await db.fetch_one(
            "SELECT id, campaign_id, name, telegram_user_id, language, blocked_at FROM persons"
        )
        assert row is not None and tuple(row) == (
            7,
            1,
            "王芳",
            4242,
            "en",
            "2020-02-01T00:00:00+00:00",
        )
        assert await db.fetch_value("PRAGMA foreign_keys") == 1
        assert await db.fetch_value("SELECT COUNT(*) FROM invitations WHERE person_id = 7") == 1
        # The same account in a second campaign is now possible; twice in one is not.
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO campaigns (id, code, name, year, timezone, imported_at) "
                "VALUES (2, 'd', '区', 2020, 'Asia/Shanghai', '2020-01-01T00:00:00+00:00')"
            )
            await conn.execute(
                "INSERT INTO persons (campaign_id, name, role, telegram_user_id, created_at) "
                "VALUES (2, '王芳', 'deputy', 4242, '2020-01-01T00:00:00+00:00')"
            )
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO persons (campaign_id, name, role, telegram_user_id, created_at) "
                    "VALUES (1, '王芳', 'deputy', 4242, '2020-01-01T00:00:00+00:00')"
                )
    finally:
        await db.close()


async def test_a_rebuild_that_breaks_references_is_rolled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration run with foreign keys off (as 0016 is) that leaves a reference dangling is not
    committed: the database keeps its rows and version, and opening it fails in words."""
    path = tmp_path / "db.sqlite3"
    db = Database(path)
    await db.open()
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO campaigns (id, code, name, year, timezone, imported_at) "
            "VALUES (1, 'c', '活动', 2020, 'Asia/Shanghai', '2020-01-01T00:00:00+00:00')"
        )
        await conn.execute(
            "INSERT INTO persons (campaign_id, name, role, telegram_user_id, created_at) "
            "VALUES (1, '王芳', 'deputy', 4242, '2020-01-01T00:00:00+00:00')"
        )
    version = await db.fetch_value("PRAGMA user_version")
    await db.close()
    broken = "-- foreign_keys: off\nDELETE FROM campaigns;"
    monkeypatch.setattr("storage.db._migrations", lambda: [*_migrations(), (version + 1, broken)])
    with pytest.raises(DatabaseError, match=f"migration {version + 1:04d} broke 1 references"):
        await Database(path).open()
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version
        assert conn.execute("SELECT COUNT(*) FROM campaigns").fetchone()[0] == 1
