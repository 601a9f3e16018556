"""Queueing a job's notices: what the scheduled jobs (bot/*_jobs.py) share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.notices import Notice
from bot.services import Services


async def queue_notices(services: Services, notices: Sequence[Notice], now: datetime) -> int:
    """Put the notices in the outbox and wake the sender if any were new; how many were new (the
    outbox skips a notice whose dedup key it already holds, so a job run twice queues once)."""
    if not notices:
        return 0
    added = await services.outbox.enqueue(notices, now)
    if added:
        services.wake_sender()
    return added
