"""Coordinates: map coordinate systems, distances and the on-site verdict of a check-in.

Telegram locations are WGS-84. Coordinates copied from Chinese map apps are GCJ-02 (Amap, Tencent)
or BD-09 (Baidu), several hundred metres off in Hangzhou; the catalog says which, and everything
we store is WGS-84.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

EARTH_RADIUS_M = 6_371_008.8  # mean radius; haversine error < 0.5 % is fine for site radii
# GCJ-02 is defined on the Krasovsky 1940 ellipsoid.
_KRASOVSKY_A = 6_378_245.0
_KRASOVSKY_EE = 0.00669342162296594323
_BD_X_PI = math.pi * 3000.0 / 180.0


class CRS(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def valid_coordinates(lat: float, lon: float) -> bool:
    """A point on Earth: finite, latitude within ±90°, longitude within ±180°."""
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


def out_of_china(lat: float, lon: float) -> bool:
    """GCJ-02 only shifts points inside mainland China's rough bounding box."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _gcj_delta(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    d = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + d
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (
        (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + d
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (
        (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    radlat = lat / 180.0 * math.pi
    magic = 1 - _KRASOVSKY_EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A * (1 - _KRASOVSKY_EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_KRASOVSKY_A / sqrtmagic * math.cos(radlat) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    if out_of_china(lat, lon):
        return lat, lon
    dlat, dlon = _gcj_delta(lat, lon)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Invert GCJ-02 by fixed-point iteration; converges to well under 1 cm in a few steps."""
    if out_of_china(lat, lon):
        return lat, lon
    wlat, wlon = lat, lon
    for _ in range(30):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        elat, elon = glat - lat, glon - lon
        wlat, wlon = wlat - elat, wlon - elon
        if abs(elat) < 1e-10 and abs(elon) < 1e-10:
            break
    return wlat, wlon


def bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _BD_X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _BD_X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def to_wgs84(lat: float, lon: float, crs: CRS) -> tuple[float, float]:
    """Convert a catalog coordinate in `crs` to WGS-84, the only system we store."""
    if crs is CRS.WGS84:
        return lat, lon
    if crs is CRS.GCJ02:
        return gcj02_to_wgs84(lat, lon)
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


class PresenceReason(StrEnum):
    WITHIN_RADIUS = "within_radius"
    TOO_FAR = "too_far"
    LOW_ACCURACY = "low_accuracy"
    NO_LOCATION = "no_location"


@dataclass(frozen=True, slots=True)
class Presence:
    """Whether a check-in counts as on site, and why."""

    on_site: bool
    reason: PresenceReason


def judge_presence(
    distance: float | None, radius_m: float, accuracy_m: float | None, max_accuracy_m: float
) -> Presence:
    """On site when the reported circle of uncertainty reaches the site's circle.

    A phone reporting +-40 m at 230 m from a 200 m site may well be inside it, so accuracy is
    allowed for; but a fix worse than `max_accuracy_m` (cell-tower positioning) proves nothing.
    """
    if distance is None:
        return Presence(False, PresenceReason.NO_LOCATION)
    accuracy = accuracy_m or 0.0
    if accuracy > max_accuracy_m:
        return Presence(False, PresenceReason.LOW_ACCURACY)
    if distance - accuracy <= radius_m:
        return Presence(True, PresenceReason.WITHIN_RADIUS)
    return Presence(False, PresenceReason.TOO_FAR)
