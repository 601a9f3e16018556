"""Perceptual hashes and the flags a photo earns: near duplicate, far from the site, taken long
before (bot/photos.py hamming and photo_flags)."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.geo import distance_m
from bot.likeness import Earlier
from bot.photos import PhotoFlag, ProcessedPhoto, hamming, photo_flags, process_photo
from tests.images import encode, make_jpeg, make_png
from tests.photo_helpers import WEST_LAKE

SHANGHAI = ZoneInfo("Asia/Shanghai")


def flags_for(photo: ProcessedPhoto, **overrides: object) -> list[PhotoFlag]:
    args: dict[str, object] = {
        "reference_time": datetime(2025, 6, 1, tzinfo=UTC),
        "tz": SHANGHAI,
        "max_age": timedelta(days=3),
        "site": None,
        "max_distance_m": 500.0,
        "earlier": Earlier(),
        "min_likeness": 0.77,
        "legacy_distance": 6,
    }
    args.update(overrides)
    return photo_flags(photo, **args)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def base_photo() -> ProcessedPhoto:
    return process_photo(make_jpeg(320, 240))


# --------------------------------------------------------------------------- hashes


def test_hamming_on_signed_values() -> None:
    assert hamming(0, 0) == 0
    assert hamming(0, 1) == 1
    assert hamming(-1, 0) == 64
    assert hamming(-1, (1 << 64) - 1) == 0  # the same 64 bits, signed and unsigned
    assert hamming(-(1 << 63), 0) == 1
    assert hamming(5, -6) == hamming(-6, 5) == 64


def test_phash_is_signed_64_bit_and_fits_sqlite() -> None:
    # Brightness rising left to right sets every dHash bit: unsigned it would be 2**64 - 1.
    ramp = Image.frombytes("L", (256, 1), bytes(range(256))).resize((640, 480))
    photo = process_photo(encode(ramp, "PNG"))
    assert photo.phash == -1
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE p (h INTEGER)")
    for value in (photo.phash, process_photo(make_jpeg()).phash):
        assert -(1 << 63) <= value < 1 << 63
        db.execute("INSERT INTO p VALUES (?)", (value,))
    stored = [row[0] for row in db.execute("SELECT h FROM p")]
    assert stored[0] == -1


def test_same_picture_reencoded_hashes_nearly_equal() -> None:
    first = process_photo(make_jpeg(1600, 1200, pattern_seed=11))
    again = process_photo(make_jpeg(4000, 3000, pattern_seed=11, quality=60))
    small = process_photo(make_png(640, 480, pattern_seed=11))
    assert hamming(first.phash, again.phash) <= 3
    assert hamming(first.phash, small.phash) <= 3


def test_different_pictures_hash_apart() -> None:
    hashes = [process_photo(make_jpeg(640, 480, pattern_seed=s)).phash for s in range(8)]
    for i, a in enumerate(hashes):
        for b in hashes[i + 1 :]:
            assert hamming(a, b) > 12


# --------------------------------------------------------------------------- flags


def test_near_duplicate_flagged_for_reencoded_picture() -> None:
    earlier = process_photo(make_jpeg(1600, 1200, pattern_seed=5)).signature
    other = process_photo(make_jpeg(1600, 1200, pattern_seed=6)).signature
    resent = process_photo(make_jpeg(3000, 2250, pattern_seed=5, quality=70))
    both = Earlier([other, earlier])
    assert flags_for(resent, earlier=both) == [PhotoFlag.NEAR_DUPLICATE]
    assert flags_for(resent, earlier=Earlier([other])) == []
    assert flags_for(resent, earlier=Earlier()) == []


def test_photos_stored_before_signatures_are_compared_by_their_hash(
    base_photo: ProcessedPhoto,
) -> None:
    three_bits_off = base_photo.phash ^ 0b111
    legacy = Earlier(legacy_hashes=[three_bits_off])
    assert flags_for(base_photo, earlier=legacy, legacy_distance=3)
    assert not flags_for(base_photo, earlier=legacy, legacy_distance=2)


def test_far_from_site(base_photo: ProcessedPhoto) -> None:
    photo = dataclasses.replace(base_photo, gps_lat=WEST_LAKE[0], gps_lon=WEST_LAKE[1])
    site = (WEST_LAKE[0] + 0.01, WEST_LAKE[1])  # about 1.1 km north
    gap = distance_m(*WEST_LAKE, *site)
    assert 1000 < gap < 1200
    assert flags_for(photo, site=site, max_distance_m=500) == [PhotoFlag.FAR_FROM_SITE]
    assert flags_for(photo, site=site, max_distance_m=gap + 1) == []
    assert flags_for(photo, site=None) == []
    no_gps = dataclasses.replace(photo, gps_lat=None, gps_lon=None)
    assert flags_for(no_gps, site=site, max_distance_m=500) == []


def test_far_from_site_from_real_exif() -> None:
    photo = process_photo(make_jpeg(320, 240, gps=(-33.868820, 151.209296)))
    assert flags_for(photo, site=WEST_LAKE, max_distance_m=500) == [PhotoFlag.FAR_FROM_SITE]
    assert flags_for(photo, site=(-33.8690, 151.2095), max_distance_m=500) == []


@pytest.mark.parametrize(
    ("offset", "tz", "flagged"),
    [
        # Shot at 06:00 wall-clock; the reference is 00:00 UTC = 08:00 in Shanghai; max age 1 h.
        (None, SHANGHAI, True),  # 06:00+08 = 22:00 UTC the day before: 2 h old
        (None, ZoneInfo("UTC"), False),  # 06:00 UTC: in the future
        ("+08:00", ZoneInfo("UTC"), True),  # the phone's offset beats the campaign zone
        ("-04:00", SHANGHAI, False),  # 10:00 UTC: in the future
        ("+05:30", ZoneInfo("UTC"), False),  # 00:30 UTC: 30 min in the future
    ],
)
def test_taken_long_before_with_time_zones(
    base_photo: ProcessedPhoto, offset: str | None, tz: ZoneInfo, flagged: bool
) -> None:
    photo = dataclasses.replace(
        base_photo, taken_at=datetime(2025, 6, 1, 6, 0), taken_offset=offset
    )
    flags = flags_for(
        photo,
        reference_time=datetime(2025, 6, 1, 0, 0, tzinfo=UTC),
        tz=tz,
        max_age=timedelta(hours=1),
    )
    assert flags == ([PhotoFlag.TAKEN_LONG_BEFORE] if flagged else [])


def test_unreadable_stored_offset_falls_back_to_campaign_zone(base_photo: ProcessedPhoto) -> None:
    photo = dataclasses.replace(
        base_photo, taken_at=datetime(2025, 6, 1, 6, 0), taken_offset="garbage"
    )
    reference = datetime(2025, 6, 1, 0, 0, tzinfo=UTC)
    assert flags_for(photo, reference_time=reference, max_age=timedelta(hours=1)) == [
        PhotoFlag.TAKEN_LONG_BEFORE
    ]


def test_taken_long_before_from_real_exif() -> None:
    data = make_jpeg(320, 240, taken_at=datetime(2025, 5, 1, 9, 0), offset="+08:00")
    photo = process_photo(data)
    reference = datetime(2025, 5, 3, 9, 0, tzinfo=SHANGHAI)
    assert flags_for(photo, reference_time=reference, max_age=timedelta(days=1)) == [
        PhotoFlag.TAKEN_LONG_BEFORE
    ]
    assert flags_for(photo, reference_time=reference, max_age=timedelta(days=2)) == []


def test_max_age_boundary_is_not_flagged(base_photo: ProcessedPhoto) -> None:
    photo = dataclasses.replace(base_photo, taken_at=datetime(2025, 6, 1, 7, 0))
    reference = datetime(2025, 6, 1, 8, 0, tzinfo=SHANGHAI)
    assert flags_for(photo, reference_time=reference, max_age=timedelta(hours=1)) == []


def test_no_time_no_time_flag(base_photo: ProcessedPhoto) -> None:
    assert base_photo.taken_at is None
    assert flags_for(base_photo, max_age=timedelta(0)) == []


def test_all_flags_together(base_photo: ProcessedPhoto) -> None:
    photo = dataclasses.replace(base_photo, taken_at=datetime(2020, 1, 1), gps_lat=0.5, gps_lon=0.5)
    flags = flags_for(photo, site=WEST_LAKE, earlier=Earlier([base_photo.signature]))
    assert flags == [
        PhotoFlag.TAKEN_LONG_BEFORE,
        PhotoFlag.FAR_FROM_SITE,
        PhotoFlag.NEAR_DUPLICATE,
    ]


def test_reference_time_must_be_aware(base_photo: ProcessedPhoto) -> None:
    with pytest.raises(ValueError, match="aware"):
        flags_for(base_photo, reference_time=datetime(2025, 6, 1))
