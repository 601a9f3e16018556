"""The campaign catalog: one TOML file describing a year's supervision, as validated models.

Staff write the catalog by hand (or from a spreadsheet) and import it with
`deputy-bot import --config config.toml CATALOG.toml`. Codes are stable identifiers: re-importing an
edited file updates the rows with the same codes.

Sections (see bot/examples/hangzhou.toml for a full, commented example):

    [campaign]       code, name, year, timezone (default Asia/Shanghai), authority
    [[units]]        lead implementing units (牵头实施单位): code, name
    [[projects]]     code, title (<= 30 chars, shown on buttons), description, level, district
    [[subitems]]     code, project, title, target (free text), unit, and optionally
                     [[subitems.targets]] (code, value + unit or percent, deadline, label) and
                     [[subitems.milestones]] (date, label)
    [[sites]]        code, name, address, district, project, subitem, lat, lon, crs, radius_m,
                     illustrative
    [[groups]]       supervision groups (监督小组): code, name, led_by, projects, units
    [[categories]]   problem categories; when the section is absent DEFAULT_CATEGORIES are used
    [[phases]]       the year's stages: name, name_en, start, end (bot/catalog_calendar.py)
    [[key_dates]]    meetings, the supervision week, inspections: name, name_en, date, kind

A value's own checks are in bot/catalog_fields.py; the cross-references (duplicate codes, unknown
references, coverage) are checked here, so that a Catalog built in code is as consistent as one
read from a file. Reading a file and reporting all its problems at once is bot/catalog_file.py's.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot import catalog_fields as check
from bot.catalog_calendar import KeyDate, Phase, calendar_errors
from bot.catalog_fields import Code, Name, Ref
from bot.catalog_targets import Milestone, Target
from bot.geo import CRS, to_wgs84

__all__ = [
    "DEFAULT_CATEGORIES",
    "SECTIONS",
    "SECTION_ORDER",
    "Campaign",
    "Catalog",
    "CatalogError",
    "Category",
    "Found",
    "Group",
    "KeyDate",
    "Level",
    "Milestone",
    "Phase",
    "Project",
    "Site",
    "Subitem",
    "Target",
    "Unit",
    "reference_errors",
]


class CatalogError(Exception):
    """A catalog that cannot be used; `errors` lists every problem as "path: message"."""

    def __init__(self, errors: Sequence[str], source: str = "catalog") -> None:
        self.errors: list[str] = list(errors)
        self.source = source
        super().__init__(self.errors, source)

    def __str__(self) -> str:
        n = len(self.errors)
        head = f"{self.source}: {n} error{'' if n == 1 else 's'}"
        return "\n".join([head, *(f"  {e}" for e in self.errors)])


Level = Literal["city", "district"]


class _Model(BaseModel):
    # strict: TOML already has types, so "30.2" (a string) for lat is a mistake, not a number.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Campaign(_Model):
    code: Annotated[str, AfterValidator(check.campaign_code)]
    name: Name
    year: Annotated[int, AfterValidator(check.between(2000, 2100))]
    timezone: Annotated[str, AfterValidator(check.timezone)] = "Asia/Shanghai"
    authority: Name  # who supervises; signs the letters

    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Unit(_Model):
    """A lead implementing unit (牵头实施单位)."""

    code: Code
    name: Name


class Project(_Model):
    """One voted livelihood project (民生实事项目)."""

    code: Code
    title: Annotated[str, AfterValidator(check.text(30))]
    description: Annotated[
        str, AfterValidator(check.text(2000, required=False, single_line=False))
    ] = ""
    level: Annotated[Level, BeforeValidator(check.one_of("city", "district"))] = "city"
    # Validated even when absent, so that a district project without a district is reported.
    district: Annotated[str, AfterValidator(check.text(50, required=False))] = Field(
        default="", validate_default=True
    )

    @field_validator("district")
    @classmethod
    def _district_matches_level(cls, value: str, info: ValidationInfo) -> str:
        level = info.data.get("level")
        if level == "district" and not value:
            raise check.fail('is required when level is "district"')
        if level == "city" and value:
            raise check.fail('must be empty when level is "city"')
        return value


class Subitem(_Model):
    """A measurable part of a project (子项)."""

    code: Code
    project: Ref
    title: Annotated[str, AfterValidator(check.text(60))]
    target: Annotated[str, AfterValidator(check.text(200, required=False))] = ""
    unit: Ref
    targets: list[Target] = Field(default_factory=list, max_length=10)
    milestones: list[Milestone] = Field(default_factory=list, max_length=24)

    @model_validator(mode="after")
    def _target_codes(self) -> Subitem:
        seen: set[str] = set()
        for key in self.target_keys():
            if key in seen:
                raise check.fail(f"targets: duplicate code {key!r}")
            seen.add(key)
        return self

    def target_keys(self) -> list[str]:
        """Each target's stable key: its code, else its position (1-based)."""
        return [t.code or str(i) for i, t in enumerate(self.targets, start=1)]


