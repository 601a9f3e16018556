"""Storage: the SQLite database itself (migrations, WAL, foreign keys, transactions) and the
catalog import."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

from storage.catalog import import_catalog
from storage.db import Database, DatabaseError, contains
from tests.cli_helpers import run_program
from tests.conftest import MIGRATIONS, ROOT
from tests.storage_helpers import CATALOG_TABLES, NOW, _counts, example_catalog

# --- the database -------------------------------------------------------------------------------


async def test_a_fresh_database_is_migrated_with_wal_and_foreign_keys(db: Database) -> None:
    assert db.path.exists()
    assert str(await db.fetch_value("PRAGMA journal_mode")).lower() == "wal"
    assert await db.fetch_value("PRAGMA foreign_keys") == 1
    async with db.transaction() as conn, conn.execute("PRAGMA foreign_keys") as cur:
        row = await cur.fetchone()
    assert row is not None and row[0] == 1
    assert MIGRATIONS, "no migrations found"
    version = await db.fetch_value("PRAGMA user_version")
    # The version is the last migration's number (0005 is reserved while it is being written).
    assert version == MIGRATIONS[-1][0]
    tables = {r[0] for r in await db.fetch_all("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {*CATALOG_TABLES, "persons", "invitations", "visits", "items", "photos"} <= tables
    assert await db.integrity_check() == "ok"


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO units (campaign_id, code, name) VALUES (999, 'u', 'U')")


async def test_reopening_does_not_reapply_migrations(tmp_path: Path) -> None:
    path = tmp_path / "reopen.sqlite3"
    first = Database(path)
    await first.open()
    await import_catalog(first, example_catalog(), now=NOW)
    before = await _counts(first)
    await first.close()

    second = Database(path)
    await second.open()  # a re-applied CREATE TABLE would fail here
    try:
        assert await second.fetch_value("PRAGMA user_version") == MIGRATIONS[-1][0]
        assert await _counts(second) == before
    finally:
        await second.close()


async def test_a_rolled_back_transaction_leaves_nothing(db: Database) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO campaigns (code, name, year, timezone, imported_at) "
                "VALUES ('c', 'C', 2025, 'Asia/Shanghai', '2025-01-01T00:00:00+00:00')"
            )
            await conn.execute("INSERT INTO units (campaign_id, code, name) VALUES (1, 'u', 'U')")
            raise Boom
    assert await _counts(db, ("campaigns", "units")) == {"campaigns": 0, "units": 0}
    # The connection is usable afterwards: the transaction really ended.
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO campaigns (code, name, year, timezone, imported_at) "
            "VALUES ('c', 'C', 2025, 'Asia/Shanghai', '2025-01-01T00:00:00+00:00')"
        )
    assert await db.fetch_value("SELECT COUNT(*) FROM campaigns") == 1


async def test_a_like_pattern_takes_wildcards_as_typed(db: Database) -> None:
    # What a person searches for is text: "%" and "_" match only themselves, anywhere.
    names = ["50% off", "5000 off", "a_b", "axb", "back\\slash"]
    sql = "SELECT value FROM json_each(?) WHERE value LIKE ? ESCAPE '\\' ORDER BY value"
    for typed, found in (("0%", ["50% off"]), ("_", ["a_b"]), ("\\", ["back\\slash"])):
        rows = await db.fetch_all(sql, (json.dumps(names), contains(typed)))
        assert [r[0] for r in rows] == found


async def test_a_closed_database_refuses_work(tmp_path: Path) -> None:
    database = Database(tmp_path / "closed.sqlite3")
    with pytest.raises(DatabaseError):
        _ = database.reader
    with pytest.raises(DatabaseError):
        async with database.transaction():
            pass


async def test_an_unopenable_path_is_a_database_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="cannot open database"):
        await Database(tmp_path).open()  # a directory, not a file


# An operator's failed start: the clear error, then nothing more (once a thread's traceback).
_OPEN_A_DIRECTORY = """
import asyncio, sys
from pathlib import Path
from storage.db import Database, DatabaseError

