"""Storage: the SQLite database, catalog import, items, visits, photos, people and persistence."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import lifecycle, rating_rules, review_rules, unit_rules
from bot.catalog import Catalog
from bot.catalog_file import load_catalog
from bot.config import DeadlineSettings
from bot.errors import Refused
from bot.geo import Presence, PresenceReason
from bot.invitations import hash_token, new_token
from bot.items import Item, Kind, Severity, Status, Transition
from bot.likeness import SIGNATURE_BYTES
from bot.notices import Notice
from bot.people import Person, Role
from bot.records import NewPhoto, PhotoTarget, SiteRecord
from bot.visits import NewVisit, Position
from storage.catalog import CatalogRepo, import_catalog
from storage.db import Database, DatabaseError, contains
from storage.items import ItemRepo
from storage.people import PeopleRepo
from storage.photos import PhotoRepo
from storage.visits import VisitRepo
from tests.conftest import EXAMPLE_CATALOG, MIGRATIONS

NOW = datetime(2025, 6, 3, 1, 30, tzinfo=UTC)
DESCRIPTION = "外墙脱落, 存在安全隐患"
CATALOG_TABLES = (
    "campaigns",
    "units",
    "projects",
    "subitems",
    "sites",
    "groups",
    "group_projects",
    "group_units",
    "categories",
)


@cache
def example_catalog() -> Catalog:
    return load_catalog(EXAMPLE_CATALOG)


async def _counts(db: Database, tables: tuple[str, ...] = CATALOG_TABLES) -> dict[str, int]:
    return {t: int(await db.fetch_value(f"SELECT COUNT(*) FROM {t}")) for t in tables}


@dataclass
class World:
    """An imported campaign with a few people, and the repositories."""

    db: Database
    catalog: CatalogRepo
    people: PeopleRepo
    items: ItemRepo
    visits: VisitRepo
    photos: PhotoRepo
    campaign_id: int
    year: int
    group_id: int
    site: SiteRecord
    category_id: int
    deputy_id: int
    other_id: int


async def _invite(
    people: PeopleRepo,
    campaign_id: int,
    name: str,
    *,
    role: Role = Role.DEPUTY,
    group_id: int | None = None,
    token: str | None = None,
    expires_at: datetime | None = None,
) -> int:
    person_id = await people.invite(
        campaign_id=campaign_id,
        name=name,
        role=role,
        group_id=group_id,
        unit_id=None,
        token_hash=hash_token(token or new_token()),
        created_by=None,
        now=NOW,
        expires_at=expires_at or NOW + timedelta(days=7),
    )
    assert person_id is not None  # None only for an input seen before (source_key); none here
    return person_id


async def _build_template(path: Path) -> None:
    database = Database(path)
    await database.open()
    try:
        await import_catalog(database, example_catalog(), now=NOW)
    finally:
        await database.close()


@pytest.fixture(scope="module")
def imported_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the example catalog imported, built once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "imported.sqlite3"
    asyncio.run(_build_template(path))
    assert not path.with_name(path.name + "-wal").exists()  # closed cleanly: one file
    return path


@pytest.fixture
async def world(tmp_path: Path, imported_template: Path) -> AsyncIterator[World]:
    path = tmp_path / "world.sqlite3"
    shutil.copyfile(imported_template, path)
    db = Database(path)
    await db.open()
    try:
        yield await _world(db)
    finally:
        await db.close()


async def _world(db: Database) -> World:
    catalog = CatalogRepo(db)
    campaign = await catalog.campaign()
    assert campaign is not None
    group = await catalog.group_by_code(campaign.id, "G01")
    assert group is not None
    project_id = min(await catalog.group_project_ids(group.id))
    sites = await catalog.sites_of_project(campaign.id, project_id)
    categories = await catalog.categories(campaign.id)
    people = PeopleRepo(db)
    deputy = await _invite(people, campaign.id, "王伟", group_id=group.id)
    other = await _invite(people, campaign.id, "李娜", group_id=group.id)
    return World(
        db=db,
        catalog=catalog,
        people=people,
        items=ItemRepo(db),
        visits=VisitRepo(db),
        photos=PhotoRepo(db),
        campaign_id=campaign.id,
        year=campaign.year,
        group_id=group.id,
        site=sites[0],
        category_id=categories[0].id,
        deputy_id=deputy,
        other_id=other,
    )


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
    assert version == int(MIGRATIONS[-1].name[:4])
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
        assert await second.fetch_value("PRAGMA user_version") == int(MIGRATIONS[-1].name[:4])
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


# --- items --------------------------------------------------------------------------------------


async def _draft(w: World, kind: Kind = Kind.PROBLEM, author: int | None = None) -> int:
    """An empty draft in the world's group, by its deputy unless told."""
    return await w.items.create_draft(
        campaign_id=w.campaign_id,
        kind=kind,
        author_id=author or w.deputy_id,
        group_id=w.group_id,
        now=NOW,
    )


