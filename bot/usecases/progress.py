"""Targets and progress: the board of projects and sub-items, a lead unit's progress report, and a
deputy's observation on a visit. The chat (/projects, /progress, the check-in's button) and the
web console (/projects) call these same functions.

Every function loads what it needs, asks bot/scope.py whether the caller reaches it (a forged id
reveals nothing), applies the pure rule of bot/progress.py and commits through the port.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from bot import scope
from bot.errors import Refused, require
from bot.people import Person
from bot.progress import (
    WHOLE_CAMPAIGN,
    Board,
    MilestoneRecord,
    NewFigures,
    ProjectProgress,
    Reach,
    ReportRecord,
    SubitemProgress,
    SubitemRow,
    TargetRecord,
    combine,
    derive,
    parse_value,
)
from bot.services import Services
from bot.usecases.acting import Caller

log = logging.getLogger(__name__)

NOTE_MAX = 1000
HISTORY_SHOWN = 50


@dataclass(frozen=True, slots=True)
class SubitemDetail:
    project_code: str
    project_title: str
    progress: SubitemProgress
    milestones: list[MilestoneRecord]
    reports: list[ReportRecord]
    observations: list[ReportRecord]
    may_report: bool


def today(services: Services) -> date:
    return services.clock.now().astimezone(services.settings.zone).date()


def _start(services: Services) -> date:
    """Where the time to a deadline is counted from: the campaign year's 1 January (the year's
    plan is voted at its start; docs/domain.md)."""
    year = services.campaign.year or today(services).year
    return date(year, 1, 1)


def period_end(services: Services, last: date | None, now: datetime) -> datetime:
    """The moment a report's board stands at: the end of its period's last local day (its last
    second, as moments are stored to the second), or now while that day has not ended."""
    if last is None:
        return now
    end = datetime.combine(last, time(23, 59, 59), services.settings.zone)
    return min(end, now)


async def _reach(services: Services, person: Person | None, *, console: bool) -> Reach:
    """The sub-items the caller reaches."""
    group_id, unit_id = scope.console_reach(person) if console else scope.progress_reach(person)
    if group_id is not None:
        return Reach(project_ids=frozenset(await services.catalog.group_project_ids(group_id)))
    return Reach(unit_id=unit_id)


async def _progress(
    services: Services, rows: list[SubitemRow], day: date, as_of: datetime | None = None
) -> list[SubitemProgress]:
    """The sub-items' derived progress on `day`, from the reports made up to `as_of` (None:
    every report so far)."""
    ids = [r.id for r in rows]
    targets: dict[int, list[TargetRecord]] = {i: [] for i in ids}
    for t in await services.progress.targets(ids):
        targets[t.subitem_id].append(t)
    latest = await services.progress.latest_reports(ids, as_of=as_of)
    seen = await services.progress.observation_counts(ids, as_of=as_of)
    start = _start(services)
    out = []
    for row in rows:
        report = latest.get(row.id)
        derived = derive(targets[row.id], report.values if report else None, start=start, day=day)
        out.append(SubitemProgress(row, targets[row.id], report, derived, seen.get(row.id, 0)))
    return out


async def board(services: Services, person: Person | None, *, console: bool = False) -> Board:
    """The projects and sub-items within the caller's reach, each with its derived progress."""
    return await campaign_board(services, await _reach(services, person, console=console))


async def campaign_board(
    services: Services, reach: Reach = WHOLE_CAMPAIGN, *, as_of: datetime | None = None
) -> Board:
    """The board without a caller: for the bulletin and the group report, whose use cases
    check the caller themselves (and for the operator's command line).

    `as_of`: the board as it stood then (a past period's end): the last report made at or
    before it counts, and status and light are those of its local day. None: now."""
    zone = services.settings.zone
    day = today(services) if as_of is None else as_of.astimezone(zone).date()
    campaign_id = services.campaign.id
    rows = await services.progress.subitems(campaign_id, reach)
    by_project: dict[int, list[SubitemProgress]] = {}
    for sp in await _progress(services, rows, day, as_of):
        by_project.setdefault(sp.subitem.project_id, []).append(sp)
    result = Board(day)
    for project in await services.catalog.projects(campaign_id):
        subs = by_project.get(project.id)
        if not subs:
            continue
        derived = combine([s.derived for s in subs])
        result.projects.append(
            ProjectProgress(project.id, project.code, project.title, subs, derived)
        )
    return result


async def _subitem(services: Services, subitem_id: object) -> SubitemRow:
    if not isinstance(subitem_id, int) or isinstance(subitem_id, bool) or subitem_id <= 0:
        raise Refused("button_expired")
    row = await services.progress.subitem(services.campaign.id, subitem_id)
    if row is None:
        raise Refused("progress.subitem_not_found")
    return row


async def subitem_by_code(services: Services, code: str) -> int:
    """The id of the campaign's sub-item of this code (as people type it: any case), for a door
    that names it; whether the caller may see it is `detail`'s to say."""
    wanted = code.strip().upper()
    for row in await services.progress.subitems(services.campaign.id):
        if row.code.upper() == wanted:
            return row.id
    raise Refused("progress.subitem_not_found")


async def visible_subitem(
    services: Services, person: Person | None, subitem_id: object, *, console: bool = False
) -> SubitemRow:
    """A sub-item within the caller's reach (what its page, its reports and their photos ask)."""
    reach = await _reach(services, person, console=console)
    row = await _subitem(services, subitem_id)
    if not reach.holds(row):
        raise Refused("progress.subitem_not_found")  # says nothing of another's sub-item
    return row


