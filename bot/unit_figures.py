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
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.items import Status
from bot.lifecycle import Rating
from bot.rates import percent, rate
from bot.texts import Texts
from bot.unit_deadlines import sign_deadline_from
from bot.unit_rules import WITH_UNIT

if TYPE_CHECKING:
    from bot.deadline_ports import ReceivedCounts, ReceivedRow
    from bot.lifecycle import Policy
    from bot.services import Services


@dataclass(frozen=True, slots=True)
class UnitFigures:
    unit_id: int
    code: str
    name: str
    received: int = 0
    sign_due: int = 0
    signed_on_time: int = 0
    answer_due: int = 0
    answered_on_time: int = 0
    closed: int = 0
    satisfied: int = 0
    basically: int = 0
    valid_votes: int = 0
    extensions: int = 0
    extensions_approved: int = 0
    escalations: int = 0
    returns: int = 0

    @property
    def active(self) -> bool:
        return bool(self.received or self.extensions or self.escalations or self.returns)

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.answered_on_time, self.answer_due)

    @property
    def closed_rate(self) -> float | None:
        return rate(self.closed, self.received)

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.satisfied + self.basically, self.valid_votes)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "received": self.received,
            "sign_due": self.sign_due,
            "signed_on_time": self.signed_on_time,
            "answer_due": self.answer_due,
            "answered_on_time": self.answered_on_time,
            "on_time_rate": self.on_time_rate,
            "closed": self.closed,
            "closed_rate": self.closed_rate,
            "valid_votes": self.valid_votes,
            "satisfaction_rate": self.satisfaction_rate,
            "extensions": self.extensions,
            "extensions_approved": self.extensions_approved,
            "escalations": self.escalations,
            "returns": self.returns,
        }


@dataclass
class _Tally:
    received: int = 0
    sign_due: int = 0
    signed_on_time: int = 0
    answer_due: int = 0
    answered_on_time: int = 0
    closed: int = 0

    def add(self, row: ReceivedRow, now: datetime, policy: Policy) -> None:
        self.received += 1
        status = Status(row.status)
        window = row.sign_due_at or sign_deadline_from(row.forwarded_at, policy)
        if row.signed_at is not None or now > window:
            self.sign_due += 1
            if row.signed_at is not None and row.signed_at <= window:
                self.signed_on_time += 1
        answered = row.answered_at is not None and status not in WITH_UNIT
        if answered:
            self.answer_due += 1
            assert row.answered_at is not None
            if row.due_at is None or row.answered_at <= row.due_at:
                self.answered_on_time += 1
        elif status in WITH_UNIT and row.due_at is not None and now > row.due_at:
            self.answer_due += 1
        if status is Status.CLOSED:
            self.closed += 1

    def merge(self, counts: ReceivedCounts) -> None:
        """The same figures counted by the store (items with a stored sign-for deadline)."""
        self.received += counts.received
        self.sign_due += counts.sign_due
        self.signed_on_time += counts.signed_on_time
        self.answer_due += counts.answer_due
        self.answered_on_time += counts.answered_on_time
        self.closed += counts.closed


async def load_unit_figures(
    services: Services, start: str, end: str, now: datetime
) -> list[UnitFigures]:
    """Every unit of the catalog, in its order, zeros included."""
    campaign_id = services.campaign.id
    labels = await services.reports.labels(campaign_id)
    store = services.deadlines
    tallies: dict[int, _Tally] = {unit_id: _Tally() for unit_id in labels.unit_order}
    for counts in await store.received_counts(campaign_id, start, end, now):
        tallies.setdefault(counts.unit_id, _Tally()).merge(counts)
    # Items forwarded before their sign-for deadline was stored: worked out one by one.
    for row in await store.received(campaign_id, start, end):
        tallies.setdefault(row.unit_id, _Tally()).add(row, now, services.policy)
    votes: dict[int, dict[str, int]] = {}
    for unit_id, value, count in await store.unit_votes(campaign_id, start, end):
        votes.setdefault(unit_id, {})[value] = count
    events = await store.unit_events(campaign_id, start, end)
    out = []
    for unit_id, t in tallies.items():
        v = votes.get(unit_id, {})
        satisfied, basically = v.get(Rating.SATISFIED, 0), v.get(Rating.BASICALLY, 0)
        out.append(
            UnitFigures(
                unit_id,
                labels.unit_codes.get(unit_id, ""),
                labels.units.get(unit_id, ""),
                t.received,
                t.sign_due,
                t.signed_on_time,
                t.answer_due,
                t.answered_on_time,
                t.closed,
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
            received=r.received,
            signed_on_time=r.signed_on_time,
            sign_due=r.sign_due,
            answered_on_time=r.answered_on_time,
            answer_due=r.answer_due,
            on_time_rate=percent(r.on_time_rate),
            closed=r.closed,
            closed_rate=percent(r.closed_rate),
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
