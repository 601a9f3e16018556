"""Coordinates: GCJ-02 / BD-09 conversions, distances, the on-site verdict and nearby ranking."""

from __future__ import annotations

import functools
import math
from datetime import UTC, datetime

import pytest

from bot.errors import Refused
from bot.geo import (
    CRS,
    Presence,
    PresenceReason,
    bd09_to_gcj02,
    distance_m,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    judge_presence,
    out_of_china,
    to_wgs84,
    valid_coordinates,
    wgs84_to_gcj02,
)
from bot.records import SiteRecord
from bot.visits import Position, plan_visit, rank_nearby

# Published vectors (eviltransform's test suite): wgsLat, wgsLng, gcjLat, gcjLng.
GCJ_VECTORS = [
    pytest.param(31.1774276, 121.5272106, 31.17530398364597, 121.531541859215, id="shanghai"),
    pytest.param(22.543847, 113.912316, 22.540796131694766, 113.9171764808363, id="shenzhen"),
    pytest.param(39.911954, 116.377817, 39.91334545536069, 116.38404722455657, id="beijing"),
]

# Published vectors (eviltransform): bdLat, bdLng, wgsLat, wgsLng. See the BD-09 tests below for
# how they were produced.
BD_VECTORS = [
    pytest.param(29.199786, 120.019809, 29.196131605295484, 120.00877901149691, id="bd-1"),
    pytest.param(29.210504, 120.036455, 29.206795749156136, 120.0253853970846, id="bd-2"),
]

# Published vectors of the standard BD-09 formula (wandergis/coordtransform, given there as lng,
# lat): BD-09 (39.915, 116.404) -> GCJ-02, and GCJ-02 (39.915, 116.404) -> BD-09.
BD_TO_GCJ_STANDARD = ((39.915, 116.404), (39.90865673957631, 116.39762729119315))
GCJ_TO_BD_STANDARD = ((39.915, 116.404), (39.92133699351021, 116.41036949371029))

HANGZHOU = (30.2741, 120.1551)  # West Lake area, WGS-84


# --- WGS-84 <-> GCJ-02 ----------------------------------------------------------------------------


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), GCJ_VECTORS)
def test_wgs84_to_gcj02_matches_published_vectors(
    wgs_lat: float, wgs_lon: float, gcj_lat: float, gcj_lon: float
) -> None:
    assert wgs84_to_gcj02(wgs_lat, wgs_lon) == pytest.approx((gcj_lat, gcj_lon), abs=1e-9)


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), GCJ_VECTORS)
def test_gcj02_to_wgs84_inverts_to_under_a_centimetre(
    wgs_lat: float, wgs_lon: float, gcj_lat: float, gcj_lon: float
) -> None:
    lat, lon = gcj02_to_wgs84(gcj_lat, gcj_lon)
    assert distance_m(lat, lon, wgs_lat, wgs_lon) < 0.01
    assert to_wgs84(gcj_lat, gcj_lon, CRS.GCJ02) == (lat, lon)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [HANGZHOU, (30.0, 120.5), (45.75, 126.63), (23.13, 113.26), (43.82, 87.62), (18.25, 109.5)],
)
def test_gcj02_round_trip_across_china(lat: float, lon: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lat, lon))
    assert distance_m(*back, lat, lon) < 0.01


def test_gcj02_shift_in_hangzhou_is_several_hundred_metres() -> None:
    shifted = wgs84_to_gcj02(*HANGZHOU)
    offset = distance_m(*HANGZHOU, *shifted)
    assert 300 < offset < 700


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (51.5007, -0.1246),  # London
        (40.6892, -74.0445),  # New York
        (-33.8568, 151.2153),  # Sydney
        (35.6586, 139.7454),  # Tokyo, east of the box
        (60.0, 100.0),  # Siberia, north of the box
    ],
)
def test_points_outside_china_are_not_shifted(lat: float, lon: float) -> None:
    assert out_of_china(lat, lon)
    assert wgs84_to_gcj02(lat, lon) == (lat, lon)
    assert gcj02_to_wgs84(lat, lon) == (lat, lon)
    assert to_wgs84(lat, lon, CRS.GCJ02) == (lat, lon)


