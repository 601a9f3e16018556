"""The derived status and light of sub-items and projects (bot/progress.py), typed values, and the
catalog's targets: validation and re-import by stable key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.catalog_file import parse_catalog
from bot.config import Settings, StorageSettings
from bot.errors import Refused
from bot.progress import (
    Derived,
    Kind,
    Light,
    Status,
    TargetRecord,
    bar,
    combine,
    derive,
    parse_value,
    time_share,
)
from bot.services import Services
from tests.conftest import start_clock
from tests.steps import SMALL_CATALOG, catalog_errors

START = date(2020, 1, 1)
YEAR_END = date(2020, 12, 31)


def target(
    amount: float = 30, *, tid: int = 1, kind: Kind = Kind.COUNT, due: date = YEAR_END
) -> TargetRecord:
    return TargetRecord(
        tid, 1, str(tid), "", kind, amount, "辆" if kind is Kind.COUNT else "", due, 0
    )


def test_time_share_runs_from_the_start_to_the_deadline() -> None:
    assert time_share(START, YEAR_END, date(2019, 12, 1)) == 0.0
    assert time_share(START, YEAR_END, YEAR_END) == 1.0
    assert time_share(START, YEAR_END, date(2021, 3, 1)) == 1.0
    assert time_share(START, date(2020, 1, 11), date(2020, 1, 6)) == pytest.approx(0.5)


def test_nothing_reported_early_in_the_year_is_not_started_and_green() -> None:
    d = derive([target()], None, start=START, day=date(2020, 1, 20))
    assert (d.status, d.light, d.percent) == (Status.NOT_STARTED, Light.GREEN, 0)


def test_nothing_reported_by_june_is_behind_and_red() -> None:
    d = derive([target()], None, start=START, day=date(2020, 6, 16))
    assert (d.status, d.light) == (Status.BEHIND, Light.RED)


def test_on_track_is_green_a_small_lag_yellow_a_large_lag_red() -> None:
    day = date(2020, 7, 2)  # half the year elapsed (183 of 365 days)
    t = target(100)
    on_track = derive([t], {1: 50}, start=START, day=day)
    assert (on_track.status, on_track.light, on_track.percent) == (
        Status.IN_PROGRESS,
        Light.GREEN,
        50,
    )
    assert derive([t], {1: 35}, start=START, day=day).light is Light.YELLOW  # lag 0.15
    late = derive([t], {1: 20}, start=START, day=day)  # lag 0.30
    assert (late.status, late.light) == (Status.BEHIND, Light.RED)


def test_every_target_reached_is_done_beyond_counts_as_reached() -> None:
    t1, t2 = target(30, tid=1), target(95, tid=2, kind=Kind.PERCENT)
    d = derive([t1, t2], {1: 31, 2: 95}, start=START, day=date(2020, 9, 1))
    assert (d.status, d.light, d.percent) == (Status.DONE, Light.GREEN, 100)


def test_a_deadline_passed_unmet_is_red_whatever_the_lag() -> None:
    t = target(10, due=date(2020, 6, 30))
    d = derive([t], {1: 9.5}, start=START, day=date(2020, 7, 1))
    assert (d.status, d.light) == (Status.BEHIND, Light.RED)


def test_the_worst_target_decides_the_light_and_the_mean_the_share() -> None:
    day = date(2020, 7, 2)
    d = derive([target(10, tid=1), target(10, tid=2)], {1: 10, 2: 1}, start=START, day=day)
    assert d.light is Light.RED and d.percent == 55


def test_no_targets_means_no_status() -> None:
    assert derive([], None, start=START, day=YEAR_END).status is None


def test_a_project_combines_its_sub_items() -> None:
    done = Derived(Status.DONE, Light.GREEN, 1.0, 0.5)
    going = Derived(Status.IN_PROGRESS, Light.YELLOW, 0.4, 0.5)
    behind = Derived(Status.BEHIND, Light.RED, 0.1, 0.5)
    fresh = Derived(Status.NOT_STARTED, Light.GREEN, 0.0, 0.1)
    none = Derived(None, None, 0.0, 0.0)
    assert combine([done, done, none]).status is Status.DONE
    both = combine([done, going])
    assert (both.status, both.light, both.percent) == (Status.IN_PROGRESS, Light.YELLOW, 70)
    assert combine([done, behind]).status is Status.BEHIND
    assert combine([fresh, fresh]).status is Status.NOT_STARTED
    assert combine([none]).status is None


def test_bar() -> None:
    assert bar(0.52) == "▓▓▓▓░░░░"
    assert bar(0) == "░" * 8 and bar(1.7) == "▓" * 8


@pytest.mark.parametrize(
    ("typed", "value"), [("12", 12), (" １２.5 ", 12.5), ("30辆", 30), ("0", 0)]
)
def test_values_as_people_type_them(typed: str, value: float) -> None:
    assert parse_value(typed, target()) == value


@pytest.mark.parametrize("typed", ["", "十二", "-3", "nan", "inf", "1e99", "12 所"])
def test_bad_values_are_refused(typed: str) -> None:
    with pytest.raises(Refused) as refused:
        parse_value(typed, target())
    assert refused.value.key == "progress.bad_number"


def test_percentages() -> None:
    pct = target(95, kind=Kind.PERCENT)
    assert parse_value("52%", pct) == 52
    with pytest.raises(Refused) as refused:
        parse_value("120", pct)
    assert refused.value.key == "progress.bad_percent"


# --- the catalog ------------------------------------------------------------------------------

HEAD = (
    SMALL_CATALOG
    + """
