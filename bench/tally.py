"""Benchmark 4: the tally of a year and the daily summaries of every group, at a million items.

    .venv/bin/python -m bench.tally            # 1,000,000 items, 100 groups (about 4 minutes)
    .venv/bin/python -m bench.tally --quick    # 20,000 items, 10 groups (seconds; CI)

Goals (issue 4): `/tally` for a year under 1 s; the daily summaries of all groups under 10 s.

The database is built the way a year of use leaves it: the items' indexes grow row by row while
the items go in, so their pages lie scattered through the file (--compact builds them after
loading instead: faster to make, but it flatters every cold figure about fourfold).

Figures:
- tally, cold: the first tally after opening the database with its file dropped from the page
  cache (posix_fadvise DONTNEED on that one file; nothing system-wide), as after a reboot;
- tally, warm: repeated runs on the open database (median and best);
- floor: the same queries (storage/reports.py and storage/satisfaction.py, unchanged) through a
  bare sqlite3 connection in this thread, warm: what SQLite alone costs, without aiosqlite and
  the tally's Python;
- summaries: queue_daily_summaries for a peak day (text, chart and contact sheets of every group
  written to disk, notices queued in the outbox), first with a cold file, then for another day
  warm; floor: the same summaries' queries through bare sqlite3 (no pictures);
- experiments, none of which the bot does: the cold tally with mmap on the reader, after VACUUM,
  and the warm tally after ANALYZE, with the query plan that changes.
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

from bench._campaign import Shape
from bench._data import built_campaign
from bench._machine import ZONE, campaign_parser, evict, goal, median, run_main
from bench._photos import thumbnails
from bench._summaries import bench_summaries
from bench._tally_before import before_tally, resident_mb
from bot.bootstrap import database_of, open_services
from bot.clock import to_db
from bot.tally import compute_tally
from bot.tally_period import Period
from storage.db import Database, Reads
from storage.reports import ReportsRepo
from storage.satisfaction import SatisfactionRepo

T = TypeVar("T")

TALLY_GOAL_S = 1.0
SUMMARIES_GOAL_S = 10.0
# "Not blocking the bot": a person's update waits at most this long behind the summaries.
LAG_GOAL_S = 0.5
LAG_P99_GOAL_S = 0.05
YEAR = Period(date(2020, 1, 1), date(2020, 12, 31))
MONTH = Period(date(2020, 6, 1), date(2020, 6, 30))
# Two days of the supervision-week peak: the busiest summaries of the year.
COLD_DAY, WARM_DAY = date(2020, 6, 1), date(2020, 6, 2)
TALLY_NOW = datetime(2021, 1, 4, 9, 0, tzinfo=ZONE)


class BareDb(Reads):
    """Database's read methods on a plain sqlite3 connection, run right here (the floor)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA query_only = ON")

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(sql, params).fetchone()

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self.conn.execute(sql, params).fetchall()

    async def fetch_value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        self.conn.close()


class PlanDb(BareDb):
    """BareDb that notes the query plans SQLite picks, to say why a figure moved."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.plans: list[str] = []

    def _plan(self, sql: str, params: Sequence[Any]) -> None:
        rows = self.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
        self.plans.append("; ".join(str(r[3]) for r in rows))

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self._plan(sql, params)
        return await super().fetch_one(sql, params)

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        self._plan(sql, params)
        return await super().fetch_all(sql, params)


async def timed(call: Callable[[], Awaitable[T]]) -> tuple[float, T]:
    started = time.perf_counter()
    result = await call()
    return time.perf_counter() - started, result


async def repeat(call: Callable[[], Awaitable[object]], times: int) -> list[float]:
    return [(await timed(call))[0] for _ in range(times)]


def _timed_statement(db_path: Path, sql: str) -> float:
    """Seconds one maintenance statement takes on a connection of its own."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        started = time.perf_counter()
        conn.execute(sql)
        return time.perf_counter() - started
    finally:
        conn.close()


async def bare_tally(repo: ReportsRepo, campaign_id: int, period: Period, now: datetime) -> None:
    """The tally's queries, as compute_tally runs them."""
    start, end = period.bounds(ZONE)
    soon = now + timedelta(days=14)
    await repo.labels(campaign_id)
    await repo.place_counts(campaign_id, start, end)
    await repo.group_counts(campaign_id, start, end)
    await repo.deadline_counts(campaign_id, start, end, to_db(now), to_db(soon))
    await repo.participation(campaign_id, start, end)
    votes = SatisfactionRepo(repo.db)
    await votes.vote_counts(campaign_id, start, end)
    await votes.answer_counts(campaign_id, start, end)