def test_out_of_china_box() -> None:
    assert not out_of_china(*HANGZHOU)
    assert out_of_china(30.0, 72.0)  # west of the box
    assert out_of_china(30.0, 137.9)  # east of the box
    assert out_of_china(0.5, 110.0)  # south of the box
    assert out_of_china(56.0, 110.0)  # north of the box


def test_wgs84_is_returned_unchanged() -> None:
    assert to_wgs84(*HANGZHOU, CRS.WGS84) == HANGZHOU


# --- BD-09 --------------------------------------------------------------------------------------


def test_bd09_to_gcj02_matches_the_standard_formula() -> None:
    (bd_lat, bd_lon), (gcj_lat, gcj_lon) = BD_TO_GCJ_STANDARD
    assert bd09_to_gcj02(bd_lat, bd_lon) == pytest.approx((gcj_lat, gcj_lon), abs=1e-9)


def test_gcj02_to_bd09_matches_the_standard_formula() -> None:
    (gcj_lat, gcj_lon), (bd_lat, bd_lon) = GCJ_TO_BD_STANDARD
    assert gcj02_to_bd09(gcj_lat, gcj_lon) == pytest.approx((bd_lat, bd_lon), abs=1e-9)


@pytest.mark.parametrize(("bd_lat", "bd_lon", "wgs_lat", "wgs_lon"), BD_VECTORS)
def test_bd09_round_trip_through_gcj02(
    bd_lat: float, bd_lon: float, wgs_lat: float, wgs_lon: float
) -> None:
    assert gcj02_to_bd09(*bd09_to_gcj02(bd_lat, bd_lon)) == pytest.approx(
        (bd_lat, bd_lon), abs=1e-6
    )


def _eviltransform_bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """The reference's BD-09 step: the Baidu formula with math.pi where Baidu has pi*3000/180.

    That constant is a known slip in eviltransform (googollee/eviltransform issue #43); it moves
    points by up to tens of metres, so its BD vectors cannot check our (standard) BD-09 step.
    """
    x, y = lon - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * math.pi)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * math.pi)
    return z * math.sin(theta), z * math.cos(theta)


@pytest.mark.parametrize(("bd_lat", "bd_lon", "wgs_lat", "wgs_lon"), BD_VECTORS)
def test_bd_vectors_through_our_gcj02_inverse(
    bd_lat: float, bd_lon: float, wgs_lat: float, wgs_lon: float
) -> None:
    """Given the reference's own BD-09 step, our exact GCJ-02 inverse lands within 15 m.

    (The reference used the one-step approximate inverse; ours is exact, so a few metres apart.)
    """
    lat, lon = gcj02_to_wgs84(*_eviltransform_bd09_to_gcj02(bd_lat, bd_lon))
    assert distance_m(lat, lon, wgs_lat, wgs_lon) < 15


@pytest.mark.parametrize(("bd_lat", "bd_lon", "wgs_lat", "wgs_lon"), BD_VECTORS)
def test_bd09_to_wgs84_is_near_the_published_vectors(
    bd_lat: float, bd_lon: float, wgs_lat: float, wgs_lon: float
) -> None:
    """End to end with the standard BD-09 formula: the same neighbourhood as the reference.

    The gap (10 m and 41 m for these two points) is the reference's math.pi slip, not ours.
    """
    lat, lon = to_wgs84(bd_lat, bd_lon, CRS.BD09)
    assert distance_m(lat, lon, wgs_lat, wgs_lon) < 50
    # And the BD-09 conversion is exactly "BD-09 -> GCJ-02, then the exact GCJ-02 inverse".
    assert (lat, lon) == gcj02_to_wgs84(*bd09_to_gcj02(bd_lat, bd_lon))


def test_bd09_of_a_wgs84_point_converts_back() -> None:
    bd = gcj02_to_bd09(*wgs84_to_gcj02(*HANGZHOU))
    # Baidu's published BD-09 -> GCJ-02 formula is itself only a close inverse (about 0.1 m).
    assert distance_m(*to_wgs84(*bd, CRS.BD09), *HANGZHOU) < 0.5


# --- distances ----------------------------------------------------------------------------------


def test_distance_of_one_degree_of_latitude() -> None:
    assert distance_m(30.0, 120.0, 31.0, 120.0) == pytest.approx(111_195, rel=1e-3)
    assert distance_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(111_195, rel=1e-3)


