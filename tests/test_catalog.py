"""The campaign catalog: the Hangzhou example, every validation rule, encodings and CRS handling."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.catalog import (
    DEFAULT_CATEGORIES,
    Catalog,
    CatalogError,
    Category,
    Project,
    Site,
    Subitem,
    Unit,
)
from bot.catalog_file import load_catalog, parse_catalog
from bot.geo import CRS, distance_m
from tests.conftest import EXAMPLE_CATALOG as EXAMPLE

DATA = Path(__file__).resolve().parent / "data" / "catalogs"

# --- a small TOML writer for the documents the tests build ----------------------------------------

Doc = dict[str, Any]


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(v)


def dump(doc: Doc) -> str:
    """Scalars and [tables] first, then [[arrays of tables]]; enough for these tests."""
    lines: list[str] = []
    for key, value in doc.items():
        if not isinstance(value, dict | list) or (
            isinstance(value, list) and not all(isinstance(x, dict) for x in value)
        ):
            lines.append(f"{key} = {_value(value)}")
    for key, value in doc.items():
        if isinstance(value, dict):
            lines.append(f"[{key}]")
            lines += [f"{k} = {_value(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
            for entry in value:
                lines.append(f"[[{key}]]")
                lines += [f"{k} = {_value(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


BASE: Doc = {
    "campaign": {
        "code": "hangzhou-2025",
        "name": "杭州市2025年民生实事项目专项监督",
        "year": 2025,
        "timezone": "Asia/Shanghai",
        "authority": "杭州市人大常委会",
    },
    "units": [
        {"code": "edu", "name": "市教育局"},
        {"code": "health", "name": "市卫健委"},
    ],
    "projects": [
        {"code": "C01", "title": "提升公共卫生应急能力", "level": "city"},
        {"code": "C07", "title": "新建中小学、幼儿园", "description": "新建中小学、幼儿园70所。"},
        {"code": "D01", "title": "老旧小区微更新", "level": "district", "district": "上城区"},
    ],
    "subitems": [
        {
            "code": "C01-1",
            "project": "C01",
            "title": "新建实验室",
            "target": "1个",
            "unit": "health",
        },
        {
            "code": "C07-1",
            "project": "C07",
            "title": "新建中小学、幼儿园",
            "target": "70所",
            "unit": "edu",
        },
    ],
    "sites": [
        {
            "code": "S-C07-01",
            "name": "钱塘区江东小学（在建）",
            "address": "钱塘区",
            "district": "钱塘区",
            "project": "C07",
            "subitem": "C07-1",
            "lat": 30.28,
            "lon": 120.52,
            "crs": "gcj02",
            "radius_m": 200,
            "illustrative": True,
        },
    ],
    "groups": [
        {"code": "G01", "name": "第一监督小组", "led_by": "教科文卫工委", "projects": ["C07"]},
        {"code": "G02", "name": "第二监督小组", "units": ["health"]},
    ],
}


def parse_doc(doc: Doc) -> Catalog:
    return parse_catalog(dump(doc), source="test.toml")


def errors_of(doc: Doc | str) -> list[str]:
    with pytest.raises(CatalogError) as info:
        parse_catalog(doc if isinstance(doc, str) else dump(doc), source="test.toml")
    return info.value.errors


# --- the example ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example() -> Catalog:
    return load_catalog(EXAMPLE)


def test_example_campaign(example: Catalog) -> None:
    c = example.campaign
    assert (c.code, c.year, c.timezone, c.authority) == (
        "hangzhou-2020",
        2020,
        "Asia/Shanghai",
        "杭州市人大常委会",
    )


def test_example_has_ten_city_projects_with_subitems_and_units(example: Catalog) -> None:
    city = [p for p in example.projects if p.level == "city"]
    assert [p.code for p in city] == [f"C{n:02d}" for n in range(1, 11)]
    assert all(p.district == "" and p.description for p in city)
    city_subitems = [s for s in example.subitems if s.project.startswith("C")]
    assert len(city_subitems) == 32
    for p in city:
        assert example.subitems_of(p.code), p.code
    units = {u.code: u.name for u in example.units}
    for name in ("市卫健委", "市林水局", "市市场监管局", "市建委", "市交通运输局", "市文广旅游局"):
        assert name in units.values()
    assert {s.unit for s in city_subitems} <= set(units)
    assert len(example.units) == 18
    assert len(example.subitems) == 49


def test_example_targets_do_not_invent_lost_numbers(example: Catalog) -> None:
    sub = {s.code: s for s in example.subitems}
    assert sub["C07-1"].target == "70所"
    assert sub["C02-3"].target == "（数量见年度计划）"  # "实施个老旧高层住宅小区…" in the seed
    assert sub["C04-2"].target == ""


def test_example_district_projects(example: Catalog) -> None:
    district = [p for p in example.projects if p.level == "district"]
    assert len(district) == 10
    assert {p.district for p in district} == {"上城区"}
    assert all(example.subitems_of(p.code) for p in district)


def test_example_groups_cover_each_project_once(example: Catalog) -> None:
    covered = [code for g in example.groups for code in g.projects]
    assert sorted(covered) == sorted(p.code for p in example.projects)
    assert len(example.groups) == 20


def test_example_sites(example: Catalog) -> None:
    sites = example.sites
    assert 25 <= len(sites) <= 40
    assert all(s.illustrative for s in sites)
    crs = [s.crs for s in sites]
    assert crs.count(CRS.GCJ02) > len(sites) // 2
    assert 1 <= crs.count(CRS.BD09) <= 2
    assert crs.count(CRS.WGS84) >= 2
    assert {s.project for s in sites} == {p.code for p in example.projects if p.level == "city"} | {
        "SC01",
        "SC02",
        "SC04",
        "SC10",
    }
    for s in sites:
        lat, lon = s.wgs84()
        assert 29.18 < lat < 30.57 and 118.34 < lon < 120.73, s.code  # Hangzhou's extent
        assert s.subitem is None or example.subitem(s.subitem).project == s.project  # type: ignore[union-attr]


def test_example_uses_the_default_categories(example: Catalog) -> None:
    assert tuple(example.categories) == DEFAULT_CATEGORIES


def test_default_categories_match_domain() -> None:
    assert [c.name for c in DEFAULT_CATEGORIES] == [
        "进度滞后",
        "工程质量",
        "施工/运行安全",
        "资金拨付与使用",
        "运维管护",
        "政策落地/标准执行",
        "选址布局与便民性",
        "群众知晓与满意度",
        "其他",
    ]
    assert len({c.code for c in DEFAULT_CATEGORIES}) == 9
    assert all(c.name_en for c in DEFAULT_CATEGORIES)


# --- a valid document and its defaults ------------------------------------------------------------


def test_base_document_is_valid_and_defaults_are_filled() -> None:
    catalog = parse_doc(BASE)
    assert catalog.categories == list(DEFAULT_CATEGORIES)
    c07 = catalog.project("C07")
    assert c07 is not None and c07.level == "city" and c07.district == ""
    assert catalog.groups[1].projects == [] and catalog.groups[1].units == ["health"]

    doc = copy.deepcopy(BASE)
    del doc["campaign"]["timezone"]
    doc["sites"] = [{"code": "S1", "name": "点位", "project": "C01", "lat": 30.25, "lon": 120.16}]
    catalog = parse_doc(doc)
    site = catalog.sites[0]
    assert catalog.campaign.timezone == "Asia/Shanghai"
    assert (site.crs, site.radius_m, site.illustrative, site.subitem) == (
        CRS.WGS84,
        200,
        False,
        None,
    )
    assert catalog.campaign.zone().key == "Asia/Shanghai"


def test_empty_subitem_means_none_and_float_radius_is_accepted() -> None:
    doc = copy.deepcopy(BASE)
    doc["sites"][0]["subitem"] = ""
    doc["sites"][0]["radius_m"] = 150.5
    site = parse_doc(doc).sites[0]
    assert site.subitem is None and site.radius_m == 150.5


def test_text_is_stripped() -> None:
    doc = copy.deepcopy(BASE)
    doc["units"][0]["name"] = "  市教育局 "
    assert parse_doc(doc).units[0].name == "市教育局"


def test_explicit_categories_replace_the_defaults() -> None:
    doc = copy.deepcopy(BASE)
    doc["categories"] = [{"code": "late", "name": "进度滞后"}]
    assert parse_doc(doc).categories == [Category(code="late", name="进度滞后", name_en="")]


def test_models_are_frozen() -> None:
    catalog = parse_doc(BASE)
    with pytest.raises(ValidationError):
        catalog.sites[0].lat = 0.0
    with pytest.raises(ValidationError):
        catalog.campaign = catalog.campaign


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


def test_all_errors_are_reported_at_once() -> None:
    with pytest.raises(CatalogError) as info:
        load_catalog(DATA / "many-errors.toml")
    assert info.value.errors == [
        "site: unknown key",
        "campaign.code: must be 2-40 lowercase letters, digits or '-' (got 'Hangzhou 2025')",
        "campaign.year: must be between 2000 and 2100",
        "campaign.timezone: unknown time zone 'Asia/Shangai' (use a name like Asia/Shanghai)",
        "campaign.authority: is required",
        "units[1].code: duplicate code 'edu' (first at units[0])",
        "projects[1].title: must be at most 30 characters (has 36)",
        'projects[1].district: is required when level is "district"',
        "subitems[0].unit: unknown unit 'edux'",
        "sites[0].lat: must be between -90 and 90",
        "sites[0].crs: must be one of wgs84, gcj02, bd09",
        "sites[0].radius: unknown key",
        "sites[0].subitem: 'C01-1' belongs to project C01, not C07",
        "groups[0]: must cover at least one project or unit",
    ]
    text = str(info.value)
    assert text.startswith(f"{DATA / 'many-errors.toml'}: 14 errors\n")
    assert all(e in text for e in info.value.errors)


def test_error_string_lists_every_error() -> None:
    err = CatalogError(["a: x", "b: y"], "catalog.toml")
    assert str(err) == "catalog.toml: 2 errors\n  a: x\n  b: y"
    assert str(CatalogError(["a: x"])) == "catalog: 1 error\n  a: x"


def test_catalog_built_directly_is_checked_too() -> None:
    catalog = parse_doc(BASE)
    with pytest.raises(CatalogError) as info:
        Catalog(
            campaign=catalog.campaign,
            units=[Unit(code="edu", name="市教育局")],
            projects=[Project(code="C07", title="新建中小学、幼儿园")],
            subitems=[Subitem(code="C07-1", project="C07", title="t", unit="edux")],
        )
    assert info.value.errors == ["subitems[0].unit: unknown unit 'edux'"]


# --- files and encodings --------------------------------------------------------------------------


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.read_bytes())
    assert load_catalog(path) == load_catalog(EXAMPLE)
    assert parse_catalog("\ufeff" + dump(BASE)) == parse_doc(BASE)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes(dump(BASE).encode("gbk"))
    [error] = errors_of_file(path)
    assert error.startswith("file: line 3: not valid UTF-8"), error


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    [error] = errors_of_file(tmp_path / "nope.toml")
    assert error == f"file: not found: {tmp_path / 'nope.toml'}"
    [error] = errors_of_file(tmp_path)
    assert error.startswith(f"file: cannot read {tmp_path}"), error


def errors_of_file(path: Path) -> list[str]:
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert info.value.source == str(path)
    return info.value.errors


# --- coordinates ----------------------------------------------------------------------------------


def _site(crs: str, lat: float = 30.2741, lon: float = 120.1551) -> Site:
    return Site.model_validate(
        {"code": "S", "name": "武林广场", "project": "C01", "lat": lat, "lon": lon, "crs": crs}
    )


def test_gcj02_site_moves_about_half_a_kilometre() -> None:
    site = _site("gcj02")
    lat, lon = site.wgs84()
    assert 400 < distance_m(site.lat, site.lon, lat, lon) < 600
    assert lat > site.lat and lon < site.lon  # GCJ-02 shifts Hangzhou south-east of WGS-84


def test_wgs84_site_stays_put() -> None:
    site = _site("wgs84")
    assert site.wgs84() == (site.lat, site.lon)


def test_bd09_site_is_converted_too() -> None:
    gcj = _site("gcj02").wgs84()
    bd = _site("bd09", 30.2801, 120.1617).wgs84()  # the same point as Baidu shows it, roughly
    assert distance_m(*gcj, *bd) < 60
