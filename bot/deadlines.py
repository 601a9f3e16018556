"""Deadlines: due dates from the customary periods, and the derived traffic light.

Overdue, due soon and the colour are never stored; they are computed from `due_at` and now, so a
list printed today and one printed next week agree with the calendar, not with a stale flag.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.items import Status
from bot.workdays import OFFICIAL, WorkCalendar


class Light(StrEnum):
    GREEN = "green"  # on time
    YELLOW = "yellow"  # due soon
    RED = "red"  # overdue


# A unit owes an answer only while the item is with it.
WAITING_FOR_UNIT = frozenset({Status.FORWARDED, Status.IN_PROGRESS})


def add_months(moment: datetime, months: int) -> datetime:
    """Same day of the month `months` later, clamped to the month's last day (Jan 31 -> Apr 30)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def add_working_days(
    moment: datetime, days: int, zone: ZoneInfo, workdays: WorkCalendar = OFFICIAL
) -> datetime:
    """The end of the `days`-th working day after `moment`, in the campaign's zone.

    Working days are China's (bot/workdays.py): public holidays are skipped and the adjusted
    working weekends (调休) count.
    """
    local = moment.astimezone(zone)
    counted = 0
    while counted < days:
        local += timedelta(days=1)
        if workdays.is_working(local.date()):
            counted += 1
    end = local.replace(hour=23, minute=59, second=59, microsecond=0)
    return end.astimezone(moment.tzinfo or zone)


def light(
    status: Status, due_at: datetime | None, now: datetime, due_soon_days: int
) -> Light | None:
    """Green, yellow or red for an item a unit still has to answer; None for all others."""
    if due_at is None or status not in WAITING_FOR_UNIT:
        return None
    if now > due_at:
        return Light.RED
    if due_at - now <= timedelta(days=due_soon_days):
        return Light.YELLOW
    return Light.GREEN


def days_overdue(due_at: datetime, now: datetime) -> int:
    return max(0, (now - due_at).days)
