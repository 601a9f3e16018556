"""An item with its unit, as pure rules returning a Change (bot/lifecycle.py).

Staff forward it, and re-route it when it comes back; the unit's liaison accepts it, returns it
within the window, reports progress and answers (staff may record an answer sent on paper).
"""

from __future__ import annotations

from datetime import datetime

from bot import scope
from bot.answer_terms import NO_TERMS, AnswerTerms, fits
from bot.deadlines import add_months, add_working_days
from bot.errors import require
from bot.items import Item, Status
from bot.lifecycle import (
    Change,
    EventKind,
    NewResponse,
    Parties,
    Policy,
    ResponseClass,
    Step,
    notify,
    notify_unit,
    readable_text,
    require_state,
)
from bot.people import Person
from bot.rating_rules import rating_buttons

WITH_UNIT = frozenset({Status.FORWARDED, Status.IN_PROGRESS})


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
    require_state(item, {Status.REVIEWED})
    due = add_months(now, policy.deadlines.answer_months)
    by_letter = not parties.liaisons
    notices = notify(parties.raisers, "notice.forwarded", item, skip=actor.id)
    notices += notify_unit(parties, "notice.forwarded_unit", item, due, policy)
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
            "signed_at": None,  # signed for anew by the unit it now goes to
            "sign_due_at": add_working_days(
                now, policy.deadlines.sign_for_working_days, policy.zone, policy.workdays
            ),
        },
        notices=notices,
    )


def reroute(item: Item, actor: Person, unit_id: int, parties: Parties) -> Change:
    """Staff take back a returned item and pick another unit; it is ready to forward again."""
    scope.require_staff(actor, item)
    require_state(item, {Status.RETURNED})
    require(unit_id != item.unit_id, "reroute_same_unit")
    return Change.of(
        item,
        actor.id,
        (Step(Status.REVIEWED),),
        fields={"unit_id": unit_id, "due_at": None, "for_letter": False},
    )


# --- liaisons: accept, return, progress, answer ------------------------------------------------------


def signed_fields(item: Item, now: datetime | None) -> dict[str, object]:
    """The moment the unit signed for (签收) the item: its first step out of "forwarded", by
    accepting it, reporting progress or answering; kept to count signing on time."""
    if now is None or item.status is not Status.FORWARDED:
        return {}
    return {"signed_at": now}


def sign_for(item: Item, actor: Person, parties: Parties, now: datetime | None = None) -> Change:
    """The unit accepts the item and starts handling it."""
    scope.require_unit_item(actor, item)
    require_state(item, {Status.FORWARDED})
    return Change.of(
        item,
        actor.id,
        (Step(Status.IN_PROGRESS),),
        fields=signed_fields(item, now),
        notices=notify(parties.raisers, "notice.in_progress", item),
    )


def return_deadline(item: Item, policy: Policy) -> datetime | None:
    """The end of the unit's window to say "not ours"."""
    if item.forwarded_at is None:
        return None
    return add_working_days(
        item.forwarded_at, policy.deadlines.return_working_days, policy.zone, policy.workdays
    )


def return_item(
    item: Item,
    actor: Person,
    reason: str,
    parties: Parties,
    now: datetime,
    policy: Policy,
) -> Change:
    """The unit says the item is not theirs, within the return window; staff re-route it."""
    scope.require_unit_item(actor, item)
    require_state(item, {Status.FORWARDED})
    limit = return_deadline(item, policy)
    require(
        limit is None or now <= limit,
        "return_too_late",
        days=policy.deadlines.return_working_days,
    )
    reason = readable_text(reason)
    return Change.of(
        item,
        actor.id,
        (Step(Status.RETURNED, note=reason),),
        notices=notify(
            parties.staff, "notice.returned", item, reason=reason, unit=item.unit_name or ""
        ),
    )


def post_progress(
    item: Item, actor: Person, text: str, parties: Parties, now: datetime | None = None
) -> Change:
    """The unit tells the raisers how handling goes (accepting the item if it had not yet)."""
    scope.require_unit_item(actor, item)
    require_state(item, WITH_UNIT)
    text = readable_text(text, "lifecycle_text_missing")
    steps: tuple[Step, ...] = ()
    if item.status is Status.FORWARDED:
        steps = (Step(Status.IN_PROGRESS),)
    steps += (Step(Status.IN_PROGRESS, EventKind.PROGRESS, text),)
    return Change.of(
        item,
        actor.id,
        steps,
        fields=signed_fields(item, now),
        notices=notify(parties.raisers, "notice.progress", item, text=text),
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
    terms: AnswerTerms = NO_TERMS,
) -> Change:
    """The unit's answer (A/B/C); every raiser is asked to rate it.

    A class-B answer carries its promised date, a class-C answer its reason category (`terms`,
    bot/answer_terms.py). Staff may record
    an answer a unit sent on paper, on the unit's behalf (a paper answer may lack the terms).
    """
    if on_paper:
        scope.require_staff(actor, item)
    else:
        scope.require_unit_item(actor, item)
    require_state(item, WITH_UNIT)
    if not (on_paper and terms == NO_TERMS):
        require(
            fits(response_class, terms),
            "answers.promise_missing"
            if response_class is ResponseClass.B
            else "answers.reason_missing",
        )
    text = readable_text(text, "lifecycle_text_missing")
    round_ = max(item.round, 1)
    buttons = rating_buttons(item, round_)
    localized = {"cls": f"response_class.{response_class}"}
    if terms.promised_at is not None:
        # Built in the campaign's zone (bot/answer_terms.py): its date is the local day.
        promised = terms.promised_at.strftime("%Y-%m-%d")
        notices = notify(
            parties.raisers,
            "answers.notice_answered_promise",
            item,
            buttons=buttons,
            localized=localized,
            text=text,
            promised=promised,
        )
    else:
        if terms.reason is not None:
            localized["reason"] = f"answer_reason.{terms.reason}"
        notices = notify(
            parties.raisers,
            "answers.notice_answered_reason" if terms.reason else "notice.answered",
            item,
            buttons=buttons,
            localized=localized,
            text=text,
        )
    return Change.of(
        item,
        actor.id,
        (Step(Status.ANSWERED, note=f"{response_class}: {text}"),),
        fields={
            "response_class": str(response_class),
            "answered_at": now,
            "round": round_,
            **signed_fields(item, now),
            # A follow-up answer settles the earlier promise; a new B answer makes a new one.
            "promised_at": terms.promised_at,
            "answer_reason": terms.reason,
        },
        notices=notices,
        response=NewResponse(
            round_,
            item.unit_id,
            response_class,
            text,
            on_paper,
            promised_at=terms.promised_at,
            reason=terms.reason,
        ),
    )
