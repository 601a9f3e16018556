"""After the answer, as pure rules returning a Change or a Vote (bot/lifecycle.py).

The raisers rate the answer and their votes decide: closed (and a look-back scheduled) or handled
again. A look-back re-checks a closed item and reopens it when the fix did not hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot import scope
from bot.deadlines import add_months
from bot.errors import require
from bot.items import Item, Status
from bot.lifecycle import (
    Change,
    EventKind,
    LookbackDone,
    LookbackResult,
    NewLookback,
    Parties,
    Policy,
    Rating,
    Step,
    Vote,
    notify,
    notify_unit,
    readable_text,
    require_state,
)
from bot.notices import Act, NoticeButton
from bot.people import Person
from bot.promises import promise_kept_open, rating_key, result_for_unit

# --- deputies: rating ----------------------------------------------------------------------------


def rating_buttons(item: Item, round_: int) -> tuple[tuple[NoticeButton, ...], ...]:
    """The three (and abstain) rating buttons; the press is checked again when it arrives."""

    def b(value: Rating) -> NoticeButton:
        return NoticeButton(f"rating.{value}", Act.RATE, (item.id, round_, str(value)))

    return (
        (b(Rating.SATISFIED), b(Rating.BASICALLY), b(Rating.DISSATISFIED)),
        (b(Rating.ABSTAIN),),
    )


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


def _handle_again(item: Item, now: datetime, policy: Policy) -> tuple[datetime, dict[str, object]]:
    """A new handling round for the unit (不满意, or a failed look-back): due in rehandle_months."""
    due = add_months(now, policy.deadlines.rehandle_months)
    return due, {"due_at": due, "round": item.round + 1}


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
        notices = notify(parties.raisers, "notice.rehandle", item, due=policy.day(due))
        notices += notify_unit(parties, "notice.rehandle_unit", item, due, policy)
        return Change.of(
            item,
            None,
            (rated, Step(Status.IN_PROGRESS)),
            fields={"rating": str(result), **again, **_no_promise(item)},
            notices=notices,
        )
    if item.promised_at is not None:
        # 列入计划 accepted: the item waits, rated, for its promised day (bot/promises.py).
        return promise_kept_open(item, current, result, parties, policy)
    notices = notify(
        parties.raisers, "notice.closed", item, localized={"rating": rating_key(result)}
    )
    notices += result_for_unit(parties, item, current, result)
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


def _no_promise(item: Item) -> dict[str, object]:
    """An earlier answer's promise, no longer the plan once the item is handled again."""
    return {"promised_at": None} if item.promised_at is not None else {}


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
    require_state(item, {Status.CLOSED})
    done = LookbackDone(lookback_round, result, note.strip())
    if result is LookbackResult.HELD:
        return Change.of(
            item,
            actor.id,
            (Step(Status.CLOSED, EventKind.LOOKBACK, note.strip()),),
            fields={"lookback_result": str(result)},
            notices=notify(parties.raisers, "notice.lookback_held", item, skip=actor.id),
            lookback_done=done,
        )
    note = readable_text(note)
    due, again = _handle_again(item, now, policy)
    notices = notify_unit(parties, "notice.reopened_unit", item, due, policy, note=note)
    notices += notify(parties.staff, "notice.reopened", item, note=note)
    notices += notify(parties.raisers, "notice.reopened", item, skip=actor.id, note=note)
    return Change.of(
        item,
        actor.id,
        (Step(Status.IN_PROGRESS, note=note),),
        fields={"lookback_result": str(result), "closed_at": None, "rating": None, **again},
        notices=notices,
        lookback_done=done,
    )
