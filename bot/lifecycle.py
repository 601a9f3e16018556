"""The life of an item after submission: the state machine of DOMAIN.md, as pure rules.

    submitted -> reviewed -> forwarded -> in_progress -> answered -> rated -> closed -> look-back
    submitted -> merged | declined | withdrawn;  forwarded -> returned -> reviewed (re-routed)
    rated 不满意 -> in_progress (due in a month);  look-back finds it broken -> in_progress

Each rule checks the caller's role and scope (bot/scope.py) and the item's state, then returns a
`Change`: the status steps, the item fields to set, the records to add and the notices to queue.
The repository applies a change in one transaction, only if the item is still in the state the
rule saw; so a double tap or a redelivered update applies it once.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot import scope
from bot.config import DeadlineSettings
from bot.deadlines import add_months, add_working_days
from bot.duplicates import GONE
from bot.errors import require
from bot.items import Item, Status, clean_description, has_words
from bot.notices import Notice, NoticeButton
from bot.people import Person


class EventKind(StrEnum):
    TRANSITION = "transition"
    PROGRESS = "progress"  # the unit reports how handling goes
    ASK_MORE = "ask_more"  # the leader asks the author for more
    MORE_INFO = "more_info"  # the author adds it
    LOOKBACK = "lookback"  # a look-back found the fix held
    VOTE = "vote"  # a raiser rated the answer


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


# Statuses in which the author's item has not reached a unit, and a leader may still act on it.
REVIEWABLE = frozenset({Status.SUBMITTED})
# What a duplicate may be merged into. Its raisers join the target's raisers: they are told of its
# forwarding and progress and vote on its answer. That is worth something only while the answer
# is still ahead: submitted and reviewed (not yet with a unit), forwarded and in_progress (with a
# unit, including a second round after 不满意 or a failed look-back) and returned (back with staff
# for another unit). Once answered, the rating round has begun with the raisers who were there (a
# newcomer's vote would be a formal satisfaction figure on an answer to a question they were never
# part of); rated and closed items are finished. Drafts, withdrawn, declined and merged items are
# gone (bot/duplicates.py GONE).
MERGE_TARGETS = frozenset(
    {Status.SUBMITTED, Status.REVIEWED, Status.FORWARDED, Status.RETURNED, Status.IN_PROGRESS}
)
WITH_UNIT = frozenset({Status.FORWARDED, Status.IN_PROGRESS})


@dataclass(frozen=True, slots=True)
class Policy:
    """The configured deadlines and the campaign's time zone (dates are shown in local time)."""

    deadlines: DeadlineSettings
    zone: ZoneInfo

    def day(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%Y-%m-%d")


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


# --- in which state (who may act is bot/scope.py's) ----------------------------------------------


def takes_raisers(target: Item) -> bool:
    """Whether an item may still take the raisers of a duplicate (the state half of merge)."""
    return target.status in MERGE_TARGETS and target.merged_into_id is None


def _state(item: Item, allowed: frozenset[Status] | set[Status]) -> None:
    require(item.status in allowed, "item_state_changed", number=_number(item))


def _number(item: Item) -> str:
    return item.display_number


def _text(text: str, key: str = "lifecycle_reason_missing") -> str:
    """People's text on an item: invisible characters dropped, and something readable left."""
    cleaned = clean_description(text)
    require(len(cleaned) >= 2 and has_words(cleaned), key)
    require(len(cleaned) <= 2000, "lifecycle_text_too_long", max=2000)
    return cleaned


# --- notices -----------------------------------------------------------------------------------


def _notify(
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
                localized={"kind": f"kind.{item.kind}", **(localized or {})},
                buttons=buttons,
            )
        )
    return tuple(out)


def rating_buttons(item: Item, round_: int) -> tuple[tuple[NoticeButton, ...], ...]:
    """The three (and abstain) rating buttons; the press is checked again when it arrives."""

    def b(value: Rating) -> NoticeButton:
        return NoticeButton(f"rating.{value}", f"rt:{item.id}:{round_}:{value}")

    return (
        (b(Rating.SATISFIED), b(Rating.BASICALLY), b(Rating.DISSATISFIED)),
        (b(Rating.ABSTAIN),),
    )


def _inbox_button(item: Item) -> tuple[tuple[NoticeButton, ...], ...]:
    return ((NoticeButton("lifecycle_button_open", f"ib:{item.id}"),),)