def test_distance_of_one_degree_of_longitude_shrinks_with_latitude() -> None:
    at_equator = distance_m(0.0, 120.0, 0.0, 121.0)
    at_60 = distance_m(60.0, 120.0, 60.0, 121.0)
    assert at_equator == pytest.approx(111_195, rel=1e-3)
    assert at_60 == pytest.approx(at_equator / 2, rel=1e-3)


def test_distance_is_zero_and_symmetric() -> None:
    assert distance_m(*HANGZHOU, *HANGZHOU) == 0.0
    a, b = HANGZHOU, (30.2800, 120.1700)
    assert distance_m(*a, *b) == pytest.approx(distance_m(*b, *a), abs=1e-9)
    assert distance_m(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * 6_371_008.8, rel=1e-9)


# --- the on-site verdict --------------------------------------------------------------------------


def test_presence_within_radius() -> None:
    assert judge_presence(150.0, 200.0, 10.0, 500.0) == Presence(True, PresenceReason.WITHIN_RADIUS)
    assert judge_presence(200.0, 200.0, None, 500.0).on_site  # on the edge counts
    assert judge_presence(0.0, 200.0, None, 500.0).on_site


def test_presence_allows_for_accuracy() -> None:
    # 230 m from a 200 m site with +-40 m: the circles overlap, so it counts.
    assert judge_presence(230.0, 200.0, 40.0, 500.0) == Presence(True, PresenceReason.WITHIN_RADIUS)
    assert judge_presence(240.0, 200.0, 40.0, 500.0).on_site
    assert judge_presence(241.0, 200.0, 40.0, 500.0) == Presence(False, PresenceReason.TOO_FAR)


def test_presence_too_far_without_accuracy() -> None:
    assert judge_presence(201.0, 200.0, None, 500.0) == Presence(False, PresenceReason.TOO_FAR)
    assert judge_presence(201.0, 200.0, 0.0, 500.0) == Presence(False, PresenceReason.TOO_FAR)


def test_presence_low_accuracy_proves_nothing() -> None:
    # Even right on the site, a cell-tower fix (worse than max_accuracy_m) does not count.
    assert judge_presence(0.0, 200.0, 501.0, 500.0) == Presence(False, PresenceReason.LOW_ACCURACY)
    assert judge_presence(5000.0, 200.0, 1500.0, 500.0).reason is PresenceReason.LOW_ACCURACY
    # Exactly at the limit is still accepted.
    at_limit = judge_presence(600.0, 200.0, 500.0, 500.0)
    assert at_limit == Presence(True, PresenceReason.WITHIN_RADIUS)


def test_presence_without_location() -> None:
    assert judge_presence(None, 200.0, None, 500.0) == Presence(False, PresenceReason.NO_LOCATION)
    assert judge_presence(None, 200.0, 10.0, 500.0).reason is PresenceReason.NO_LOCATION


# --- nearby sites and planned visits ------------------------------------------------------------


def _site(
    site_id: int, project_id: int, lat: float, lon: float, radius_m: float = 200.0
) -> SiteRecord:
    return SiteRecord(
        id=site_id,
        project_id=project_id,
        subitem_id=None,
        code=f"S{site_id:02d}",
        name=f"site {site_id}",
        district="",
        address="",
        lat=lat,
        lon=lon,
        radius_m=radius_m,
    )


def _north_of(metres: float, site_id: int, project_id: int) -> SiteRecord:
    lat = HANGZHOU[0] + metres / 111_195.0
    return _site(site_id, project_id, lat, HANGZHOU[1])


def test_rank_nearby_puts_the_group_first_then_distance() -> None:
    sites = [
        _north_of(900, 1, project_id=10),  # other group, far
        _north_of(100, 2, project_id=10),  # other group, nearest of all
        _north_of(1500, 3, project_id=20),  # own group, farther
        _north_of(500, 4, project_id=20),  # own group, nearer
        _north_of(300, 5, project_id=10),
    ]
    ranked = rank_nearby(sites, *HANGZHOU, within_m=3000, group_project_ids={20}, limit=10)
    assert [n.site.id for n in ranked] == [4, 3, 2, 5, 1]
    assert [n.in_group for n in ranked] == [True, True, False, False, False]
    assert ranked[0].distance_m == pytest.approx(500, rel=1e-3)


