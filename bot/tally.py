"""The tally: a period's headline figures and breakdowns, in the form of the congress's reports.

"10个监督小组、168名代表参加，累计发现问题67个、提出意见建议102条" — then the satisfaction rate
of the units' answers, by project, sub-item, lead unit, category, group and status, how many
answers are overdue or due soon, the deputies' votes by rating and the answers by class.

Every project, sub-item and lead unit of the catalog is listed, in the catalog's order, zeros
included: the figures go to the government, and a sub-item missing from them would read as
forgotten. Groups and categories are listed where they have items.

Counting rules: items count by the local date they were submitted; drafts, withdrawn and merged
items are not counted (a merged item lives on in the item it was merged into); declined items
appear in the status breakdown only. A deputy (or leader) took part when they checked in or
submitted something in the period; a group took part when one of its members did. The votes and
answers are those of the items counted, each item's latest (bot/satisfaction.py says which).
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from bot.campaign_ports import JointCounts
from bot.clock import to_db
from bot.coverage import CoverageFigures, load_coverage, render_coverage
from bot.deadlines import Light
from bot.items import Kind, Status
from bot.joint_render import joint_json, joint_line
from bot.satisfaction import (
    Satisfaction,
    load_satisfaction,
    render_satisfaction,
    satisfaction_headline,
)
from bot.split import split_message
from bot.tally_period import Period, period_text
from bot.texts import Texts, catalog_name
from bot.unit_figures import UnitFigures, load_unit_figures, render_unit_figures

if TYPE_CHECKING:
    from bot.services import Services

# The status breakdown in the order of an item's life; merged, withdrawn and drafts are not counted.
STATUS_ORDER = tuple(s for s in Status if s not in (Status.DRAFT, Status.WITHDRAWN, Status.MERGED))


class Row(NamedTuple):
    """One line of a breakdown. label_en: the catalog's English name, where it has one; code:
    the catalog's code of a project, sub-item or unit ("" for the unassigned)."""

    label: str
    problems: int
    suggestions: int
    label_en: str = ""
    code: str = ""


@dataclass(frozen=True, slots=True)
class Tally:
    period: Period
    groups: int
    deputies: int
    problems: int
    suggestions: int
    by_project: list[Row]
    by_subitem: list[Row]
    by_unit: list[Row]
    by_category: list[Row]  # problems only: suggestions have no category
    by_group: list[Row]
    by_status: list[tuple[Status, int]]
    overdue: int
    due_soon: int
    on_time: int
    satisfaction: Satisfaction
    coverage: CoverageFigures | None = (
        None  # the plan: deputies, sub-items, tasks (bot/coverage.py)
    )
    # Joint inspections, when the deployment serves several campaigns (bot/usecases/joint.py):
    # the partners' items shared with this campaign are counted in its headline too.
    joint: JointCounts | None = None
    units: tuple[UnitFigures, ...] = ()  # each lead unit's deadlines and results (unit_figures.py)

    @property
    def lights(self) -> dict[Light, int]:
        """Items of the period a unit still has to answer, by traffic light."""
        return {Light.RED: self.overdue, Light.YELLOW: self.due_soon, Light.GREEN: self.on_time}


def _rows(
    counts: dict[int | None, list[int]],
    order: Iterable[int],
    label: dict[int, str],
    label_en: dict[int, str] | None = None,
    *,
    codes: dict[int, str] | None = None,
) -> list[Row]:
    """Catalog order; the unassigned come last. With `codes` (projects, sub-items, units: what
    the government answers for) every entry is listed, zeros included, so a year's figures
    name the whole catalog; otherwise entries without any item are left out."""
    rows = []
    for entry in order:
        if codes is None and entry not in counts:
            continue
        found = counts.get(entry, (0, 0))
        rows.append(
            Row(
                label[entry],
                found[0],
                found[1],
                (label_en or {}).get(entry, ""),
                codes.get(entry, "") if codes is not None else "",
            )
        )
    known = set(label)
    # An id the catalog no longer has, or none at all: shown as unassigned, never dropped.
    stray = [0, 0]
    for key, (problems, suggestions) in counts.items():
        if key is None or key not in known:
            stray[0] += problems
            stray[1] += suggestions
    if stray != [0, 0]:
        rows.append(Row("", stray[0], stray[1]))
    return rows


