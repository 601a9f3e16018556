"""The evaluation's port: what the core asks of the store for rounds, voters and secret votes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot import evaluation
from bot.notices import Notice

# The notices of a round's opening, made once its id is known (for their buttons).
NoticeMaker = Callable[[int, Sequence[int]], list[Notice]]


class EvaluationStore(Protocol):
    async def open_round(
        self, new: evaluation.NewRound, now: datetime, key: str | None, notices_for: NoticeMaker
    ) -> tuple[evaluation.EvaluationRound, bool]:
        """Open a round over all the campaign's projects, with its voters and their notices, in
        one transaction; (the round, True) or, for an input seen before, (that round, False).
        Refused("evaluation.already_open") when another round is open."""
        ...

    async def close_round(self, round_id: int, now: datetime, notices: Sequence[Notice]) -> bool:
        """Close an open round (with the notices it causes); False when it was closed already."""
        ...

    async def round(self, campaign_id: int, round_id: int) -> evaluation.EvaluationRound | None: ...

    async def open_round_of(self, campaign_id: int) -> evaluation.EvaluationRound | None: ...

    async def latest_round(
        self, campaign_id: int, *, closed: bool
    ) -> evaluation.EvaluationRound | None: ...

    async def projects(self, round_id: int) -> list[evaluation.RoundProject]: ...

    async def is_voter(self, round_id: int, person_id: int) -> bool: ...

    async def voted_projects(self, round_id: int, person_id: int) -> set[int]: ...

    async def cast(self, said: evaluation.VoterInput, mark: evaluation.Mark) -> bool:
        """Record that the person voted on the project and count the mark, in one transaction;
        False when they had voted on it already (nothing counted). The input that carried the
        vote is sealed in the journal either way."""
        ...

    async def add_comment(self, said: evaluation.VoterInput, text: str) -> bool:
        """An anonymous comment on a project the person voted on; False if they had not."""
        ...

    async def unfinished_voters(self, round_id: int) -> list[int]: ...

    async def turnout(self, round_id: int) -> evaluation.Turnout: ...

    async def results(self, round_id: int) -> list[evaluation.ProjectResult]: ...

    async def candidates(
        self, campaign_id: int, fragment: str, limit: int
    ) -> list[evaluation.Candidate]:
        """Active deputies and leaders whose name contains `fragment`."""
        ...

    async def all_voters(self, campaign_id: int) -> list[int]:
        """The campaign's active deputies and leaders."""
        ...

    async def staff(self, campaign_id: int) -> list[int]: ...
