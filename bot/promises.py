"""Promises followed up: a class-B answer (列入计划) is not the end of an item.

When the raisers accept a class-B answer (not 不满意), the item is rated but not closed: it waits
for the promised day (items.promised_at). On that day the daily job (bot/promise_jobs.py) gives it
back to the unit for a follow-up answer, in a new round; the raisers rate the follow-up, and only
their rating (or staff) closes the item. A unit never closes its own item.

The unit hears each round's result as an aggregate only: the verdict and the counts of votes,
never who voted what (the raisers' secrecy, DOMAIN.md).

Pure rules returning a Change (bot/lifecycle.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot import lifecycle
from bot.items import Item, Status
from bot.notices import Notice


def rating_key(result: lifecycle.Rating | None) -> str:
    """The catalog key naming a round's result, "no rating" when nobody voted."""
    return f"rating.{result}" if result else "rating.none"


def vote_counts(votes: Sequence[lifecycle.Vote]) -> dict[str, int]:
    """How many votes of each value: what a unit may know of a round (no names)."""
    counted = Counter(str(v.value) for v in votes)
    return {str(value): counted.get(str(value), 0) for value in lifecycle.Rating}


def result_for_unit(
    parties: lifecycle.Parties,
    item: Item,
    votes: Sequence[lifecycle.Vote],
    result: lifecycle.Rating | None,
) -> tuple[Notice, ...]:
    """The round's verdict and counts, to the unit's liaisons."""
    counts = vote_counts(votes)
    return lifecycle.notify(
        parties.liaisons,
        "answers.notice_rated_unit",
        item,
        localized={"rating": rating_key(result)},
        satisfied=counts["satisfied"],
        basically=counts["basically"],
        dissatisfied=counts["dissatisfied"],
        abstain=counts["abstain"],
    )


def promise_kept_open(
    item: Item,
    votes: Sequence[lifecycle.Vote],
    result: lifecycle.Rating | None,
    parties: lifecycle.Parties,
    policy: lifecycle.Policy,
) -> lifecycle.Change:
    """A class-B answer rated 满意 / 基本满意 (or not at all): rated, waiting for its promised day."""
    assert item.promised_at is not None
    day = policy.day(item.promised_at)
    notices = lifecycle.notify(
        parties.raisers,
        "answers.notice_promise_pending",
        item,
        localized={"rating": rating_key(result)},
        promised=day,
    )
    notices += result_for_unit(parties, item, votes, result)
    return lifecycle.Change.of(
        item,
        None,
        (lifecycle.Step(Status.RATED, note=str(result or "")),),
        fields={"rating": str(result) if result else None},
        notices=notices,
    )


def promise_due(
    item: Item, parties: lifecycle.Parties, now: datetime, policy: lifecycle.Policy
) -> lifecycle.Change | None:
    """The promised day has come: the item goes back to its unit for a follow-up answer, in a
    new round, due `followup_days` later. The bot acts (no actor); None when nothing is due."""
    if item.status is not Status.RATED or item.promised_at is None or now < item.promised_at:
        return None
    day = policy.day(item.promised_at)
    due = now + timedelta(days=policy.answers.followup_days)
    notices = lifecycle.notify_unit(
        parties, "answers.notice_followup_unit", item, due, policy, promised=day
    )
    notices += lifecycle.notify(parties.raisers, "answers.notice_followup", item, promised=day)
    return lifecycle.Change.of(
        item,
        None,
        (lifecycle.Step(Status.IN_PROGRESS, lifecycle.EventKind.TRANSITION, f"followup {day}"),),
        # promised_at stays: while the unit holds the item, it marks the follow-up.
        fields={"round": item.round + 1, "due_at": due},
        notices=notices,
    )


def awaiting_followup(item: Item) -> bool:
    """Is the unit to answer how its promise went (the item came back on the promised day)?"""
    return item.promised_at is not None and item.status in {Status.FORWARDED, Status.IN_PROGRESS}
