"""Visits (check-ins): a deputy's presence at a site, proved by location."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from bot.errors import require
from bot.geo import Presence, distance_m, judge_presence, valid_coordinates
from bot.records import SiteRecord


@dataclass(frozen=True, slots=True)
class Position:
    """A shared Telegram location (WGS-84).

    Clients (and forged updates) can send any numbers; a visit measured from a point that does
    not exist would still be stored and counted, so no such position can be made.
    """

    lat: float
    lon: float
    accuracy_m: float | None
    live: bool

    def __post_init__(self) -> None:
        require(valid_coordinates(self.lat, self.lon), "checkin_location_invalid")
        # A negative accuracy would shrink the distance in judge_presence and fake presence.
        accuracy = self.accuracy_m
        require(
            accuracy is None or (math.isfinite(accuracy) and accuracy >= 0),
            "checkin_location_invalid",
        )


@dataclass(frozen=True, slots=True)
class NewVisit:
    campaign_id: int
    person_id: int
    site_id: int
    at: datetime
    position: Position | None
    distance_m: float | None
    presence: Presence
    source_key: str


@dataclass(frozen=True, slots=True)
class Visit:
    id: int
    person_id: int
    site_id: int
    site_name: str
    at: datetime
    distance_m: float | None
    on_site: bool
    reason: str


def plan_visit(
    *,
    campaign_id: int,
    person_id: int,
    site: SiteRecord,
    position: Position | None,
    at: datetime,
    source_key: str,
    max_accuracy_m: float,
) -> NewVisit:
    """Measure the distance to the chosen site and judge whether the deputy is on site."""
    distance = (
        None if position is None else distance_m(position.lat, position.lon, site.lat, site.lon)
    )
    presence = judge_presence(
        distance, site.radius_m, position.accuracy_m if position else None, max_accuracy_m
    )
    return NewVisit(campaign_id, person_id, site.id, at, position, distance, presence, source_key)


@dataclass(frozen=True, slots=True)
class NearbySite:
    site: SiteRecord
    distance_m: float
    in_group: bool


def rank_nearby(
    sites: list[SiteRecord],
    lat: float,
    lon: float,
    *,
    within_m: float,
    group_project_ids: set[int],
    limit: int,
) -> list[NearbySite]:
    """Sites within reach, the deputy's own group's first, then by distance."""
    found = []
    for site in sites:
        d = distance_m(lat, lon, site.lat, site.lon)
        if d <= within_m:
            found.append(NearbySite(site, d, site.project_id in group_project_ids))
    found.sort(key=lambda n: (not n.in_group, n.distance_m))
    return found[:limit]
