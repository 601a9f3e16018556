"""The satisfaction evaluation (满意度测评): staff open, follow and close a round; voters rate
each project once. Every door (the chat, the web console, the command line) comes through here.

Results are given for closed rounds only: counts that move while staff watch could tell them,
with a voter at their side, what that voter chose. While a round is open staff see its turnout.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from bot import evaluation
from bot.errors import Refused, require
from bot.notices import Act, Notice, NoticeButton
from bot.people import Action, Person, require_can
from bot.services import Services
from bot.usecases.acting import Caller

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Opened:
    round: evaluation.EvaluationRound
    voters: int
    projects: int
    new: bool


def today(services: Services) -> date:
    return services.clock.now().astimezone(services.settings.zone).date()


def _opened_notices(deadline: date, projects: int) -> Callable[[int, Sequence[int]], list[Notice]]:
    def make(round_id: int, voter_ids: Sequence[int]) -> list[Notice]:
        button = NoticeButton("evaluation.button_start", Act.EVALUATE, (round_id,))
        return [
            Notice(
                person_id,
                "evaluation.notice_opened",
                params={"deadline": deadline.isoformat(), "projects": projects},
                buttons=((button,),),
                dedup=f"evaluation:open:{round_id}:{person_id}",
            )
            for person_id in voter_ids
        ]

    return make


async def candidates(
    services: Services, actor: Person | None, fragment: str
) -> list[evaluation.Candidate]:
    """Deputies and leaders staff may name as voters (liaisons are the ones being rated)."""
    require_can(actor, Action.EVALUATION)
    fragment = fragment.strip()
    if not fragment:
        return []
    return await services.evaluation.candidates(services.campaign.id, fragment, 11)


async def default_voters(services: Services, actor: Person | None) -> list[int]:
    require_can(actor, Action.EVALUATION)
    return await services.evaluation.all_voters(services.campaign.id)


def check_new_deadline(services: Services, actor: Person | None, deadline: date) -> None:
    require_can(actor, Action.EVALUATION)
    evaluation.check_deadline(deadline, today(services), services.settings.evaluation.max_days)


async def open_round(
    services: Services, caller: Caller, deadline: date, named: Sequence[int] | None
) -> Opened:
    """Open a round for all the campaign's projects; voters are the campaign's deputies and
    leaders, or the named ones among them. Each voter is told, with a button to begin."""
    actor = caller.person
    require_can(actor, Action.EVALUATION)
    evaluation.check_deadline(deadline, today(services), services.settings.evaluation.max_days)
    campaign_id = services.campaign.id
    eligible = set(await services.evaluation.all_voters(campaign_id))
    if named is None:
        voters = sorted(eligible)
    else:
        voters = sorted(set(named))
        require(set(voters) <= eligible, "evaluation.voter_not_eligible")
    require(bool(voters), "evaluation.no_voters")
    projects = await services.catalog.projects(campaign_id)
    require(bool(projects), "evaluation.no_projects")
    voters_kind = "all" if named is None else "named"
    round_, new = await services.evaluation.open_round(
        evaluation.NewRound(campaign_id, deadline, voters_kind, tuple(voters), actor.id),
        caller.now,
        caller.key,
        _opened_notices(deadline, len(projects)),
    )
    if new:
        services.wake_sender()
        log.info("Evaluation round %s opened by %s: %d voters", round_.id, actor.id, len(voters))
    turnout = await services.evaluation.turnout(round_.id)
    return Opened(round_, turnout.voters, turnout.projects, new)


async def current(services: Services, actor: Person | None) -> evaluation.EvaluationRound | None:
    """The open round, else the latest closed one, else None."""
    require_can(actor, Action.EVALUATION)
    store, campaign_id = services.evaluation, services.campaign.id
    return await store.open_round_of(campaign_id) or await store.latest_round(
        campaign_id, closed=True
    )


async def close_round(
    services: Services, caller: Caller, round_id: object
) -> evaluation.EvaluationRound:
    """Staff close an open round before its deadline."""
    require_can(caller.person, Action.EVALUATION)
    round_ = await _round(services, round_id)
    closed = await services.evaluation.close_round(round_.id, caller.now, ())
    if closed:
        log.info("Evaluation round %s closed by %s", round_.id, caller.person.id)
    fresh = await services.evaluation.round(services.campaign.id, round_.id)
    assert fresh is not None
    return fresh


async def results(services: Services, actor: Person | None, round_id: object) -> evaluation.Results:
    """Turnout always; the results per project once the round is closed."""
    require_can(actor, Action.EVALUATION)
    return await round_results(services, await _round(services, round_id))


async def round_results(
    services: Services, round_: evaluation.EvaluationRound
) -> evaluation.Results:
    """A round's turnout and (closed rounds only) its results: for doors that checked the
    caller already, the command line (whoever holds the database) and the daily job."""
    store = services.evaluation
    turnout = await store.turnout(round_.id)
    projects = tuple(await store.results(round_.id)) if not round_.open else ()
    return evaluation.Results(round_, turnout, projects)


async def _round(services: Services, round_id: object) -> evaluation.EvaluationRound:
    if not isinstance(round_id, int) or isinstance(round_id, bool):
        raise Refused("button_expired")
    round_ = await services.evaluation.round(services.campaign.id, round_id)
    if round_ is None:
        raise Refused("button_expired")
    return round_


# --- voting ------------------------------------------------------------------------------------


async def ballot(services: Services, actor: Person | None) -> evaluation.Ballot:
    """The open round the person is a voter of, and the next project they have not rated."""
    require_can(actor, Action.EVALUATE)
    assert actor is not None
    store = services.evaluation
    round_ = await store.open_round_of(services.campaign.id)
    require(
        round_ is not None
        and evaluation.voting_open(round_, today(services))
        and await store.is_voter(round_.id, actor.id),
        "evaluation.none_for_you",
    )
    assert round_ is not None
    projects = await store.projects(round_.id)
    voted = await store.voted_projects(round_.id, actor.id)
    for position, project in enumerate(projects, start=1):
        if project.id not in voted:
            return evaluation.Ballot(round_, project, position, len(projects))
    return evaluation.Ballot(round_, None, len(projects), len(projects))


async def _voting_round(
    services: Services, actor: Person, round_id: object
) -> evaluation.EvaluationRound:
    """The open round `round_id` in which `actor` may vote (a voter's check before a vote or a
    comment)."""
    require_can(actor, Action.EVALUATE)
    round_ = await _round(services, round_id)
    require(evaluation.voting_open(round_, today(services)), "evaluation.closed")
    require(await services.evaluation.is_voter(round_.id, actor.id), "evaluation.none_for_you")
    return round_


@dataclass(frozen=True, slots=True)
class Voted:
    """The project voted on, and whether this vote was counted (False: one was given before,
    and it stands: a vote cannot be changed once given)."""

    project: evaluation.RoundProject
    counted: bool


async def vote(
    services: Services, caller: Caller, round_id: object, project_id: object, mark: evaluation.Mark
) -> Voted:
    """Count the voter's mark for the project, once."""
    actor = caller.person
    round_ = await _voting_round(services, actor, round_id)
    projects = {p.id: p for p in await services.evaluation.projects(round_.id)}
    project = projects.get(project_id) if isinstance(project_id, int) else None
    if project is None:
        raise Refused("button_expired")
    said = evaluation.VoterInput(round_.id, actor.id, project.id, caller.key)
    counted = await services.evaluation.cast(said, mark)
    # The log says that a person voted, never what: that is the secret.
    log.info("Evaluation round %s: person %s voted on project %s", round_.id, actor.id, project.id)
    return Voted(project, counted)


async def comment(
    services: Services, caller: Caller, round_id: object, project_id: object, text: str
) -> bool:
    """An anonymous comment on a project the voter rated; False if they had not rated it."""
    actor = caller.person
    round_ = await _voting_round(services, actor, round_id)
    text = text.strip()
    require(
        0 < len(text) <= evaluation.COMMENT_MAX,
        "evaluation.comment_too_long",
        max=evaluation.COMMENT_MAX,
    )
    if not isinstance(project_id, int):
        raise Refused("button_expired")
    said = evaluation.VoterInput(round_.id, actor.id, project_id, caller.key)
    return await services.evaluation.add_comment(said, text)
