"""What the screens, summaries and jobs read: plain rows the stores fill and the core renders.

They live in the core so that any store (SQLite today) can fill them and any door can show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True, slots=True)
class OutboxStats:
    pending: int
    due: int
    retrying: int
    sent: int
    gave_up: int
    blocked_persons: int


@dataclass(frozen=True, slots=True)
class UnitBacklog:
    """Reviewed items waiting to be forwarded to one unit (unit_id None: no lead unit)."""

    unit_id: int | None
    code: str
    name: str
    count: int
    liaisons: int


@dataclass(frozen=True, slots=True)
class UnitInbox:
    """Which unit's inbox, and when: its lights are as of `now`, due soon within
    `due_soon_days`."""

    campaign_id: int
    unit_id: int
    now: datetime
    due_soon_days: int

    @property
    def soon(self) -> datetime:
        return self.now + timedelta(days=self.due_soon_days)


@dataclass(frozen=True, slots=True)
class InboxCounts:
    """The unit's items by traffic light (items still to answer) and by what they wait for."""

    red: int = 0
    yellow: int = 0
    green: int = 0
    answered: int = 0  # awaiting the deputies' rating
    returned: int = 0

    @property
    def total(self) -> int:
        return self.red + self.yellow + self.green + self.answered + self.returned


@dataclass(frozen=True, slots=True)
class ResponseRecord:
    """The unit's answer of one handling round."""

    round: int
    response_class: str
    text: str
    at: datetime
    on_paper: bool


@dataclass(frozen=True, slots=True)
class Inbound:
    seq: int
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True, slots=True)
class Liaison:
    person_id: int
    unit_id: int


@dataclass(frozen=True, slots=True)
class UnitOverdue:
    unit_name: str
    count: int


@dataclass(frozen=True, slots=True)
class DueLookback:
    id: int
    item_id: int
    group_id: int


@dataclass(frozen=True, slots=True)
class PlaceCount:
    """Items of one combination of project, sub-item, unit, category, kind and status."""

    project_id: int | None
    subitem_id: int | None
    unit_id: int | None
    category_id: int | None
    kind: str
    status: str
    count: int


@dataclass(frozen=True, slots=True)
class GroupCount:
    group_id: int | None
    kind: str
    status: str
    count: int


@dataclass(frozen=True, slots=True)
class DeadlineCounts:
    overdue: int
    due_soon: int
    waiting: int  # all items a unit still has to answer (with a due date)


@dataclass(frozen=True, slots=True)
class Labels:
    """Names of a campaign's catalog entries by id, for rendering grouped counts."""

    projects: dict[int, str]
    subitems: dict[int, str]
    subitem_project: dict[int, int]
    subitem_unit: dict[int, int]
    units: dict[int, str]
    categories: dict[int, tuple[str, str]]  # (name, name_en)
    groups: dict[int, tuple[str, str]]  # (code, name)
    # Catalog codes by id, for machines reading the figures.
    project_codes: dict[int, str]
    subitem_codes: dict[int, str]
    unit_codes: dict[int, str]
    # Catalog order, so breakdowns read like the catalog, not like ids or codes.
    project_order: list[int]
    subitem_order: list[int]
    unit_order: list[int]
    category_order: list[int]
    group_order: list[int]


@dataclass(frozen=True, slots=True)
class VisitRow:
    at: str
    person_name: str
    site_name: str
    on_site: bool
    reason: str


@dataclass(frozen=True, slots=True)
class ItemRow:
    id: int
    number: int | None
    kind: str
    status: str
    project_id: int | None
    subitem_id: int | None
    category_id: int | None
    site_name: str | None
    description: str
    author_name: str
    submitted_at: str


@dataclass(frozen=True, slots=True)
class StaleSite:
    name: str
    last_visit: str | None


@dataclass(frozen=True, slots=True)
class Overdue:
    number: int | None
    due_at: str


@dataclass(frozen=True, slots=True)
class PhotoRow:
    id: int
    thumb_path: str
    item_number: int | None
    item_kind: str | None
    site_name: str | None
    at: str


@dataclass(frozen=True, slots=True)
class GroupQueue:
    group_id: int
    code: str
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class AskState:
    """The leader's latest question about an item, and what the author added since."""

    question: str
    asked_at: datetime
    answers: tuple[str, ...]  # more_info notes after the question, oldest first

    @property
    def waiting(self) -> bool:
        return not self.answers


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One step in an item's history as users see it, with who took it."""

    at: datetime
    kind: str
    from_status: str | None
    to_status: str | None
    note: str | None
    actor: str | None
    actor_role: str | None
