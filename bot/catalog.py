"""The campaign catalog: one TOML file describing a year's supervision, and its strict validation.

Staff write the catalog by hand (or from a spreadsheet) and import it with
`deputy-bot import --config config.toml CATALOG.toml`. Codes are stable identifiers: re-importing an
edited file updates the rows with the same codes.

Sections (see examples/hangzhou.toml for a full, commented example):

    [campaign]       code, name, year, timezone (default Asia/Shanghai), authority
    [[units]]        lead implementing units (牵头实施单位): code, name
    [[projects]]     code, title (<= 30 chars, shown on buttons), description, level, district
    [[subitems]]     code, project, title, target, unit
    [[sites]]        code, name, address, district, project, subitem, lat, lon, crs, radius_m,
                     illustrative
    [[groups]]       supervision groups (监督小组): code, name, led_by, projects, units
    [[categories]]   problem categories; when the section is absent DEFAULT_CATEGORIES are used

Validation is strict and complete: `parse_catalog` reports every problem it finds at once, each as
"path: message" with list indices as [n], e.g. "sites[12].lat: must be between -90 and 90".
Unknown keys are errors, so a misspelt key never silently falls back to a default.

Limits beyond the obvious ones: codes are 1-32 of [A-Za-z0-9_-] (the campaign code 2-40 of
[a-z0-9-]); names and titles are single lines; project titles <= 30 characters, sub-item titles
<= 60, names <= 100, targets and addresses <= 200, descriptions <= 2000.
"""

from __future__ import annotations

import re
import tomllib
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.geo import CRS, to_wgs84

