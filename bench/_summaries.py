"""bench.tally's second half: the daily summaries of every group on a peak day.

queue_daily_summaries as the evening job runs it (queries, text, chart and contact sheets drawn
in the picture pool's processes, files written, notices queued), while a ticker task on the same
event loop measures how late it wakes: the lag a person's update would wait behind the summaries.
The same day is then summarised again with the pictures drawn in threads, as before the pool,
for a same-run comparison; the floor is the summaries' queries alone through bare sqlite3.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Self, TypeVar, cast

from bench._machine import ZONE, evict, median
from bot.bootstrap import database_of, open_services
from bot.chart import find_cjk_font
from bot.config import Settings
from bot.services import Services
from bot.summary import group_summary
from bot.summary_pictures import draw_pictures
from bot.summary_push import queue_daily_summaries
from bot.summary_render import render_summary
from bot.texts import Texts
from storage.db import Database
from storage.reports import ReportsRepo

T = TypeVar("T")
TICK_S = 0.01
SAMPLE_GROUPS = 10  # groups whose pictures are drawn one by one here, for the breakdown


class LoopLag:
    """How late a task asking to wake every TICK_S wakes: the event loop's responsiveness."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._tick())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _tick(self) -> None:
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(TICK_S)
            self.lags.append(max(0.0, time.perf_counter() - asked - TICK_S))

    @property
    def worst(self) -> float:
        return max(self.lags, default=0.0)

    @property
    def p99(self) -> float:
        ordered = sorted(self.lags)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0

    def describe(self) -> str:
        return (
            f"event-loop lag max {self.worst * 1000:.0f} ms, p99 {self.p99 * 1000:.0f} ms, "
            f"median {median(self.lags or [0.0]) * 1000:.1f} ms ({len(self.lags):,} ticks)"
        )


@dataclass
class SummaryFigures:
    cold: float
    warm: float
    threads: float
    floor: float
    lag_cold: LoopLag
    lag_warm: LoopLag
    lag_threads: LoopLag
    groups: int


async def _timed(call: Callable[[], Awaitable[T]]) -> tuple[float, T]:
    started = time.perf_counter()
    result = await call()
    return time.perf_counter() - started, result


async def _push(services: Services, day: date, settings: Settings) -> tuple[float, int, LoopLag]:
    now = datetime.combine(day, settings.schedule.summary_at, ZONE)
    async with LoopLag() as lag:
        seconds, rows = await _timed(lambda: queue_daily_summaries(services, day, now))
    return seconds, rows, lag


async def _group_ids(services: Services) -> list[int]:
    rows = await database_of(services).fetch_all(
        "SELECT DISTINCT group_id FROM persons WHERE role = 'leader' "
        "AND group_id IS NOT NULL ORDER BY group_id"
    )
    return [int(r[0]) for r in rows]


async def bench_summaries(
    settings: Settings, db_path: Path, cold_day: date, warm_day: date, bare: Callable[[], object]
) -> SummaryFigures:
    """Run and print the summaries' figures; `bare` opens the floor's bare sqlite3 reader."""
    evict(db_path)
    services = await open_services(settings)
    try:
        cold, rows_cold, lag_cold = await _push(services, cold_day, settings)
        warm, rows_warm, lag_warm = await _push(services, warm_day, settings)
        # The warm day again, its notices taken back, with the pictures drawn in threads.
        async with database_of(services).transaction() as conn:
            await conn.execute(
                "DELETE FROM outbox WHERE dedup_key LIKE ?", (f"summary:%:{warm_day}:%",)
            )
        threads, rows_threads, lag_threads = await _push(
            dataclasses.replace(services, pictures=None), warm_day, settings
        )
        assert rows_threads == rows_warm, (rows_threads, rows_warm)
        group_ids = await _group_ids(services)
        warm_now = datetime.combine(warm_day, settings.schedule.summary_at, ZONE)
        t_sql = t_text = t_draw = 0.0
        pictures = items = photos = 0
        font = find_cjk_font()
        for n, gid in enumerate(group_ids):
            t0 = time.perf_counter()
            summary = await group_summary(services, gid, warm_day, now=warm_now)
            t1 = time.perf_counter()
            render_summary(summary, Texts("zh"))
            t_text += time.perf_counter() - t1
            t_sql += t1 - t0
            items += len(summary.items)
            photos += len(summary.photos)
            if n < SAMPLE_GROUPS:
                t2 = time.perf_counter()
                pictures += len(draw_pictures(summary, ["zh"], font)["zh"])
                t_draw += time.perf_counter() - t2
        reader = bare()
        try:
            # The summaries read through the reports port alone: give it the bare connection.
            bare_services = dataclasses.replace(
                services, reports=ReportsRepo(cast(Database, reader))
            )
            started = time.perf_counter()
            for gid in group_ids:
                await group_summary(bare_services, gid, warm_day, now=warm_now)
            floor = time.perf_counter() - started
        finally:
            reader.close()  # type: ignore[attr-defined]
        workers = services.pictures.workers if services.pictures else 1
    finally:
        await services.close()
    n = len(group_ids)
    sampled = min(n, SAMPLE_GROUPS)
    print(
        f"summaries of {cold_day}, {n} groups, cold (file evicted, reopened; the pool's "
        f"{workers} processes start here): {cold:.2f} s, {rows_cold:,} outbox rows; "
        f"{lag_cold.describe()}"
    )
    print(
        f"summaries of {warm_day}, {n} groups, warm: {warm:.2f} s, {rows_warm:,} outbox rows; "
        f"{lag_warm.describe()}"
    )
    print(
        f"  the same day again with the pictures drawn in threads (before the pool): "
        f"{threads:.2f} s; {lag_threads.describe()}; pool/threads {warm / threads:.2f}"
    )
    print(
        f"  per group on {warm_day}: {items / n:.0f} items, {photos / n:.0f} photos, "
        f"{pictures / max(1, sampled):.1f} pictures"
    )
    print(
        f"  where the time goes, one after another: queries {t_sql:.2f} s, text {t_text:.2f} s, "
        f"pictures {t_draw / max(1, sampled) * 1000:.0f} ms a group ({sampled} drawn here), "
        f"{t_draw / max(1, sampled) * n:.1f} s for all, shared by {workers} processes"
    )
    print(f"floor: the summaries' queries through bare sqlite3 (no pictures): {floor:.2f} s")
    print(f"ratio: {warm / floor:.1f} (the pictures are most of the difference)")
    return SummaryFigures(cold, warm, threads, floor, lag_cold, lag_warm, lag_threads, n)