async def compute_tally(services: Services, period: Period, *, now: datetime) -> Tally:
    """Headline figures and breakdowns of the active campaign for a period."""
    settings = services.settings
    campaign_id = services.campaign.id
    start, end = period.bounds(settings.zone)
    repo = services.reports
    labels = await repo.labels(campaign_id)
    places = await repo.place_counts(campaign_id, start, end)
    groups = await repo.group_counts(campaign_id, start, end)
    soon = now + timedelta(days=settings.deadlines.due_soon_days)
    deadlines = await repo.deadline_counts(campaign_id, start, end, to_db(now), to_db(soon))
    deputies, groups_taking_part = await repo.participation(campaign_id, start, end)
    satisfaction = await load_satisfaction(services.satisfaction, campaign_id, start, end)
    joint = (
        await services.memberships.joint_counts(campaign_id, start, end)
        if len(services.served) > 1
        else None
    )

    def zero() -> list[int]:
        return [0, 0]

    by_project: dict[int | None, list[int]] = defaultdict(zero)
    by_subitem: dict[int | None, list[int]] = defaultdict(zero)
    by_unit: dict[int | None, list[int]] = defaultdict(zero)
    by_category: dict[int | None, list[int]] = defaultdict(zero)
    by_status: dict[str, int] = defaultdict(int)
    for c in places:
        by_status[c.status] += c.count
        if c.status == Status.DECLINED:
            continue
        column = 0 if c.kind == Kind.PROBLEM else 1
        subitem = c.subitem_id
        project = c.project_id or (labels.subitem_project.get(subitem) if subitem else None)
        # The unit it was forwarded to, else the sub-item's lead unit (DOMAIN.md).
        unit = c.unit_id or (labels.subitem_unit.get(subitem) if subitem else None)
        by_project[project][column] += c.count
        by_subitem[subitem][column] += c.count
        by_unit[unit][column] += c.count
        if c.kind == Kind.PROBLEM:
            by_category[c.category_id][0] += c.count
    by_group: dict[int | None, list[int]] = defaultdict(zero)
    for g in groups:
        if g.status != Status.DECLINED:
            by_group[g.group_id][0 if g.kind == Kind.PROBLEM else 1] += g.count

    problems = sum(p for p, _ in by_project.values())
    suggestions = sum(s for _, s in by_project.values())
    # Rows without a sub-item are the items raised for a whole project or a site without one.
    subitem_rows = _rows(
        by_subitem, labels.subitem_order, labels.subitems, codes=labels.subitem_codes
    )
    return Tally(
        period=period,
        groups=groups_taking_part,
        deputies=deputies,
        problems=problems + (joint.problems_in if joint else 0),
        suggestions=suggestions + (joint.suggestions_in if joint else 0),
        by_project=_rows(
            by_project, labels.project_order, labels.projects, codes=labels.project_codes
        ),
        by_subitem=subitem_rows,
        by_unit=_rows(by_unit, labels.unit_order, labels.units, codes=labels.unit_codes),
        by_category=_rows(
            by_category,
            labels.category_order,
            {k: v[0] for k, v in labels.categories.items()},
            {k: v[1] for k, v in labels.categories.items()},
        ),
        by_group=_rows(by_group, labels.group_order, {k: v[1] for k, v in labels.groups.items()}),
        by_status=[(s, by_status[s]) for s in STATUS_ORDER if by_status.get(s)],
        overdue=deadlines.overdue,
        due_soon=deadlines.due_soon,
        on_time=deadlines.waiting - deadlines.overdue - deadlines.due_soon,
        satisfaction=satisfaction,
        coverage=await load_coverage(
            services, None, period.first, period.last, now.astimezone(settings.zone).date()
        ),
        joint=joint,
        units=tuple(await load_unit_figures(services, start, end, now)),
    )