__all__ = [
    "DEFAULT_CATEGORIES",
    "Campaign",
    "Catalog",
    "CatalogError",
    "Category",
    "Group",
    "Level",
    "Project",
    "Site",
    "Subitem",
    "Unit",
    "load_catalog",
    "parse_catalog",
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


# --- field checks -------------------------------------------------------------------------------
# Each raises a PydanticCustomError whose message is already the short human text we report. The
# message goes through the context so that braces in it are never taken for template fields.


def _fail(reason: str) -> PydanticCustomError:
    return PydanticCustomError("catalog", "{reason}", {"reason": reason})


_CODE_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_CAMPAIGN_CODE_RE = re.compile(r"[a-z0-9-]{2,40}")


def _code(value: str) -> str:
    if not _CODE_RE.fullmatch(value):
        raise _fail(f"must be 1-32 letters, digits, '-' or '_' (got {value!r})")
    return value


def _campaign_code(value: str) -> str:
    if not _CAMPAIGN_CODE_RE.fullmatch(value):
        raise _fail(f"must be 2-40 lowercase letters, digits or '-' (got {value!r})")
    return value


def _text(max_len: int, *, required: bool = True, single_line: bool = True) -> Callable[[str], str]:
    """Strip surrounding whitespace; check emptiness, length and line breaks."""

    def check(value: str) -> str:
        value = value.strip()
        if required and not value:
            raise _fail("must not be empty")
        if single_line and ("\n" in value or "\r" in value):
            raise _fail("must be a single line")
        if len(value) > max_len:
            raise _fail(f"must be at most {max_len} characters (has {len(value)})")
        return value

    return check


def _between(lo: float, hi: float) -> Callable[[float], float]:
    def check(value: float) -> float:
        if not (lo <= value <= hi):  # also false for NaN
            raise _fail(f"must be between {lo:g} and {hi:g}")
        return value

    return check


def _timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise _fail(f"unknown time zone {value!r} (use a name like Asia/Shanghai)") from None
    return value


def _one_of(*choices: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, str) or value not in choices:
            raise _fail("must be one of " + ", ".join(choices))
        return value

    return check


def _crs(value: Any) -> Any:
    if isinstance(value, CRS):
        return value
    if not isinstance(value, str) or value not in {c.value for c in CRS}:
        raise _fail("must be one of " + ", ".join(c.value for c in CRS))
    return CRS(value)


def _empty_is_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


Code = Annotated[str, AfterValidator(_code)]
Ref = Annotated[str, AfterValidator(_text(32))]  # a reference; whether it exists is checked later
Name = Annotated[str, AfterValidator(_text(100))]
Level = Literal["city", "district"]


class _Model(BaseModel):
    # strict: TOML already has types, so "30.2" (a string) for lat is a mistake, not a number.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Campaign(_Model):
    code: Annotated[str, AfterValidator(_campaign_code)]
    name: Name
    year: Annotated[int, AfterValidator(_between(2000, 2100))]
    timezone: Annotated[str, AfterValidator(_timezone)] = "Asia/Shanghai"
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
    title: Annotated[str, AfterValidator(_text(30))]
    description: Annotated[str, AfterValidator(_text(2000, required=False, single_line=False))] = ""
    level: Annotated[Level, BeforeValidator(_one_of("city", "district"))] = "city"
    # Validated even when absent, so that a district project without a district is reported.
    district: Annotated[str, AfterValidator(_text(50, required=False))] = Field(
        default="", validate_default=True
    )

    @field_validator("district")
    @classmethod
    def _district_matches_level(cls, value: str, info: ValidationInfo) -> str:
        level = info.data.get("level")
        if level == "district" and not value:
            raise _fail('is required when level is "district"')
        if level == "city" and value:
            raise _fail('must be empty when level is "city"')
        return value


class Subitem(_Model):
    """A measurable part of a project (子项)."""

    code: Code
    project: Ref
    title: Annotated[str, AfterValidator(_text(60))]
    target: Annotated[str, AfterValidator(_text(200, required=False))] = ""
    unit: Ref


class Site(_Model):
    """A place to inspect (点位). lat/lon are as written, in `crs`; wgs84() gives the real point."""

    code: Code
    name: Name
    address: Annotated[str, AfterValidator(_text(200, required=False))] = ""
    district: Annotated[str, AfterValidator(_text(50, required=False))] = ""
    project: Ref
    subitem: Annotated[Ref | None, BeforeValidator(_empty_is_none)] = None
    lat: Annotated[float, AfterValidator(_between(-90, 90))]
    lon: Annotated[float, AfterValidator(_between(-180, 180))]
    crs: Annotated[CRS, BeforeValidator(_crs)] = CRS.WGS84
    radius_m: Annotated[float, AfterValidator(_between(20, 5000))] = 200.0
    illustrative: bool = False  # made-up coordinates for examples and demos

    def wgs84(self) -> tuple[float, float]:
        """The site's (lat, lon) in WGS-84, the system Telegram locations use."""
        return to_wgs84(self.lat, self.lon, self.crs)


class Group(_Model):
    """A supervision group (监督小组) covering projects and/or lead units."""

    code: Code
    name: Name
    led_by: Annotated[str, AfterValidator(_text(100, required=False))] = ""
    projects: list[Ref] = Field(default_factory=list)
    units: list[Ref] = Field(default_factory=list)


class Category(_Model):
    """A problem category (问题类别)."""

    code: Code
    name: Name
    name_en: Annotated[str, AfterValidator(_text(100, required=False))] = ""


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
_SECTIONS: dict[str, type[_Model]] = {
    "units": Unit,
    "projects": Project,
    "subitems": Subitem,
    "sites": Site,
    "groups": Group,
    "categories": Category,
}
_ORDER = {name: i for i, name in enumerate(["file", "campaign", *_SECTIONS])}


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

    @model_validator(mode="after")
    def _check_references(self) -> Catalog:
        sections = {name: [m.model_dump() for m in getattr(self, name)] for name in _SECTIONS}
        errors = [msg for _, msg in sorted(_reference_errors(sections), key=lambda f: f[0])]
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


# --- error collection ---------------------------------------------------------------------------

_Found = tuple[tuple[int, int], str]  # ((section order, item index), "path: message")

_TYPE_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "unknown key",
    "string_type": "must be a string (in quotes)",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "model_type": "must be a table",
    "dict_type": "must be a table",
}