def test_rank_nearby_excludes_sites_beyond_reach_and_applies_the_limit() -> None:
    sites = [_north_of(m, i, project_id=10) for i, m in enumerate([2500, 3500, 100, 1000, 50], 1)]
    ranked = rank_nearby(sites, *HANGZHOU, within_m=3000, group_project_ids=set(), limit=3)
    assert [n.site.id for n in ranked] == [5, 3, 4]
    everything = rank_nearby(sites, *HANGZHOU, within_m=3000, group_project_ids=set(), limit=10)
    assert [n.site.id for n in everything] == [5, 3, 4, 1]  # 3500 m is out of reach
    assert rank_nearby(sites, *HANGZHOU, within_m=10, group_project_ids=set(), limit=10) == []
    assert rank_nearby([], *HANGZHOU, within_m=3000, group_project_ids={10}, limit=5) == []


def test_rank_nearby_does_not_let_the_group_beat_the_distance_limit() -> None:
    sites = [_north_of(3100, 1, project_id=20), _north_of(200, 2, project_id=10)]
    ranked = rank_nearby(sites, *HANGZHOU, within_m=3000, group_project_ids={20}, limit=5)
    assert [n.site.id for n in ranked] == [2]


AT = datetime(2025, 6, 3, 9, 30, tzinfo=UTC)


# Person 2's visit in campaign 1 at AT, judged with a 500 m accuracy limit.
_plan = functools.partial(plan_visit, campaign_id=1, person_id=2, at=AT, max_accuracy_m=500)


def test_plan_visit_on_site() -> None:
    site = _north_of(120, 7, project_id=10)
    planned = _plan(
        site=site, position=Position(*HANGZHOU, accuracy_m=15.0, live=False), source_key="msg:1"
    )
    assert planned.site_id == 7
    assert planned.campaign_id == 1 and planned.person_id == 2
    assert planned.source_key == "msg:1" and planned.at == AT
    assert planned.distance_m == pytest.approx(120, rel=1e-3)
    assert planned.presence == Presence(True, PresenceReason.WITHIN_RADIUS)


def test_plan_visit_too_far_and_low_accuracy() -> None:
    site = _north_of(1000, 7, project_id=10)
    far = _plan(site=site, position=Position(*HANGZHOU, accuracy_m=20.0, live=True), source_key="k")
    assert far.presence.reason is PresenceReason.TOO_FAR
    assert far.distance_m == pytest.approx(1000, rel=1e-3)
    vague = _plan(
        site=_north_of(10, 8, project_id=10),
        position=Position(*HANGZHOU, accuracy_m=900.0, live=False),
        source_key="k2",
    )
    assert vague.presence.reason is PresenceReason.LOW_ACCURACY


def test_plan_visit_without_position() -> None:
    planned = _plan(site=_north_of(10, 7, project_id=10), position=None, source_key="k")
    assert planned.distance_m is None
    assert planned.position is None
    assert planned.presence == Presence(False, PresenceReason.NO_LOCATION)


# --- coordinates no place on Earth has ----------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "lon", "valid"),
    [
        (90.0, 180.0, True),
        (-90.0, -180.0, True),
        (0.0, 0.0, True),
        (91.0, 120.15, False),
        (-90.000001, 120.15, False),
        (30.25, 180.000001, False),
        (30.25, -181.0, False),
        (math.nan, 120.15, False),
        (30.25, math.inf, False),
    ],
)
def test_valid_coordinates(lat: float, lon: float, valid: bool) -> None:
    assert valid_coordinates(lat, lon) is valid


@pytest.mark.parametrize(
    ("lat", "lon", "accuracy"),
    [(91.0, 120.15, 10.0), (30.25, 181.0, None), (math.nan, 0.0, None), (*HANGZHOU, -5.0)],
    ids=["lat-91", "lon-181", "nan", "negative-accuracy"],
)
def test_a_position_no_place_on_earth_has_is_refused(
    lat: float, lon: float, accuracy: float | None
) -> None:
    with pytest.raises(Refused) as refused:
        Position(lat, lon, accuracy_m=accuracy, live=False)
    assert refused.value.key == "checkin_location_invalid"
