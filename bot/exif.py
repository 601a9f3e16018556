"""EXIF facts of a photo: capture time and its offset, GPS position, orientation.

EXIF is attacker-controlled and only informative: anything malformed reads as "not there".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from PIL import ExifTags, Image

__all__ = ["TRANSPOSE", "ExifFacts", "offset_tz", "parse_offset", "read_exif"]

_EXIF_DATETIME = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")

TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True, slots=True)
class ExifFacts:
    orientation: int = 1
    taken_at: datetime | None = None
    taken_offset: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 \t\r\n") or None


def _parse_datetime(value: Any) -> datetime | None:
    text = _text(value)
    match = _EXIF_DATETIME.fullmatch(text) if text else None
    if match is None:
        return None  # includes the "0000:00:00 00:00:00" and blank placeholders cameras write
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second)  # naive: camera wall-clock time
    except ValueError:
        return None


def parse_offset(value: Any) -> str | None:
    text = _text(value)
    match = _EXIF_OFFSET.fullmatch(text) if text else None
    if match is None or int(match[2]) > 14 or int(match[3]) >= 60:
        return None
    return text


def offset_tz(offset: str) -> timezone:
    sign = -1 if offset[0] == "-" else 1
    return timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))


def _gps_coordinate(value: Any, ref: Any, hemispheres: str, limit: float) -> float | None:
    """Degrees from EXIF's (degrees, minutes, seconds) rationals; `hemispheres` is e.g. "NS"."""
    ref_text = (_text(ref) or "").upper()
    if ref_text not in (hemispheres[0], hemispheres[1]):
        return None  # without the reference the sign is a guess, and a wrong guess is far off
    parts = value if isinstance(value, tuple | list) else (value,)
    if not 1 <= len(parts) <= 3:
        return None
    try:
        numbers = [float(part) for part in parts]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if any(not math.isfinite(x) or x < 0 for x in numbers):
        return None  # IFDRational turns a zero denominator into NaN
    degrees: float = sum(x / 60**i for i, x in enumerate(numbers))
    if degrees > limit:
        return None
    return -degrees if ref_text == hemispheres[1] else degrees


def read_exif(im: Image.Image) -> ExifFacts:
    # EXIF is attacker-controlled and only informative: any parsing trouble means "no EXIF".
    try:
        exif = im.getexif()
        ifd0: Mapping[int, Any] = dict(exif)
    except Exception:
        return ExifFacts()
    try:
        exif_ifd: Mapping[int, Any] = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:
        exif_ifd = {}
    try:
        gps_ifd: Mapping[int, Any] = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:
        gps_ifd = {}

    orientation = ifd0.get(ExifTags.Base.Orientation, 1)
    if not isinstance(orientation, int) or orientation not in TRANSPOSE:
        orientation = 1

    taken_at = _parse_datetime(exif_ifd.get(ExifTags.Base.DateTimeOriginal))
    offset_tag = ExifTags.Base.OffsetTimeOriginal
    if taken_at is None:
        # Edited or re-saved files often keep only DateTime (the last change): the best estimate
        # left. OffsetTime is the offset that belongs to it.
        taken_at = _parse_datetime(ifd0.get(ExifTags.Base.DateTime))
        offset_tag = ExifTags.Base.OffsetTime
    taken_offset = parse_offset(exif_ifd.get(offset_tag)) if taken_at else None

    lat = _gps_coordinate(
        gps_ifd.get(ExifTags.GPS.GPSLatitude), gps_ifd.get(ExifTags.GPS.GPSLatitudeRef), "NS", 90
    )
    lon = _gps_coordinate(
        gps_ifd.get(ExifTags.GPS.GPSLongitude), gps_ifd.get(ExifTags.GPS.GPSLongitudeRef), "EW", 180
    )
    if lat is None or lon is None or (lat == 0.0 and lon == 0.0):
        lat = lon = None  # 0,0 is what cameras write when they had no fix
    return ExifFacts(orientation, taken_at, taken_offset, lat, lon)