async def _complete_draft(w: World, kind: Kind = Kind.PROBLEM, author: int | None = None) -> int:
    author_id = author or w.deputy_id
    item_id = await _draft(w, kind, author_id)
    fields: dict[str, object] = {"site_id": w.site.id, "description": DESCRIPTION}
    if kind is Kind.PROBLEM:
        fields.update(category_id=w.category_id, severity=Severity.SERIOUS)
    assert await w.items.update_draft(item_id, author_id, NOW, **fields)
    return item_id


async def test_create_and_update_a_draft(world: World) -> None:
    item_id = await _draft(world)
    draft = await world.items.get(item_id)
    assert draft is not None
    assert (draft.status, draft.number, draft.kind) == (Status.DRAFT, None, Kind.PROBLEM)
    assert draft.created_at == NOW and draft.submitted_at is None
    assert draft.description == "" and draft.severity is None

    changed = await world.items.update_draft(
        item_id,
        world.deputy_id,
        NOW,
        site_id=world.site.id,
        severity=Severity.GRAVE,
        description="路面塌陷",
        category_id=world.category_id,
    )
    assert changed
    draft = await world.items.get(item_id)
    assert draft is not None
    assert draft.severity is Severity.GRAVE
    assert draft.site_id == world.site.id and draft.site_name == world.site.name
    assert draft.description == "路面塌陷"
    assert draft.category_id == world.category_id and draft.category_name


async def test_update_draft_refuses_unknown_fields(world: World) -> None:
    item_id = await _complete_draft(world)
    for field in ("status", "number", "kind", "campaign_id", "group_id", "nonsense"):
        with pytest.raises(ValueError, match=field):
            await world.items.update_draft(item_id, world.deputy_id, NOW, **{field: 1})
    item = await world.items.get(item_id)
    assert item is not None and item.status is Status.DRAFT and item.number is None


async def test_update_draft_refuses_non_drafts_and_other_authors(world: World) -> None:
    item_id = await _complete_draft(world)
    items = world.items
    assert not await items.update_draft(item_id, world.other_id, NOW, description="改写别人的")
    await world.items.submit(item_id, world.deputy_id, NOW)
    assert not await world.items.update_draft(item_id, world.deputy_id, NOW, description="提交后")
    item = await world.items.get(item_id)
    assert item is not None and item.description == DESCRIPTION


async def test_submit_numbers_gap_free_across_kinds(world: World) -> None:
    kinds = [Kind.PROBLEM, Kind.SUGGESTION, Kind.PROBLEM]
    drafts = [await _complete_draft(world, kind) for kind in kinds]
    numbers = []
    for item_id in drafts:
        item, newly = await world.items.submit(item_id, world.deputy_id, NOW)
        assert newly
        assert item.status is Status.SUBMITTED and item.submitted_at == NOW
        numbers.append(item.number)
    assert numbers == [1, 2, 3]
    second = await world.items.get(drafts[1])
    assert second is not None
    assert second.display_number == f"{world.year}-0002"