[[subitems]]
code = "S1"
project = "P1"
title = "新建学校"
unit = "edu"
"""
)


def test_targets_are_validated_strictly() -> None:
    found = catalog_errors(
        HEAD
        + """
[[subitems.targets]]
value = 70

[[subitems.targets]]
value = 1
unit = "所"
percent = 50

[[subitems.targets]]
percent = 120

[[subitems.targets]]
value = "70"
unit = "所"
deadline = "2020-12-31"

[[subitems.targets]]
value = 0
unit = "所"
colour = "red"

[[subitems.milestones]]
label = "开工"
"""
    )
    assert found == [
        "subitems[0].targets[0]: a value needs its unit (所, 个, 台, 公里, 万个 ...)",
        "subitems[0].targets[1]: give either value (with unit) or percent, not both",
        "subitems[0].targets[2].percent: must be a percentage above 0 and at most 100",
        "subitems[0].targets[3].value: must be a number",
        "subitems[0].targets[3].deadline: must be a date like 2020-12-31 (without quotes)",
        "subitems[0].targets[4].value: must be a number above 0",
        "subitems[0].targets[4].colour: unknown key",
        "subitems[0].milestones[0].date: is required",
    ]


def test_duplicate_target_codes_are_refused() -> None:
    found = catalog_errors(
        HEAD
        + """
[[subitems.targets]]
code = "a"
value = 1
unit = "所"

[[subitems.targets]]
code = "a"
percent = 50
"""
    )
    assert found == ["subitems[0]: targets: duplicate code 'a'"]


async def _import(services: Services, text: str) -> None:
    from bot.bootstrap import database_of
    from storage.catalog import import_catalog

    await import_catalog(
        database_of(services), parse_catalog(HEAD + text), now=services.clock.now()
    )


async def test_reimport_updates_targets_in_place_and_keeps_reports(tmp_path: Path) -> None:
    from bot.bootstrap import open_services
    from bot.progress import NewFigures

    settings = Settings(storage=StorageSettings(data_dir=tmp_path))
    clock = start_clock()
    services = await open_services(settings, clock=clock, require_campaign=False)
    try:
        first = """
[[subitems.targets]]
code = "schools"
value = 70
unit = "所"

[[subitems.targets]]
code = "places"
value = 6.2
unit = "万个"
deadline = 2020-09-01

[[subitems.milestones]]
date = 2020-06-30
label = "主体完工"
"""
        await _import(services, first)
        campaign = await services.catalog.campaign()
        assert campaign is not None
        [row] = await services.progress.subitems(campaign.id)
        targets = await services.progress.targets([row.id])
        assert [(t.code, t.amount, t.measure, t.deadline) for t in targets] == [
            ("schools", 70, "所", date(2020, 12, 31)),
            ("places", 6.2, "万个", date(2020, 9, 1)),
        ]
        # A report against both targets, then a catalog that changes one and drops the other.
        from bot.bootstrap import database_of

        db = database_of(services)
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO persons (campaign_id, name, role, unit_id, created_at) "
                "VALUES (?, '钱进', 'liaison', (SELECT id FROM units), '2020-06-01T00:00:00+00:00')",
                (campaign.id,),
            )
        person_id = await db.fetch_value("SELECT id FROM persons")
        _, created = await services.progress.add_report(
            NewFigures(
                row.id, person_id, clock.now(), "", {targets[0].id: 10, targets[1].id: 2}, "k1"
            )
        )
        assert created
        await _import(
            services,
            """
[[subitems.targets]]
code = "schools"
value = 72
unit = "所"
""",
        )
        again = await services.progress.targets([row.id])
        assert [(t.id, t.amount) for t in again] == [(targets[0].id, 72)]
        [report] = await services.progress.reports(row.id, 10)
        assert report.values == {targets[0].id: 10, targets[1].id: 2}
        assert await services.progress.milestones(row.id) == []
        assert await db.fetch_value("SELECT retired FROM targets WHERE code = 'places'") == 1
    finally:
        await services.close()
