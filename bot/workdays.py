"""Working days: China's public holidays and adjusted working weekends (调休).

The days come from the `chinesecalendar` package, which carries the State Council's yearly
notices (国务院办公厅关于部分节假日安排的通知) and is updated each November when the next year's
notice appears. A deployment can add days of its own in config ([deadlines] extra_holidays,
extra_workdays): a local holiday, or the next year's notice before the package has it. A year the
package does not cover falls back to Monday to Friday, so deadlines never stop working; the log
says so once per year.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import chinese_calendar

log = logging.getLogger(__name__)

_uncovered_years: set[int] = set()


def _official_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _uncovered_years:
            _uncovered_years.add(day.year)
            log.warning("No holiday calendar for %s: Monday to Friday are working days", day.year)
        return day.weekday() < 5


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Which local days are working days: the official calendar, then the configured changes."""

    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def of(cls, holidays: Iterable[str] = (), workdays: Iterable[str] = ()) -> WorkCalendar:
        """From the config's "YYYY-MM-DD" lists (checked when the config is read)."""
        return cls(
            frozenset(date.fromisoformat(d) for d in holidays),
            frozenset(date.fromisoformat(d) for d in workdays),
        )

    def is_working(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        return _official_workday(day)


OFFICIAL = WorkCalendar()
