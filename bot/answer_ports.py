"""What the answers' follow-up, the raisers' comments and the reason counts ask of a store
(storage/answers.py implements it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RatingComment:
    """A raiser's comment on their vote, as staff see it (with its author); units see only the
    text of those staff showed them (`shown`), never the author or the vote."""

    item_id: int
    round: int
    person_id: int
    author: str
    value: str
    text: str
    shown: bool


class AnswerStore(Protocol):
    async def promises_due(self, campaign_id: int, now: datetime) -> list[int]:
        """Items rated and waiting for a promised day that has come, oldest promise first."""
        ...

    async def comments(self, item_id: int) -> list[RatingComment]:
        """Every non-empty comment of the item's votes, round by round."""
        ...

    async def comment(self, item_id: int, round_: int, person_id: int) -> RatingComment | None:
        """One vote's comment (None when there is no such vote or it has no comment)."""
        ...

    async def show_comment(self, item_id: int, round_: int, person_id: int, shown: bool) -> bool:
        """Show the comment to the unit (or hide it again); False when nothing changed."""
        ...

    async def shown_comments(self, item_id: int) -> list[tuple[int, str]]:
        """(round, text) of the comments staff showed the unit: no author, no vote."""
        ...
