"""The units' deadlines as a 12345 work order runs them: sign for (签收) in time, ask for more
time (延期申请), be chased on the due date (催办) and escalated after it (通报).

Pure rules: what a deadline is, whether an extension may be asked or decided, and the notices
each step sends. The use cases (bot/usecases/extensions.py) and the daily job
(bot/deadline_jobs.py) load, call these and commit through bot/deadline_ports.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot import scope
from bot.deadlines import add_working_days
from bot.errors import require
from bot.items import Item, Status
from bot.lifecycle import Parties, Policy, notify, readable_text, require_state
from bot.notices import Act, Notice, NoticeButton
from bot.people import Person
from bot.unit_rules import WITH_UNIT


class Decision(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class Extension:
    """A liaison's request for a later due date, and staff's decision on it."""

    id: int
    item_id: int
    round: int
    unit_id: int
    asked_by: int
    asked_at: datetime
    reason: str
    due_before: datetime
    proposed_day: date
    decision: Decision | None = None
    decided_by: int | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewExtension:
    item_id: int
    round: int
    unit_id: int
    asked_by: int
    reason: str
    due_before: datetime
    proposed_day: date


@dataclass(frozen=True, slots=True)
class ExtensionDecision:
    """What staff decided: the due date it moves to (None: declined), and who is told."""

    extension: Extension
    decision: Decision
    new_due: datetime | None
    note: str
    notices: tuple[Notice, ...]


# --- deadlines ----------------------------------------------------------------------------------


def end_of_day(day: date, policy: Policy) -> datetime:
    """The last second of a local day: a due date means "by the end of that day"."""
    return datetime.combine(day, time(23, 59, 59), policy.zone)


def sign_deadline(item: Item, policy: Policy) -> datetime | None:
    """The end of the unit's window to sign for the item it holds now: as set when it was
    forwarded, or for an item forwarded before that was kept, counted from its forwarding."""
    if item.sign_due_at is not None:
        return item.sign_due_at
    if item.forwarded_at is None:
        return None
    return sign_deadline_from(item.forwarded_at, policy)


def sign_deadline_from(forwarded_at: datetime, policy: Policy) -> datetime:
    return add_working_days(
        forwarded_at, policy.deadlines.sign_for_working_days, policy.zone, policy.workdays
    )


def sign_overdue(item: Item, now: datetime, policy: Policy) -> bool:
    """签收超时: still not signed for (forwarded) after the window."""
    limit = sign_deadline(item, policy)
    return item.status is Status.FORWARDED and limit is not None and now > limit


def escalation_moment(due_at: datetime, policy: Policy) -> datetime:
    """After the due date, this many more working days unanswered and the item is escalated."""
    return add_working_days(
        due_at, policy.deadlines.escalate_after_working_days, policy.zone, policy.workdays
    )


# --- extensions ----------------------------------------------------------------------------------


def may_ask_extension(item: Item, actor: Person) -> None:
    """A liaison of the item's unit, while the unit handles it and it has a due date."""
    scope.require_unit_item(actor, item)
    require_state(item, WITH_UNIT)
    require(item.due_at is not None, "extension.no_due_date")


def check_reason(reason: str) -> str:
    return readable_text(reason)


def extension_window(item: Item, policy: Policy) -> tuple[date, date]:
    """The item's current due day (local) and the latest day an extension may move it to."""
    assert item.due_at is not None
    due_day = item.due_at.astimezone(policy.zone).date()
    return due_day, due_day + timedelta(days=policy.deadlines.extension_max_days)


def check_proposed_day(item: Item, day: date | None, policy: Policy) -> date:
    """A day after the current due date and within `extension_max_days` of it."""
    require(day is not None, "extension.bad_date")
    assert day is not None
    due_day, limit = extension_window(item, policy)
    require(day > due_day, "extension.date_not_later", due=due_day.isoformat())
    require(day <= limit, "extension.date_too_far", latest=limit.isoformat())
    return day


def ask_extension(
    item: Item, actor: Person, reason: str, day: date | None, policy: Policy
) -> NewExtension:
    """The request as it will be stored: checked whole, so nothing half-asked is kept."""
    may_ask_extension(item, actor)
    reason = check_reason(reason)
    proposed = check_proposed_day(item, day, policy)
    assert item.unit_id is not None and item.due_at is not None
    return NewExtension(item.id, item.round, item.unit_id, actor.id, reason, item.due_at, proposed)


def asked_notices(
    item: Item, new: NewExtension, extension_id: int, parties: Parties, policy: Policy
) -> tuple[Notice, ...]:
    """Staff are asked to decide, with the two buttons."""
    buttons = (
        (
            NoticeButton(
                "extension.button_approve", Act.DECIDE_EXTENSION, (extension_id, "approve")
            ),
            NoticeButton(
                "extension.button_decline", Act.DECIDE_EXTENSION, (extension_id, "decline")
            ),
        ),
    )
    return notify(
        parties.staff,
        "extension.notice_asked",
        item,
        buttons=buttons,
        unit=item.unit_name or "",
        reason=new.reason,
        due=policy.day(new.due_before),
        proposed=new.proposed_day.isoformat(),
    )


def decide_extension(
    extension: Extension,
    item: Item,
    actor: Person,
    approve: bool,
    parties: Parties,
    policy: Policy,
) -> ExtensionDecision:
    """Staff approve (the due date moves; raisers and liaisons are told) or decline (the
    liaisons are told). A request already decided, or whose item moved on, is refused."""
    scope.require_staff(actor, item)
    require(extension.decision is None, "extension.already_decided")
    require(
        item.status in WITH_UNIT
        and item.round == extension.round
        and item.due_at == extension.due_before,
        "extension.stale",
        number=item.display_number,
    )
    proposed = extension.proposed_day.isoformat()
    if approve:
        new_due = end_of_day(extension.proposed_day, policy)
        notices = notify(parties.raisers, "extension.notice_raisers", item, due=proposed) + notify(
            parties.liaisons, "extension.notice_approved", item, due=proposed
        )
        note = f"{policy.day(extension.due_before)} → {proposed}: {extension.reason}"
        return ExtensionDecision(extension, Decision.APPROVED, new_due, note, notices)
    notices = notify(
        parties.liaisons,
        "extension.notice_declined",
        item,
        due=policy.day(extension.due_before),
        proposed=proposed,
    )
    return ExtensionDecision(extension, Decision.DECLINED, None, "", notices)