class Site(_Model):
    """A place to inspect (点位). lat/lon are as written, in `crs`; wgs84() gives the real point."""

    code: Code
    name: Name
    address: Annotated[str, AfterValidator(check.text(200, required=False))] = ""
    district: Annotated[str, AfterValidator(check.text(50, required=False))] = ""
    project: Ref
    subitem: Annotated[Ref | None, BeforeValidator(check.empty_is_none)] = None
    lat: Annotated[float, AfterValidator(check.between(-90, 90))]
    lon: Annotated[float, AfterValidator(check.between(-180, 180))]
    crs: Annotated[CRS, BeforeValidator(check.crs)] = CRS.WGS84
    radius_m: Annotated[float, AfterValidator(check.between(20, 5000))] = 200.0
    illustrative: bool = False  # made-up coordinates for examples and demos

    def wgs84(self) -> tuple[float, float]:
        """The site's (lat, lon) in WGS-84, the system Telegram locations use."""
        return to_wgs84(self.lat, self.lon, self.crs)


class Group(_Model):
    """A supervision group (监督小组) covering projects and/or lead units."""

    code: Code
    name: Name
    led_by: Annotated[str, AfterValidator(check.text(100, required=False))] = ""
    projects: list[Ref] = Field(default_factory=list)
    units: list[Ref] = Field(default_factory=list)


class Category(_Model):
    """A problem category (问题类别)."""

    code: Code
    name: Name
    name_en: Annotated[str, AfterValidator(check.text(100, required=False))] = ""


DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category(code="progress", name="进度滞后", name_en="Behind schedule"),
    Category(code="quality", name="工程质量", name_en="Construction quality"),
    Category(code="safety", name="施工/运行安全", name_en="Construction or operating safety"),
    Category(code="funds", name="资金拨付与使用", name_en="Funding and its use"),
    Category(code="maintenance", name="运维管护", name_en="Operation and maintenance"),
    Category(code="policy", name="政策落地/标准执行", name_en="Policy delivery and standards"),
    Category(code="siting", name="选址布局与便民性", name_en="Siting, layout and convenience"),
    Category(
        code="awareness", name="群众知晓与满意度", name_en="Public awareness and satisfaction"
    ),
    Category(code="other", name="其他", name_en="Other"),
)

# Section name -> model, in file order (the order errors are reported in).
SECTIONS: dict[str, type[BaseModel]] = {
    "units": Unit,
    "projects": Project,
    "subitems": Subitem,
    "sites": Site,
    "groups": Group,
    "categories": Category,
    "phases": Phase,
    "key_dates": KeyDate,
}
SECTION_ORDER = {name: i for i, name in enumerate(["file", "campaign", *SECTIONS])}


