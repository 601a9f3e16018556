"""The daily jobs, run at their local times on the bot's clock.

Leaders' summaries go out in the evening, reminders and the staff digest in the morning. Each job
only queues notices with dedup keys per person and day, so a run repeated after a restart (or a
catch-up for a time passed during downtime) sends nothing twice.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.bulletin_jobs import monthly_bulletin
from bot.clock import Clock
from bot.jobs import run_daily_jobs
from bot.progress_jobs import monthly_progress_reminder
from bot.services import Services
from bot.summary_push import queue_daily_summaries

log = logging.getLogger(__name__)

Job = Callable[[datetime], Awaitable[object]]


async def summaries_job(services: Services, now: datetime) -> int:
    """Queue today's summary for every leader."""
    day = now.astimezone(services.settings.zone).date()
    queued = await queue_daily_summaries(services, day, now)
    services.wake_sender()
    log.info("Daily summaries for %s: %d notices queued", day, queued)
    return queued


async def reminders_job(services: Services, now: datetime) -> dict[str, int]:
    """Remind liaisons of overdue items, tell staff, close expired ratings, announce look-backs."""
    counts = await run_daily_jobs(services, now)
    services.wake_sender()
    log.info("Daily jobs: %s", counts)
    return counts


async def progress_reminder_job(services: Services, now: datetime) -> int:
    """From the configured day of each month: ask liaisons for the month's figures (once)."""
    return await monthly_progress_reminder(services, now)


async def bulletin_job(services: Services, now: datetime) -> int:
    """From the configured day of each month: the past month's bulletin to staff and leaders."""
    return await monthly_bulletin(services, now)


def next_run(at: time, zone: ZoneInfo, now: datetime) -> datetime:
    """The first local `at` strictly after `now` (a day's run at exactly `now` is done)."""
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), at, zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, zone)
    return candidate


async def run_daily(
    clock: Clock, zone: ZoneInfo, at: time, job: Job, name: str, *, catch_up: bool
) -> None:
    """Run `job` every day at local `at`; with `catch_up`, once at start if today's time has
    passed already (the bot was down then)."""
    now = clock.now()
    if catch_up and now.astimezone(zone).time() >= at:
        await _run(job, name, now)
    while True:
        moment = next_run(at, zone, clock.now())
        await clock.sleep_until(moment)
        await _run(job, name, clock.now())


async def _run(job: Job, name: str, now: datetime) -> None:
    try:
        await job(now)
    except Exception:
        # One failed day must not end the schedule; the next run (or a restart) catches up.
        log.exception("Daily job %s failed", name)


async def _every_campaign(
    services: Services, job: Callable[[Services, datetime], Awaitable[object]], now: datetime
) -> None:
    """Run the job for each campaign the deployment serves, acting in it (one, usually)."""
    for campaign in services.served:
        with services.acting_in(campaign):
            try:
                await job(services, now)
            except Exception:
                # One campaign's failure must not keep the others' notices back.
                log.exception("Daily job failed for campaign %s", campaign.id)


@asynccontextmanager
async def scheduled(services: Services) -> AsyncIterator[None]:
    """Run the daily jobs for the life of the block (unless [schedule] enabled = false)."""
    settings = services.settings.schedule
    if not settings.enabled:
        yield
        return
    tasks = [
        asyncio.create_task(
            run_daily(
                services.clock,
                services.settings.zone,
                at,
                functools.partial(_every_campaign, services, job),
                name,
                catch_up=True,
            ),
            name=name,
        )
        for at, job, name in (
            (settings.summary_at, summaries_job, "daily-summaries"),
            (settings.reminder_at, reminders_job, "daily-reminders"),
            (settings.reminder_at, progress_reminder_job, "progress-reminder"),
            (settings.reminder_at, bulletin_job, "monthly-bulletin"),
        )
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
