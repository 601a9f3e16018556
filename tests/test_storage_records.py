"""Storage: site visits (VisitRepo) and photos on items and visits (PhotoRepo)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.geo import Presence, PresenceReason
from bot.likeness import SIGNATURE_BYTES
from bot.photostore import StoredFiles
from bot.records import NewPhoto, PhotoFacts, PhotoTarget
from bot.visits import NewVisit, Position
from tests.storage_helpers import NOW, World, _complete_draft, imported_template, world

# The fixtures live in tests/storage_helpers.py; world needs imported_template in reach.
__all__ = ["imported_template", "world"]


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
        facts=PhotoFacts(
            sha256=sha,
            format="JPEG",
            width=1600,
            height=1200,
            size_bytes=123_456,
            phash=0x0123_4567_89AB_CDEF,
            signature=bytes(range(SIGNATURE_BYTES)),
            taken_at=NOW - timedelta(minutes=10),
            gps_lat=None,
            gps_lon=None,
        ),
        files=StoredFiles(f"originals/{sha}.jpg", f"display/{sha}.jpg", f"thumbs/{sha}.jpg"),
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
