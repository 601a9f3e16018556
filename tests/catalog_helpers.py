"""The catalog document the catalog tests start from (tests/test_catalog*.py), the TOML writer
that turns it into a file's text, and the two ways they read it back."""

from __future__ import annotations

from typing import Any

import pytest

from bot.catalog import Catalog, CatalogError
from bot.catalog_file import parse_catalog

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
