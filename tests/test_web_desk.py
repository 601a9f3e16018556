"""The console's desk views over real HTTP: the map's points, the figures, the list as a file."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.bootstrap import database_of
from bot.clock import to_db
from bot.geo import wgs84_to_gcj02
from bot.people import Person, Role
from bot.tally_period import Period
from bot.usecases import figures
from bot.usecases.acting import Caller
from localapi import LocalBotApi
from tests.conftest import START, Harness, make_settings, running_bot
from tests.serving import free_port
from tests.web_steps import Browser, Desk, desk, web_settings

__all__ = ["desk"]

FORMULA = '=HYPERLINK("http://evil.example","点我")'

# Items in the statuses the flows would produce, written directly: these views only read them.
_INSERT_ITEM = """
INSERT INTO items (campaign_id, kind, status, number, author_id, group_id, site_id, project_id,
                   subitem_id, unit_id, category_id, severity, description, created_at,
                   submitted_at, updated_at, due_at)
SELECT c.id, :kind, :status, :number, p.id, p.group_id, s.id, s.project_id, s.subitem_id,
       (SELECT id FROM units WHERE code = :unit),
       CASE :kind WHEN 'problem' THEN (SELECT id FROM categories WHERE code = 'quality') END,
       CASE :kind WHEN 'problem' THEN 'normal' END, :description, :at, :at, :at, :due
FROM campaigns c JOIN persons p ON p.name = :author JOIN sites s ON s.code = :site
"""
_INSERT_VISIT = """
INSERT INTO visits (campaign_id, person_id, site_id, at, lat, lon, on_site, reason, source_key)
SELECT c.id, p.id, s.id, :at, s.lat + 0.0005, s.lon, 1, 'within_radius', 'k1'
FROM campaigns c JOIN persons p ON p.name = :author JOIN sites s ON s.code = :site
"""


def _item(
    number: int,
    status: str,
    site: str,
    unit: str | None,
    *,
    kind: str = "problem",
    due: datetime | None = None,
    description: str = "围挡破损，存在安全隐患",
) -> dict[str, Any]:
    return {
        "number": number,
        "status": status,
        "site": site,
        "unit": unit,
        "kind": kind,
        "author": "王芳",
        "description": description,
        "at": to_db(START - timedelta(days=3)),
        "due": to_db(due) if due else None,
    }


async def _story(bot: Harness) -> dict[str, Person]:
    """Health has an overdue item (S-C01-01) and a waiting one (S-C01-02), and a closed one;
    forestry-water an overdue item (S-C02-01); a suggestion that looks like a formula waits for
    review (S-C02-02); a deputy checked in at S-C01-01."""
    await bot.join("王芳")
    staff = await bot.person(await bot.join("张工作", Role.STAFF))
    liaison = await bot.person(await bot.join("李联络", Role.LIAISON, unit="health"))
    past, soon = START - timedelta(days=1), START + timedelta(days=5)
    items = [
        _item(1, "in_progress", "S-C01-01", "health", due=past),
        _item(2, "forwarded", "S-C01-02", "health", due=soon),
        _item(3, "in_progress", "S-C02-01", "forestry-water", due=past),
        _item(4, "closed", "S-C01-03", "health"),
        _item(5, "submitted", "S-C02-02", None, kind="suggestion", description=FORMULA),
    ]
    async with database_of(bot.services).transaction() as conn:
        for item in items:
            await conn.execute(_INSERT_ITEM, item)
        await conn.execute(
            _INSERT_VISIT, {"author": "王芳", "site": "S-C01-01", "at": to_db(START)}
        )
    return {"staff": staff, "liaison": liaison}


async def _json(browser: Browser, path: str) -> Any:
    """The map's JSON with its rows made into objects, as map.js does."""
    async with browser.http.get(path) as response:
        assert response.status == 200, await response.text()
        data = await response.json()
    data["points"] = [dict(zip(data["fields"], row, strict=True)) for row in data.pop("rows")]
    return data


async def _file(browser: Browser, path: str) -> tuple[bytes, str]:
    async with browser.http.get(path) as response:
        assert response.status == 200, await response.text()
        return await response.read(), response.headers["Content-Disposition"]


