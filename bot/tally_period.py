"""A tally's period: the local dates a person names (/tally, /bulletin, the CLI, the web
console), their stored UTC bounds, and how the period reads in a report's title."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import to_db
from bot.records import AFTER_ALL, BEFORE_ALL
from bot.texts import Texts


class PeriodError(ValueError):
    """A period given by a person that is not a date, a month, or is the wrong way round."""


@dataclass(frozen=True, slots=True)
class Period:
    """Local dates in the campaign's zone, both included; None: open on that side."""

    first: date | None = None
    last: date | None = None

    def __post_init__(self) -> None:
        if self.first is not None and self.last is not None and self.first > self.last:
            raise PeriodError(f"{self.first} is after {self.last}")

    def bounds(self, zone: ZoneInfo) -> tuple[str, str]:
        """The UTC range [start, end) as stored, from local midnight to the midnight after."""
        start = to_db(datetime.combine(self.first, time.min, zone)) if self.first else BEFORE_ALL
        end = (
            to_db(datetime.combine(self.last + timedelta(days=1), time.min, zone))
            if self.last
            else AFTER_ALL
        )
        return start, end

    @classmethod
    def parse(cls, args: Sequence[str], today: date) -> Period:
        """What /tally accepts: nothing (the whole campaign), a month, a day, or two of them.

        One day alone runs from that day until today; one month alone is that month; of two,
        the first is the start (a month: its first day) and the second the end (its last day).
        """
        if not args:
            return cls()
        if len(args) > 2:
            raise PeriodError("at most two dates")
        first, first_end = _parse_one(args[0])
        if len(args) == 1:
            if first_end is None:  # a single day: from then until today
                return cls(first, max(first, today))
            return cls(first, first_end)
        last_start, last_end = _parse_one(args[1])
        return cls(first, last_end or last_start)


_DAY = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_MONTH = re.compile(r"\d{4}-\d{1,2}")


def _parse_one(text: str) -> tuple[date, date | None]:
    """(first day, last day if a month was given) of `YYYY-MM-DD` or `YYYY-MM`."""
    text = text.strip()
    try:
        if _DAY.fullmatch(text):
            year, month, day = (int(p) for p in text.split("-"))
            return date(year, month, day), None
        if _MONTH.fullmatch(text):
            year, month = (int(p) for p in text.split("-"))
            first = date(year, month, 1)
            following = date(year + month // 12, month % 12 + 1, 1)
            return first, following - timedelta(days=1)
    except ValueError as exc:
        raise PeriodError(f"not a date: {text!r}") from exc
    raise PeriodError(f"not a date: {text!r}")


def parse_day(text: str) -> date:
    """A single YYYY-MM-DD (the CLI's --from and --to, /summary's date)."""
    day, month_end = _parse_one(text)
    if month_end is not None:
        raise PeriodError(f"not a day: {text!r}")
    return day


def period_text(period: Period, texts: Texts) -> str:
    first, last = period.first, period.last
    if first and last:
        if first == last:
            return first.isoformat()
        return texts("tally.period_range", first=first.isoformat(), last=last.isoformat())
    if first:
        return texts("tally.period_from", first=first.isoformat())
    if last:
        return texts("tally.period_until", last=last.isoformat())
    return texts("tally.period_all")