async def test_concurrent_submits_take_each_number_exactly_once(world: World) -> None:
    drafts: list[tuple[int, int]] = []
    for i in range(20):
        author = world.deputy_id if i % 2 else world.other_id
        kind = Kind.PROBLEM if i % 3 else Kind.SUGGESTION
        drafts.append((await _complete_draft(world, kind, author), author))
    results = await asyncio.gather(
        *(world.items.submit(item_id, author, NOW) for item_id, author in drafts)
    )
    assert all(newly for _, newly in results)
    numbers = sorted(item.number or 0 for item, _ in results)
    assert numbers == list(range(1, 21))
    assert {item.id for item, _ in results} == {item_id for item_id, _ in drafts}
    next_number = await world.db.fetch_value(
        "SELECT next_number FROM campaigns WHERE id = ?", (world.campaign_id,)
    )
    assert next_number == 21


async def test_a_second_submit_returns_the_same_number(world: World) -> None:
    item_id = await _complete_draft(world)
    first, newly = await world.items.submit(item_id, world.deputy_id, NOW)
    again, again_newly = await world.items.submit(item_id, world.deputy_id, NOW + timedelta(1))
    assert newly and not again_newly
    assert again.number == first.number == 1
    assert again.submitted_at == NOW
    # No number was used up by the repeat: the next item gets 2.
    nxt, _ = await world.items.submit(await _complete_draft(world), world.deputy_id, NOW)
    assert nxt.number == 2
    assert [e[:2] for e in await world.items.events(item_id)] == [("draft", "submitted")]


async def test_the_same_draft_submitted_twice_at_once_gets_one_number(world: World) -> None:
    item_id = await _complete_draft(world)
    results = await asyncio.gather(
        *(world.items.submit(item_id, world.deputy_id, NOW) for _ in range(5))
    )
    assert [newly for _, newly in results].count(True) == 1
    assert {item.number for item, _ in results} == {1}


async def test_an_incomplete_draft_is_refused_without_using_a_number(world: World) -> None:
    item_id = await _draft(world)
    await world.items.update_draft(item_id, world.deputy_id, NOW, site_id=world.site.id)
    with pytest.raises(Refused) as info:
        await world.items.submit(item_id, world.deputy_id, NOW)
    assert info.value.key == "report_missing_category"
    item = await world.items.get(item_id)
    assert item is not None and item.status is Status.DRAFT and item.number is None
    done, _ = await world.items.submit(await _complete_draft(world), world.deputy_id, NOW)
    assert done.number == 1


async def test_submit_of_someone_elses_or_a_missing_draft_is_refused(world: World) -> None:
    item_id = await _complete_draft(world)
    for author, target in ((world.other_id, item_id), (world.deputy_id, 99_999)):
        with pytest.raises(Refused) as info:
            await world.items.submit(target, author, NOW)
        assert info.value.key == "report_draft_gone"


async def test_delete_draft(world: World) -> None:
    submitted = await _complete_draft(world)
    await world.items.submit(submitted, world.deputy_id, NOW)
    await world.items.delete_draft(submitted, world.deputy_id)
    assert await world.items.get(submitted) is not None  # a submitted item is never deleted

    draft = await _complete_draft(world)
    await world.items.delete_draft(draft, world.other_id)
    assert await world.items.get(draft) is not None  # nor someone else's draft
    await world.items.delete_draft(draft, world.deputy_id)
    assert await world.items.get(draft) is None


