"""The life of an item after submission: the state machine of DOMAIN.md, and what its rules share.

    submitted -> reviewed -> forwarded -> in_progress -> answered -> rated -> closed -> look-back
    submitted -> merged | declined | withdrawn;  forwarded -> returned -> reviewed (re-routed)
    rated 不满意 -> in_progress (due in a month);  look-back finds it broken -> in_progress

Each rule checks the caller's role and scope (bot/scope.py) and the item's state, then returns a
`Change`: the status steps, the item fields to set, the records to add and the notices to queue.
The repository applies a change in one transaction, only if the item is still in the state the
rule saw; so a double tap or a redelivered update applies it once.

The rules are pure functions, one module per stage: bot/review_rules.py (the leader's review),
bot/unit_rules.py (forwarding and the unit's handling up to its answer), bot/rating_rules.py (the
raisers' rating and the look-back). This module holds what they share: the Change and its parts,
who is concerned (Parties), the deadlines (Policy), and the checks and notices every rule uses.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import AnswerSettings, DeadlineSettings
from bot.errors import require
from bot.items import Item, Status, clean_description, has_words
from bot.notices import Act, Notice, NoticeButton
from bot.workdays import WorkCalendar


class EventKind(StrEnum):
    TRANSITION = "transition"
    PROGRESS = "progress"  # the unit reports how handling goes
    ASK_MORE = "ask_more"  # the leader asks the author for more
    MORE_INFO = "more_info"  # the author adds it
    LOOKBACK = "lookback"  # a look-back found the fix held
    VOTE = "vote"  # a raiser rated the answer
    EXTENSION = "extension"  # staff moved the due date on the unit's request (延期)


class ResponseClass(StrEnum):
    A = "A"  # 已解决 solved
    B = "B"  # 列入计划 planned
    C = "C"  # 暂缓 / 留作参考 deferred or noted


class Rating(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY = "basically"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意
    ABSTAIN = "abstain"  # 弃权: not a valid vote


class LookbackResult(StrEnum):
    HELD = "held"
    BROKEN = "broken"


@dataclass(frozen=True, slots=True)
class Policy:
    """The configured deadlines and the campaign's time zone (dates are shown in local time)."""

    deadlines: DeadlineSettings
    zone: ZoneInfo
    answers: AnswerSettings = field(default_factory=AnswerSettings)

    def day(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%Y-%m-%d")

    @property
    def workdays(self) -> WorkCalendar:
        """The working days deadlines count: the public-holiday calendar and the config's days."""
        return WorkCalendar.of(self.deadlines.extra_holidays, self.deadlines.extra_workdays)


@dataclass(frozen=True, slots=True)
class Parties:
    """Who is concerned by an item: told when it changes, allowed to act on it."""

    raisers: tuple[int, ...]  # person ids: the author and the raisers of items merged into it
    liaisons: tuple[int, ...] = ()  # of the unit the item is with (or is being forwarded to)
    staff: tuple[int, ...] = ()
    leaders: tuple[int, ...] = ()  # of the item's group


@dataclass(frozen=True, slots=True)
class Step:
    to: Status
    kind: EventKind = EventKind.TRANSITION
    note: str = ""


@dataclass(frozen=True, slots=True)
class NewResponse:
    round: int
    unit_id: int | None
    response_class: ResponseClass
    text: str
    on_paper: bool
    promised_at: datetime | None = None  # class B: the promised day (its local start)
    reason: str | None = None  # class C: the reason category (bot/answer_terms.py)


@dataclass(frozen=True, slots=True)
class NewLookback:
    round: int
    group_id: int | None
    due_at: datetime


@dataclass(frozen=True, slots=True)
class LookbackDone:
    round: int
    result: LookbackResult
    note: str


@dataclass(frozen=True, slots=True)
class Change:
    """What a rule decided; applied all at once or not at all."""

    item_id: int
    actor_id: int | None  # None: the bot itself (a deadline passed)
    expect: Status  # the status the rule saw
    expect_round: int
    steps: tuple[Step, ...]
    fields: Mapping[str, object] = field(default_factory=dict)
    notices: tuple[Notice, ...] = ()
    merge_raisers_into: int | None = None
    response: NewResponse | None = None
    lookback: NewLookback | None = None
    lookback_done: LookbackDone | None = None

    @classmethod
    def of(cls, item: Item, actor_id: int | None, steps: tuple[Step, ...], **rest: Any) -> Change:
        """A change of `item` as the rule sees it now (its status and round are the guard)."""
        return cls(item.id, actor_id, item.status, item.round, steps, **rest)

    @property
    def final_status(self) -> Status:
        return self.steps[-1].to if self.steps else self.expect


@dataclass(frozen=True, slots=True)
class Vote:
    item_id: int
    round: int
    person_id: int
    value: Rating
    comment: str


# --- what every rule checks and says --------------------------------------------------------------


def require_state(item: Item, allowed: frozenset[Status] | set[Status]) -> None:
    """Refuse an item that has moved on since the caller's screen showed it."""
    require(item.status in allowed, "item_state_changed", number=_number(item))


def _number(item: Item) -> str:
    return item.display_number


def readable_text(text: str, key: str = "lifecycle_reason_missing") -> str:
    """People's text on an item: invisible characters dropped, and something readable left."""
    cleaned = clean_description(text)
    require(len(cleaned) >= 2 and has_words(cleaned), key)
    require(len(cleaned) <= 2000, "lifecycle_text_too_long", max=2000)
    return cleaned


def notify(
    people: Sequence[int],
    key: str,
    item: Item,
    *,
    skip: int | None = None,
    buttons: tuple[tuple[NoticeButton, ...], ...] = (),
    localized: Mapping[str, str] | None = None,
    **params: str | int,
) -> tuple[Notice, ...]:
    """The same notice to several people (each once), leaving out the one who acted."""
    return _notices(people, key, item, skip, buttons, localized or {}, params)


def notify_unit(
    parties: Parties, key: str, item: Item, due: datetime, policy: Policy, **params: str | int
) -> tuple[Notice, ...]:
    """The unit's liaisons are told what to handle, by when, with a button to open it in /inbox."""
    button = NoticeButton("lifecycle_button_open", Act.OPEN_IN_INBOX, (item.id,))
    return _notices(
        parties.liaisons, key, item, None, ((button,),), {}, {**params, "due": policy.day(due)}
    )


def _notices(
    people: Sequence[int],
    key: str,
    item: Item,
    skip: int | None,
    buttons: tuple[tuple[NoticeButton, ...], ...],
    localized: Mapping[str, str],
    params: Mapping[str, str | int],
) -> tuple[Notice, ...]:
    seen: set[int] = set()
    out = []
    for person_id in people:
        if person_id == skip or person_id in seen:
            continue
        seen.add(person_id)
        out.append(
            Notice(
                person_id,
                key,
                # Notices are Telegram HTML: people's text and catalog names are escaped.
                params={
                    "number": _number(item),
                    "project": html.escape(item.project_title or ""),
                    **{k: html.escape(v) if isinstance(v, str) else v for k, v in params.items()},
                },
                localized={"kind": f"kind.{item.kind}", **localized},
                buttons=buttons,
            )
        )
    return tuple(out)
