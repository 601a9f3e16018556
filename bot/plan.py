"""The supervision plan: the campaign's calendar, and the visits leaders assign (tasks).

"人人有任务、事事有监督": a group's leader gives deputies of the group a visit to make, to a site or
to any site of a sub-item, within a window of local days. A check-in at such a site within the
window, on site, fulfils it for that deputy (bot/usecases/deputy.py check_in); a window that has
closed without one leaves the task overdue for them. Pure: no storage, no Telegram.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.errors import Refused
from bot.records import CatalogNamed

# How many key dates /help and the console show ahead.
UPCOMING_KEY_DATES = 3
# A window longer than this is a mistake (a year typed wrong), not a plan.
MAX_WINDOW_DAYS = 366


@dataclass(frozen=True, slots=True)
class PhaseRecord(CatalogNamed):
    name: str
    name_en: str
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class KeyDateRecord(CatalogNamed):
    name: str
    name_en: str
    day: date
    kind: str


@dataclass(frozen=True, slots=True)
class Calendar:
    phases: tuple[PhaseRecord, ...]
    key_dates: tuple[KeyDateRecord, ...]

    def phase_on(self, day: date) -> PhaseRecord | None:
        return next((p for p in self.phases if p.start <= day <= p.end), None)

    def next_phase(self, day: date) -> PhaseRecord | None:
        return min((p for p in self.phases if p.start > day), key=lambda p: p.start, default=None)

    def upcoming(self, day: date, limit: int = UPCOMING_KEY_DATES) -> list[KeyDateRecord]:
        """Key dates from `day` on, soonest first."""
        return sorted((k for k in self.key_dates if k.day >= day), key=lambda k: k.day)[:limit]

    def on(self, day: date) -> list[KeyDateRecord]:
        return [k for k in self.key_dates if k.day == day]


class TaskState(StrEnum):
    UPCOMING = "upcoming"  # the window has not opened yet
    OPEN = "open"
    DONE = "done"
    OVERDUE = "overdue"


def task_state(first: date, last: date, done: bool, today: date) -> TaskState:
    if done:
        return TaskState.DONE
    if today > last:
        return TaskState.OVERDUE
    return TaskState.UPCOMING if today < first else TaskState.OPEN


@dataclass(frozen=True, slots=True)
class Window:
    first: date
    last: date


_DATE = re.compile(r"(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?")


def parse_window(text: str, today: date) -> Window:
    """Two days, "2020-06-20 2020-06-30" or "6-20 6-30" (this year), in that order; one day alone
    is a window of that day. Refused when unreadable, backwards, past or too long."""
    found = _DATE.findall(text)
    rest = _DATE.sub("", text)
    if not 1 <= len(found) <= 2 or re.search(r"[0-9A-Za-z]", rest):
        raise Refused("plan.window_unreadable")
    days = []
    for year, month, day in found:
        try:
            days.append(date(int(year) if year else today.year, int(month), int(day)))
        except ValueError:
            raise Refused("plan.window_unreadable") from None
    first, last = days[0], days[-1]
    if last < first:
        raise Refused("plan.window_backwards")
    if last < today:
        raise Refused("plan.window_past")
    if last - first > timedelta(days=MAX_WINDOW_DAYS):
        raise Refused("plan.window_too_long", days=MAX_WINDOW_DAYS)
    return Window(first, last)


@dataclass(frozen=True, slots=True)
class Target:
    """What a task asks to visit: one site, or any site of one sub-item."""

    site_id: int | None = None
    subitem_id: int | None = None

    def __post_init__(self) -> None:
        if (self.site_id is None) == (self.subitem_id is None):
            raise ValueError("a task's target is a site or a sub-item")


@dataclass(frozen=True, slots=True)
class NewTask:
    campaign_id: int
    group_id: int
    target: Target
    window: Window
    person_ids: tuple[int, ...]
    created_by: int
    source_key: str


@dataclass(frozen=True, slots=True)
class TaskQuery:
    """Which deputies' parts of a campaign's tasks a list shows. None: no filter on that field."""

    group_id: int | None = None
    person_id: int | None = None
    task_id: int | None = None
    visit_id: int | None = None  # the parts this visit fulfilled
    limit: int = 200


@dataclass(frozen=True, slots=True)
class TaskRow:
    """One deputy's part of a task, as lists show it."""

    task_id: int
    group_id: int
    group_name: str
    place: str  # the site's name, or the sub-item's title
    project: str
    is_subitem: bool
    first: date
    last: date
    person_id: int
    person_name: str
    done_on: date | None

    def state(self, today: date) -> TaskState:
        return task_state(self.first, self.last, self.done_on is not None, today)


@dataclass(frozen=True, slots=True)
class Due:
    """A deputy's open task whose window opens or closes soon (the reminders' rows)."""

    task_id: int
    person_id: int
    place: str
    first: date
    last: date