async def test_apply_moves_only_from_the_expected_status(world: World) -> None:
    item_id = await _complete_draft(world)
    await world.items.submit(item_id, world.deputy_id, NOW)
    later = NOW + timedelta(hours=1)

    wrong = Transition(item_id, Status.REVIEWED, Status.FORWARDED, world.deputy_id)
    assert not await world.items.apply(wrong, later)
    withdraw = Transition(item_id, Status.SUBMITTED, Status.WITHDRAWN, world.deputy_id, "重复")
    assert await world.items.apply(withdraw, later)
    assert not await world.items.apply(withdraw, later)  # already moved on

    item = await world.items.get(item_id)
    assert item is not None and item.status is Status.WITHDRAWN and item.number == 1
    events = await world.items.events(item_id)
    assert [e[:2] for e in events] == [("draft", "submitted"), ("submitted", "withdrawn")]
    assert events[1][2] == later
    rows = await world.db.fetch_all(
        "SELECT actor_id, note FROM item_events WHERE item_id = ? ORDER BY id", (item_id,)
    )
    assert [tuple(r) for r in rows] == [(world.deputy_id, ""), (world.deputy_id, "重复")]


async def test_own_items_lists_only_submitted_ones(world: World) -> None:
    drafts = [await _complete_draft(world) for _ in range(3)]
    await _complete_draft(world)  # stays a draft
    others = await _complete_draft(world, author=world.other_id)
    await world.items.submit(others, world.other_id, NOW)
    for i, item_id in enumerate(drafts):
        await world.items.submit(item_id, world.deputy_id, NOW + timedelta(minutes=i))
    assert await world.items.count_own(world.deputy_id) == 3
    page = await world.items.list_own(world.deputy_id, offset=0, limit=2)
    assert [i.id for i in page] == [drafts[2], drafts[1]]  # newest first
    rest = await world.items.list_own(world.deputy_id, offset=2, limit=2)
    assert [i.id for i in rest] == [drafts[0]]


# --- visits -------------------------------------------------------------------------------------


def _visit(w: World, source_key: str, at: datetime = NOW) -> NewVisit:
    return NewVisit(
        campaign_id=w.campaign_id,
        person_id=w.deputy_id,
        site_id=w.site.id,
        at=at,
        position=Position(w.site.lat, w.site.lon, accuracy_m=12.0, live=False),
        distance_m=3.5,
        presence=Presence(True, PresenceReason.WITHIN_RADIUS),
        source_key=source_key,
    )


async def test_a_visit_is_recorded_once_per_source_key(world: World) -> None:
    first, created = await world.visits.record(_visit(world, "chat:1:msg:10"))
    again, created_again = await world.visits.record(
        _visit(world, "chat:1:msg:10", NOW + timedelta(minutes=5))
    )
    assert created and not created_again
    assert again == first
    assert first.at == NOW and first.on_site and first.reason == "within_radius"
    assert first.site_name == world.site.name
    assert await world.db.fetch_value("SELECT COUNT(*) FROM visits") == 1

    other, created_other = await world.visits.record(_visit(world, "chat:1:msg:11"))
    assert created_other and other.id != first.id
    assert await world.visits.get(first.id) == first


async def test_a_visit_without_location(world: World) -> None:
    visit = NewVisit(
        campaign_id=world.campaign_id,
        person_id=world.deputy_id,
        site_id=world.site.id,
        at=NOW,
        position=None,
        distance_m=None,
        presence=Presence(False, PresenceReason.NO_LOCATION),
        source_key="k",
    )
    stored, created = await world.visits.record(visit)
    assert created and stored.distance_m is None and not stored.on_site
    assert stored.reason == "no_location"


async def test_recent_visits(world: World) -> None:
    for i in range(4):
        await world.visits.record(_visit(world, f"k{i}", NOW - timedelta(hours=i)))
    recent = await world.visits.recent(world.deputy_id, NOW - timedelta(hours=2, minutes=30))
    assert [v.at for v in recent] == [NOW, NOW - timedelta(hours=1), NOW - timedelta(hours=2)]
    assert len(await world.visits.recent(world.deputy_id, NOW - timedelta(days=1), limit=2)) == 2


