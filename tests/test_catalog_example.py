"""The Hangzhou example catalog as shipped, and how site coordinates convert to WGS-84."""

from __future__ import annotations

import pytest

from bot.catalog import DEFAULT_CATEGORIES, Catalog, Site
from bot.catalog_file import EXAMPLE_CATALOG as EXAMPLE
from bot.catalog_file import load_catalog
from bot.geo import CRS, distance_m

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
