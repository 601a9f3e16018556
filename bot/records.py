"""The catalog as stored: what the bot shows and links items to (ids are database ids)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CampaignRecord:
    id: int
    code: str
    name: str
    year: int
    timezone: str
    authority: str


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    id: int
    code: str
    title: str
    level: str
    district: str


@dataclass(frozen=True, slots=True)
class SubitemRecord:
    id: int
    project_id: int
    code: str
    title: str
    target: str
    unit_id: int


@dataclass(frozen=True, slots=True)
class SiteRecord:
    id: int
    project_id: int
    subitem_id: int | None
    code: str
    name: str
    district: str
    address: str
    lat: float
    lon: float
    radius_m: float


@dataclass(frozen=True, slots=True)
class CategoryRecord:
    id: int
    code: str
    name: str
    name_en: str

    def label(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


@dataclass(frozen=True, slots=True)
class GroupRecord:
    id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class UnitRecord:
    id: int
    code: str
    name: str
