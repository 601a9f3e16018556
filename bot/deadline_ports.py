"""What the units' deadlines need from a store: extensions, escalations and the per-unit counts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.notices import Notice
from bot.unit_deadlines import Extension, ExtensionDecision, NewExtension
from bot.unit_figures import ReceivedFigures

# The notices of an extension request, made once its id is known (for their buttons).
AskedNotices = Callable[[int], Sequence[Notice]]


@dataclass(frozen=True, slots=True)
class NewEscalation:
    """An item escalated in its round, for its due date, while with `unit_id`."""

    item_id: int
    round: int
    unit_id: int | None
    due_at: datetime


@dataclass(frozen=True, slots=True)
class EscalationRow:
    """An escalated item, for the digest and the bulletin."""

    item_id: int
    number: str
    project: str
    unit_name: str
    due_at: datetime
    at: datetime


@dataclass(frozen=True, slots=True)
class ReceivedRow:
    """An item a unit holds, forwarded to it in the period: what its figures are made of."""

    unit_id: int
    item_id: int
    status: str
    forwarded_at: datetime
    sign_due_at: datetime | None
    signed_at: datetime | None
    due_at: datetime | None
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class UnitEvents:
    """Counts per unit id of what happened in the period."""

    extensions: dict[int, int]  # requests asked
    approved: dict[int, int]  # of which approved
    escalations: dict[int, int]
    returns: dict[int, int]


class DeadlineStore(Protocol):
    async def add_extension(
        self, new: NewExtension, notices_for: AskedNotices, now: datetime, key: str | None
    ) -> int | None:
        """Store the request and its notices in one transaction. The same input again returns
        the same id; None when another request of the item is still open."""
        ...

    async def extension(self, campaign_id: int, extension_id: int) -> Extension | None: ...

    async def open_extension(self, item_id: int) -> Extension | None: ...

    async def extensions_of(self, item_id: int) -> list[Extension]: ...

    async def pending_extensions(self, campaign_id: int) -> list[Extension]: ...

    async def decide_extension(
        self, decision: ExtensionDecision, actor_id: int, now: datetime
    ) -> bool:
        """Record the decision, move the due date when approved (only while the item is still
        where the decision saw it), write its event and notices; False if it was decided or
        the item moved on meanwhile."""
        ...

    async def record_escalation(
        self, escalation: NewEscalation, notices: Sequence[Notice], now: datetime
    ) -> bool:
        """Once per item, round and due date: the escalation and its notices; False if it was
        recorded already."""
        ...

    async def escalations(self, campaign_id: int, start: str, end: str) -> list[EscalationRow]: ...

    async def escalated(self, campaign_id: int) -> set[tuple[int, int, datetime]]:
        """(item id, round, due date) of every escalation recorded: what not to try again."""
        ...

    async def received_counts(
        self, campaign_id: int, start: str, end: str, now: datetime
    ) -> dict[int, ReceivedFigures]:
        """Per unit id, the items with a stored sign-for deadline (all since migration 0014),
        counted as of `now`; units without any are left out."""
        ...

    async def received(self, campaign_id: int, start: str, end: str) -> list[ReceivedRow]:
        """The items forwarded before migration 0014, without a stored sign-for deadline: their
        deadline is worked out from the forwarding (bot/unit_figures.py)."""
        ...

    async def unit_events(self, campaign_id: int, start: str, end: str) -> UnitEvents: ...

    async def unit_votes(
        self, campaign_id: int, start: str, end: str
    ) -> list[tuple[int, str, int]]:
        """(unit id, rating, votes) of the latest voted round of the items the unit received
        in the period."""
        ...