async def detail(
    services: Services, person: Person | None, subitem_id: object, *, console: bool = False
) -> SubitemDetail:
    """A sub-item's targets, milestones, the unit's reports and the deputies' observations."""
    row = await visible_subitem(services, person, subitem_id, console=console)
    [progress] = await _progress(services, [row], today(services))
    project = await services.catalog.project(services.campaign.id, row.project_id)
    assert person is not None
    return SubitemDetail(
        project.code if project else "",
        project.title if project else "",
        progress,
        await services.progress.milestones(row.id),
        await services.progress.reports(row.id, HISTORY_SHOWN),
        await services.progress.observations(row.id, HISTORY_SHOWN),
        may_report=_may_report(person, row) and bool(progress.targets),
    )


def _may_report(person: Person, row: SubitemRow) -> bool:
    try:
        scope.require_lead_unit(person, row.unit_id)
    except Refused:
        return False
    return True


# --- the lead unit's report --------------------------------------------------------------------


async def reportable(services: Services, person: Person | None) -> list[SubitemProgress]:
    """/progress: the sub-items the caller's unit leads that have targets to report against."""
    unit_id = scope.progress_unit(person)
    rows = await services.progress.subitems(services.campaign.id, Reach(unit_id=unit_id))
    return [s for s in await _progress(services, rows, today(services)) if s.targets]


async def for_report(
    services: Services, person: Person | None, subitem_id: object
) -> SubitemProgress:
    """One sub-item the caller's unit leads, with its targets, to report on."""
    row = await _subitem(services, subitem_id)
    scope.require_lead_unit(person, row.unit_id)
    [progress] = await _progress(services, [row], today(services))
    require(bool(progress.targets), "progress.no_targets")
    return progress


def check_note(note: str) -> str:
    note = note.strip()
    require(len(note) <= NOTE_MAX, "progress.note_too_long", max=NOTE_MAX)
    return note


def _values(
    targets: list[TargetRecord], typed: Mapping[int, str], *, all_required: bool
) -> dict[int, float]:
    values: dict[int, float] = {}
    for target in targets:
        text = typed.get(target.id)
        if text is None or not text.strip():
            require(not all_required, "progress.value_missing", target=target.describe())
            continue
        values[target.id] = parse_value(text, target)
    require(bool(values), "progress.value_missing", target=targets[0].describe())
    return values


def _figures(
    caller: Caller,
    progress: SubitemProgress,
    typed: Mapping[int, str],
    note: str,
    *,
    all_required: bool,
    via: str = "chat",
    unit_id: int | None = None,
    visit_id: int | None = None,
) -> NewFigures:
    """The typed values and the note as the caller's figures, keyed by their input (the caller
    checked that it has a key): a unit's report or a deputy's observation."""
    assert caller.key is not None
    values = _values(progress.targets, typed, all_required=all_required)
    return NewFigures(
        subitem_id=progress.subitem.id,
        person_id=caller.person.id,
        at=caller.now,
        note=check_note(note),
        values=values,
        source_key=caller.key,
        via=via,
        unit_id=unit_id,
        visit_id=visit_id,
    )


async def submit_report(
    services: Services,
    caller: Caller,
    subitem_id: object,
    typed: Mapping[int, str],
    note: str,
    *,
    via: str,
) -> tuple[int, bool]:
    """Store the unit's figures (one value per current target, as typed) with a note.

    Keyed by the caller's input: the same report sent twice (a double tap, a redelivered update,
    a form sent again) is stored once. Returns (report id, whether it was created now).
    """
    require(caller.key is not None, "button_expired")
    progress = await for_report(services, caller.person, subitem_id)
    report_id, created = await services.progress.add_report(
        _figures(
            caller,
            progress,
            typed,
            note,
            all_required=True,
            via=via,
            unit_id=progress.subitem.unit_id,
        )
    )
    log.info("Progress report %s on sub-item %s (new: %s)", report_id, progress.subitem.id, created)
    return report_id, created


# --- a deputy's observation on a visit ----------------------------------------------------------


async def observable(
    services: Services, person: Person | None, visit_id: object
) -> tuple[int, SubitemProgress] | None:
    """The sub-item (with targets) of the site of the caller's own visit; None when the site has
    no sub-item with targets (nothing to observe against)."""
    if not isinstance(visit_id, int) or isinstance(visit_id, bool) or visit_id <= 0:
        raise Refused("button_expired")
    visit = await services.visits.get(visit_id)
    require(visit is not None, "progress.not_your_visit")
    assert visit is not None
    scope.require_own_visit(person, visit.person_id)
    site = await services.catalog.site(services.campaign.id, visit.site_id)
    if site is None or site.subitem_id is None:
        return None
    row = await _subitem(services, site.subitem_id)
    [progress] = await _progress(services, [row], today(services))
    return (visit.id, progress) if progress.targets else None


async def record_observation(
    services: Services,
    caller: Caller,
    visit_id: object,
    typed: Mapping[int, str],
    note: str,
) -> tuple[int, bool]:
    """What the deputy saw against the targets (at least one value), stored with the visit."""
    require(caller.key is not None, "button_expired")
    found = await observable(services, caller.person, visit_id)
    require(found is not None, "progress.no_targets")
    assert found is not None
    visit, progress = found
    return await services.progress.add_observation(
        _figures(caller, progress, typed, note, all_required=False, visit_id=visit)
    )
