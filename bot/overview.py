"""The city's overview of every campaign the deployment serves (the city's and each district's):
counts, rates and overdue items per campaign, for the city campaign's staff.

Each campaign's figures are its own tally (bot/tally.py), computed acting in it, so they are
defined exactly as there: items of the period (declined ones left out; a partner's items shared
with it in a joint inspection counted, and marked); 交办 = items forwarded to a unit (whatever came
after); 办结率 = closed / raised; 满意率 as the tally's; overdue = waiting for a unit's answer past
the due date now. The total counts each item once (in its own campaign).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.errors import require
from bot.items import Status
from bot.people import Person, Role
from bot.rates import percent, rate
from bot.satisfaction import Satisfaction
from bot.scope import require_active
from bot.services import Services
from bot.tally import Tally, compute_tally
from bot.tally_period import Period
from bot.texts import Texts

# Statuses of an item handed to a unit, or further along.
_FORWARDED = frozenset(
    {
        Status.FORWARDED,
        Status.RETURNED,
        Status.IN_PROGRESS,
        Status.ANSWERED,
        Status.RATED,
        Status.CLOSED,
    }
)


@dataclass(frozen=True, slots=True)
class CampaignFigures:
    code: str
    name: str
    city: bool
    groups: int
    deputies: int
    problems: int
    suggestions: int
    joint_in: int  # of the problems and suggestions: a partner's, shared in a joint inspection
    joint_visits: int
    forwarded: int
    closed: int
    overdue: int
    satisfaction: Satisfaction

    @property
    def raised(self) -> int:
        return self.problems + self.suggestions

    @property
    def closed_rate(self) -> float | None:
        return rate(self.closed, self.raised - self.joint_in)


def _figures(code: str, name: str, city: bool, tally: Tally) -> CampaignFigures:
    statuses = dict(tally.by_status)
    joint = tally.joint
    return CampaignFigures(
        code=code,
        name=name,
        city=city,
        groups=tally.groups,
        deputies=tally.deputies,
        problems=tally.problems,
        suggestions=tally.suggestions,
        joint_in=(joint.problems_in + joint.suggestions_in) if joint else 0,
        joint_visits=joint.visits if joint else 0,
        forwarded=sum(n for s, n in statuses.items() if s in _FORWARDED),
        closed=statuses.get(Status.CLOSED, 0),
        overdue=tally.overdue,
        satisfaction=tally.satisfaction,
    )


def is_city_staff(services: Services, person: Person | None) -> bool:
    """Staff of the city campaign ([campaign] city), when the deployment serves several."""
    return (
        person is not None
        and person.active
        and person.role is Role.STAFF
        and services.city_id is not None
        and person.campaign_id == services.city_id
        and len(services.served) > 1
    )


async def city_overview(
    services: Services, person: Person | None, period: Period, *, now: datetime
) -> list[CampaignFigures]:
    """Every served campaign's figures, the city's first; for the city's staff only."""
    require(is_city_staff(services, require_active(person)), "campaign.not_city_staff")
    return await all_campaigns(services, period, now=now)


async def all_campaigns(
    services: Services, period: Period, *, now: datetime
) -> list[CampaignFigures]:
    """The overview's figures, unchecked: for the command line's operator."""
    found = []
    for campaign in sorted(services.served, key=lambda c: c.id != services.city_id):
        with services.acting_in(campaign):
            tally = await compute_tally(services, period, now=now)
        found.append(_figures(campaign.code, campaign.name, campaign.id == services.city_id, tally))
    return found


def render_overview(rows: list[CampaignFigures], texts: Texts) -> list[str]:
    """The overview as lines of a message (HTML; campaign names escaped by the caller's texts)."""
    lines = [texts("campaign.overview_title")]
    for row in rows:
        lines.append(
            texts(
                "campaign.overview_row",
                name=html.escape(row.name),
                groups=row.groups,
                deputies=row.deputies,
                problems=row.problems,
                suggestions=row.suggestions,
                forwarded=row.forwarded,
                closed_rate=percent(row.closed_rate),
                satisfaction=row.satisfaction.percent(),
                overdue=row.overdue,
            )
        )
        if row.joint_visits or row.joint_in:
            lines.append(
                texts("campaign.overview_joint", visits=row.joint_visits, items=row.joint_in)
            )
    raised, overdue = totals(rows)
    lines.append(
        texts("campaign.overview_total", campaigns=len(rows), raised=raised, overdue=overdue)
    )
    return lines


def totals(rows: list[CampaignFigures]) -> tuple[int, int]:
    """The overview's total: problems and suggestions, each counted once (in its own campaign,
    not again where it was shared in), and overdue items."""
    return sum(r.raised - r.joint_in for r in rows), sum(r.overdue for r in rows)


def overview_json(rows: list[CampaignFigures]) -> list[dict[str, Any]]:
    return [
        {
            "code": r.code,
            "name": r.name,
            "city": r.city,
            "groups": r.groups,
            "deputies": r.deputies,
            "problems": r.problems,
            "suggestions": r.suggestions,
            "joint_items": r.joint_in,
            "joint_visits": r.joint_visits,
            "forwarded": r.forwarded,
            "closed": r.closed,
            "closed_rate": r.closed_rate,
            "satisfaction_rate": r.satisfaction.rate,
            "overdue": r.overdue,
        }
        for r in rows
    ]
