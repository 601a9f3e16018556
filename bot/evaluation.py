"""The year-end satisfaction evaluation (满意度测评): its records and its pure rules.

Staff open a round for the campaign's projects with a deadline (the last local day of voting)
and its voters; each voter rates each project once, 满意 / 基本满意 / 不满意. The votes are
secret: the store keeps that a person voted apart from what was voted (see
storage/migrations/0012_evaluation.sql), so results are counts, never ballots. The verdict per
project follows DOMAIN's rating rule (bot/rating_rules.py aggregate), the rate is
(满意 + 基本满意) / votes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot import rates
from bot.errors import require
from bot.lifecycle import Rating
from bot.rating_rules import aggregate


class Mark(StrEnum):
    """A voter's rating of a project (no abstention: a voter who does not judge does not vote)."""

    SATISFIED = "satisfied"
    BASICALLY = "basically"
    DISSATISFIED = "dissatisfied"


MARKS: tuple[Mark, ...] = (Mark.SATISFIED, Mark.BASICALLY, Mark.DISSATISFIED)
COMMENT_MAX = 500


@dataclass(frozen=True, slots=True)
class EvaluationRound:
    id: int
    campaign_id: int
    deadline: date
    voters_kind: str  # "all" (the campaign's deputies and leaders) or "named"
    opened_at: str
    closed_at: str | None

    @property
    def open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True, slots=True)
class NewRound:
    """A round to open over all the campaign's projects, and who votes in it."""

    campaign_id: int
    deadline: date
    voters_kind: str  # as EvaluationRound's
    voter_ids: tuple[int, ...]
    opened_by: int


@dataclass(frozen=True, slots=True)
class VoterInput:
    """What a voter sends about one project of a round (a vote or a comment), and the journaled
    update that carried it (Caller.key), sealed in the transaction that records it."""

    round_id: int
    person_id: int
    project_id: int
    key: str | None


@dataclass(frozen=True, slots=True)
class RoundProject:
    id: int
    code: str
    title: str
    description: str


@dataclass(frozen=True, slots=True)
class Turnout:
    """How far the voting is: voters, those who rated every project, those who began, and the
    votes cast per project (counts only: never who)."""

    voters: int
    finished: int
    started: int
    projects: int
    votes: int


@dataclass(frozen=True, slots=True)
class ProjectResult:
    code: str
    title: str
    satisfied: int
    basically: int
    dissatisfied: int
    comments: tuple[str, ...] = ()

    @property
    def votes(self) -> int:
        return self.satisfied + self.basically + self.dissatisfied

    @property
    def rate(self) -> float | None:
        """(满意 + 基本满意) / votes; None without votes."""
        return rates.rate(self.satisfied + self.basically, self.votes)

    @property
    def verdict(self) -> Mark | None:
        """DOMAIN's rule over the votes; None without votes."""
        values = (
            [Rating.SATISFIED] * self.satisfied
            + [Rating.BASICALLY] * self.basically
            + [Rating.DISSATISFIED] * self.dissatisfied
        )
        decided = aggregate(values)
        return None if decided is None else Mark(str(decided))


@dataclass(frozen=True, slots=True)
class Results:
    round: EvaluationRound
    turnout: Turnout
    projects: tuple[ProjectResult, ...]


@dataclass(frozen=True, slots=True)
class Ballot:
    """The next project a voter has to rate (position counts from 1), or none left."""

    round: EvaluationRound
    project: RoundProject | None
    position: int
    total: int


@dataclass(frozen=True, slots=True)
class Candidate:
    """A person who may be named a voter."""

    id: int
    name: str
    role: str
    group_name: str


def check_deadline(deadline: date, today: date, max_days: int) -> None:
    """A round's deadline: after today, and no further than `max_days` away."""
    require(deadline > today, "evaluation.deadline_past", today=today.isoformat())
    require((deadline - today).days <= max_days, "evaluation.deadline_far", max_days=max_days)


def voting_open(round_: EvaluationRound, today: date) -> bool:
    """Votes are taken until the end of the deadline day, and not after the round is closed."""
    return round_.open and today <= round_.deadline


def remind_today(round_: EvaluationRound, today: date, days_before: Sequence[int]) -> bool:
    """Whether today is one of the reminder days of an open round."""
    return round_.open and (round_.deadline - today).days in days_before


def overdue(round_: EvaluationRound, today: date) -> bool:
    """An open round whose deadline day has passed: the daily job closes it."""
    return round_.open and today > round_.deadline