def _path(prefix: str, loc: Iterable[int | str]) -> str:
    out = prefix
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _pydantic_messages(prefix: str, exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors(include_url=False):
        if err["type"] == "catalog":
            message = str(err.get("ctx", {}).get("reason", err["msg"]))
        else:
            message = _TYPE_MESSAGES.get(err["type"]) or err["msg"][:1].lower() + err["msg"][1:]
        out.append(f"{_path(prefix, err['loc'])}: {message}")
    return out


def _reference_errors(sections: Mapping[str, Sequence[Any]]) -> list[_Found]:
    """Duplicate codes, unknown references and coverage, on raw (possibly invalid) entries.

    Works on plain dicts so it can run on entries that failed their own validation: a site whose
    name is missing still gets its project reference checked, and a project with a bad title still
    counts as existing, so one mistake is not reported again as a cascade of others.
    """
    found: list[_Found] = []

    def add(section: str, index: int, path: str, message: str) -> None:
        found.append(((_ORDER[section], index), f"{path}: {message}"))

    def entries(section: str) -> list[tuple[int, Mapping[str, Any]]]:
        return [(i, e) for i, e in enumerate(sections.get(section, [])) if isinstance(e, Mapping)]

    # Duplicate codes, and where each code is defined.
    first: dict[str, dict[str, int]] = {}
    for section in _SECTIONS:
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

    if "categories" in sections and not sections["categories"]:
        add(
            "categories",
            -1,
            "categories",
            "must not be empty (leave the section out to use the default categories)",
        )
    return found


# --- parsing ------------------------------------------------------------------------------------

_TOML_POS = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")


def _toml_error(text: str, exc: tomllib.TOMLDecodeError) -> str:
    message = str(exc)
    m = _TOML_POS.search(message)
    if m is None:
        return f"file: invalid TOML: {message}"
    detail = message[: m.start()]
    if m.group(1) is None:
        return f"file: line {text.count(chr(10)) + 1}: invalid TOML: {detail} (at end of file)"
    return f"file: line {m.group(1)}: invalid TOML: {detail} (column {m.group(2)})"


def parse_catalog(text: str, *, source: str = "catalog") -> Catalog:
    """Parse and validate catalog TOML text; raise CatalogError listing every problem found."""
    text = text.removeprefix("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError([_toml_error(text, exc)], source) from None
    if not data:
        raise CatalogError(
            ["file: is empty (a catalog needs at least a [campaign] section)"], source
        )

    found: list[_Found] = []
    for key in data:
        if key != "campaign" and key not in _SECTIONS:
            found.append(((_ORDER["file"], 0), f"{key}: unknown key"))

    campaign: Campaign | None = None
    raw_campaign = data.get("campaign")
    campaign_key = (_ORDER["campaign"], 0)
    if raw_campaign is None:
        found.append((campaign_key, "campaign: is required (add a [campaign] section)"))
    elif not isinstance(raw_campaign, dict):
        found.append((campaign_key, "campaign: must be a table ([campaign])"))
    else:
        try:
            campaign = Campaign.model_validate(raw_campaign)
        except ValidationError as exc:
            found.extend((campaign_key, m) for m in _pydantic_messages("campaign", exc))

    raw_sections: dict[str, list[Any]] = {}
    models: dict[str, list[Any]] = {}
    for section, model in _SECTIONS.items():
        if section not in data:
            continue
        raw = data[section]
        if not isinstance(raw, list):
            found.append(
                ((_ORDER[section], -1), f"{section}: must be an array of tables ([[{section}]])")
            )
            continue
        raw_sections[section] = raw
        models[section] = []
        for i, entry in enumerate(raw):
            where = (_ORDER[section], i)
            if not isinstance(entry, dict):
                found.append((where, f"{section}[{i}]: must be a table ([[{section}]])"))
                continue
            try:
                models[section].append(model.model_validate(entry))
            except ValidationError as exc:
                found.extend((where, m) for m in _pydantic_messages(f"{section}[{i}]", exc))

    found.extend(_reference_errors(raw_sections))
    if found or campaign is None:
        found.sort(key=lambda f: f[0])  # stable: within one entry, the order checks ran in
        raise CatalogError([message for _, message in found], source)
    return Catalog(campaign=campaign, **models)


def load_catalog(path: Path) -> Catalog:
    """Read a catalog file (UTF-8, with or without BOM) and parse it; raise CatalogError."""
    source = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CatalogError([f"file: not found: {path}"], source) from None
    except OSError as exc:
        raise CatalogError([f"file: cannot read {path}: {exc.strerror or exc}"], source) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CatalogError(
            [
                f"file: line {line}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
                "save the file as UTF-8 (it may have been saved as GBK/ANSI)"
            ],
            source,
        ) from None
    return parse_catalog(text, source=source)