async def _site_name(bot: Harness, code: str) -> str:
    name: str = await bot.value("SELECT name FROM sites WHERE code = ?", code)
    return name


async def test_staff_map_has_sites_by_traffic_light_and_check_ins(desk: Desk) -> None:
    people = await _story(desk.bot)
    async with desk.browsing(people["staff"]) as browser:
        status, page = await browser.get("/map")
        assert status == 200 and 'id="desk-map"' in page and "/static/map.js" in page
        data = await _json(browser, "/map/points.json")
    assert data["datum"] == "wgs84"
    sites = {p["label"]: p for p in data["points"] if p["kind"] == "site"}
    red = sites[await _site_name(desk.bot, "S-C01-01")]
    assert (red["light"], red["open"], red["overdue"]) == ("red", 1, 1)
    assert sites[await _site_name(desk.bot, "S-C01-02")]["light"] == "yellow"
    assert sites[await _site_name(desk.bot, "S-C02-02")]["light"] == "yellow"  # waits for review
    assert sites[await _site_name(desk.bot, "S-C01-03")]["light"] == "green"  # closed only
    checkins = [p for p in data["points"] if p["kind"] == "checkin"]
    assert [c["light"] for c in checkins] == ["grey"]


async def test_a_liaisons_map_counts_only_their_units_open_items(desk: Desk) -> None:
    people = await _story(desk.bot)
    async with desk.browsing(people["liaison"]) as browser:
        data = await _json(browser, "/map/points.json")
    counted = {p["label"]: (p["open"], p["overdue"]) for p in data["points"] if p["open"]}
    assert counted == {
        await _site_name(desk.bot, "S-C01-01"): (1, 1),
        await _site_name(desk.bot, "S-C01-02"): (1, 0),
    }
    assert not [p for p in data["points"] if p["kind"] == "checkin"]


@pytest.fixture
async def amap_desk(api: LocalBotApi, tmp_path: Path) -> AsyncIterator[Desk]:
    port = free_port()
    settings = make_settings(api, tmp_path / "data", web=web_settings(port, tiles="amap"))
    async with running_bot(api, settings) as harness:
        yield Desk(harness, f"http://127.0.0.1:{port}")


async def test_amap_points_leave_the_server_in_gcj02(amap_desk: Desk) -> None:
    bot = amap_desk.bot
    people = await _story(bot)
    async with amap_desk.browsing(people["staff"]) as browser:
        data = await _json(browser, "/map/points.json")
        status, page = await browser.get("/map")
    assert status == 200 and data["datum"] == "gcj02" and 'data-tiles="amap"' in page
    stored = await database_of(bot.services).fetch_all("SELECT name, lat, lon FROM sites")
    where = {name: (lat, lon) for name, lat, lon in stored}
    for point in (p for p in data["points"] if p["kind"] == "site"):
        expected = wgs84_to_gcj02(*where[point["label"]])
        assert (point["lat"], point["lon"]) == pytest.approx(expected, abs=1e-9)
        assert (point["lat"], point["lon"]) != pytest.approx(where[point["label"]], abs=1e-4)


def _section(page: str, name: str) -> list[tuple[int, ...]]:
    rows = re.findall(rf'<tr data-section="{name}"[^>]*>(.*?)</tr>', page)
    return [tuple(int(n) for n in re.findall(r'<td class="n[^"]*">(\d+)</td>', r)) for r in rows]


async def test_figures_are_the_chats_tally(desk: Desk) -> None:
    bot = desk.bot
    people = await _story(bot)
    tally = await figures.tally(bot.services, Caller(people["staff"], bot.now()), Period())
    async with desk.browsing(people["staff"]) as browser:
        status, page = await browser.get("/figures")
    assert status == 200, page
    assert f"累计发现问题 {tally.problems} 个、提出意见建议 {tally.suggestions} 条" in page
    for name in ("by_project", "by_subitem", "by_unit", "by_group"):
        rows = getattr(tally, name)
        assert _section(page, name) == [(r.problems, r.suggestions) for r in rows], name
    assert _section(page, "by_category") == [(r.problems,) for r in tally.by_category]
    assert _section(page, "by_status") == [(n,) for _s, n in tally.by_status]
    votes = tally.satisfaction.votes
    assert _section(page, "by_rating") == [(n,) for n in votes.values()]
    assert f"逾期 {tally.overdue} 项" in page
    # Per unit: health and forestry-water each have one overdue item.
    overdue = _section(page, "overdue")
    assert (2, 1) in overdue and (1, 1) in overdue