# --- rendering ---------------------------------------------------------------------------------


def _label(row: Row, texts: Texts) -> str:
    label = catalog_name(row.label, row.label_en, texts.language)
    return html.escape(label) if label else texts("tally.unassigned")


def render_tally(tally: Tally, texts: Texts) -> list[str]:
    """The tally as Telegram messages (HTML), split at line boundaries under the limit."""
    lines = [
        texts("tally.title", period=period_text(tally.period, texts)),
        texts(
            "tally.headline",
            groups=tally.groups,
            deputies=tally.deputies,
            problems=tally.problems,
            suggestions=tally.suggestions,
        ),
    ]
    if tally.joint is not None and tally.joint.any:
        lines.append(joint_line(tally.joint, texts))
    if not tally.by_status:
        lines.append(texts("tally.nothing"))
        lines += render_coverage(tally.coverage, texts) if tally.coverage else []
        return split_message("\n".join(lines))
    lines.append(satisfaction_headline(tally.satisfaction, texts))
    sections = (
        (texts("tally.by_project"), tally.by_project),
        (texts("tally.by_subitem"), tally.by_subitem),
        (texts("tally.by_unit"), tally.by_unit),
        (texts("tally.by_group"), tally.by_group),
    )
    for title, rows in sections:
        if not rows:
            continue
        lines += ["", title]
        lines += [
            texts(
                "tally.row",
                label=_label(row, texts),
                problems=row.problems,
                suggestions=row.suggestions,
            )
            for row in rows
        ]
    if tally.by_category:
        lines += ["", texts("tally.by_category")]
        lines += [
            texts("tally.category_row", label=_label(row, texts), problems=row.problems)
            for row in tally.by_category
        ]
    lines += ["", texts("tally.by_status")]
    lines += [
        texts("tally.status_row", status=texts(f"status.{status}"), count=count)
        for status, count in tally.by_status
    ]
    lines += [
        "",
        texts(
            "tally.deadlines",
            overdue=tally.overdue,
            due_soon=tally.due_soon,
            on_time=tally.on_time,
        ),
    ]
    lines += render_satisfaction(tally.satisfaction, texts)
    if tally.coverage is not None:
        lines += render_coverage(tally.coverage, texts)
    lines += render_unit_figures(list(tally.units), texts)
    return split_message("\n".join(lines))


def tally_json(tally: Tally) -> dict[str, Any]:
    """The same figures for machines (`deputy-bot tally --json`)."""

    def rows(items: list[Row]) -> list[dict[str, Any]]:
        return [
            {"label": r.label or None, "problems": r.problems, "suggestions": r.suggestions}
            for r in items
        ]

    def catalog_rows(items: list[Row]) -> list[dict[str, Any]]:
        return [{"code": r.code or None, **row} for r, row in zip(items, rows(items), strict=True)]

    return {
        "period": {
            "from": tally.period.first.isoformat() if tally.period.first else None,
            "to": tally.period.last.isoformat() if tally.period.last else None,
        },
        "groups": tally.groups,
        "deputies": tally.deputies,
        "problems": tally.problems,
        "suggestions": tally.suggestions,
        "by_project": catalog_rows(tally.by_project),
        "by_subitem": catalog_rows(tally.by_subitem),
        "by_unit": catalog_rows(tally.by_unit),
        "by_category": [
            {"label": r.label or None, "label_en": r.label_en or None, "problems": r.problems}
            for r in tally.by_category
        ],
        "by_group": rows(tally.by_group),
        "by_status": {str(status): count for status, count in tally.by_status},
        "deadlines": {str(light): count for light, count in tally.lights.items()},
        "satisfaction": tally.satisfaction.to_json(),
        "coverage": tally.coverage.to_json() if tally.coverage else None,
        **({"joint": joint_json(tally.joint)} if tally.joint is not None else {}),
        "units": [unit.to_json() for unit in tally.units],
    }
