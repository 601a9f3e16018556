"""One test per catalog validation rule, the file's structure, and empty or invalid TOML."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.catalog_helpers import BASE, Doc, dump, errors_of

# --- one test per rule ----------------------------------------------------------------------------


Change = Callable[[Doc], None]
Rule = tuple[str, Change, str]


def _field(doc: Doc, path: str) -> tuple[Doc, str]:
    """The table that holds the field a path names, written as the errors write it
    ("campaign.code", "sites[0].lat", "categories"), and the field's key."""
    match = re.fullmatch(r"(\w+)(?:\[(\d+)\])?(?:\.(\w+))?", path)
    assert match is not None, path
    section, index, key = match.groups()
    if key is None:
        return doc, section
    return (doc[section] if index is None else doc[section][int(index)]), key


def _set(path: str, value: Any) -> Change:
    def change(doc: Doc) -> None:
        table, key = _field(doc, path)
        table[key] = value

    return change


def _delete(path: str) -> Change:
    def change(doc: Doc) -> None:
        table, key = _field(doc, path)
        del table[key]

    return change


def _append(section: str, entry: Doc) -> Change:
    def change(doc: Doc) -> None:
        doc.setdefault(section, []).append(entry)

    return change


def _wrong(name: str, path: str, value: Any, problem: str) -> Rule:
    """The rule whose one error is the problem with the field at `path`, set to `value`."""
    return name, _set(path, value), f"{path}: {problem}"


def _missing(name: str, path: str, problem: str) -> Rule:
    """The rule whose one error is the problem with the field at `path`, taken away."""
    return name, _delete(path), f"{path}: {problem}"


# What a unit's or a site's code must be; the error then quotes the code it got.
CODE = "must be 1-32 letters, digits, '-' or '_'"


def _unlike(name: str, path: str, value: str, pattern: str) -> Rule:
    """The rule whose one error is the field at `path` set to `value`, not of the `pattern`."""
    return _wrong(name, path, value, f"{pattern} (got {value!r})")


def _duplicate(name: str, section: str, entry: Doc, at: int, first: int) -> Rule:
    """The rule whose one error is `entry`, appended as `section`[at], repeating the code of
    `section`[first]."""
    problem = f"duplicate code {entry['code']!r} (first at {section}[{first}])"
    return name, _append(section, entry), f"{section}[{at}].code: {problem}"


