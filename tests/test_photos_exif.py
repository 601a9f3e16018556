"""The facts process_photo reads from a photo's EXIF: when it was taken, the offset, and where."""

from __future__ import annotations

from datetime import datetime

import pytest
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from bot.photos import process_photo
from tests.images import encode, make_exif, make_jpeg, make_png, make_webp, pattern_image
from tests.photo_helpers import WEST_LAKE

# --------------------------------------------------------------------------- EXIF facts


def test_exif_time_and_offset_are_read() -> None:
    data = make_jpeg(taken_at=datetime(2025, 5, 20, 9, 30, 15), offset="+08:00")
    photo = process_photo(data)
    assert photo.taken_at == datetime(2025, 5, 20, 9, 30, 15)
    assert photo.taken_at.tzinfo is None
    assert photo.taken_offset == "+08:00"


def test_exif_time_without_offset() -> None:
    photo = process_photo(make_jpeg(taken_at=datetime(2024, 12, 31, 23, 59, 59)))
    assert photo.taken_at == datetime(2024, 12, 31, 23, 59, 59)
    assert photo.taken_offset is None


def test_exif_datetime_is_the_fallback() -> None:
    exif = make_exif(taken_at=datetime(2025, 3, 1, 8, 0), offset="-03:00", original=False)
    data = encode(pattern_image(320, 240), "JPEG", exif=exif)
    photo = process_photo(data)
    assert photo.taken_at == datetime(2025, 3, 1, 8, 0)
    assert photo.taken_offset == "-03:00"


def test_date_time_original_wins_over_date_time() -> None:
    exif = make_exif(taken_at=datetime(2025, 3, 1, 8, 0))
    exif[ExifTags.Base.DateTime] = "2025:04:01 10:00:00"  # edited later
    photo = process_photo(encode(pattern_image(320, 240), "JPEG", exif=exif))
    assert photo.taken_at == datetime(2025, 3, 1, 8, 0)


@pytest.mark.parametrize(
    ("stamp", "offset"),
    [
        ("0000:00:00 00:00:00", "+08:00"),
        ("    :  :     :  :  ", "+08:00"),
        ("2025:13:40 25:00:00", "+08:00"),
        ("yesterday", "+08:00"),
    ],
)
def test_malformed_exif_time_is_none(stamp: str, offset: str) -> None:
    exif = Image.Exif()
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.DateTimeOriginal] = stamp
    exif_ifd[ExifTags.Base.OffsetTimeOriginal] = offset
    photo = process_photo(encode(pattern_image(320, 240), "JPEG", exif=exif))
    assert photo.taken_at is None
    assert photo.taken_offset is None


@pytest.mark.parametrize("offset", ["+8", "08:00", "+08:00:00", "+25:00", "UTC"])
def test_malformed_offset_is_none(offset: str) -> None:
    photo = process_photo(make_jpeg(320, 240, taken_at=datetime(2025, 5, 1), offset=offset))
    assert photo.taken_at == datetime(2025, 5, 1)
    assert photo.taken_offset is None


@pytest.mark.parametrize(
    "position",
    [
        (30.274085, 120.155070),  # N/E: Hangzhou
        (-33.868820, 151.209296),  # S/E: Sydney
        (40.712776, -74.005974),  # N/W: New York
        (-22.906847, -43.172897),  # S/W: Rio de Janeiro
    ],
)
def test_gps_is_read_with_hemisphere_signs(position: tuple[float, float]) -> None:
    photo = process_photo(make_jpeg(320, 240, gps=position))
    assert photo.gps_lat == pytest.approx(position[0], abs=1e-6)
    assert photo.gps_lon == pytest.approx(position[1], abs=1e-6)


def test_gps_in_webp_is_read() -> None:
    photo = process_photo(make_webp(taken_at=datetime(2025, 5, 2, 7, 0), gps=WEST_LAKE))
    assert photo.gps_lat == pytest.approx(WEST_LAKE[0], abs=1e-6)
    assert photo.gps_lon == pytest.approx(WEST_LAKE[1], abs=1e-6)
    assert photo.taken_at == datetime(2025, 5, 2, 7, 0)


def test_no_exif_at_all() -> None:
    photo = process_photo(make_png())
    assert (photo.taken_at, photo.taken_offset, photo.gps_lat, photo.gps_lon) == (None,) * 4


def _gps_jpeg(**tags: object) -> bytes:
    exif = make_exif(gps=WEST_LAKE)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    for name, value in tags.items():
        if value is None:
            del gps[ExifTags.GPS[name]]
        else:
            gps[ExifTags.GPS[name]] = value
    return encode(pattern_image(320, 240), "JPEG", exif=exif)


@pytest.mark.parametrize(
    "tags",
    [
        {"GPSLatitudeRef": None},
        {"GPSLongitudeRef": "X"},
        {"GPSLatitude": (IFDRational(30, 0), IFDRational(0, 1), IFDRational(0, 1))},
        {"GPSLatitude": (IFDRational(95, 1), IFDRational(0, 1), IFDRational(0, 1))},
        {"GPSLongitude": None},
        {
            "GPSLatitude": (IFDRational(0, 1),) * 3,
            "GPSLongitude": (IFDRational(0, 1),) * 3,
        },
    ],
    ids=["no-lat-ref", "bad-lon-ref", "zero-denominator", "lat-95", "no-lon", "null-island"],
)
def test_malformed_gps_is_none(tags: dict[str, object]) -> None:
    photo = process_photo(_gps_jpeg(**tags))
    assert (photo.gps_lat, photo.gps_lon) == (None, None)
