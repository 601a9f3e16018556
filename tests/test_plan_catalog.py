"""The campaign's calendar in the catalog: phases and key dates, validated like the rest, and
imported and re-imported by their place in the file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.catalog_file import EXAMPLE_CATALOG, load_catalog, parse_catalog
from bot.plan import Calendar, KeyDateRecord, PhaseRecord
from storage.catalog import import_catalog
from storage.db import Database
from storage.plan import PlanRepo
from tests.conftest import START
from tests.steps import SMALL_CATALOG, catalog_errors


def test_the_example_carries_the_three_phases_and_the_key_dates() -> None:
    example = load_catalog(EXAMPLE_CATALOG)
    assert [p.name for p in example.phases] == ["部署发动", "监督推进", "总结测评"]
    assert example.phases[1].start == date(2020, 5, 11)  # the seed's deployment meeting
    kinds = {k.kind for k in example.key_dates}
    assert {"meeting", "supervision_week", "inspection", "evaluation"} <= kinds
    week = next(k for k in example.key_dates if k.kind == "supervision_week")
    assert week.date.month == 6 and week.date.day <= 10  # 6月上旬


@pytest.mark.parametrize(
    ("tail", "error"),
    [
        (
            '[[phases]]\nname = "部署发动"\nstart = 2020-05-10\nend = 2020-04-21\n',
            "phases[0]: end 2020-04-21 is before start 2020-05-10",
        ),
        (
            '[[phases]]\nname = "部署发动"\nstart = "2020-04-21"\nend = 2020-05-10\n',
            "phases[0].start: must be a date like 2020-12-31 (without quotes)",
        ),
        ('[[phases]]\nname = "部署发动"\nstart = 2020-04-21\n', "phases[0].end: is required"),
        (
            '[[phases]]\nname = "甲"\nstart = 2020-04-21\nend = 2020-05-31\n'
            '[[phases]]\nname = "乙"\nstart = 2020-05-11\nend = 2020-11-30\n',
            "phases[1].start: overlaps phases[0] (which ends 2020-05-31)",
        ),
        (
            '[[phases]]\nname = "甲"\nstart = 2020-04-21\nend = 2020-05-01\n'
            '[[phases]]\nname = "甲"\nstart = 2020-05-11\nend = 2020-11-30\n',
            "phases[1].name: duplicate '甲' (first at phases[0])",
        ),
        (
            '[[key_dates]]\nname = "座谈会"\ndate = 2020-05-26\nkind = "party"\n',
            "key_dates[0].kind: must be one of meeting, supervision_week, inspection, report, "
            "evaluation, other",
        ),
        (
            '[[key_dates]]\nname = ""\ndate = 2020-05-26\n',
            "key_dates[0].name: must not be empty",
        ),
        (
            '[[key_dates]]\nname = "座谈会"\ndate = 2020-05-26\nplace = "x"\n',
            "key_dates[0].place: unknown key",
        ),
        (
            '[[key_dates]]\nname = "座谈会"\ndate = 2020-05-26T09:00:00\n',
            "key_dates[0].date: must be a date like 2020-12-31 (without quotes)",
        ),
    ],
)
def test_calendar_mistakes_are_reported_with_their_place(tail: str, error: str) -> None:
    assert error in catalog_errors(SMALL_CATALOG + tail)


def test_two_inspections_on_different_days_are_fine() -> None:
    catalog = parse_catalog(
        SMALL_CATALOG + '[[key_dates]]\nname = "专项督查"\ndate = 2020-06-08\n'
        '[[key_dates]]\nname = "专项督查"\ndate = 2020-09-22\nkind = "inspection"\n'
    )
    assert [k.kind for k in catalog.key_dates] == ["other", "inspection"]


async def test_import_keeps_the_calendar_and_a_shorter_one_replaces_it(tmp_path: Path) -> None:
    db = Database(tmp_path / "db.sqlite")
    await db.open()
    try:
        example = load_catalog(EXAMPLE_CATALOG)
        report = await import_catalog(db, example, now=START)
        assert report.created["campaign_phases"] == 3
        campaign_id = await db.fetch_int("SELECT id FROM campaigns")
        calendar = await PlanRepo(db).calendar(campaign_id)
        assert calendar.phase_on(date(2020, 6, 16)) == PhaseRecord(
            "监督推进", "Supervise", date(2020, 5, 11), date(2020, 11, 30)
        )
        again = await import_catalog(db, example, now=START)
        assert not again.changed and again.unchanged["campaign_key_dates"] == 7
        shorter = example.model_copy(update={"key_dates": example.key_dates[:2]})
        third = await import_catalog(db, shorter, now=START)
        assert third.changed
        assert len((await PlanRepo(db).calendar(campaign_id)).key_dates) == 2
    finally:
        await db.close()


def test_the_calendar_answers_today_and_what_comes() -> None:
    calendar = Calendar(
        (PhaseRecord("甲", "", date(2020, 5, 1), date(2020, 5, 31)),),
        (
            KeyDateRecord("会", "Meeting", date(2020, 5, 20), "meeting"),
            KeyDateRecord("周", "", date(2020, 6, 8), "supervision_week"),
        ),
    )
    assert calendar.phase_on(date(2020, 6, 1)) is None
    assert calendar.next_phase(date(2020, 4, 1)) == calendar.phases[0]
    assert [k.name for k in calendar.upcoming(date(2020, 5, 20))] == ["会", "周"]
    assert (
        calendar.key_dates[0].label("en") == "Meeting" and calendar.key_dates[1].label("en") == "周"
    )
