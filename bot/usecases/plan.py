"""The supervision plan: a leader assigns visits to deputies of the group, deputies see theirs,
and the campaign's calendar (phases, key dates) for /help and the console.

Who may do what: a leader plans for their own group only (its projects' sites and sub-items,
its members); deputies and leaders see their own tasks; the list of tasks reaches a leader's
group or, for staff, the campaign (bot/scope.py plan_reach). Every id a door passes in (a button,
a form) is checked against that reach here, so a forged press changes nothing.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from bot import scope
from bot.coverage import CoverageFigures, load_coverage
from bot.errors import Refused, require
from bot.notices import Notice
from bot.people import Action, Person, require_can
from bot.plan import Calendar, NewTask, Target, TaskQuery, TaskRow, Window, parse_window
from bot.records import ProjectRecord, SiteRecord, SubitemRecord
from bot.services import Services
from bot.usecases.acting import Caller

log = logging.getLogger(__name__)

MAX_DEPUTIES = 60


def today(services: Services, caller: Caller) -> date:
    return caller.now.astimezone(services.settings.zone).date()


async def calendar(services: Services) -> Calendar:
    """The campaign's phases and key dates (anyone registered may see them)."""
    return await services.plan.calendar(services.campaign.id)


def _planner(person: Person | None) -> int:
    """The group a leader plans for."""
    require_can(person, Action.PLAN)
    assert person is not None
    require(person.group_id is not None, "plan.no_group")
    assert person.group_id is not None
    return person.group_id


async def plan_projects(services: Services, person: Person | None) -> list[ProjectRecord]:
    """The projects of the leader's group, in catalog order."""
    group_id = _planner(person)
    mine = await services.catalog.group_project_ids(group_id)
    return [p for p in await services.catalog.projects(services.campaign.id) if p.id in mine]


@dataclass(frozen=True, slots=True)
class Targets:
    project: ProjectRecord
    subitems: list[SubitemRecord]
    sites: list[SiteRecord]


async def plan_targets(services: Services, person: Person | None, project_id: object) -> Targets:
    """The sub-items and sites of one of the group's projects."""
    group_id = _planner(person)
    campaign_id = services.campaign.id
    project = (
        await services.catalog.project(campaign_id, project_id)
        if isinstance(project_id, int)
        else None
    )
    if project is None or project.id not in await services.catalog.group_project_ids(group_id):
        raise Refused("button_expired")
    return Targets(
        project,
        await services.catalog.subitems_of_project(campaign_id, project.id),
        await services.catalog.sites_of_project(campaign_id, project.id),
    )


async def plan_members(services: Services, person: Person | None) -> list[tuple[int, str]]:
    """(id, name) of the deputies and leaders the leader may give a task."""
    return await services.plan.group_members(_planner(person))


@dataclass(frozen=True, slots=True)
class Placed:
    target: Target
    place: str
    project: str


async def place_of(
    services: Services, person: Person | None, kind: str, target_id: object
) -> Placed:
    """A site or sub-item of the leader's group's projects; anything else is an expired button."""
    group_id = _planner(person)
    campaign_id = services.campaign.id
    mine = await services.catalog.group_project_ids(group_id)
    if not isinstance(target_id, int):
        raise Refused("button_expired")
    # (the target, its name, its project's id), checked against the group's projects below.
    found: tuple[Target, str, int] | None
    if kind == "site":
        site = await services.catalog.site(campaign_id, target_id)
        found = None if site is None else (Target(site_id=site.id), site.name, site.project_id)
    elif kind == "subitem":
        sub = await services.catalog.subitem(campaign_id, target_id)
        found = None if sub is None else (Target(subitem_id=sub.id), sub.title, sub.project_id)
    else:
        raise Refused("button_expired")
    if found is None or found[2] not in mine:
        raise Refused("plan.not_your_group")
    target, name, project_id = found
    project = await services.catalog.project(campaign_id, project_id)
    return Placed(target, name, project.title if project else "")


def window_of(services: Services, caller: Caller, text: str) -> Window:
    """A window typed by a person (see bot/plan.py parse_window)."""
    return parse_window(text, today(services, caller))


@dataclass(frozen=True, slots=True)
class Planned:
    task_id: int
    created: bool
    place: str
    project: str
    window: Window
    names: list[str]


async def create_task(
    services: Services,
    caller: Caller,
    *,
    kind: str,
    target_id: object,
    window: Window,
    person_ids: Collection[object],
    source_key: str,
) -> Planned:
    """Store the task and tell each deputy (in the same transaction); the same `source_key`
    again (a redelivered update, a double tap, a form sent twice) returns the first task."""
    group_id = _planner(caller.person)
    placed = await place_of(services, caller.person, kind, target_id)
    require(window.last >= today(services, caller), "plan.window_past")
    require(window.first <= window.last, "plan.window_backwards")
    members = dict(await services.plan.group_members(group_id))
    chosen = sorted({p for p in person_ids if isinstance(p, int) and not isinstance(p, bool)})
    require(bool(chosen), "plan.no_deputies")
    require(len(chosen) <= MAX_DEPUTIES, "plan.too_many", limit=MAX_DEPUTIES)
    require(all(p in members for p in chosen), "plan.not_your_group")
    params = {
        "place": html.escape(placed.place),
        "project": html.escape(placed.project),
        "first": window.first.isoformat(),
        "last": window.last.isoformat(),
        "leader": html.escape(caller.person.name),
    }
    notices = [
        Notice(person_id, "plan.task_notice", params=params, dedup="") for person_id in chosen
    ]
    task_id, created = await services.plan.create_task(
        NewTask(
            campaign_id=services.campaign.id,
            group_id=group_id,
            target=placed.target,
            window=window,
            person_ids=tuple(chosen),
            created_by=caller.person.id,
            source_key=source_key,
        ),
        notices,
        caller.now,
    )
    if created:
        log.info(
            "Task %s planned by person %s for %d deputies", task_id, caller.person.id, len(chosen)
        )
        services.wake_sender()
    rows = await services.plan.rows(services.campaign.id, TaskQuery(task_id=task_id))
    first = rows[0] if rows else None
    return Planned(
        task_id,
        created,
        first.place if first else placed.place,
        first.project if first else placed.project,
        Window(first.first, first.last) if first else window,
        sorted(r.person_name for r in rows),
    )


async def my_tasks(services: Services, person: Person | None) -> list[TaskRow]:
    """The caller's own tasks, the latest windows first."""
    require_can(person, Action.TASKS)
    assert person is not None
    return await services.plan.rows(services.campaign.id, TaskQuery(person_id=person.id))


async def tasks_in_reach(services: Services, person: Person | None) -> list[TaskRow]:
    """A leader's group's tasks; staff: the campaign's."""
    group_id = scope.plan_reach(person)
    return await services.plan.rows(services.campaign.id, TaskQuery(group_id=group_id, limit=500))


async def coverage_in_reach(services: Services, person: Person | None, on: date) -> CoverageFigures:
    """Coverage of the leader's group (staff: the campaign), the whole campaign so far."""
    return await load_coverage(services, scope.plan_reach(person), None, None, on)