class Catalog(BaseModel):
    """A whole, consistent campaign catalog. Building one checks every cross-reference."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    campaign: Campaign
    units: list[Unit] = Field(default_factory=list)
    projects: list[Project] = Field(default_factory=list)
    subitems: list[Subitem] = Field(default_factory=list)
    sites: list[Site] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)
    categories: list[Category] = Field(default_factory=lambda: list(DEFAULT_CATEGORIES))
    phases: list[Phase] = Field(default_factory=list)
    key_dates: list[KeyDate] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_references(self) -> Catalog:
        sections = {name: [m.model_dump() for m in getattr(self, name)] for name in SECTIONS}
        errors = [msg for _, msg in sorted(reference_errors(sections), key=lambda f: f[0])]
        if errors:
            raise CatalogError(errors)
        return self

    def project(self, code: str) -> Project | None:
        return next((p for p in self.projects if p.code == code), None)

    def unit(self, code: str) -> Unit | None:
        return next((u for u in self.units if u.code == code), None)

    def subitem(self, code: str) -> Subitem | None:
        return next((s for s in self.subitems if s.code == code), None)

    def subitems_of(self, project_code: str) -> list[Subitem]:
        return [s for s in self.subitems if s.project == project_code]

    def sites_of(self, project_code: str) -> list[Site]:
        return [s for s in self.sites if s.project == project_code]


# --- cross-references ---------------------------------------------------------------------------

Found = tuple[tuple[int, int], str]  # ((section order, item index), "path: message")


def reference_errors(sections: Mapping[str, Sequence[Any]]) -> list[Found]:
    """Duplicate codes, unknown references and coverage, on raw (possibly invalid) entries.

    Works on plain dicts so it can run on entries that failed their own validation: a site whose
    name is missing still gets its project reference checked, and a project with a bad title still
    counts as existing, so one mistake is not reported again as a cascade of others.
    """
    found: list[Found] = []

    def add(section: str, index: int, path: str, message: str) -> None:
        found.append(((SECTION_ORDER[section], index), f"{path}: {message}"))

    def entries(section: str) -> list[tuple[int, Mapping[str, Any]]]:
        return [(i, e) for i, e in enumerate(sections.get(section, [])) if isinstance(e, Mapping)]

    # Duplicate codes, and where each code is defined.
    first: dict[str, dict[str, int]] = {}
    for section in SECTIONS:
        seen = first.setdefault(section, {})
        for i, entry in entries(section):
            code = entry.get("code")
            if not isinstance(code, str):
                continue
            if code in seen:
                add(
                    section,
                    i,
                    f"{section}[{i}].code",
                    f"duplicate code {code!r} (first at {section}[{seen[code]}])",
                )
            else:
                seen[code] = i

    def known(section: str, path_section: str, i: int, path: str, value: Any, what: str) -> bool:
        if not isinstance(value, str) or not value.strip():
            return False  # missing or of the wrong type: already reported by the model
        if value not in first[section]:
            add(path_section, i, path, f"unknown {what} {value!r}")
            return False
        return True

    subitem_project: dict[str, Any] = {}
    for _, entry in entries("subitems"):
        code = entry.get("code")
        if isinstance(code, str) and code not in subitem_project:
            subitem_project[code] = entry.get("project")

    for i, entry in entries("subitems"):
        known("projects", "subitems", i, f"subitems[{i}].project", entry.get("project"), "project")
        known("units", "subitems", i, f"subitems[{i}].unit", entry.get("unit"), "unit")

    for i, entry in entries("sites"):
        project = entry.get("project")
        project_ok = known("projects", "sites", i, f"sites[{i}].project", project, "project")
        subitem = entry.get("subitem")
        if known("subitems", "sites", i, f"sites[{i}].subitem", subitem, "subitem") and project_ok:
            owner = subitem_project.get(str(subitem))
            if isinstance(owner, str) and owner != project:
                message = f"{subitem!r} belongs to project {owner}, not {project}"
                add("sites", i, f"sites[{i}].subitem", message)

    for i, entry in entries("groups"):
        covered = 0
        for key, section, what in (("projects", "projects", "project"), ("units", "units", "unit")):
            refs = entry.get(key, [])
            if not isinstance(refs, list):
                covered += 1  # of the wrong type, already reported: do not add "covers nothing"
                continue
            covered += len(refs)
            listed: set[str] = set()
            for j, ref in enumerate(refs):
                path = f"groups[{i}].{key}[{j}]"
                if known(section, "groups", i, path, ref, what):
                    if ref in listed:
                        add("groups", i, path, f"{ref!r} is listed twice")
                    listed.add(ref)
        if not covered:
            add("groups", i, f"groups[{i}]", "must cover at least one project or unit")

    calendar_errors(sections, add)

    if "categories" in sections and not sections["categories"]:
        add(
            "categories",
            -1,
            "categories",
            "must not be empty (leave the section out to use the default categories)",
        )
    return found