# --- leaders: review -----------------------------------------------------------------------------


def accept(item: Item, actor: Person, parties: Parties, now: datetime) -> Change:
    """The leader confirms the item belongs on the list."""
    scope.require_review(actor, item)
    _state(item, REVIEWABLE)
    return Change.of(
        item,
        actor.id,
        (Step(Status.REVIEWED),),
        fields={"reviewed_at": now},
        notices=_notify(parties.raisers, "notice.reviewed", item, skip=actor.id),
    )


def merge(item: Item, target: Item, actor: Person, parties: Parties) -> Change:
    """A duplicate joins an earlier item; its raisers become raisers of that one.

    Only within the actor's reach (a leader's own group, staff's campaign: bot/scope.py), and
    only into an item whose answer is still ahead (MERGE_TARGETS).
    """
    scope.require_review(actor, item)
    _state(item, REVIEWABLE)
    require(target.id != item.id, "merge_into_itself")
    require(target.campaign_id == item.campaign_id, "merge_target_gone")
    # Whose item it is comes before what became of it: another group's item says nothing more.
    scope.require_merge_target(actor, item, target)
    require(target.status not in GONE and target.merged_into_id is None, "merge_target_gone")
    require(target.status in MERGE_TARGETS, "merge_target_closed", number=target.display_number)
    return Change.of(
        item,
        actor.id,
        (Step(Status.MERGED, note=target.display_number),),
        fields={"merged_into_id": target.id},
        notices=_notify(
            parties.raisers, "notice.merged", item, skip=actor.id, target=target.display_number
        ),
        merge_raisers_into=target.id,
    )


def decline(item: Item, actor: Person, reason: str, parties: Parties) -> Change:
    """The leader turns the item down, saying why; the author is told."""
    scope.require_review(actor, item)
    _state(item, REVIEWABLE)
    reason = _text(reason)
    return Change.of(
        item,
        actor.id,
        (Step(Status.DECLINED, note=reason),),
        notices=_notify(parties.raisers, "notice.declined", item, skip=actor.id, reason=reason),
    )


def ask_more(item: Item, actor: Person, question: str, parties: Parties) -> Change:
    """The leader asks the author for more; the item waits in review."""
    scope.require_review(actor, item)
    _state(item, REVIEWABLE)
    question = _text(question, "lifecycle_text_missing")
    return Change.of(
        item,
        actor.id,
        (Step(item.status, EventKind.ASK_MORE, question),),
        notices=_notify(
            (item.author_id,),
            "notice.ask_more",
            item,
            skip=actor.id,
            buttons=((NoticeButton("lifecycle_button_add_more", f"am:{item.id}"),),),
            question=question,
        ),
    )


def add_more(item: Item, actor: Person, text: str, parties: Parties) -> Change:
    """The author answers the leader's question before review."""
    scope.require_author(actor, item)
    _state(item, REVIEWABLE)
    text = _text(text, "lifecycle_text_missing")
    return Change.of(
        item,
        actor.id,
        (Step(item.status, EventKind.MORE_INFO, text),),
        notices=_notify(parties.leaders, "notice.more_info", item, skip=actor.id, text=text),
    )


# --- staff: forward, re-route, paper answers ---------------------------------------------------------


def forward(
    item: Item,
    actor: Person,
    unit_id: int,
    parties: Parties,
    now: datetime,
    policy: Policy,
) -> Change:
    """Staff send a reviewed item to a unit; its liaisons are told, or it goes by letter."""
    scope.require_staff(actor, item)
    _state(item, {Status.REVIEWED})
    due = add_months(now, policy.deadlines.answer_months)
    by_letter = not parties.liaisons
    notices = _notify(parties.raisers, "notice.forwarded", item, skip=actor.id)
    notices += _notify(
        parties.liaisons,
        "notice.forwarded_unit",
        item,
        buttons=_inbox_button(item),
        due=policy.day(due),
    )
    return Change.of(
        item,
        actor.id,
        (Step(Status.FORWARDED),),
        fields={
            "unit_id": unit_id,
            "forwarded_at": now,
            "due_at": due,
            "for_letter": by_letter,
            "round": max(item.round, 1),
        },
        notices=notices,
    )


