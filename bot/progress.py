"""Sub-items' targets and progress: the records, and the one rule that derives status and light.

Nobody types a sub-item's status: it follows from the figures the lead unit reported against
each target and from the calendar (docs/domain.md, "Targets and progress", states the rule).

Pure: no Telegram, no storage, no clock (the day is given).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from bot.errors import Refused

# The traffic light's thresholds: how far (as a share of the whole) the reached share may lag the
# share of time elapsed. Up to GREEN_LAG: on track; up to YELLOW_LAG: watch it; beyond: behind.
GREEN_LAG = 0.10
YELLOW_LAG = 0.25
BAR_CELLS = 8


class Kind(StrEnum):
    COUNT = "count"
    PERCENT = "percent"


class Status(StrEnum):
    NOT_STARTED = "not_started"  # 未开工
    IN_PROGRESS = "in_progress"  # 推进中
    BEHIND = "behind"  # 滞后
    DONE = "done"  # 已完成


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


LIGHT_EMOJI = {Light.GREEN: "🟢", Light.YELLOW: "🟡", Light.RED: "🔴"}
_LIGHT_ORDER = (Light.GREEN, Light.YELLOW, Light.RED)


@dataclass(frozen=True, slots=True)
class TargetRecord:
    id: int
    subitem_id: int
    code: str
    label: str
    kind: Kind
    amount: float  # what is to be reached: a count in `measure`, or a percentage
    measure: str  # 所, 个, 台, 公里, 万个; "" for a percentage
    deadline: date
    position: int

    def describe(self) -> str:
        """ "30 辆" or "95%", language-neutral."""
        return (
            f"{number(self.amount)}%"
            if self.kind is Kind.PERCENT
            else (f"{number(self.amount)} {self.measure}")
        )


@dataclass(frozen=True, slots=True)
class MilestoneRecord:
    subitem_id: int
    day: date
    label: str


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """One progress report of a lead unit, or one deputy's observation on a visit."""

    id: int
    subitem_id: int
    person_id: int
    person_name: str
    at: datetime
    note: str
    values: dict[int, float]  # target id -> value reached (or seen)
    via: str = "chat"
    visit_id: int | None = None
    photos: tuple[int, ...] = ()  # a unit's report: the ids of its photos, in order


@dataclass(frozen=True, slots=True)
class SubitemRow:
    """A sub-item as the progress board lists it."""

    id: int
    code: str
    title: str
    project_id: int
    unit_id: int
    unit_name: str


@dataclass(frozen=True, slots=True)
class Reach:
    """The sub-items a board shows: those of these projects and/or of this lead unit; None for
    either: not limited by it."""

    project_ids: frozenset[int] | None = None
    unit_id: int | None = None

    def holds(self, row: SubitemRow) -> bool:
        return (self.project_ids is None or row.project_id in self.project_ids) and (
            self.unit_id is None or row.unit_id == self.unit_id
        )


WHOLE_CAMPAIGN = Reach()


@dataclass(frozen=True, slots=True)
class Derived:
    """What the rule says of one sub-item (or project) on a day."""

    status: Status | None  # None: no targets, nothing to measure
    light: Light | None
    reached: float  # share of the target reached, 0..1 (a project: mean of its sub-items)
    elapsed: float  # share of the time to the deadline elapsed, 0..1

    @property
    def percent(self) -> int:
        return int(self.reached * 100 + 1e-9)


NO_TARGETS = Derived(None, None, 0.0, 0.0)


@dataclass(frozen=True, slots=True)
class SubitemProgress:
    subitem: SubitemRow
    targets: list[TargetRecord]
    latest: ReportRecord | None
    derived: Derived
    observations: int = 0


@dataclass(frozen=True, slots=True)
class ProjectProgress:
    id: int
    code: str
    title: str
    subitems: list[SubitemProgress]
    derived: Derived


@dataclass
class Board:
    """The projects (with their sub-items) the caller may see, on `day`."""

    day: date
    projects: list[ProjectProgress] = field(default_factory=list)


# --- the rule ----------------------------------------------------------------------------------


def time_share(start: date, deadline: date, day: date) -> float:
    """The share of the time from `start` to `deadline` elapsed on `day` (0..1)."""
    if day >= deadline:
        return 1.0
    if day <= start:
        return 0.0
    return (day - start).days / (deadline - start).days


