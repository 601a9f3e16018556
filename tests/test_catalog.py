"""A valid catalog document and its defaults, how errors are reported (all at once, named by
place), and catalog files and their encodings."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.catalog import DEFAULT_CATEGORIES, Catalog, CatalogError, Category, Project, Subitem, Unit
from bot.catalog_file import EXAMPLE_CATALOG as EXAMPLE
from bot.catalog_file import load_catalog, parse_catalog
from bot.geo import CRS
from tests.catalog_helpers import BASE, dump, parse_doc

DATA = Path(__file__).resolve().parent / "data" / "catalogs"

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


# --- reporting errors -----------------------------------------------------------------------------


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