# --- photos -------------------------------------------------------------------------------------


def _photo(w: World, target: PhotoTarget, file_unique_id: str, sha: str = "ab" * 32) -> NewPhoto:
    return NewPhoto(
        person_id=w.deputy_id,
        target=target,
        sha256=sha,
        format="JPEG",
        width=1600,
        height=1200,
        size_bytes=123_456,
        original_path=f"originals/{sha}.jpg",
        display_path=f"display/{sha}.jpg",
        thumb_path=f"thumbs/{sha}.jpg",
        phash=0x0123_4567_89AB_CDEF,
        signature=bytes(range(SIGNATURE_BYTES)),
        taken_at=NOW - timedelta(minutes=10),
        gps_lat=None,
        gps_lon=None,
        as_file=True,
        flags=("near_duplicate",),
        file_unique_id=file_unique_id,
        received_at=NOW,
    )


async def test_the_same_file_on_one_record_is_stored_once(world: World) -> None:
    item_id = await _complete_draft(world)
    target = PhotoTarget(item_id=item_id)
    assert not await world.photos.exists(target, "AQADuniq1")
    assert await world.photos.add(_photo(world, target, "AQADuniq1")) == (1, True)
    assert await world.photos.add(_photo(world, target, "AQADuniq1")) == (1, False)
    assert await world.photos.exists(target, "AQADuniq1")
    assert await world.photos.count(target) == 1
    assert await world.photos.add(_photo(world, target, "AQADuniq2")) == (2, True)
    stored = await world.photos.of(target)
    assert [p.flags for p in stored] == [("near_duplicate",), ("near_duplicate",)]
    item = await world.items.get(item_id)
    assert item is not None and item.photo_count == 2


async def test_the_same_file_on_another_record_is_another_photo(world: World) -> None:
    visit, _ = await world.visits.record(_visit(world, "v1"))
    item_id = await _complete_draft(world)
    on_visit, on_item = PhotoTarget(visit_id=visit.id), PhotoTarget(item_id=item_id)
    assert await world.photos.add(_photo(world, on_visit, "same")) == (1, True)
    assert await world.photos.add(_photo(world, on_item, "same")) == (1, True)
    assert await world.db.fetch_value("SELECT COUNT(*) FROM photos") == 2
    deletions, indexed = await world.photos.indexed_after(0)
    assert [(p.item_id, p.visit_id) for p in indexed] == [(None, visit.id), (item_id, None)]
    assert indexed[0].signature == bytes(range(SIGNATURE_BYTES))
    assert indexed[0].phash == 0x0123_4567_89AB_CDEF
    assert await world.photos.indexed_after(indexed[-1].id) == (deletions, [])


async def test_deleted_photos_are_counted_also_through_their_item(world: World) -> None:
    item_id = await _complete_draft(world)
    target = PhotoTarget(item_id=item_id)
    await world.photos.add(_photo(world, target, "one"))
    await world.photos.add(_photo(world, target, "two"))
    assert (await world.photos.indexed_after(0))[0] == 0
    async with world.db.transaction() as conn:
        await conn.execute("DELETE FROM items WHERE id = ?", (item_id,))
    assert await world.photos.indexed_after(0) == (2, [])


def test_a_photo_target_is_exactly_one_record() -> None:
    with pytest.raises(ValueError):
        PhotoTarget()
    with pytest.raises(ValueError):
        PhotoTarget(item_id=1, visit_id=2)
    assert (PhotoTarget(item_id=3).kind, PhotoTarget(item_id=3).value) == ("item", 3)
    assert (PhotoTarget(visit_id=4).kind, PhotoTarget(visit_id=4).value) == ("visit", 4)


# --- people and invitations ---------------------------------------------------------------------