def reroute(item: Item, actor: Person, unit_id: int, parties: Parties) -> Change:
    """Staff take back a returned item and pick another unit; it is ready to forward again."""
    scope.require_staff(actor, item)
    _state(item, {Status.RETURNED})
    require(unit_id != item.unit_id, "reroute_same_unit")
    return Change.of(
        item,
        actor.id,
        (Step(Status.REVIEWED),),
        fields={"unit_id": unit_id, "due_at": None, "for_letter": False},
    )


# --- liaisons: accept, return, progress, answer ------------------------------------------------------


def take_on(item: Item, actor: Person, parties: Parties) -> Change:
    """The unit accepts the item and starts handling it."""
    scope.require_unit_item(actor, item)
    _state(item, {Status.FORWARDED})
    return Change.of(
        item,
        actor.id,
        (Step(Status.IN_PROGRESS),),
        notices=_notify(parties.raisers, "notice.in_progress", item),
    )


def return_deadline(item: Item, policy: Policy) -> datetime | None:
    """The end of the unit's window to say "not ours"."""
    if item.forwarded_at is None:
        return None
    return add_working_days(item.forwarded_at, policy.deadlines.return_working_days, policy.zone)


def give_back(
    item: Item,
    actor: Person,
    reason: str,
    parties: Parties,
    now: datetime,
    policy: Policy,
) -> Change:
    """The unit says the item is not theirs, within the return window; staff re-route it."""
    scope.require_unit_item(actor, item)
    _state(item, {Status.FORWARDED})
    limit = return_deadline(item, policy)
    require(
        limit is None or now <= limit,
        "return_too_late",
        days=policy.deadlines.return_working_days,
    )
    reason = _text(reason)
    return Change.of(
        item,
        actor.id,
        (Step(Status.RETURNED, note=reason),),
        notices=_notify(
            parties.staff, "notice.returned", item, reason=reason, unit=item.unit_name or ""
        ),
    )


def post_progress(item: Item, actor: Person, text: str, parties: Parties) -> Change:
    """The unit tells the raisers how handling goes (accepting the item if it had not yet)."""
    scope.require_unit_item(actor, item)
    _state(item, WITH_UNIT)
    text = _text(text, "lifecycle_text_missing")
    steps: tuple[Step, ...] = ()
    if item.status is Status.FORWARDED:
        steps = (Step(Status.IN_PROGRESS),)
    steps += (Step(Status.IN_PROGRESS, EventKind.PROGRESS, text),)
    return Change.of(
        item,
        actor.id,
        steps,
        notices=_notify(parties.raisers, "notice.progress", item, text=text),
    )


def answer(
    item: Item,
    actor: Person,
    response_class: ResponseClass,
    text: str,
    parties: Parties,
    now: datetime,
    *,
    on_paper: bool = False,
) -> Change:
    """The unit's answer (A/B/C); every raiser is asked to rate it.

    Staff may record an answer a unit sent on paper, on the unit's behalf.
    """
    if on_paper:
        scope.require_staff(actor, item)
    else:
        scope.require_unit_item(actor, item)
    _state(item, WITH_UNIT)
    text = _text(text, "lifecycle_text_missing")
    round_ = max(item.round, 1)
    return Change.of(
        item,
        actor.id,
        (Step(Status.ANSWERED, note=f"{response_class}: {text}"),),
        fields={"response_class": str(response_class), "answered_at": now, "round": round_},
        notices=_notify(
            parties.raisers,
            "notice.answered",
            item,
            buttons=rating_buttons(item, round_),
            localized={"cls": f"response_class.{response_class}"},
            text=text,
        ),
        response=NewResponse(round_, item.unit_id, response_class, text, on_paper),
    )


def _handle_again(item: Item, now: datetime, policy: Policy) -> tuple[datetime, dict[str, object]]:
    """A new handling round for the unit (不满意, or a failed look-back): due in rehandle_months."""
    due = add_months(now, policy.deadlines.rehandle_months)
    return due, {"due_at": due, "round": item.round + 1}


# --- deputies: rating ----------------------------------------------------------------------------


def vote(
    item: Item, actor: Person, round_: int, value: Rating, comment: str, parties: Parties
) -> Vote:
    """A raiser rates the answer of the current round; one vote each."""
    scope.require_raiser(actor, parties.raisers)
    require(item.status is Status.ANSWERED and item.round == round_, "rating_closed")
    comment = comment.strip()
    require(len(comment) <= 1000, "lifecycle_text_too_long", max=1000)
    return Vote(item.id, round_, actor.id, value, comment)


