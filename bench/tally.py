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
import dataclasses
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
from bot.bootstrap import database_of, open_services
from bot.clock import to_db
from bot.services import Services
from bot.summary import group_summary
from bot.summary_pictures import summary_pictures
from bot.summary_push import queue_daily_summaries
from bot.summary_render import render_summary
from bot.tally import Period, compute_tally
from bot.texts import Texts
from storage.db import Database, Reads
from storage.reports import ReportsRepo
from storage.satisfaction import SatisfactionRepo

T = TypeVar("T")

TALLY_GOAL_S = 1.0
SUMMARIES_GOAL_S = 10.0
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
        evicted = evict(db_path)
        services = await open_services(settings)
        try:
            campaign_id = services.campaign.id
            cold, tally = await timed(lambda: compute_tally(services, YEAR, now=TALLY_NOW))
            warm = await repeat(lambda: compute_tally(services, YEAR, now=TALLY_NOW), repeats)
            month = await repeat(lambda: compute_tally(services, MONTH, now=TALLY_NOW), repeats)
        finally:
            await services.close()
        bare = BareDb(db_path)
        try:
            repo = ReportsRepo(cast(Database, bare))
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
        warm_s, floor_s = median(warm), median(floor)
        print(
            f"tally {YEAR.first}..{YEAR.last}: {tally.problems:,} problems, "
            f"{tally.suggestions:,} suggestions, {tally.deputies:,} deputies took part, "
            f"{tally.overdue:,} overdue"
        )
        cold_how = "file evicted from the page cache" if evicted else "page cache NOT evicted"
        print(f"tally, cold (first after opening, {cold_how}): {cold:.3f} s")
        print(f"tally, warm: median {warm_s:.3f} s, best {min(warm):.3f} s ({repeats} runs)")
        print(
            f"floor: the same queries through bare sqlite3, warm: median {floor_s:.3f} s, "
            f"best {min(floor):.3f} s"
        )
        print(f"ratio: {warm_s / floor_s:.2f} (medians), {min(warm) / min(floor):.2f} (best runs)")
        print(
            f"reference: counting the year's items in one covering-index pass: "
            f"{median(one_pass):.3f} s"
        )
        print(f"tally of one month ({MONTH.first}..{MONTH.last}), warm: {median(month):.3f} s")

        # --- the daily summaries ------------------------------------------------------------
        evict(db_path)
        services = await open_services(settings)
        try:
            summaries_cold, rows_cold = await timed(
                lambda: queue_daily_summaries(
                    services,
                    COLD_DAY,
                    datetime.combine(COLD_DAY, settings.schedule.summary_at, ZONE),
                )
            )
            warm_now = datetime.combine(WARM_DAY, settings.schedule.summary_at, ZONE)
            summaries_warm, rows_warm = await timed(
                lambda: queue_daily_summaries(services, WARM_DAY, warm_now)
            )
            # Where the time goes (sequential, warm, the warm day again).
            group_ids = [
                int(r[0])
                for r in await database_of(services).fetch_all(
                    "SELECT DISTINCT group_id FROM persons WHERE role = 'leader' "
                    "AND group_id IS NOT NULL ORDER BY group_id"
                )
            ]
            texts = Texts("zh")
            t_sql = t_text = t_pictures = 0.0
            pictures = items_shown = photos_shown = 0
            for gid in group_ids:
                t0 = time.perf_counter()
                summary = await group_summary(services, gid, WARM_DAY, now=warm_now)
                t1 = time.perf_counter()
                render_summary(summary, texts)
                t2 = time.perf_counter()
                drawn = await summary_pictures(summary, texts)
                t3 = time.perf_counter()
                t_sql += t1 - t0
                t_text += t2 - t1
                t_pictures += t3 - t2
                pictures += len(drawn)
                items_shown += len(summary.items)
                photos_shown += len(summary.photos)
            bare = BareDb(db_path)
            try:
                # The summaries read through the reports port alone: give it the bare connection.
                bare_services = dataclasses.replace(
                    services, reports=ReportsRepo(cast(Database, bare))
                )
                floor_sum = await repeat(
                    lambda: _all_summaries(bare_services, group_ids, WARM_DAY, warm_now), 1
                )
            finally:
                bare.close()
        finally:
            await services.close()
        floor_sum_s = floor_sum[0]
        n = len(group_ids)
        print(
            f"summaries of {COLD_DAY}, {n} groups, cold (file evicted, reopened): "
            f"{summaries_cold:.2f} s, {rows_cold:,} outbox rows"
        )
        print(
            f"summaries of {WARM_DAY}, {n} groups, warm: {summaries_warm:.2f} s, {rows_warm:,} outbox rows"
        )
        print(
            f"  per group on {WARM_DAY}: {items_shown / n:.0f} items, {photos_shown / n:.0f} photos, "
            f"{pictures / n:.1f} pictures"
        )
        print(
            f"  where the time goes, sequential: queries {t_sql:.2f} s, text {t_text:.2f} s, "
            f"pictures (chart + contact sheets) {t_pictures:.2f} s"
        )
        print(
            f"floor: the summaries' queries through bare sqlite3 (no pictures): {floor_sum_s:.2f} s"
        )
        print(f"ratio: {summaries_warm / floor_sum_s:.1f} (pictures are most of the difference)")

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
            f"file not in the page cache): {cold:.3f} s{note}",
        )
        worst_sum = max(summaries_cold, summaries_warm)
        goal(
            worst_sum < SUMMARIES_GOAL_S,
            f"summaries of all {n} groups under {SUMMARIES_GOAL_S:.0f} s: cold {summaries_cold:.2f} s, "
            f"warm {summaries_warm:.2f} s{note}",
        )


async def _all_summaries(
    services: Services, group_ids: list[int], day: date, now: datetime
) -> None:
    for gid in group_ids:
        await group_summary(services, gid, day, now=now)


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