async def test_invite_then_redeem(world: World) -> None:
    token = new_token()
    person_id = await _invite(world.people, world.campaign_id, "张敏", role=Role.STAFF, token=token)
    invited = await world.people.by_id(person_id)
    assert invited is not None
    assert (invited.name, invited.role, invited.telegram_user_id) == ("张敏", Role.STAFF, None)
    stored = await world.db.fetch_value(
        "SELECT token_hash FROM invitations WHERE person_id = ?", (person_id,)
    )
    assert stored == hash_token(token) and stored != token

    person, newly = await world.people.redeem(hash_token(token), 5551, NOW + timedelta(hours=1))
    assert newly and person.id == person_id and person.telegram_user_id == 5551
    assert await world.people.by_telegram_id(5551) == person


async def test_redeeming_twice_with_the_same_account_is_idempotent(world: World) -> None:
    token = new_token()
    await _invite(world.people, world.campaign_id, "赵强", group_id=world.group_id, token=token)
    first, newly = await world.people.redeem(hash_token(token), 5552, NOW)
    later = NOW + timedelta(days=30)  # even after the invitation expired
    again, again_newly = await world.people.redeem(hash_token(token), 5552, later)
    assert newly and not again_newly
    assert again == first
    used = await world.db.fetch_one(
        "SELECT used_at, used_by FROM invitations WHERE token_hash = ?", (hash_token(token),)
    )
    assert used is not None and used["used_by"] == 5552


async def test_a_used_invitation_refuses_another_account(world: World) -> None:
    token = new_token()
    await _invite(world.people, world.campaign_id, "孙丽", group_id=world.group_id, token=token)
    await world.people.redeem(hash_token(token), 5553, NOW)
    with pytest.raises(Refused) as info:
        await world.people.redeem(hash_token(token), 5554, NOW)
    assert info.value.key == "start_token_used"
    assert await world.people.by_telegram_id(5554) is None


async def test_a_registered_account_cannot_take_another_invitation(world: World) -> None:
    first, second = new_token(), new_token()
    await _invite(world.people, world.campaign_id, "周杰", group_id=world.group_id, token=first)
    second_id = await _invite(
        world.people, world.campaign_id, "吴敏", group_id=world.group_id, token=second
    )
    await world.people.redeem(hash_token(first), 5555, NOW)
    with pytest.raises(Refused) as info:
        await world.people.redeem(hash_token(second), 5555, NOW)
    assert info.value.key == "start_already_registered"
    # Nothing changed: the second invitation is still free for its real owner.
    person, newly = await world.people.redeem(hash_token(second), 5556, NOW)
    assert newly and person.id == second_id


async def test_unknown_and_expired_invitations(world: World) -> None:
    with pytest.raises(Refused) as info:
        await world.people.redeem(hash_token(new_token()), 5557, NOW)
    assert info.value.key == "start_token_unknown"

    token = new_token()
    await _invite(
        world.people,
        world.campaign_id,
        "郑华",
        group_id=world.group_id,
        token=token,
        expires_at=NOW + timedelta(days=1),
    )
    with pytest.raises(Refused) as info:
        await world.people.redeem(hash_token(token), 5558, NOW + timedelta(days=1, seconds=1))
    assert info.value.key == "start_token_expired"
    assert await world.people.by_telegram_id(5558) is None


async def test_set_language(world: World) -> None:
    await world.people.set_language(world.deputy_id, "en")
    person = await world.people.by_id(world.deputy_id)
    assert person is not None and person.language == "en"


# --- the closed loop: changes, their events, records and notices in one transaction ------------


async def _person(w: World, person_id: int) -> Person:
    person = await w.people.by_id(person_id)
    assert person is not None
    return person


async def _submitted(w: World, author: int | None = None) -> Item:
    item_id = await _complete_draft(w, author=author)
    item, _ = await w.items.submit(item_id, author or w.deputy_id, NOW)
    return item