def reached_share(target: TargetRecord, value: float | None) -> float:
    """The share of the target reached (0..1): a count against its amount, a percentage
    against the percentage aimed at. Beyond the target counts as the target."""
    if value is None or value <= 0:
        return 0.0
    return min(1.0, value / target.amount)


def derive(
    targets: Sequence[TargetRecord],
    values: dict[int, float] | None,
    *,
    start: date,
    day: date,
) -> Derived:
    """The sub-item's status and light on `day` from its latest reported values.

    Per target t: r(t) = reached share, e(t) = time share from `start` (1 January of the
    campaign year) to t's deadline, lag(t) = e(t) - r(t).
    - 已完成 (done), green: every target reached (r = 1).
    - light: red when some target's deadline has passed unmet or its lag exceeds YELLOW_LAG;
      yellow when some lag exceeds GREEN_LAG; else green.
    - 滞后 (behind): the light is red. Otherwise 未开工 (not started) while nothing is reported
      above zero, else 推进中 (in progress).
    The sub-item's reached share is the mean of its targets'; its elapsed share the largest.
    """
    if not targets:
        return NO_TARGETS
    values = values or {}
    shares = [reached_share(t, values.get(t.id)) for t in targets]
    elapsed = [time_share(start, t.deadline, day) for t in targets]
    reached = sum(shares) / len(shares)
    most_elapsed = max(elapsed)
    if all(s >= 1.0 for s in shares):
        return Derived(Status.DONE, Light.GREEN, 1.0, most_elapsed)
    lags = [e - r for e, r in zip(elapsed, shares, strict=True)]
    overdue = any(day > t.deadline and s < 1.0 for t, s in zip(targets, shares, strict=True))
    worst = max(lags)
    if overdue or worst > YELLOW_LAG:
        light = Light.RED
    elif worst > GREEN_LAG:
        light = Light.YELLOW
    else:
        light = Light.GREEN
    if light is Light.RED:
        status = Status.BEHIND
    elif not any(values.get(t.id, 0) > 0 for t in targets):
        status = Status.NOT_STARTED
    else:
        status = Status.IN_PROGRESS
    return Derived(status, light, reached, most_elapsed)


def combine(parts: Sequence[Derived]) -> Derived:
    """A project from its sub-items with targets: the mean reached share, the worst light;
    done when all are done, behind when any is, not started when none has started."""
    measured = [p for p in parts if p.status is not None]
    if not measured:
        return NO_TARGETS
    statuses = {p.status for p in measured}
    if statuses == {Status.DONE}:
        status = Status.DONE
    elif Status.BEHIND in statuses:
        status = Status.BEHIND
    elif statuses == {Status.NOT_STARTED}:
        status = Status.NOT_STARTED
    else:
        status = Status.IN_PROGRESS
    light = max((p.light for p in measured if p.light), key=_LIGHT_ORDER.index)
    return Derived(
        status,
        light,
        sum(p.reached for p in measured) / len(measured),
        max(p.elapsed for p in measured),
    )


def bar(share: float, cells: int = BAR_CELLS) -> str:
    """▓▓▓▓░░░░: the share as a text progress bar."""
    full = round(max(0.0, min(1.0, share)) * cells)
    return "▓" * full + "░" * (cells - full)


# --- numbers as people type them ---------------------------------------------------------------

MAX_VALUE = 1e9


def number(value: float) -> str:
    """30, 6.2, 0.25: no trailing zeros."""
    return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def parse_value(text: str, target: TargetRecord) -> float:
    """A value typed for `target`: a number (full-width digits, "12.5", "52%" for a percentage),
    zero or more; a percentage at most 100. Refused politely otherwise."""
    raw = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    if target.kind is Kind.PERCENT:
        raw = raw.removesuffix("%").strip()
    elif target.measure:
        raw = raw.removesuffix(target.measure).strip()
    try:
        value = float(raw)
    except ValueError:
        raise Refused("progress.bad_number", target=target.describe()) from None
    if not (0 <= value <= MAX_VALUE):  # also false for NaN
        raise Refused("progress.bad_number", target=target.describe())
    if target.kind is Kind.PERCENT and value > 100:
        raise Refused("progress.bad_percent")
    return value


@dataclass(frozen=True, slots=True)
class NewFigures:
    """A report to store (a unit's, with `unit_id`; a deputy's observation, with `visit_id`)."""

    subitem_id: int
    person_id: int
    at: datetime
    note: str
    values: dict[int, float]
    source_key: str
    via: str = "chat"
    unit_id: int | None = None
    visit_id: int | None = None