RULES: list[Rule] = [
    # campaign
    _unlike(
        "campaign code pattern",
        "campaign.code",
        "Hangzhou_2025",
        "must be 2-40 lowercase letters, digits or '-'",
    ),
    _missing("campaign name required", "campaign.name", "is required"),
    _wrong("campaign authority not blank", "campaign.authority", "  ", "must not be empty"),
    _wrong("campaign year range", "campaign.year", 1999, "must be between 2000 and 2100"),
    _wrong("campaign year type", "campaign.year", "2025", "must be a whole number"),
    _wrong(
        "campaign timezone",
        "campaign.timezone",
        "Asia/Shangai",
        "unknown time zone 'Asia/Shangai' (use a name like Asia/Shanghai)",
    ),
    _wrong("campaign unknown key", "campaign.yaer", 2025, "unknown key"),
    # units
    (
        "unit code pattern",
        _append("units", {"code": "市卫健委", "name": "市卫健委"}),
        f"units[2].code: {CODE} (got '市卫健委')",
    ),
    (
        "unit code too long",
        _append("units", {"code": "x" * 33, "name": "n"}),
        f"units[2].code: {CODE} (got '{'x' * 33}')",
    ),
    _wrong("unit name empty", "units[0].name", "", "must not be empty"),
    _duplicate("unit duplicate code", "units", {"code": "edu", "name": "市教育局"}, 2, 0),
    # projects
    _wrong(
        "project title at most 30 characters",
        "projects[0].title",
        "长" * 31,
        "must be at most 30 characters (has 31)",
    ),
    _wrong("project title single line", "projects[0].title", "两\n行", "must be a single line"),
    _wrong("project level", "projects[0].level", "town", "must be one of city, district"),
    _missing(
        "district required for district projects",
        "projects[2].district",
        'is required when level is "district"',
    ),
    _wrong(
        "district blank for district projects",
        "projects[2].district",
        " ",
        'is required when level is "district"',
    ),
    _wrong(
        "no district on city projects",
        "projects[0].district",
        "上城区",
        'must be empty when level is "city"',
    ),
    _duplicate("project duplicate code", "projects", {"code": "C01", "title": "重复"}, 3, 0),
    # subitems
    _wrong("subitem unknown project", "subitems[0].project", "C99", "unknown project 'C99'"),
    _wrong("subitem unknown unit", "subitems[1].unit", "edux", "unknown unit 'edux'"),
    _missing("subitem title required", "subitems[1].title", "is required"),
    _duplicate(
        "subitem duplicate code",
        "subitems",
        {"code": "C07-1", "project": "C07", "title": "t", "unit": "edu"},
        2,
        1,
    ),
    # sites
    _wrong("site lat range", "sites[0].lat", 91.0, "must be between -90 and 90"),
    _wrong("site lon range", "sites[0].lon", -180.5, "must be between -180 and 180"),
    _wrong("site lat not NaN", "sites[0].lat", float("nan"), "must be between -90 and 90"),
    _wrong("site lat type", "sites[0].lat", "30.28", "must be a number"),
    _missing("site lon required", "sites[0].lon", "is required"),
    _wrong("site crs", "sites[0].crs", "gps", "must be one of wgs84, gcj02, bd09"),
    _wrong("site radius too small", "sites[0].radius_m", 10, "must be between 20 and 5000"),
    _wrong("site radius too large", "sites[0].radius_m", 5001, "must be between 20 and 5000"),
    _wrong("site misspelt key", "sites[0].radius", 200, "unknown key"),
    _wrong(
        "site illustrative is a boolean", "sites[0].illustrative", "yes", "must be true or false"
    ),
    _unlike("site code pattern", "sites[0].code", "S 1", CODE),
    _missing("site name required", "sites[0].name", "is required"),
    _wrong("site unknown project", "sites[0].project", "C08", "unknown project 'C08'"),
    _wrong("site unknown subitem", "sites[0].subitem", "C07-9", "unknown subitem 'C07-9'"),
    _wrong(
        "site subitem of another project",
        "sites[0].subitem",
        "C01-1",
        "'C01-1' belongs to project C01, not C07",
    ),
    _duplicate(
        "site duplicate code",
        "sites",
        {"code": "S-C07-01", "name": "n", "project": "C07", "lat": 30.0, "lon": 120.0},
        1,
        0,
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
        _set("groups[0].projects", ["C07", "C99"]),
        "groups[0].projects[1]: unknown project 'C99'",
    ),
    (
        "group unknown unit",
        _set("groups[1].units", ["health", "edux"]),
        "groups[1].units[1]: unknown unit 'edux'",
    ),
    (
        "group lists a project twice",
        _set("groups[0].projects", ["C07", "C07"]),
        "groups[0].projects[1]: 'C07' is listed twice",
    ),
    _wrong("group projects is a list", "groups[0].projects", "C07", "must be a list"),
    _duplicate(
        "group duplicate code", "groups", {"code": "G01", "name": "重复", "projects": ["C01"]}, 2, 0
    ),
    # categories
    (
        "categories duplicate code",
        _set("categories", [{"code": "a", "name": "甲"}, {"code": "a", "name": "乙"}]),
        "categories[1].code: duplicate code 'a' (first at categories[0])",
    ),
    (
        "category name required",
        _set("categories", [{"code": "a"}]),
        "categories[0].name: is required",
    ),
    # structure
    _wrong("unknown section", "site", [{"code": "x"}], "unknown key"),
    _missing("campaign required", "campaign", "is required (add a [campaign] section)"),
]


@pytest.mark.parametrize(("change", "expected"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_rule(change: Change, expected: str) -> None:
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