async def _leader(w: World) -> Person:
    leader_id = await _invite(
        w.people, w.campaign_id, "张组长", role=Role.LEADER, group_id=w.group_id
    )
    # Joined: only people with a Telegram account are told anything.
    async with w.db.transaction() as conn:
        await conn.execute("UPDATE persons SET telegram_user_id = 4242 WHERE id = ?", (leader_id,))
    return await _person(w, leader_id)


async def _outbox(w: World) -> list[tuple[int, str]]:
    rows = await w.db.fetch_all("SELECT person_id, dedup_key FROM outbox ORDER BY id")
    return [(r[0], r[1]) for r in rows]


async def test_a_change_is_applied_once_with_its_event_and_notice(world: World) -> None:
    item = await _submitted(world)
    leader = await _leader(world)
    parties = await world.items.parties(item)
    assert parties.raisers == (world.deputy_id,) and parties.leaders == (leader.id,)
    change = review_rules.accept(item, leader, parties, NOW)
    assert await world.items.commit(change, NOW)
    # A double tap: the same change again finds the item reviewed already.
    assert not await world.items.commit(change, NOW)
    after = await world.items.get(item.id)
    assert after is not None and after.status is Status.REVIEWED
    events = await world.db.fetch_all(
        "SELECT from_status, to_status, actor_id, kind FROM item_events WHERE item_id = ? ORDER BY id",
        (item.id,),
    )
    assert [tuple(e) for e in events] == [
        ("draft", "submitted", world.deputy_id, "transition"),
        ("submitted", "reviewed", leader.id, "transition"),
    ]
    outbox = await _outbox(world)
    assert [p for p, _ in outbox] == [world.deputy_id]


async def test_a_question_processed_again_after_a_crash_is_asked_once(world: World) -> None:
    item = await _submitted(world)
    leader = await _leader(world)
    ask = review_rules.ask_more(item, leader, "现场照片能否补充？", await world.items.parties(item))
    # The status stays submitted, so the status guard alone would let it in twice.
    assert await world.items.commit(ask, NOW, key="telegram:5001")
    assert await world.items.commit(ask, NOW, key="telegram:5001")  # the same input again
    assert await world.items.commit(ask, NOW, key="telegram:5002")  # asked again, on purpose
    asked = await world.db.fetch_value(
        "SELECT COUNT(*) FROM item_events WHERE item_id = ? AND kind = 'ask_more'", (item.id,)
    )
    assert asked == 2
    assert len(await _outbox(world)) == 2


async def test_one_input_may_change_several_items(world: World) -> None:
    first, second = await _submitted(world), await _submitted(world)
    leader = await _leader(world)
    for item in (first, second):
        change = review_rules.accept(item, leader, await world.items.parties(item), NOW)
        assert await world.items.commit(change, NOW, key="telegram:6001")
    for item in (first, second):
        after = await world.items.get(item.id)
        assert after is not None and after.status is Status.REVIEWED


async def test_a_change_that_cannot_queue_its_notice_changes_nothing(world: World) -> None:
    item = await _submitted(world)
    leader = await _leader(world)
    # A notice to a person who does not exist breaks the foreign key: all or nothing.
    parties = lifecycle.Parties(raisers=(999_999,))
    with pytest.raises(sqlite3.IntegrityError):
        await world.items.commit(review_rules.accept(item, leader, parties, NOW), NOW)
    after = await world.items.get(item.id)
    assert after is not None and after.status is Status.SUBMITTED
    assert await _outbox(world) == []
    assert (
        await world.db.fetch_value("SELECT COUNT(*) FROM item_events WHERE item_id = ?", (item.id,))
        == 1
    )