async def test_a_liaison_sees_their_units_overdue_but_not_the_tally(desk: Desk) -> None:
    people = await _story(desk.bot)
    async with desk.browsing(people["liaison"]) as browser:
        status, page = await browser.get("/figures")
    assert status == 200, page
    assert _section(page, "overdue") == [(2, 1)]
    assert "by_project" not in page


def _csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def test_exports_hold_exactly_the_filtered_list(desk: Desk) -> None:
    people = await _story(desk.bot)
    async with desk.browsing(people["staff"]) as browser:
        _s, page = await browser.get("/items?status=in_progress&per_page=25")
        shown = re.findall(r'<a href="/items/\d+">(2020-\d{4})</a>', page)
        body, disposition = await _file(browser, "/items.csv?status=in_progress")
        xlsx, xlsx_disposition = await _file(browser, "/items.xlsx?status=in_progress")
        every, _d = await _file(browser, "/items.xlsx")
    assert sorted(shown) == ["2020-0001", "2020-0003"]
    rows = _csv_rows(body)
    assert rows[0][:3] == ["编号", "类型", "状态"]
    assert sorted(r[0] for r in rows[1:]) == sorted(shown)
    assert 'filename="items-2020-06-16.csv"' in disposition
    assert 'filename="items-2020-06-16.xlsx"' in xlsx_disposition
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "编号"
    assert sorted(str(r[0]) for r in values[1:]) == sorted(shown)
    # The formula-looking suggestion is text that cannot run, in both files.
    whole = openpyxl.load_workbook(io.BytesIO(every)).active
    assert whole is not None
    cells = [c for row in whole.iter_rows() for c in row if "HYPERLINK" in str(c.value)]
    assert [(c.value, c.data_type) for c in cells] == [("'" + FORMULA, "s")]


async def test_formula_text_is_neutralised_in_csv(desk: Desk) -> None:
    people = await _story(desk.bot)
    async with desk.browsing(people["staff"]) as browser:
        body, _d = await _file(browser, "/items.csv?kind=suggestion")
    rows = _csv_rows(body)
    assert len(rows) == 2 and rows[1][9] == "'" + FORMULA


async def test_a_liaisons_export_never_has_another_units_items(desk: Desk) -> None:
    bot = desk.bot
    people = await _story(bot)
    other = await bot.value("SELECT id FROM units WHERE code = 'forestry-water'")
    async with desk.browsing(people["liaison"]) as browser:
        body, _d = await _file(browser, f"/items.csv?unit={other}")
        xlsx, _d = await _file(browser, "/items.xlsx")
    assert sorted(r[0] for r in _csv_rows(body)[1:]) == ["2020-0001", "2020-0002", "2020-0004"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None
    numbers = sorted(str(r[0]) for r in list(sheet.iter_rows(values_only=True))[1:])
    assert numbers == ["2020-0001", "2020-0002", "2020-0004"]


async def test_a_leaders_figures_name_only_the_units_their_groups_items_went_to(desk: Desk) -> None:
    bot = desk.bot
    await _story(bot)
    leader = await bot.person(await bot.join("赵组长", Role.LEADER, group="G01"))
    async with desk.browsing(leader) as browser:
        status, page = await browser.get("/figures")
        _s, english = await browser.get("/lang/en?next=/figures")
        map_status, _map = await browser.get("/map")
    assert status == 200 and map_status == 200
    # 王芳 (G01) raised everything: health's two waiting items, forestry-water's one.
    assert sorted(_section(page, "overdue")) == [(1, 1), (2, 1)]
    assert "by_project" not in page
    assert "Overdue by unit" in english
