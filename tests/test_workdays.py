"""Working days: China's public holidays and adjusted working weekends (调休), checked against
the State Council's notices for 2025 (国办发明电〔2024〕12号) and 2026 (国办发明电〔2025〕7号),
and the deadlines that count them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import DeadlineSettings
from bot.deadlines import add_working_days
from bot.lifecycle import Policy
from bot.workdays import OFFICIAL, WorkCalendar

ZONE = ZoneInfo("Asia/Shanghai")


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2025, 1, 1), date(2025, 1, 1)),  # 元旦
        (date(2025, 1, 28), date(2025, 2, 4)),  # 春节
        (date(2025, 5, 1), date(2025, 5, 5)),  # 劳动节
        (date(2025, 10, 1), date(2025, 10, 8)),  # 国庆节、中秋节
        (date(2026, 1, 1), date(2026, 1, 3)),
        (date(2026, 2, 15), date(2026, 2, 23)),
        (date(2026, 10, 1), date(2026, 10, 7)),
    ],
)
def test_public_holidays_are_not_working_days(first: date, last: date) -> None:
    assert [d for d in _days(first, last) if OFFICIAL.is_working(d)] == []


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 26),  # Sunday before the Spring Festival
        date(2025, 2, 8),  # Saturday
        date(2025, 4, 27),  # Sunday before Labour Day
        date(2025, 9, 28),  # Sunday before National Day
        date(2025, 10, 11),  # Saturday after it
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ],
)
def test_adjusted_weekends_are_working_days(day: date) -> None:
    assert day.weekday() >= 5 and OFFICIAL.is_working(day)


def test_ordinary_weeks_are_monday_to_friday() -> None:
    week = _days(date(2025, 6, 9), date(2025, 6, 15))
    assert [OFFICIAL.is_working(d) for d in week] == [True] * 5 + [False] * 2


def test_the_config_adds_holidays_and_working_days() -> None:
    local = WorkCalendar.of(["2025-06-10"], ["2025-06-14"])
    assert not local.is_working(date(2025, 6, 10)) and local.is_working(date(2025, 6, 14))
    assert local.is_working(date(2025, 6, 11))


def test_a_year_beyond_the_calendar_counts_monday_to_friday() -> None:
    assert OFFICIAL.is_working(date(2040, 1, 2)) and not OFFICIAL.is_working(date(2040, 1, 7))


def test_working_days_skip_national_day_and_count_the_adjusted_saturday() -> None:
    # Forwarded Tuesday 30 September 2025, 10:00: the 1st working day after is Thursday 9
    # October, the 2nd Friday 10, the 3rd Saturday 11 (a working Saturday).
    sent = datetime(2025, 9, 30, 10, 0, tzinfo=ZONE)
    end = add_working_days(sent, 3, ZONE)
    assert end.strftime("%Y-%m-%d %H:%M:%S") == "2025-10-11 23:59:59"
    # The Sunday before counts too: forwarded Friday 26 September, two working days are
    # Sunday 28 and Monday 29.
    assert add_working_days(sent - timedelta(days=4), 2, ZONE).date() == date(2025, 9, 29)


def test_deadlines_use_the_configured_days() -> None:
    policy = Policy(DeadlineSettings(extra_holidays=["2025-06-10"]), ZONE)
    sent = datetime(2025, 6, 9, 10, 0, tzinfo=ZONE)  # Monday
    assert add_working_days(sent, 1, ZONE, policy.workdays).date() == date(2025, 6, 11)


def test_the_config_refuses_what_is_not_a_date() -> None:
    with pytest.raises(ValueError, match="not a date"):
        DeadlineSettings(extra_workdays=["2025-13-01"])
