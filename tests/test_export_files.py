"""The list's plain files: CSV next to the workbook, the photo archive (ZIP) and its manifest;
the filters every format shares, an empty list, and the pure helpers (formula neutralising,
periods). The workbook, the letter, large lists and the command line have their own
tests/test_export_*.py.

Items are made through the same repository calls the conversations use. Statuses beyond
"submitted", answers, ratings and look-backs are written straight into the database here (the
state machine that makes them is built elsewhere); each such shortcut says so where it is taken.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from bot.bootstrap import database_of
from bot.errors import Refused
from bot.items import Status
from bot.listing import ListFilter, neutralise, parse_period, period_dates
from bot.services import Services
from storage.db import Row
from tests.export_helpers import FORMULA, export, item, person, sample, sheet_rows, sql

# --- CSV ------------------------------------------------------------------------------------------


async def test_csv_has_a_bom_and_the_workbooks_rows(services: Services, tmp_path: Path) -> None:
    await sample(services)
    result = await export(services, "csv", tmp_path)
    raw = result.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with result.path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    assert header[:3] == ["序号", "编号", "类型"] and "现场照片" not in header
    col = {name: i for i, name in enumerate(header)}
    assert [r[col["编号"]] for r in rows[1:]] == [f"2020-000{n}" for n in range(1, 6)]
    assert [r[col["类型"]] for r in rows[1:]] == ["问题", "问题", "问题", "建议", "建议"]
    assert rows[2][col["内容"]] == "'" + FORMULA
    assert rows[5][col["内容"]] == "'+86 热线电话应公示。"
    assert (
        rows[1][col["提出日期"]]
        == services.clock.now().astimezone(services.settings.zone).date().isoformat()
    )

    # The same cells as the workbook, column for column.
    xlsx = await export(services, "xlsx", tmp_path)
    sheet = sheet_rows(openpyxl.load_workbook(xlsx.path)["问题"])
    xcol = {name: i for i, name in enumerate(sheet[0])}
    for csv_row, xlsx_row in zip(rows[1:4], sheet[1:], strict=True):
        for name in (
            "编号",
            "项目",
            "子项",
            "点位",
            "牵头实施单位",
            "内容",
            "提出代表",
            "办理状态",
        ):
            assert csv_row[col[name]] == (xlsx_row[xcol[name]] or ""), name


# --- the photo archive ----------------------------------------------------------------------------


async def _photos_of(services: Services, item_id: int) -> list[Row]:
    """The item's stored photos, in the order they were received."""
    return await database_of(services).fetch_all(
        "SELECT original_path, sha256 FROM photos WHERE item_id = ? ORDER BY id", (item_id,)
    )


async def test_photo_archive_has_the_originals_and_a_checked_manifest(
    services: Services, tmp_path: Path
) -> None:
    ids = await sample(services)
    originals = await _photos_of(services, ids["photo"])
    result = await export(services, "zip", tmp_path)
    # Two photos of one problem; the other four listed items have none.
    assert (result.photos, result.rows, result.problems, result.suggestions) == (2, 1, 1, 0)
    assert result.listed == 5
    with zipfile.ZipFile(result.path) as archive:
        names = archive.namelist()
        assert sorted(names) == ["2020-0001_1.jpg", "2020-0001_2.jpg", "manifest.csv"]
        raw = archive.read("manifest.csv")
        assert raw.startswith(b"\xef\xbb\xbf")
        manifest = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        assert [m["file"] for m in manifest] == ["2020-0001_1.jpg", "2020-0001_2.jpg"]
        for entry, original in zip(manifest, originals, strict=True):
            data = archive.read(entry["file"])
            assert entry["item"] == "2020-0001" and entry["check"] == "ok"
            assert entry["sha256"] == hashlib.sha256(data).hexdigest() == original["sha256"]
            assert data == (services.store.root / original["original_path"]).read_bytes()


async def test_a_damaged_photo_is_marked_in_the_manifest(
    services: Services, tmp_path: Path
) -> None:
    ids = await sample(services)
    path = (await _photos_of(services, ids["photo"]))[0]["original_path"]
    (services.store.root / path).write_bytes(b"\xff\xd8 not the photo that was received")
    result = await export(services, "zip", tmp_path)
    with zipfile.ZipFile(result.path) as archive:
        manifest = list(
            csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig")))
        )
        assert [m["check"] for m in manifest] == ["differs from record", "ok"]
        assert (
            manifest[0]["sha256"] == hashlib.sha256(archive.read(manifest[0]["file"])).hexdigest()
        )


# --- filters --------------------------------------------------------------------------------------


