"""One test per catalog validation rule, the file's structure, and empty or invalid TOML."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.catalog_helpers import BASE, Doc, dump, errors_of

# --- one test per rule ----------------------------------------------------------------------------


def _set(section: str, index: int | None, key: str, value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        target = doc[section] if index is None else doc[section][index]
        target[key] = value

    return change


def _delete(section: str, index: int | None, key: str) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        target = doc[section] if index is None else doc[section][index]
        del target[key]

    return change


def _append(section: str, entry: Doc) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        doc.setdefault(section, []).append(entry)

    return change


def _put(key: str, value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        doc[key] = value

    return change


RULES: list[tuple[str, Callable[[Doc], None], str]] = [
    # campaign
    (
        "campaign code pattern",
        _set("campaign", None, "code", "Hangzhou_2025"),
        "campaign.code: must be 2-40 lowercase letters, digits or '-' (got 'Hangzhou_2025')",
    ),
    ("campaign name required", _delete("campaign", None, "name"), "campaign.name: is required"),
    (
        "campaign authority not blank",
        _set("campaign", None, "authority", "  "),
        "campaign.authority: must not be empty",
    ),
    (
        "campaign year range",
        _set("campaign", None, "year", 1999),
        "campaign.year: must be between 2000 and 2100",
    ),
    (
        "campaign year type",
        _set("campaign", None, "year", "2025"),
        "campaign.year: must be a whole number",
    ),
    (
        "campaign timezone",
        _set("campaign", None, "timezone", "Asia/Shangai"),
        "campaign.timezone: unknown time zone 'Asia/Shangai' (use a name like Asia/Shanghai)",
    ),
    ("campaign unknown key", _set("campaign", None, "yaer", 2025), "campaign.yaer: unknown key"),
    # units
    (
        "unit code pattern",
        _append("units", {"code": "市卫健委", "name": "市卫健委"}),
        "units[2].code: must be 1-32 letters, digits, '-' or '_' (got '市卫健委')",
    ),
    (
        "unit code too long",
        _append("units", {"code": "x" * 33, "name": "n"}),
        f"units[2].code: must be 1-32 letters, digits, '-' or '_' (got '{'x' * 33}')",
    ),
    ("unit name empty", _set("units", 0, "name", ""), "units[0].name: must not be empty"),
    (
        "unit duplicate code",
        _append("units", {"code": "edu", "name": "市教育局"}),
        "units[2].code: duplicate code 'edu' (first at units[0])",
    ),
    # projects
    (
        "project title at most 30 characters",
        _set("projects", 0, "title", "长" * 31),
        "projects[0].title: must be at most 30 characters (has 31)",
    ),
    (
        "project title single line",
        _set("projects", 0, "title", "两\n行"),
        "projects[0].title: must be a single line",
    ),
    (
        "project level",
        _set("projects", 0, "level", "town"),
        "projects[0].level: must be one of city, district",
    ),
    (
        "district required for district projects",
        _delete("projects", 2, "district"),
        'projects[2].district: is required when level is "district"',
    ),
    (
        "district blank for district projects",
        _set("projects", 2, "district", " "),
        'projects[2].district: is required when level is "district"',
    ),
    (
        "no district on city projects",
        _set("projects", 0, "district", "上城区"),
        'projects[0].district: must be empty when level is "city"',
    ),
    (
        "project duplicate code",
        _append("projects", {"code": "C01", "title": "重复"}),
        "projects[3].code: duplicate code 'C01' (first at projects[0])",
    ),
    # subitems
    (
        "subitem unknown project",
        _set("subitems", 0, "project", "C99"),
        "subitems[0].project: unknown project 'C99'",
    ),
    (
        "subitem unknown unit",
        _set("subitems", 1, "unit", "edux"),
        "subitems[1].unit: unknown unit 'edux'",
    ),
    ("subitem title required", _delete("subitems", 1, "title"), "subitems[1].title: is required"),
    (
        "subitem duplicate code",
        _append("subitems", {"code": "C07-1", "project": "C07", "title": "t", "unit": "edu"}),
        "subitems[2].code: duplicate code 'C07-1' (first at subitems[1])",
    ),
    # sites
    ("site lat range", _set("sites", 0, "lat", 91.0), "sites[0].lat: must be between -90 and 90"),
    (
        "site lon range",
        _set("sites", 0, "lon", -180.5),
        "sites[0].lon: must be between -180 and 180",
    ),
    (
        "site lat not NaN",
        _set("sites", 0, "lat", float("nan")),
        "sites[0].lat: must be between -90 and 90",
    ),
    ("site lat type", _set("sites", 0, "lat", "30.28"), "sites[0].lat: must be a number"),
    ("site lon required", _delete("sites", 0, "lon"), "sites[0].lon: is required"),
    ("site crs", _set("sites", 0, "crs", "gps"), "sites[0].crs: must be one of wgs84, gcj02, bd09"),
    (
        "site radius too small",
        _set("sites", 0, "radius_m", 10),
        "sites[0].radius_m: must be between 20 and 5000",
    ),
    (
        "site radius too large",
        _set("sites", 0, "radius_m", 5001),
        "sites[0].radius_m: must be between 20 and 5000",
    ),
    ("site misspelt key", _set("sites", 0, "radius", 200), "sites[0].radius: unknown key"),
    (
        "site illustrative is a boolean",
        _set("sites", 0, "illustrative", "yes"),
        "sites[0].illustrative: must be true or false",
    ),
    (
        "site code pattern",
        _set("sites", 0, "code", "S 1"),
        "sites[0].code: must be 1-32 letters, digits, '-' or '_' (got 'S 1')",
    ),
    ("site name required", _delete("sites", 0, "name"), "sites[0].name: is required"),
    (
        "site unknown project",
        _set("sites", 0, "project", "C08"),
        "sites[0].project: unknown project 'C08'",
    ),
    (
        "site unknown subitem",
        _set("sites", 0, "subitem", "C07-9"),
        "sites[0].subitem: unknown subitem 'C07-9'",
    ),
    (
        "site subitem of another project",
        _set("sites", 0, "subitem", "C01-1"),
        "sites[0].subitem: 'C01-1' belongs to project C01, not C07",
    ),
    (
        "site duplicate code",
        _append(
            "sites", {"code": "S-C07-01", "name": "n", "project": "C07", "lat": 30.0, "lon": 120.0}
        ),
        "sites[1].code: duplicate code 'S-C07-01' (first at sites[0])",
    ),
    # groups
    (
        "group covers nothing",
        _append("groups", {"code": "G03", "name": "第三监督小组"}),
        "groups[2]: must cover at least one project or unit",
    ),
    (
        "group covers empty lists",
        _append("groups", {"code": "G03", "name": "第三监督小组", "projects": [], "units": []}),
        "groups[2]: must cover at least one project or unit",
    ),
    (
        "group unknown project",
        _set("groups", 0, "projects", ["C07", "C99"]),
        "groups[0].projects[1]: unknown project 'C99'",
    ),
    (
        "group unknown unit",
        _set("groups", 1, "units", ["health", "edux"]),
        "groups[1].units[1]: unknown unit 'edux'",
    ),
    (
        "group lists a project twice",
        _set("groups", 0, "projects", ["C07", "C07"]),
        "groups[0].projects[1]: 'C07' is listed twice",
    ),
    (
        "group projects is a list",
        _set("groups", 0, "projects", "C07"),
        "groups[0].projects: must be a list",
    ),
    (
        "group duplicate code",
        _append("groups", {"code": "G01", "name": "重复", "projects": ["C01"]}),
        "groups[2].code: duplicate code 'G01' (first at groups[0])",
    ),
    # categories
    (
        "categories duplicate code",
        _put("categories", [{"code": "a", "name": "甲"}, {"code": "a", "name": "乙"}]),
        "categories[1].code: duplicate code 'a' (first at categories[0])",
    ),
    (
        "category name required",
        _put("categories", [{"code": "a"}]),
        "categories[0].name: is required",
    ),
    # structure
    ("unknown section", _put("site", [{"code": "x"}]), "site: unknown key"),
    (
        "campaign required",
        lambda doc: doc.pop("campaign"),
        "campaign: is required (add a [campaign] section)",
    ),
]


@pytest.mark.parametrize(("change", "expected"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_rule(change: Callable[[Doc], None], expected: str) -> None:
    doc = copy.deepcopy(BASE)
    change(doc)
    assert errors_of(doc) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("units = 'edu'\n", "units: must be an array of tables ([[units]])"),
        ("[campaign]\n[units]\ncode = 'a'\n", "units: must be an array of tables ([[units]])"),
        ("campaign = 1\n", "campaign: must be a table ([campaign])"),
        ("categories = []\n", "categories: must not be empty"),
        ("units = ['edu']\n", "units[0]: must be a table ([[units]])"),
    ],
)
def test_structure(text: str, expected: str) -> None:
    errors = errors_of(text)
    assert any(e.startswith(expected) for e in errors), errors


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "\ufeff"])
def test_empty_file(text: str) -> None:
    assert errors_of(text) == ["file: is empty (a catalog needs at least a [campaign] section)"]


def test_invalid_toml_names_the_line() -> None:
    text = dump(BASE).replace("year = 2025", 'year = 2025\nauthority "杭州"', 1)
    line = text.splitlines().index('authority "杭州"') + 1
    [error] = errors_of(text)
    assert error.startswith(f"file: line {line}: invalid TOML: "), error
