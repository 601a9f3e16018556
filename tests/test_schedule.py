"""The daily jobs run at their local time on the bot's clock, whatever the machine's clock says,
and a time passed during downtime is caught up once at start."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta

from bot.clock import SetClock
from bot.schedule import next_run, run_daily
from tests.conftest import SHANGHAI


class _Recorder:
    def __init__(self) -> None:
        self.runs: list[datetime] = []
        self.ran = asyncio.Event()

    async def __call__(self, now: datetime) -> None:
        self.runs.append(now)
        self.ran.set()

    async def next(self) -> datetime:
        await asyncio.wait_for(self.ran.wait(), 5)
        self.ran.clear()
        return self.runs[-1]


def test_next_run_is_today_before_the_time_and_tomorrow_after_it() -> None:
    at = time(20, 0)
    morning = datetime(2026, 12, 31, 9, 0, tzinfo=SHANGHAI)
    assert next_run(at, SHANGHAI, morning) == datetime(2026, 12, 31, 20, 0, tzinfo=SHANGHAI)
    just_after = datetime(2026, 12, 31, 20, 0, tzinfo=SHANGHAI)
    # New Year's Eve in Shanghai: the next run is on the first day of the next year.
    assert next_run(at, SHANGHAI, just_after) == datetime(2027, 1, 1, 20, 0, tzinfo=SHANGHAI)


async def test_a_job_runs_at_its_local_time_and_again_the_next_day() -> None:
    clock = SetClock(datetime(2026, 12, 31, 19, 59, 59, tzinfo=SHANGHAI))
    job = _Recorder()
    task = asyncio.create_task(run_daily(clock, SHANGHAI, time(20, 0), job, "test", catch_up=True))
    try:
        first = await job.next()
        assert first.astimezone(SHANGHAI).date().isoformat() == "2026-12-31"
        assert first.astimezone(SHANGHAI).time() >= time(20, 0)
        clock.advance(timedelta(days=1))
        second = await job.next()
        assert second.astimezone(SHANGHAI).date().isoformat() == "2027-01-01"
        assert len(job.runs) == 2
    finally:
        task.cancel()


async def test_a_time_missed_during_downtime_is_caught_up_once_at_start() -> None:
    clock = SetClock(datetime(2026, 12, 31, 23, 50, tzinfo=SHANGHAI))
    job = _Recorder()
    task = asyncio.create_task(run_daily(clock, SHANGHAI, time(20, 0), job, "test", catch_up=True))
    try:
        caught_up = await job.next()
        assert caught_up.astimezone(SHANGHAI).hour == 23
        await asyncio.sleep(0.2)
        assert len(job.runs) == 1
    finally:
        task.cancel()
