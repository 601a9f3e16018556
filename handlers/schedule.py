"""Daily jobs on PTB's JobQueue: leaders' summaries in the evening, deadline reminders in the morning.

The jobs only queue notices (with dedup keys per person and day), so running one twice, or again
after a restart, sends nothing twice; the outbox sender delivers them.
"""

from __future__ import annotations

import logging
from datetime import datetime, time
from typing import Any

from telegram.ext import Application, JobQueue

from bot.clock import utcnow
from bot.config import Settings
from handlers.context import BotContext

log = logging.getLogger(__name__)


async def summaries_job(context: BotContext) -> None:
    """Queue today's summary for every leader."""
    from bot.summary import queue_daily_summaries

    services = context.services
    now = utcnow()
    day = now.astimezone(services.settings.zone).date()
    queued = await queue_daily_summaries(services, day, now)
    services.wake_sender()
    log.info("Daily summaries for %s: %d notices queued", day, queued)


async def reminders_job(context: BotContext) -> None:
    """Remind liaisons of overdue items, tell staff, close expired ratings, announce look-backs."""
    from bot.jobs import run_daily_jobs

    services = context.services
    counts = await run_daily_jobs(services, utcnow())
    services.wake_sender()
    log.info("Daily jobs: %s", counts)


def _missed(at: time, now: datetime) -> bool:
    return now.time() >= at


def schedule_daily_jobs(app: Application[Any, Any, Any, Any, Any, Any], settings: Settings) -> None:
    """Run each job daily at its local time, and once now if today's run was missed (downtime)."""
    if not settings.schedule.enabled:
        return
    queue: JobQueue[Any] | None = app.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    zone = settings.zone
    local_now = utcnow().astimezone(zone)
    for callback, at, name in (
        (summaries_job, settings.schedule.summary_at, "daily-summaries"),
        (reminders_job, settings.schedule.reminder_at, "daily-reminders"),
    ):
        queue.run_daily(callback, time=at.replace(tzinfo=zone), name=name)
        if _missed(at, local_now):
            # Today's notices have dedup keys: a catch-up after a restart cannot repeat them.
            queue.run_once(callback, when=1.0, name=f"{name}-catch-up")
