"""The desk views: the map of sites and check-ins, the figures, and the item list as a file.

Every number comes from the core within the caller's reach (bot/usecases/console.py); these
handlers only shape it. The figures for staff are the chat's /tally use case, so the page and
the chat never disagree. The downloads parse the list's URL exactly as the list page does
(web/query.py), so a file holds the rows the page shows, all pages of them.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any, Final

import orjson
import xlsxwriter
from aiohttp import web

from bot.console import ConsoleRow, MapPoint
from bot.geo import wgs84_to_gcj02
from bot.listing import neutralise, xml_safe
from bot.tally import Row
from bot.tally_period import Period, PeriodError
from bot.texts import Texts, catalog_name
from bot.usecases import console
from web.downloads import XLSX, download
from web.keys import RENDERER, SERVICES
from web.query import parse_query
from web.render import Context, template
from web.session import who_of

log = logging.getLogger(__name__)

# The export's columns, in order: the catalog key of each header.
COLUMNS: Final = (
    "web.col.number",
    "web.col.kind",
    "web.col.status",
    "web.col.project",
    "desk.col.subitem",
    "web.col.site",
    "web.col.unit",
    "web.col.group",
    "web.col.category",
    "web.col.description",
    "web.col.submitted",
    "web.col.due",
    "desk.col.raisers",
)
# Column widths in the workbook (characters), the description wide enough to read.
_WIDTHS: Final = (11, 6, 8, 24, 24, 24, 16, 14, 12, 60, 16, 16, 8)
Cell = str | int


# --- the map -----------------------------------------------------------------------------------


def _light(point: MapPoint) -> str:
    """The point's traffic light: red with an overdue item, yellow with an open one, green with
    none; check-ins grey (they say where deputies went, not what is owed)."""
    if point.kind == "checkin":
        return "grey"
    if point.overdue_items:
        return "red"
    return "yellow" if point.open_items else "green"


# Sites do not move: each one's GCJ-02 point is worked out once, not on every request (the
# conversion is most of the map's cost at 10,000 sites; bench/console.py).
_to_gcj02 = lru_cache(maxsize=1 << 16)(wgs84_to_gcj02)


FIELDS = ("kind", "lat", "lon", "label", "open", "overdue", "light", "item")


def _point(point: MapPoint, gcj: bool) -> tuple[object, ...]:
    # Amap's tiles are drawn in GCJ-02: a WGS-84 point on them lands hundreds of metres off.
    lat, lon = _to_gcj02(point.lat, point.lon) if gcj else (point.lat, point.lon)
    # In the order of FIELDS and text-free: 12,000 points go to a phone (a row, not an object,
    # halves the bytes and the encoding time); the page holds the sentences (map.html).
    return (
        point.kind,
        lat,
        lon,
        point.label,
        point.open_items,
        point.overdue_items,
        _light(point),
        point.item_id,
    )


def points_payload(points: list[MapPoint], tiles: str) -> dict[str, Any]:
    """/map/points.json: the points in the datum of the tiles they are drawn on, as rows of
    FIELDS."""
    gcj = tiles == "amap"
    return {
        "datum": "gcj02" if gcj else "wgs84",
        "tiles": tiles,
        "fields": FIELDS,
        "rows": [_point(p, gcj) for p in points],
    }


def dumps(payload: object) -> bytes:
    """JSON as UTF-8 (escaping every Chinese character would double the map's bytes), by orjson:
    a twentieth of the standard library's time for 10,000 points (bench/console.py)."""
    return orjson.dumps(payload)


@template("map.html")
async def map_page(request: web.Request) -> Context:
    who_of(request)
    return {}


async def map_points(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    who = who_of(request)
    points = await console.map_points(services, who.person)
    body = dumps(points_payload(points, services.settings.web.tiles))
    return web.Response(body=body, content_type="application/json")


# --- the figures -------------------------------------------------------------------------------


def period_of(args: Any) -> Period:
    """The period from the page's form; anything that does not parse is the whole campaign,
    as /tally with no arguments."""
    try:
        first = date.fromisoformat(args["from"]) if args.get("from") else None
        last = date.fromisoformat(args["to"]) if args.get("to") else None
        return Period(first, last)
    except (ValueError, PeriodError):
        return Period()


def _most(rows: Sequence[Row]) -> int:
    return max((r.problems + r.suggestions for r in rows), default=0) or 1


@template("figures.html")
async def figures_page(request: web.Request) -> Context:
    services = request.app[SERVICES]
    who = who_of(request)
    period = period_of(request.query)
    tally = await console.desk_tally(services, who.person, period)
    units = await console.overdue_by_unit(services, who.person)
    sections: list[tuple[str, list[Row], int]] = []
    if tally is not None:
        for name in ("by_project", "by_subitem", "by_unit", "by_group", "by_category"):
            rows: list[Row] = getattr(tally, name)
            sections.append((name, rows, _most(rows)))
    return {
        "tally": tally,
        "period": period,
        "sections": sections,
        "units": units,
        "most_waiting": max((u.waiting for u in units), default=0) or 1,
    }


# --- the list as a file ------------------------------------------------------------------------


def _cells(row: ConsoleRow, texts: Texts, request: web.Request) -> list[Cell]:
    local = request.app[RENDERER].local
    text: list[str] = [
        row.display_number,
        texts(f"kind.{row.kind.value}"),
        texts(f"status.{row.status.value}"),
        row.project,
        row.subitem,
        row.site,
        row.unit,
        row.group,
        catalog_name(row.category, row.category_en, texts.language),
        row.description,
        local(row.submitted_at),
        local(row.due_at),
    ]
    # Every text cell as text: a description starting with "=" is a deputy's words, not a formula.
    return [*(neutralise(t) for t in text), row.raisers]


async def _export(request: web.Request) -> tuple[list[str], list[list[Cell]], str, Texts]:
    services = request.app[SERVICES]
    who = who_of(request)
    query = parse_query(
        request.query, request.query.getall("status", []), services.settings.web.page_size
    )
    page = await console.item_rows(services, who.person, query)
    texts = Texts(request.app[RENDERER].language(request))
    today = services.clock.now().astimezone(services.settings.zone).date()
    rows = [_cells(r, texts, request) for r in page.rows]
    log.info("Export of %s rows for session %s", len(rows), who.session_id)
    return [texts(k) for k in COLUMNS], rows, f"items-{today.isoformat()}", texts


async def items_csv(request: web.Request) -> web.StreamResponse:
    headers, rows, stem, _texts = await _export(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    # The BOM is how Excel on Windows knows the file is UTF-8 (without it Chinese is mojibake).
    return download(out.getvalue().encode("utf-8-sig"), f"{stem}.csv", "text/csv", "utf-8")


def _workbook(sheet: str, headers: list[str], rows: list[list[Cell]]) -> bytes:
    """The list as one sheet (blocking: run in a worker thread)."""
    out = io.BytesIO()
    # Strings stay strings: never turned into formulas or links, whatever they start with.
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    ws = book.add_worksheet(sheet)
    bold = book.add_format({"bold": True, "bg_color": "#E8EAED", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for col, (title, width) in enumerate(zip(headers, _WIDTHS, strict=True)):
        ws.write_string(0, col, title, bold)
        ws.set_column(col, col, width, wrap if title == headers[9] else None)
    ws.freeze_panes(1, 0)
    for r, cells in enumerate(rows, start=1):
        for col, value in enumerate(cells):
            if isinstance(value, int):
                ws.write_number(r, col, value)
            else:
                ws.write_string(r, col, xml_safe(value))
    ws.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
    book.close()
    return out.getvalue()


async def items_xlsx(request: web.Request) -> web.StreamResponse:
    headers, rows, stem, texts = await _export(request)
    body = await asyncio.to_thread(_workbook, texts("desk.export.sheet"), headers, rows)
    return download(body, f"{stem}.xlsx", XLSX)