async def test_filters_by_date_project_group_unit_and_status(
    services: Services, tmp_path: Path
) -> None:
    ids = await sample(services)
    other_group = await person(services, "赵敏", group="G02")
    far = await item(services, other_group, "另一小组发现的问题，项目不同。")
    # Shortcut: this one was submitted last year.
    await sql(
        services, "UPDATE items SET submitted_at = '2019-06-30T17:00:00+00:00' WHERE id = ?", far
    )

    async def numbers(filters: ListFilter) -> list[str]:
        result = await export(services, "csv", tmp_path, filters)
        with result.path.open(encoding="utf-8-sig", newline="") as fh:
            return [r[1] for r in list(csv.reader(fh))[1:]]

    everything = await numbers(ListFilter())
    assert everything == [
        "2020-0001",
        "2020-0002",
        "2020-0003",
        "2020-0004",
        "2020-0005",
        "2020-0008",
    ]
    # 2019-06-30T17:00Z is 2019-07-01 01:00 in Hangzhou: the local date counts.
    assert await numbers(ListFilter(date_from=date(2019, 7, 1), date_to=date(2019, 7, 1))) == [
        "2020-0008"
    ]
    assert await numbers(ListFilter(date_to=date(2019, 6, 30))) == []
    assert "2020-0008" not in await numbers(ListFilter(date_from=date(2020, 1, 1)))
    assert await numbers(ListFilter(group="G02")) == ["2020-0008"]
    project = await database_of(services).fetch_value(
        "SELECT p.code FROM items i JOIN projects p ON p.id = i.project_id WHERE i.id = ?", (far,)
    )
    assert "2020-0008" in await numbers(ListFilter(project=project))
    unit = await database_of(services).fetch_value(
        "SELECT u.code FROM items i JOIN subitems s ON s.id = i.subitem_id JOIN units u ON u.id = s.unit_id WHERE i.id = ?",
        (ids["photo"],),
    )
    assert "2020-0001" in await numbers(ListFilter(unit=unit))
    assert await numbers(ListFilter(statuses=(Status.WITHDRAWN, Status.DECLINED))) == [
        "2020-0006",
        "2020-0007",
    ]
    assert await numbers(ListFilter(statuses=(Status.DRAFT,))) == []
    # Re-routed by staff: the item's own unit wins over the sub-item's.
    await sql(
        services,
        "UPDATE items SET unit_id = (SELECT id FROM units WHERE code = 'sc-fire') WHERE id = ?",
        ids["plain"],
    )
    assert await numbers(ListFilter(unit="sc-fire")) == ["2020-0003"]


async def test_an_empty_list_still_has_its_headers(services: Services, tmp_path: Path) -> None:
    result = await export(services, "xlsx", tmp_path)
    assert result.rows == 0
    wb = openpyxl.load_workbook(result.path)
    # The units' sheet: its header and every unit of the catalog, at zero.
    assert [len(sheet_rows(ws)) for ws in wb] == [1, 1, 19]
    letter = await export(services, "docx", tmp_path)
    assert len(Document(str(letter.path)).tables[0].rows) == 1


# --- pure helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 571", "'+86 571"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1+1", "'＝1+1"),
        ("＋1", "'＋1"),
        ("－1", "'－1"),
        ("＠x", "'＠x"),
        ("  =cmd", "'  =cmd"),
        ("道路破损 =1", "道路破损 =1"),
        ("2020-0001", "2020-0001"),
        ("", ""),
    ],
)
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def test_periods() -> None:
    today = date(2020, 6, 17)  # a Wednesday
    assert period_dates("all", today) == (None, None)
    assert period_dates("this_month", today) == (date(2020, 6, 1), today)
    assert period_dates("last_month", today) == (date(2020, 5, 1), date(2020, 5, 31))
    assert period_dates("last_month", date(2020, 1, 5)) == (date(2019, 12, 1), date(2019, 12, 31))
    assert period_dates("this_week", today) == (date(2020, 6, 15), today)
    assert parse_period("2020-05-01 2020-06-30") == (date(2020, 5, 1), date(2020, 6, 30))
    assert parse_period(" 2020/5/1~2020/6/30 ") == (date(2020, 5, 1), date(2020, 6, 30))
    assert parse_period("2020年5月1日至2020年6月30日") == (date(2020, 5, 1), date(2020, 6, 30))
    for bad in ("yesterday", "2020-02-30 2020-03-01", "2020-05-01"):
        with pytest.raises(Refused) as refused:
            parse_period(bad)
        assert refused.value.key == "export.bad_period"
    with pytest.raises(Refused) as reversed_:
        parse_period("2020-06-30 2020-05-01")
    assert reversed_.value.key == "export.period_reversed"