async def main() -> None:
    try:
        await Database(Path(sys.argv[1])).open()
    except DatabaseError as exc:
        print(exc)

asyncio.run(main())
"""


async def test_a_failed_open_says_one_thing_and_leaves_no_worker_behind(tmp_path: Path) -> None:
    done = await run_program(
        sys.executable, "-c", _OPEN_A_DIRECTORY, tmp_path, cwd=ROOT, seconds=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("cannot open database"), done.stdout
    assert done.stderr == ""


# --- catalog import -----------------------------------------------------------------------------


async def test_import_creates_the_catalog(db: Database) -> None:
    catalog = example_catalog()
    report = await import_catalog(db, catalog, now=NOW)
    assert report.changed
    assert report.campaign_code == catalog.campaign.code
    counts = await _counts(db)
    assert counts["campaigns"] == 1
    assert counts["units"] == len(catalog.units)
    assert counts["projects"] == len(catalog.projects)
    assert counts["subitems"] == len(catalog.subitems)
    assert counts["sites"] == len(catalog.sites)
    assert counts["groups"] == len(catalog.groups)
    assert counts["categories"] == len(catalog.categories)
    assert report.created["sites"] == len(catalog.sites)
    assert report.updated.get("sites", 0) == 0


async def test_a_first_import_reports_nothing_as_updated(db: Database) -> None:
    report = await import_catalog(db, example_catalog(), now=NOW)
    assert report.updated == {}
    assert report.created.get("group_projects", 0) == await db.fetch_value(
        "SELECT COUNT(*) FROM group_projects"
    )


async def test_importing_the_same_catalog_again_changes_nothing(db: Database) -> None:
    catalog = example_catalog()
    await import_catalog(db, catalog, now=NOW)
    before = await _counts(db)
    ids = await db.fetch_all("SELECT id, code FROM sites ORDER BY id")
    report = await import_catalog(db, catalog, now=NOW)
    assert report.changed is False
    assert report.created == {} and report.updated == {}
    assert report.unchanged["sites"] == len(catalog.sites)
    assert await _counts(db) == before
    assert [tuple(r) for r in await db.fetch_all("SELECT id, code FROM sites ORDER BY id")] == [
        tuple(r) for r in ids
    ]


async def test_a_renamed_site_is_exactly_one_update(db: Database) -> None:
    catalog = example_catalog()
    await import_catalog(db, catalog, now=NOW)
    before = await _counts(db)
    renamed = catalog.sites[3].model_copy(update={"name": "新名称点位"})
    edited = catalog.model_copy(update={"sites": [*catalog.sites[:3], renamed, *catalog.sites[4:]]})
    old = await db.fetch_one("SELECT id, name FROM sites WHERE code = ?", (renamed.code,))
    assert old is not None
    report = await import_catalog(db, edited, now=NOW)
    assert report.changed
    assert report.created == {}
    assert report.updated == {"sites": 1}
    assert await _counts(db) == before
    new = await db.fetch_one("SELECT id, name FROM sites WHERE code = ?", (renamed.code,))
    assert new is not None
    assert (new["id"], new["name"]) == (old["id"], "新名称点位")


async def test_imported_sites_are_stored_in_wgs84(db: Database) -> None:
    catalog = example_catalog()
    await import_catalog(db, catalog, now=NOW)
    for site in catalog.sites:
        row = await db.fetch_one(
            "SELECT lat, lon, source_crs, source_lat, source_lon FROM sites WHERE code = ?",
            (site.code,),
        )
        assert row is not None
        lat, lon = site.wgs84()
        assert row["lat"] == pytest.approx(lat, abs=1e-7)
        assert row["lon"] == pytest.approx(lon, abs=1e-7)
        assert (row["source_crs"], row["source_lat"], row["source_lon"]) == (
            str(site.crs),
            site.lat,
            site.lon,
        )