async def test_a_merged_item_hands_its_raisers_to_the_target(world: World) -> None:
    first = await _submitted(world)
    second = await _submitted(world, author=world.other_id)
    leader = await _leader(world)
    change = review_rules.merge(second, first, leader, await world.items.parties(second))
    assert await world.items.commit(change, NOW)
    merged = await world.items.get(second.id)
    assert merged is not None and merged.status is Status.MERGED
    assert merged.merged_into_id == first.id
    raisers = await world.db.fetch_all(
        "SELECT person_id, via_item_id FROM item_raisers WHERE item_id = ? ORDER BY added_at, person_id",
        (first.id,),
    )
    assert sorted(tuple(r) for r in raisers) == sorted(
        [(world.deputy_id, None), (world.other_id, second.id)]
    )
    assert (await world.items.parties(first)).raisers == (world.deputy_id, world.other_id)


async def _answered(w: World, item: Item) -> Item:
    """Through review, forwarding (to a unit without liaison) and a paper answer."""
    leader = await _leader(w)
    staff = await _person(w, await _invite(w.people, w.campaign_id, "办公厅", role=Role.STAFF))
    policy = lifecycle.Policy(DeadlineSettings(), ZoneInfo("Asia/Shanghai"))
    assert await w.items.commit(
        review_rules.accept(item, leader, await w.items.parties(item), NOW), NOW
    )
    reviewed = await w.items.get(item.id)
    assert reviewed is not None
    unit_id = int(await w.db.fetch_value("SELECT id FROM units ORDER BY id LIMIT 1"))
    parties = await w.items.parties(reviewed, unit_id=unit_id)
    assert await w.items.commit(
        unit_rules.forward(reviewed, staff, unit_id, parties, NOW, policy), NOW
    )
    forwarded = await w.items.get(item.id)
    assert forwarded is not None and forwarded.for_letter and forwarded.round == 1
    assert forwarded.due_at == datetime(2025, 9, 3, 1, 30, tzinfo=UTC)
    change = unit_rules.answer(
        forwarded,
        staff,
        lifecycle.ResponseClass.A,
        "已完成整改",
        await w.items.parties(forwarded),
        NOW,
        on_paper=True,
    )
    assert await w.items.commit(change, NOW)
    answered = await w.items.get(item.id)
    assert answered is not None and answered.status is Status.ANSWERED
    return answered


async def test_one_vote_per_raiser_and_the_rating_closes_the_item(world: World) -> None:
    item = await _answered(world, await _submitted(world))
    deputy = await _person(world, world.deputy_id)
    parties = await world.items.parties(item)
    vote = rating_rules.vote(item, deputy, 1, lifecycle.Rating.BASICALLY, "", parties)
    assert await world.items.record_vote(vote, NOW)
    assert not await world.items.record_vote(vote, NOW)
    votes = await world.items.votes(item.id)
    assert [v.value for v in votes] == [lifecycle.Rating.BASICALLY]
    policy = lifecycle.Policy(DeadlineSettings(), ZoneInfo("Asia/Shanghai"))
    change = rating_rules.conclude_rating(item, votes, parties, NOW, policy, window_over=False)
    assert change is not None and await world.items.commit(change, NOW)
    closed = await world.items.get(item.id)
    assert closed is not None and closed.status is Status.CLOSED and closed.rating == "basically"
    lookback = await world.db.fetch_one(
        "SELECT round, due_at FROM lookbacks WHERE item_id = ?", (item.id,)
    )
    assert lookback is not None and lookback[0] == 1
    assert lookback[1] == "2025-09-01T01:30:00+00:00"  # 90 days after closing
    # A vote arriving after the item closed is not counted.
    late = lifecycle.Vote(item.id, 1, world.other_id, lifecycle.Rating.DISSATISFIED, "")
    assert not await world.items.record_vote(late, NOW)


async def test_notices_of_one_change_to_one_person_are_all_kept(world: World) -> None:
    item = await _submitted(world)
    notices = (
        Notice(world.deputy_id, "notice.reviewed"),
        Notice(world.deputy_id, "notice.forwarded"),
    )
    leader = await _leader(world)
    change = review_rules.accept(item, leader, await world.items.parties(item), NOW)
    assert await world.items.commit(replace(change, notices=notices), NOW)
    assert len(await _outbox(world)) == 2