def aggregate(values: Sequence[Rating]) -> Rating | None:
    """DOMAIN.md: more than half 满意 -> 满意; else more than half 满意+基本满意 -> 基本满意;
    else 不满意. Abstentions are not valid votes; no valid vote gives no rating."""
    valid = [v for v in values if v is not Rating.ABSTAIN]
    if not valid:
        return None
    satisfied = sum(v is Rating.SATISFIED for v in valid)
    basically = sum(v is Rating.BASICALLY for v in valid)
    if satisfied * 2 > len(valid):
        return Rating.SATISFIED
    if (satisfied + basically) * 2 > len(valid):
        return Rating.BASICALLY
    return Rating.DISSATISFIED


def satisfaction_rate(values: Sequence[Rating]) -> float | None:
    """(满意 + 基本满意) / valid votes."""
    valid = [v for v in values if v is not Rating.ABSTAIN]
    if not valid:
        return None
    return sum(v in (Rating.SATISFIED, Rating.BASICALLY) for v in valid) / len(valid)


def conclude_rating(
    item: Item,
    votes: Sequence[Vote],
    parties: Parties,
    now: datetime,
    policy: Policy,
    *,
    window_over: bool,
) -> Change | None:
    """When every raiser has voted (or the rating window is over), the votes decide.

    不满意 sends the item back to the unit for a second handling due in a month; otherwise it
    closes, and a look-back is scheduled for its group.
    """
    if item.status is not Status.ANSWERED:
        return None
    current = [v for v in votes if v.round == item.round]
    voters = {v.person_id for v in current}
    if not window_over and not set(parties.raisers) <= voters:
        return None
    result = aggregate([v.value for v in current])
    rated = Step(Status.RATED, note=str(result or ""))
    if result is Rating.DISSATISFIED:
        due, again = _handle_again(item, now, policy)
        notices = _notify(parties.raisers, "notice.rehandle", item, due=policy.day(due))
        notices += _notify(
            parties.liaisons,
            "notice.rehandle_unit",
            item,
            buttons=_inbox_button(item),
            due=policy.day(due),
        )
        return Change.of(
            item,
            None,
            (rated, Step(Status.IN_PROGRESS)),
            fields={"rating": str(result), **again},
            notices=notices,
        )
    notices = _notify(
        parties.raisers,
        "notice.closed",
        item,
        localized={"rating": f"rating.{result}" if result else "rating.none"},
    )
    return Change.of(
        item,
        None,
        (rated, Step(Status.CLOSED)),
        fields={"rating": str(result) if result else None, "closed_at": now},
        notices=notices,
        lookback=NewLookback(
            item.round, item.group_id, now + timedelta(days=policy.deadlines.lookback_after_days)
        ),
    )


# --- look-back -----------------------------------------------------------------------------------


def look_back(
    item: Item,
    actor: Person,
    lookback_round: int,
    result: LookbackResult,
    note: str,
    parties: Parties,
    now: datetime,
    policy: Policy,
) -> Change:
    """A deputy of the item's group re-checks a closed item: the fix held, or it is reopened."""
    scope.require_lookback(actor, item)
    _state(item, {Status.CLOSED})
    done = LookbackDone(lookback_round, result, note.strip())
    if result is LookbackResult.HELD:
        return Change.of(
            item,
            actor.id,
            (Step(Status.CLOSED, EventKind.LOOKBACK, note.strip()),),
            fields={"lookback_result": str(result)},
            notices=_notify(parties.raisers, "notice.lookback_held", item, skip=actor.id),
            lookback_done=done,
        )
    note = _text(note)
    due, again = _handle_again(item, now, policy)
    notices = _notify(
        parties.liaisons,
        "notice.reopened_unit",
        item,
        buttons=_inbox_button(item),
        note=note,
        due=policy.day(due),
    )
    notices += _notify(parties.staff, "notice.reopened", item, note=note)
    notices += _notify(parties.raisers, "notice.reopened", item, skip=actor.id, note=note)
    return Change.of(
        item,
        actor.id,
        (Step(Status.IN_PROGRESS, note=note),),
        fields={"lookback_result": str(result), "closed_at": None, "rating": None, **again},
        notices=notices,
        lookback_done=done,
    )
