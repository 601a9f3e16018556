"""Per-unit figures: how each lead unit keeps its deadlines and how its answers are judged.

For a period (local days, both included; without dates, the whole campaign), per unit:

- received: items the unit holds whose (latest) forwarding to it was in the period. An item
  it returned is not counted (it is back with staff; re-routed, it counts for the next unit).
- signed on time: of those, signed for (签收: accepted, progress reported or answered) within
  `sign_for_working_days` working days of forwarding; out of `sign_due`, the received items
  signed for or whose window has ended.
- answered on time (按时率): received items whose latest round is answered by its due date in
  force (extensions included); out of `answer_due`, the items answered plus those still
  unanswered past their due date.
- closed (办结率): received items now closed, out of received.
- satisfaction (满意率): (满意 + 基本满意) / valid votes of each received item's latest voted
  round (弃权 is not a valid vote).
- extensions (asked; approved), escalations, returns: the requests asked, escalations made and
  items returned (退回) by the unit in the period, whatever the item's forwarding date.
"""

from __future__ import annotations

import html
import operator
from dataclasses import astuple, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.items import Status
from bot.lifecycle import Rating
from bot.rates import percent, rate
from bot.texts import Texts
from bot.unit_deadlines import sign_deadline_from
from bot.unit_rules import WITH_UNIT

if TYPE_CHECKING:
    from bot.deadline_ports import ReceivedRow
    from bot.lifecycle import Policy
    from bot.services import Services


@dataclass(frozen=True, slots=True)
class ReceivedFigures:
    """The counts of a unit's received items (as the module docstring defines them)."""

    received: int = 0
    sign_due: int = 0
    signed_on_time: int = 0
    answer_due: int = 0
    answered_on_time: int = 0
    closed: int = 0

    @classmethod
    def of(cls, row: ReceivedRow, now: datetime, policy: Policy) -> ReceivedFigures:
        """One received item, counted as of `now` (the store counts the same in SQL for the
        items with a stored sign-for deadline: storage/unit_summary.py)."""
        status = Status(row.status)
        window = row.sign_due_at or sign_deadline_from(row.forwarded_at, policy)
        signed = row.signed_at
        answered = None if status in WITH_UNIT else row.answered_at
        overdue = status in WITH_UNIT and row.due_at is not None and now > row.due_at
        return cls(
            received=1,
            sign_due=int(signed is not None or now > window),
            signed_on_time=int(signed is not None and signed <= window),
            answer_due=int(answered is not None or overdue),
            answered_on_time=int(
                answered is not None and (row.due_at is None or answered <= row.due_at)
            ),
            closed=int(status is Status.CLOSED),
        )

    def __add__(self, other: ReceivedFigures) -> ReceivedFigures:
        return ReceivedFigures(*map(operator.add, astuple(self), astuple(other)))

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.answered_on_time, self.answer_due)

    @property
    def closed_rate(self) -> float | None:
        return rate(self.closed, self.received)


@dataclass(frozen=True, slots=True)
class UnitFigures:
    unit_id: int
    code: str
    name: str
    counts: ReceivedFigures
    satisfied: int
    basically: int
    valid_votes: int
    extensions: int
    extensions_approved: int
    escalations: int
    returns: int

    @property
    def active(self) -> bool:
        return bool(self.counts.received or self.extensions or self.escalations or self.returns)

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.satisfied + self.basically, self.valid_votes)

    def to_json(self) -> dict[str, Any]:
        c = self.counts
        return {
            "code": self.code,
            "name": self.name,
            "received": c.received,
            "sign_due": c.sign_due,
            "signed_on_time": c.signed_on_time,
            "answer_due": c.answer_due,
            "answered_on_time": c.answered_on_time,
            "on_time_rate": c.on_time_rate,
            "closed": c.closed,
            "closed_rate": c.closed_rate,
            "valid_votes": self.valid_votes,
            "satisfaction_rate": self.satisfaction_rate,
            "extensions": self.extensions,
            "extensions_approved": self.extensions_approved,
            "escalations": self.escalations,
            "returns": self.returns,
        }


async def load_unit_figures(
    services: Services, start: str, end: str, now: datetime
) -> list[UnitFigures]:
    """Every unit of the catalog, in its order, zeros included."""
    campaign_id = services.campaign.id
    labels = await services.reports.labels(campaign_id)
    store = services.deadlines
    counts = dict.fromkeys(labels.unit_order, ReceivedFigures())
    counts |= await store.received_counts(campaign_id, start, end, now)
    # Items forwarded before their sign-for deadline was stored: worked out one by one.
    for row in await store.received(campaign_id, start, end):
        one = ReceivedFigures.of(row, now, services.policy)
        counts[row.unit_id] = counts.get(row.unit_id, ReceivedFigures()) + one
    votes: dict[int, dict[str, int]] = {}
    for unit_id, value, count in await store.unit_votes(campaign_id, start, end):
        votes.setdefault(unit_id, {})[value] = count
    events = await store.unit_events(campaign_id, start, end)
    out = []
    for unit_id, received in counts.items():
        v = votes.get(unit_id, {})
        satisfied, basically = v.get(Rating.SATISFIED, 0), v.get(Rating.BASICALLY, 0)
        out.append(
            UnitFigures(
                unit_id,
                labels.unit_codes.get(unit_id, ""),
                labels.units.get(unit_id, ""),
                received,
                satisfied,
                basically,
                satisfied + basically + v.get(Rating.DISSATISFIED, 0),
                events.extensions.get(unit_id, 0),
                events.approved.get(unit_id, 0),
                events.escalations.get(unit_id, 0),
                events.returns.get(unit_id, 0),
            )
        )
    return out


def render_unit_figures(rows: list[UnitFigures], texts: Texts) -> list[str]:
    """The per-unit lines of the tally (HTML), starting with a blank line; units with nothing in
    the period are left out."""
    lines = ["", texts("unitfig.title")]
    shown = [r for r in rows if r.active]
    lines += [
        texts(
            "unitfig.row",
            unit=html.escape(r.name),
            received=r.counts.received,
            signed_on_time=r.counts.signed_on_time,
            sign_due=r.counts.sign_due,
            answered_on_time=r.counts.answered_on_time,
            answer_due=r.counts.answer_due,
            on_time_rate=percent(r.counts.on_time_rate),
            closed=r.counts.closed,
            closed_rate=percent(r.counts.closed_rate),
            satisfaction=percent(r.satisfaction_rate),
            extensions=r.extensions,
            escalations=r.escalations,
            returns=r.returns,
        )
        for r in shown
    ]
    if not shown:
        lines.append(texts("unitfig.none"))
    return lines
