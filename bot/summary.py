"""A supervision group's day, gathered for its leaders: visits, new items, gaps, deadlines.

group_summary asks the ReportStore port and turns its rows into a GroupSummary in the campaign's
local time; bot/summary_render.py writes it as text, bot/summary_pictures.py draws it, and
bot/summary_push.py queues it to the leaders every evening (/summary shows it on demand).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import from_db, to_db
from bot.coverage import CoverageFigures, load_coverage
from bot.items import Kind, format_number
from bot.records import CatalogNamed

if TYPE_CHECKING:
    from bot.services import Services

MOST_OVERDUE = 5


@dataclass(frozen=True, slots=True)
class VisitLine:
    at: datetime
    person: str
    site: str
    on_site: bool
    reason: str


@dataclass(frozen=True, slots=True)
class ItemLine:
    kind: Kind
    number: str
    place: str
    author: str
    description: str


@dataclass(frozen=True, slots=True)
class ProjectDay:
    """One project's new items of the day: problems by category id, and suggestions."""

    label: str
    problems: dict[int | None, int] = field(default_factory=dict)
    suggestions: int = 0


@dataclass(frozen=True, slots=True)
class CategoryName(CatalogNamed):
    id: int | None
    name: str
    name_en: str


@dataclass(frozen=True, slots=True)
class DayPhoto:
    id: int
    path: Path
    kind: Kind | None  # None: a check-in photo
    number: str
    site: str
    at: datetime


@dataclass(frozen=True, slots=True)
class GroupSummary:
    group_id: int
    group_code: str
    group_name: str
    day: date
    visits: list[VisitLine]
    items: list[ItemLine]
    projects: list[ProjectDay]
    categories: list[CategoryName]
    stale_days: int
    stale_sites: list[tuple[str, date | None]]
    members: int
    idle_members: list[str]
    overdue: int
    due_soon: int
    most_overdue: list[tuple[str, int]]  # (number, days overdue)
    photos: list[DayPhoto]
    coverage: CoverageFigures | None = None

    @property
    def problems(self) -> int:
        return sum(sum(p.problems.values()) for p in self.projects)

    @property
    def suggestions(self) -> int:
        return sum(p.suggestions for p in self.projects)

    @property
    def quiet(self) -> bool:
        """Nobody checked in and nothing was raised."""
        return not self.visits and not self.items


def day_bounds(day: date, services: Services) -> tuple[str, str]:
    zone = services.settings.zone
    start = datetime.combine(day, time.min, zone)
    return to_db(start), to_db(datetime.combine(day + timedelta(days=1), time.min, zone))


async def group_summary(
    services: Services, group_id: int, day: date, *, now: datetime
) -> GroupSummary:
    """What the group did on `day` (a local date), and what it still owes."""
    settings = services.settings
    zone = settings.zone
    repo = services.reports
    group = await repo.group(group_id)
    if group is None:
        raise LookupError(f"no group {group_id}")
    code, name, campaign_id = group
    year = services.campaign.year
    start, end = day_bounds(day, services)
    labels = await repo.labels(campaign_id)

    visits = []
    for v in await repo.group_visits(group_id, start, end):
        at = from_db(v.at)
        assert at is not None
        visits.append(
            VisitLine(at.astimezone(zone), v.person_name, v.site_name, v.on_site, v.reason)
        )

    items = [
        ItemLine(
            kind=Kind(i.kind),
            number=format_number(year, i.number) if i.number is not None else "",
            place=i.site_name or labels.projects.get(i.project_id or 0, ""),
            author=i.author_name,
            description=i.description,
        )
        for i in await repo.group_items(group_id, start, end)
    ]

    per_project: dict[int | None, tuple[dict[int | None, int], list[int]]] = {}
    for project_id, category_id, kind, count in await repo.item_counts(group_id, start, end):
        problems, suggestions = per_project.setdefault(project_id, ({}, [0]))
        if kind == Kind.PROBLEM:
            problems[category_id] = problems.get(category_id, 0) + count
        else:
            suggestions[0] += count
    order = {pid: n for n, pid in enumerate(labels.project_order)}
    projects = [
        ProjectDay(labels.projects.get(pid or 0, ""), problems, suggestions[0])
        for pid, (problems, suggestions) in sorted(
            per_project.items(), key=lambda kv: order.get(kv[0] or 0, len(order))
        )
    ]
    categories = [CategoryName(cid, *labels.categories[cid]) for cid in labels.category_order]

    stale_days = settings.schedule.stale_site_days
    cutoff = to_db(datetime.combine(day - timedelta(days=stale_days - 1), time.min, zone))
    stale = []
    for site in await repo.stale_sites(group_id, cutoff, end):
        last = from_db(site.last_visit)
        stale.append((site.name, last.astimezone(zone).date() if last else None))

    soon = now + timedelta(days=settings.deadlines.due_soon_days)
    overdue, due_soon, worst = await repo.group_deadlines(
        group_id, to_db(now), to_db(soon), MOST_OVERDUE
    )
    most_overdue = []
    for o in worst:
        due = from_db(o.due_at)
        assert due is not None
        number = format_number(year, o.number) if o.number is not None else ""
        most_overdue.append((number, max(0, (now - due).days)))

    photos = []
    for p in await repo.group_photos(group_id, start, end):
        at = from_db(p.at)
        assert at is not None
        photos.append(
            DayPhoto(
                id=p.id,
                path=services.store.root / p.thumb_path,
                kind=Kind(p.item_kind) if p.item_kind else None,
                number=format_number(year, p.item_number) if p.item_number is not None else "",
                site=p.site_name or "",
                at=at.astimezone(zone),
            )
        )

    return GroupSummary(
        group_id=group_id,
        group_code=code,
        group_name=name,
        day=day,
        visits=visits,
        items=items,
        projects=projects,
        categories=categories,
        stale_days=stale_days,
        stale_sites=stale,
        members=await repo.members(group_id),
        idle_members=await repo.idle_members(group_id, start, end),
        overdue=overdue,
        due_soon=due_soon,
        most_overdue=most_overdue,
        photos=photos,
        # The plan so far: who has neither a task nor a visit, what nobody has seen, what is late.
        coverage=await load_coverage(services, group_id, None, None, now.astimezone(zone).date()),
    )