async def run(args: argparse.Namespace) -> None:
    quick: bool = args.quick
    items = args.items or (20_000 if quick else 1_000_000)
    groups = args.groups or (10 if quick else 100)
    repeats = 3 if quick else 5

    def shape_in(data_dir: Path) -> Shape:
        return Shape(
            items=items,
            groups=groups,
            photo_days=(COLD_DAY, WARM_DAY),
            photo_thumbs=thumbnails(data_dir / "photos", 48),
            aged=not args.compact,
            page_size=args.page_size,
        )

    title = f"bench.tally: /tally for a year and the daily summaries, {items:,} items"
    async with built_campaign(title, shape_in) as built:
        settings = built.settings
        db_path = settings.storage.database_path
        layout = (
            "compact indexes (built after loading)"
            if args.compact
            else "items' indexes grown row by row, as a year of use leaves them"
        )
        with contextlib.closing(sqlite3.connect(db_path)) as conn:
            page = conn.execute("PRAGMA page_size").fetchone()[0]
        print(
            f"database file: {db_path.stat().st_size / 1e6:.0f} MB, {page}-byte pages, {layout}, "
            "no ANALYZE statistics"
        )

        # --- the tally -------------------------------------------------------------------
        # Cold: the database file's pages dropped from the page cache (posix_fadvise DONTNEED
        # on that file alone, after an fsync so none is dirty), then a fresh connection: every
        # page the tally reads comes from the disk, as after a reboot.
        evicted = evict(db_path)
        resident = resident_mb(db_path)
        services = await open_services(settings)
        try:
            campaign_id = services.campaign.id
            cold, tally = await timed(lambda: compute_tally(services, YEAR, now=TALLY_NOW))
            warm = await repeat(lambda: compute_tally(services, YEAR, now=TALLY_NOW), repeats)
            month = await repeat(lambda: compute_tally(services, MONTH, now=TALLY_NOW), repeats)
        finally:
            await services.close()
        evict(db_path)
        bare = BareDb(db_path)
        try:
            repo = ReportsRepo(cast(Database, bare))
            cold_floor, _ = await timed(lambda: bare_tally(repo, campaign_id, YEAR, TALLY_NOW))
            floor = await repeat(lambda: bare_tally(repo, campaign_id, YEAR, TALLY_NOW), repeats)
            start, end = YEAR.bounds(ZONE)
            one_pass = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                bare.conn.execute(
                    "SELECT COUNT(*) FROM items INDEXED BY items_campaign_submitted "
                    "WHERE campaign_id = ? AND submitted_at >= ? AND submitted_at < ?",
                    (campaign_id, start, end),
                ).fetchone()
                one_pass.append(time.perf_counter() - t0)
        finally:
            bare.close()
        # Before migration 0017: the same counts from the items' covering indexes, bare sqlite3.
        before_cold, before_warm = before_tally(db_path, campaign_id, YEAR, TALLY_NOW, repeats)
        warm_s, floor_s = median(warm), median(floor)
        print(
            f"tally {YEAR.first}..{YEAR.last}: {tally.problems:,} problems, "
            f"{tally.suggestions:,} suggestions, {tally.deputies:,} deputies took part, "
            f"{tally.overdue:,} overdue"
        )
        cold_how = (
            f"file evicted from the page cache, {resident} resident after"
            if evicted
            else "page cache NOT evicted"
        )
        print(f"tally, cold (first after opening, {cold_how}): {cold:.3f} s")
        print(f"tally, warm: median {warm_s:.3f} s, best {min(warm):.3f} s ({repeats} runs)")
        print(
            f"floor: the same queries through bare sqlite3, warm: median {floor_s:.3f} s, "
            f"best {min(floor):.3f} s"
        )
        print(f"floor, cold (file evicted again, fresh bare connection): {cold_floor:.3f} s")
        print(
            f"ratio: {warm_s / floor_s:.2f} (medians), {min(warm) / min(floor):.2f} (best runs), "
            f"cold {cold / cold_floor:.2f}"
        )
        print(
            f"before the summary tables (migration 0017), the same counts from the items' "
            f"covering indexes, bare sqlite3: cold {before_cold:.3f} s, warm median "
            f"{median(before_warm):.3f} s; now/before: cold {cold / before_cold:.2f}, "
            f"warm {warm_s / median(before_warm):.2f}"
        )
        print(
            f"reference: counting the year's items in one covering-index pass: "
            f"{median(one_pass):.3f} s"
        )
        print(f"tally of one month ({MONTH.first}..{MONTH.last}), warm: {median(month):.3f} s")

        # --- the daily summaries ------------------------------------------------------------
        sums = await bench_summaries(settings, db_path, COLD_DAY, WARM_DAY, lambda: BareDb(db_path))

        # --- what would help a cold tally (experiments, the bot does none of them) --------------
        evict(db_path)
        services = await open_services(settings)
        try:
            await database_of(services).reader.execute(f"PRAGMA mmap_size = {1 << 32}")
            cold_mmap, _ = await timed(lambda: compute_tally(services, YEAR, now=TALLY_NOW))
        finally:
            await services.close()
        vacuum_s = _timed_statement(db_path, "VACUUM")
        evict(db_path)
        services = await open_services(settings)
        try:
            cold_vacuumed, _ = await timed(lambda: compute_tally(services, YEAR, now=TALLY_NOW))
            warm_vacuumed = await repeat(
                lambda: compute_tally(services, YEAR, now=TALLY_NOW), repeats
            )
        finally:
            await services.close()
        analyze_s = _timed_statement(db_path, "ANALYZE")
        services = await open_services(settings)
        try:
            analyzed = await repeat(lambda: compute_tally(services, YEAR, now=TALLY_NOW), repeats)
        finally:
            await services.close()
        planner = PlanDb(db_path)
        try:
            await bare_tally(ReportsRepo(cast(Database, planner)), campaign_id, YEAR, TALLY_NOW)
        finally:
            planner.close()
        sorting = [p for p in planner.plans if "TEMP B-TREE FOR GROUP BY" in p]
        print("experiments (not what the bot does):")
        print(f"  cold tally with PRAGMA mmap_size = 4 GiB on the reader: {cold_mmap:.3f} s")
        print(
            f"  after VACUUM ({vacuum_s:.1f} s): cold tally {cold_vacuumed:.3f} s, "
            f"warm {median(warm_vacuumed):.3f} s"
        )
        print(
            f"  after ANALYZE as well ({analyze_s:.1f} s): warm tally {median(analyzed):.3f} s; "
            f"{len(sorting)} of the tally's counts then sort for their GROUP BY"
        )
        for plan in sorting:
            print(f"    plan: {plan}")

        note = (
            "" if not quick else f" [quick: {items:,} items, {groups} groups, not the issue's size]"
        )
        goal(
            warm_s < TALLY_GOAL_S,
            f"tally for a year under {TALLY_GOAL_S:.0f} s, warm: {warm_s:.3f} s{note}",
        )
        goal(
            cold < TALLY_GOAL_S,
            f"tally for a year under {TALLY_GOAL_S:.0f} s, cold (first after opening, "
            f"file not in the page cache): {cold:.3f} s (floor, bare sqlite3 cold: "
            f"{cold_floor:.3f} s; before migration 0017: {before_cold:.3f} s){note}",
        )
        worst_sum = max(sums.cold, sums.warm)
        n = sums.groups
        goal(
            worst_sum < SUMMARIES_GOAL_S,
            f"summaries of all {n} groups under {SUMMARIES_GOAL_S:.0f} s: cold {sums.cold:.2f} s, "
            f"warm {sums.warm:.2f} s (floor, queries alone: {sums.floor:.2f} s; pictures in "
            f"threads as before: {sums.threads:.2f} s){note}",
        )
        worst_lag = max(sums.lag_cold.worst, sums.lag_warm.worst)
        worst_p99 = max(sums.lag_cold.p99, sums.lag_warm.p99)
        goal(
            worst_lag < LAG_GOAL_S and worst_p99 < LAG_P99_GOAL_S,
            f"the bot stays responsive during the summaries: event-loop lag max "
            f"{worst_lag * 1000:.0f} ms (< {LAG_GOAL_S * 1000:.0f}), p99 {worst_p99 * 1000:.0f} ms "
            f"(< {LAG_P99_GOAL_S * 1000:.0f}); with threads as before: max "
            f"{sums.lag_threads.worst * 1000:.0f} ms, p99 {sums.lag_threads.p99 * 1000:.0f} ms{note}",
        )


def main(argv: list[str] | None = None) -> int:
    parser = campaign_parser("bench.tally", __doc__)
    parser.add_argument("--groups", type=int, default=0, help="supervision groups")
    parser.add_argument(
        "--compact",
        action="store_true",
        help="build the indexes after loading (faster to make; flatters cold figures)",
    )
    parser.add_argument(
        "--page-size", type=int, default=0, help="SQLite page size of the new file (experiment)"
    )
    return run_main(parser, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
