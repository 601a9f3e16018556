"""Benchmark 6: the web console's item list and map at 100,000 items and 10,000 sites.

    .venv/bin/python -m bench.console            # 100,000 items, 10,000 sites (about a minute)
    .venv/bin/python -m bench.console --quick    # 5,000 items, 1,000 sites (seconds; CI)

Goals (the console's issue): a list page p95 at most 1.5x the bare query and under 150 ms; the
map's points for 10,000 sites under 200 ms.

Figures:
- list: ConsoleRepo.search through the open services (aiosqlite, the row mapping), the queries
  a desk asks all day: status + unit page 3, a text search (FTS5 trigrams), a text search within
  a status and unit page 3, and the whole list's last page. Each p95 and median over repeated
  warm runs;
- floor: the same SQL statements (the COUNT and the page, exactly as ConsoleRepo builds them)
  through a bare sqlite3 connection in this thread, warm: what SQLite alone costs;
- map: ConsoleRepo.map_points for staff (every site with its open and overdue items, and the
  latest check-ins), and the whole of /map/points.json for Amap tiles (web/desk.py
  points_payload: every point converted to GCJ-02, cached per site after the first request,
  and encoded as JSON); median and p95 of warm runs.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, cast

from bench._campaign import Shape
from bench._data import built_campaign
from bench._machine import ZONE, campaign_parser, goal, median, run_main
from bot.bootstrap import open_services
from bot.console import ItemPage, ItemQuery
from bot.items import Status
from storage.console import ConsoleRepo
from storage.db import Database
from web.desk import dumps, points_payload

LIST_RATIO_GOAL = 1.5
LIST_GOAL_S = 0.150
MAP_GOAL_S = 0.200
NOW = datetime(2020, 11, 2, 10, 0, tzinfo=ZONE)


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Recorder:
    """A Database stand-in that keeps the statements ConsoleRepo sends (the floor's SQL)."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple[Any, ...]]] = []

    async def fetch_int(self, sql: str, params: Sequence[Any] = ()) -> int:
        self.statements.append((sql, tuple(params)))
        return 0

    async def fetch_all_as(self, _mapper: Any, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        self.statements.append((sql, tuple(params)))
        return []

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        self.statements.append((sql, tuple(params)))
        return []


@dataclass
class Case:
    name: str
    query: ItemQuery
    statements: list[tuple[str, tuple[Any, ...]]]
    rows: int = 0
    total: int = 0
    timed: list[float] | None = None
    floor: list[float] | None = None


async def timed_runs(call: Callable[[], Awaitable[object]], times: int) -> list[float]:
    runs = []
    for _ in range(times):
        started = time.perf_counter()
        await call()
        runs.append(time.perf_counter() - started)
    return runs


def bare_runs(db_path: Path, case: Case, times: int) -> list[float]:
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("PRAGMA query_only = ON")
        runs = []
        for _ in range(times + 2):
            started = time.perf_counter()
            for sql, params in case.statements:
                conn.execute(sql, params).fetchall()
            runs.append(time.perf_counter() - started)
        return runs[2:]  # the first runs warm the cache, as the services' first runs do
    finally:
        conn.close()


async def run(args: argparse.Namespace) -> None:
    quick: bool = args.quick
    items = args.items or (5_000 if quick else 100_000)
    sites = args.sites or (1_000 if quick else 10_000)
    repeats = 20 if quick else 60
    # 20 projects in the example catalog: sites spread evenly over them.
    shape = Shape(items=items, groups=10 if quick else 100, sites_per_project=sites // 20)
    title = f"bench.console: the console's list and map, {items:,} items, {sites:,} sites"
    async with built_campaign(title, lambda _data_dir: shape) as built:
        settings = built.settings
        db_path = settings.storage.database_path
        services = await open_services(settings)
        try:
            campaign_id = services.campaign.id
            repo = services.console
            assert isinstance(repo, ConsoleRepo)
            # The busiest unit: its liaison's list is the longest to page through.
            unit_id = int(
                await repo.db.fetch_value(
                    "SELECT unit_id FROM items WHERE unit_id IS NOT NULL "
                    "GROUP BY unit_id ORDER BY COUNT(*) DESC LIMIT 1"
                )
            )
            waiting = (Status.FORWARDED, Status.IN_PROGRESS)
            queries = {
                "status + unit, page 3": ItemQuery(statuses=waiting, unit_id=unit_id, page=3),
                "text search": ItemQuery(text="电梯加装"),
                "text + status + unit": ItemQuery(
                    text="安全隐患", statuses=waiting, unit_id=unit_id
                ),
                "whole list, due first, page 3": ItemQuery(sort="due", page=3),
            }

            def search(query: ItemQuery) -> Awaitable[ItemPage]:
                return repo.search(campaign_id, query, now=NOW, zone=ZONE)

            cases = []
            for name, query in queries.items():
                recorder = Recorder()
                await ConsoleRepo(cast(Database, recorder)).search(
                    campaign_id, query, now=NOW, zone=ZONE
                )
                case = Case(name, query, recorder.statements)
                page = await repo.search(campaign_id, query, now=NOW, zone=ZONE)
                case.rows, case.total = len(page.rows), page.total
                case.timed = await timed_runs(partial(search, query), repeats)
                cases.append(case)
            await repo.map_points(campaign_id, None, None, now=NOW)
            map_runs = await timed_runs(
                lambda: repo.map_points(campaign_id, None, None, now=NOW), repeats // 2
            )

            async def points_json() -> bytes:
                points = await repo.map_points(campaign_id, None, None, now=NOW)
                return dumps(points_payload(points, "amap"))

            json_runs = await timed_runs(points_json, repeats // 2)
            n_points = len(await repo.map_points(campaign_id, None, None, now=NOW))
            map_sql = Recorder()
            await ConsoleRepo(cast(Database, map_sql)).map_points(campaign_id, None, None, now=NOW)
            map_case = Case("map", ItemQuery(), map_sql.statements)
        finally:
            await services.close()
        for case in cases:
            case.floor = bare_runs(db_path, case, repeats)
        map_floor = bare_runs(db_path, map_case, repeats // 2)

        worst_ratio, worst_p95 = 0.0, 0.0
        for case in cases:
            assert case.timed is not None and case.floor is not None
            t95, f95 = p95(case.timed), p95(case.floor)
            worst_ratio, worst_p95 = max(worst_ratio, t95 / f95), max(worst_p95, t95)
            print(
                f"list, {case.name}: {case.total:,} match, {case.rows} rows shown; "
                f"p95 {t95 * 1e3:.1f} ms, median {median(case.timed) * 1e3:.1f} ms "
                f"({repeats} runs)"
            )
            print(
                f"  floor (the same 2 statements through bare sqlite3): p95 {f95 * 1e3:.1f} ms, "
                f"median {median(case.floor) * 1e3:.1f} ms; ratio {t95 / f95:.2f} (p95)"
            )
        map_s, json_s = median(map_runs), median(json_runs)
        print(
            f"map points, staff: {n_points:,} points; median {map_s * 1e3:.1f} ms, "
            f"p95 {p95(map_runs) * 1e3:.1f} ms"
        )
        print(
            f"  floor (the same 2 statements through bare sqlite3): median "
            f"{median(map_floor) * 1e3:.1f} ms, p95 {p95(map_floor) * 1e3:.1f} ms; "
            f"ratio {p95(map_runs) / p95(map_floor):.2f} (p95)"
        )
        print(
            f"map points converted to GCJ-02 and encoded as JSON (Amap): median "
            f"{json_s * 1e3:.1f} ms, p95 {p95(json_runs) * 1e3:.1f} ms"
        )
        note = (
            "" if not quick else f" [quick: {items:,} items, {sites:,} sites, not the goal's size]"
        )
        goal(
            worst_ratio <= LIST_RATIO_GOAL,
            f"list p95 at most {LIST_RATIO_GOAL}x the bare query: worst {worst_ratio:.2f}x{note}",
        )
        goal(
            worst_p95 < LIST_GOAL_S,
            f"list p95 under {LIST_GOAL_S * 1e3:.0f} ms: worst {worst_p95 * 1e3:.1f} ms{note}",
        )
        worst_map = max(p95(map_runs), p95(json_runs))
        goal(
            worst_map < MAP_GOAL_S,
            f"map points for {n_points:,} sites/points under {MAP_GOAL_S * 1e3:.0f} ms: "
            f"p95 {worst_map * 1e3:.1f} ms with conversion and JSON{note}",
        )


def main(argv: list[str] | None = None) -> int:
    parser = campaign_parser("bench.console", __doc__)
    parser.add_argument("--sites", type=int, default=0, help="sites in the campaign")
    return run_main(parser, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
