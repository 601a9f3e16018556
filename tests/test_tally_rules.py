"""The tally's pure pieces: the satisfaction rate from counts, report periods and their
bounds, and splitting a long report into messages."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from bot.lifecycle import Rating, ResponseClass
from bot.rating_rules import satisfaction_rate
from bot.satisfaction import satisfaction_of
from bot.split import split_message
from bot.tally_period import Period, PeriodError, parse_day


@pytest.mark.parametrize(
    "votes",
    [
        [],
        [Rating.ABSTAIN],
        [Rating.SATISFIED, Rating.BASICALLY, Rating.DISSATISFIED],
        [Rating.SATISFIED, Rating.ABSTAIN, Rating.DISSATISFIED, Rating.DISSATISFIED],
    ],
)
def test_the_rate_from_counts_is_the_lifecycles_rule(votes: list[Rating]) -> None:
    counts = {str(v): votes.count(v) for v in set(votes)}
    figures = satisfaction_of(counts, {"A": 1})
    assert figures.rate == satisfaction_rate(votes)
    assert figures.valid == sum(v is not Rating.ABSTAIN for v in votes)
    assert figures.answered == 1 and figures.answers[ResponseClass.C] == 0
    rate = satisfaction_rate(votes)
    assert figures.percent() == ("—" if rate is None else f"{rate * 100:.1f}%")


# --- periods and splitting ----------------------------------------------------------------------

TODAY = date(2025, 6, 15)


@pytest.mark.parametrize(
    ("args", "first", "last"),
    [
        ([], None, None),
        (["2025-06"], date(2025, 6, 1), date(2025, 6, 30)),
        (["2025-12"], date(2025, 12, 1), date(2025, 12, 31)),
        (["2024-2"], date(2024, 2, 1), date(2024, 2, 29)),
        (["2025-06-03"], date(2025, 6, 3), TODAY),
        (["2025-05-01", "2025-06-30"], date(2025, 5, 1), date(2025, 6, 30)),
        (["2025-05", "2025-06"], date(2025, 5, 1), date(2025, 6, 30)),
        (["2025-05-20", "2025-05-20"], date(2025, 5, 20), date(2025, 5, 20)),
    ],
)
def test_period_forms(args: list[str], first: date | None, last: date | None) -> None:
    assert Period.parse(args, TODAY) == Period(first, last)


@pytest.mark.parametrize(
    "args",
    [
        ["2025-13"],
        ["2025-06-31"],
        ["today"],
        ["2025/06/01"],
        ["2025-06-02", "2025-06-01"],
        ["1", "2", "3"],
    ],
)
def test_bad_periods(args: list[str]) -> None:
    with pytest.raises(PeriodError):
        Period.parse(args, TODAY)


def test_period_bounds_are_local_midnights_in_utc() -> None:
    start, end = Period(date(2025, 6, 1), date(2025, 6, 1)).bounds(ZoneInfo("Asia/Shanghai"))
    assert (start, end) == ("2025-05-31T16:00:00+00:00", "2025-06-01T16:00:00+00:00")
    assert parse_day("2025-06-01") == date(2025, 6, 1)
    with pytest.raises(PeriodError):
        parse_day("2025-06")


def test_split_keeps_lines_whole_and_cuts_only_an_over_long_line() -> None:
    lines = [f"<b>第 {n} 行</b> " + "内容" * 30 for n in range(200)]
    parts = split_message("\n".join(lines), limit=500)
    assert all(len(p) <= 500 for p in parts)
    assert "\n".join(parts).split("\n") == lines
    # One line longer than a message: cut between characters, never inside a tag or an entity.
    long = "<b>标题</b>" + "甲&amp;乙" * 200
    pieces = split_message(long, limit=100)
    assert "".join(pieces) == long and all(len(p) <= 100 for p in pieces)
    assert all(p.count("&amp;") * 5 == len(p) - len(p.replace("&amp;", "")) for p in pieces)
    # Telegram counts UTF-16 units: an emoji takes two.
    assert split_message("😀" * 60, limit=100) == ["😀" * 50, "😀" * 10]
    assert split_message("\n\n") == []
