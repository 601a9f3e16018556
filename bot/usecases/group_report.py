"""A group's written supervision report (书面监督报告), as a draft for its leader to edit: what the
group did (visits, deputies, sites), what it found (items by category and project), how the units
answered and the deputies rated, its projects' progress, and the points still open.

Leaders get their own group's; staff name the group (bot/scope.py group_report_group). The
command line gathers the same `GroupReport` unchecked; bot/group_report_docx.py writes it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from bot import scope
from bot.errors import Refused
from bot.items import Kind, Status, format_number
from bot.people import Action, Role, require_can
from bot.progress import Board, Reach
from bot.records import GroupRecord
from bot.satisfaction import Satisfaction, satisfaction_of
from bot.services import Services
from bot.tally_period import Period
from bot.usecases.acting import Caller
from bot.usecases.progress import campaign_board, period_end

# Open points listed in the draft; the rest are counted.
OPEN_SHOWN = 50
# How much of an item's text an open point quotes.
QUOTE_CHARS = 80


@dataclass(frozen=True, slots=True)
class OpenPoint:
    number: str
    kind: Kind
    project: str
    status: Status
    text: str


@dataclass(frozen=True, slots=True)
class GroupReport:
    campaign: str
    group_code: str
    group_name: str
    period: Period
    issued: date
    members: int
    visits: int
    deputies: list[str]  # who visited, by name
    sites: list[str]  # where, by name
    problems: int
    suggestions: int
    by_category: list[tuple[str, int]]  # problems by category, most first
    by_project: list[tuple[str, int, int]]  # (project, problems, suggestions), catalog order
    satisfaction: Satisfaction  # the group's items: answers by class, deputies' votes
    board: Board  # the group's projects
    open_points: list[OpenPoint] = field(default_factory=list)
    open_total: int = 0


async def find_group(services: Services, code_or_id: str) -> GroupRecord | None:
    """A group of the campaign by its catalog code (G01)."""
    return await services.catalog.group_by_code(services.campaign.id, code_or_id.strip())


async def gather(
    services: Services, group: GroupRecord, period: Period, *, now: datetime
) -> GroupReport:
    """The report's figures, unchecked (the command line; people's doors use `group_report`)."""
    zone = services.settings.zone
    campaign_id = services.campaign.id
    start, end = period.bounds(zone)
    repo = services.reports
    labels = await repo.labels(campaign_id)
    visits = await repo.group_visits(group.id, start, end)
    items = await repo.group_items(group.id, start, end)
    year = services.campaign.year
    categories: Counter[int | None] = Counter()
    projects: dict[int | None, list[int]] = {}
    open_points: list[OpenPoint] = []
    for item in items:
        kind = Kind(item.kind)
        project = item.project_id or labels.subitem_project.get(item.subitem_id or 0)
        counts = projects.setdefault(project, [0, 0])
        counts[0 if kind is Kind.PROBLEM else 1] += 1
        if kind is Kind.PROBLEM:
            categories[item.category_id] += 1
        if item.status != Status.CLOSED:
            text = " ".join(item.description.split())
            open_points.append(
                OpenPoint(
                    format_number(year, item.number) if item.number is not None else "",
                    kind,
                    labels.projects.get(project or 0, ""),
                    Status(item.status),
                    text[:QUOTE_CHARS] + ("…" if len(text) > QUOTE_CHARS else ""),
                )
            )
    by_project: list[tuple[str, int, int]] = [
        (labels.projects[p], projects[p][0], projects[p][1])
        for p in labels.project_order
        if p in projects
    ]
    stray = [c for p, c in projects.items() if p is None or p not in labels.projects]
    if stray:
        by_project.append(("", sum(c[0] for c in stray), sum(c[1] for c in stray)))
    by_category = [
        (labels.categories[c][0] if c in labels.categories else "", n)
        for c, n in categories.most_common()
    ]
    return GroupReport(
        campaign=services.campaign.name,
        group_code=group.code,
        group_name=group.name,
        period=period,
        issued=now.astimezone(zone).date(),
        members=await repo.members(group.id),
        visits=len(visits),
        deputies=sorted({v.person_name for v in visits}),
        sites=sorted({v.site_name for v in visits}),
        problems=sum(c[0] for c in projects.values()),
        suggestions=sum(c[1] for c in projects.values()),
        by_category=by_category,
        by_project=by_project,
        satisfaction=satisfaction_of(
            await services.bulletin.group_votes(group.id, start, end),
            await services.bulletin.group_answers(group.id, start, end),
        ),
        board=await campaign_board(
            services,
            Reach(project_ids=frozenset(await services.catalog.group_project_ids(group.id))),
            as_of=period_end(services, period.last, now),
        ),
        open_points=open_points[:OPEN_SHOWN],
        open_total=len(open_points),
    )


async def group_report(
    services: Services, caller: Caller, group_code: str | None, period: Period
) -> GroupReport:
    """A leader: their own group's report (naming another group is refused); staff: the group
    they name by code. An unknown code names nothing."""
    require_can(caller.person, Action.GROUP_REPORT)
    requested: int | None = None
    if group_code is not None:
        found = await find_group(services, group_code)
        if found is None:
            raise Refused("groupreport.unknown_group")
        requested = found.id
    group_id = scope.group_report_group(caller.person, requested)
    groups = {g.id: g for g in await services.catalog.groups(services.campaign.id)}
    group = groups.get(group_id)
    if group is None:
        raise Refused("groupreport.no_group")
    return await gather(services, group, period, now=caller.now)


async def report_groups(services: Services, caller: Caller) -> list[GroupRecord]:
    """The groups the caller may have a report of, for a door that offers a choice: staff any
    group of the campaign, a leader their own (none when they are in no group)."""
    require_can(caller.person, Action.GROUP_REPORT)
    groups = await services.catalog.groups(services.campaign.id)
    if caller.person.role is Role.STAFF:
        return groups
    return [g for g in groups if g.id == caller.person.group_id]
