"""The monthly progress reminder: each lead unit's liaison is asked for the month's figures.

Runs with the daily jobs (bot/schedule.py) and does something from `[progress] reminder_day` of
each month on: the notice's dedup key is per person and month, so it is queued once a month,
also when the bot was down on the day itself (it goes out on the first run after).
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.notice_queue import queue_notices
from bot.notices import Notice
from bot.services import Services

log = logging.getLogger(__name__)


async def monthly_progress_reminder(services: Services, now: datetime) -> int:
    """Queue the month's reminder for every liaison whose unit leads sub-items with targets.

    Returns how many notices were newly queued (0 before the day, or when already queued).
    """
    day = services.settings.progress.reminder_day
    local = now.astimezone(services.settings.zone)
    if day == 0 or local.day < day:
        return 0
    month = f"{local.year}-{local.month:02d}"
    notices = [
        Notice(
            person_id,
            "progress.reminder",
            params={"month": month, "count": count},
            dedup=f"progress-remind:{person_id}:{month}",
        )
        for person_id, count in await services.progress.liaisons_with_targets(services.campaign.id)
    ]
    if not notices:
        return 0
    added = await queue_notices(services, notices, now)
    log.info("Progress reminders for %s: %d queued", month, added)
    return added
