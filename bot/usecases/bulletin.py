"""The monthly bulletin (一月一通报) and, over January to June, the half-year report: the
campaign's projects against their targets, the items of the period, overdue answers by unit,
satisfaction so far and coverage. The chat (/bulletin), the scheduled push and the command line
gather the same `Bulletin`; bot/bulletin_docx.py writes it as a Word document.

The counts are the tally's (bot/tally.py) for the same period, so the bulletin and /tally agree;
satisfaction is "so far": every item raised from the campaign's start to the period's end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.coverage import CoverageFigures
from bot.people import Action, require_can
from bot.progress import Board
from bot.readmodels import UnitOverdue
from bot.satisfaction import Satisfaction, load_satisfaction
from bot.services import Services
from bot.tally import Tally, compute_tally
from bot.tally_period import Period
from bot.usecases.acting import Caller
from bot.usecases.progress import campaign_board, period_end


@dataclass(frozen=True, slots=True)
class Flow:
    """Items of the period: raised (submitted in it, as the tally counts), and forwarded,
    answered and closed in it (whenever they were raised)."""

    raised: int
    forwarded: int
    answered: int
    closed: int


@dataclass(frozen=True, slots=True)
class Bulletin:
    campaign: str
    period: Period  # both ends set
    issued: date  # the local day it was made
    board: Board
    tally: Tally
    flow: Flow
    overdue_by_unit: list[UnitOverdue]  # as of when it was made
    satisfaction: Satisfaction  # so far: from the campaign's start to the period's end
    coverage: CoverageFigures | None
    # 通报 made in the period (bot/deadline_jobs.py): number, project, unit, due day, its day.
    escalations: tuple[tuple[str, str, str, str, str], ...] = ()


def previous_month(day: date) -> Period:
    """The calendar month before `day`'s (the bulletin of the 1st covers the past month)."""
    last = day.replace(day=1) - timedelta(days=1)
    return Period(last.replace(day=1), last)


async def gather(services: Services, period: Period, *, now: datetime) -> Bulletin:
    """The bulletin's figures, unchecked: for the operator's command line and the scheduled
    push (which sends it to staff and leaders only); people's doors use `bulletin`."""
    assert period.first is not None and period.last is not None
    zone = services.settings.zone
    policy = services.policy
    campaign_id = services.campaign.id
    tally = await compute_tally(services, period, now=now)
    start, end = period.bounds(zone)
    flow = await services.bulletin.flow_counts(campaign_id, start, end)
    _, so_far_end = Period(None, period.last).bounds(zone)
    so_far_start, _ = Period().bounds(zone)
    return Bulletin(
        campaign=services.campaign.name,
        period=period,
        issued=now.astimezone(zone).date(),
        # Progress as it stood at the period's end: a later report is not this period's.
        board=await campaign_board(services, as_of=period_end(services, period.last, now)),
        tally=tally,
        flow=Flow(tally.problems + tally.suggestions, **flow),
        overdue_by_unit=await services.jobs.overdue_by_unit(campaign_id, now),
        satisfaction=await load_satisfaction(
            services.satisfaction, campaign_id, so_far_start, so_far_end
        ),
        coverage=tally.coverage,
        escalations=tuple(
            (e.number, e.project, e.unit_name, policy.day(e.due_at), policy.day(e.at))
            for e in await services.deadlines.escalations(campaign_id, start, end)
        ),
    )


async def bulletin(services: Services, caller: Caller, period: Period) -> Bulletin:
    """Staff and leaders: the bulletin of a period (a month, or any two dates)."""
    require_can(caller.person, Action.BULLETIN)
    return await gather(services, period, now=caller.now)
