"""延期申请: a liaison asks for a later due date with a reason; staff approve or decline.

On approval the due date moves and the raisers are told the new date; either way the unit's
liaisons hear the decision. A forged or stale button, a liaison of another unit, a date before
the current due date or too far after it are refused and nothing changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot import scope, unit_deadlines
from bot.errors import Refused, require
from bot.items import Item, Status
from bot.people import Person
from bot.services import Services
from bot.typed_dates import typed_day
from bot.unit_rules import WITH_UNIT
from bot.usecases.acting import Caller, campaign_record
from bot.usecases.unit import unit_item

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Asked:
    item: Item
    proposed_day: date


async def may_ask(services: Services, actor: Person | None, item_id: object) -> Item:
    """The item, if its unit's liaison may ask for more time now (no request of it open)."""
    item = await unit_item(services, actor, item_id)
    assert actor is not None
    unit_deadlines.may_ask_extension(item, actor)
    require(
        await services.deadlines.open_extension(item.id) is None,
        "extension.pending",
        number=item.display_number,
    )
    return item


async def check_ask_reason(
    services: Services, actor: Person | None, item_id: object, reason: str
) -> tuple[Item, str]:
    """The item, if its liaison may still ask, and the reason as it will be kept: checked
    before the date is asked for."""
    item = await may_ask(services, actor, item_id)
    return item, unit_deadlines.check_reason(reason)


def proposed_day(services: Services, item: Item, text: str) -> date:
    """The typed date, checked against the item's current due date."""
    policy = services.policy
    due_day, _latest = unit_deadlines.extension_window(item, policy)
    return unit_deadlines.check_proposed_day(item, typed_day(text, due_day), policy)


async def ask(
    services: Services, caller: Caller, item_id: object, reason: str, day_text: str
) -> Asked:
    """Store the request; staff get a notice with 同意 / 不同意 buttons."""
    item = await may_ask(services, caller.person, item_id)
    policy = services.policy
    day = proposed_day(services, item, day_text)
    new = unit_deadlines.ask_extension(item, caller.person, reason, day, policy)
    parties = await services.items.parties(item)
    extension_id = await services.deadlines.add_extension(
        new,
        lambda ext_id: unit_deadlines.asked_notices(item, new, ext_id, parties, policy),
        caller.now,
        caller.key,
    )
    if extension_id is None:
        raise Refused("extension.pending", number=item.display_number)
    services.wake_sender()
    log.info("Extension %s of item %s asked by %s", extension_id, item.id, caller.person.id)
    return Asked(item, day)


async def decide(
    services: Services,
    caller: Caller,
    extension_id: object,
    approve: bool,
    *,
    item_id: int | None = None,
) -> unit_deadlines.ExtensionDecision:
    """Staff's decision, as the rule made and the store kept it (the request, approved or not,
    and the new due date); a request decided already, or of an item that moved on, is refused.
    `item_id`: the item whose page the decision came from, which the request must be of."""
    scope.require_staff(caller.person)
    extension = await campaign_record(
        services.deadlines.extension, services.campaign.id, extension_id
    )
    if item_id is not None and extension.item_id != item_id:
        raise Refused("button_expired")
    item = await services.items.get(extension.item_id)
    if item is None:
        raise Refused("button_expired")
    decision = unit_deadlines.decide_extension(
        extension,
        item,
        caller.person,
        approve,
        await services.items.parties(item),
        services.policy,
    )
    if not await services.deadlines.decide_extension(decision, caller.person.id, caller.now):
        # Decided by someone else, or the item moved on, meanwhile: nothing was written.
        fresh = await services.deadlines.extension(services.campaign.id, extension.id)
        if fresh is not None and fresh.decision is not None:
            raise Refused("extension.already_decided")
        raise Refused("extension.stale", number=item.display_number)
    services.wake_sender()
    log.info("Extension %s %s by %s", extension.id, decision.decision, caller.person.id)
    return decision


async def of_item(
    services: Services, actor: Person | None, item: Item
) -> list[unit_deadlines.Extension]:
    """The item's requests, for whoever may see the item's deadlines (staff, its unit)."""
    if actor is None:
        return []
    if scope.may_see_item_as_liaison(actor, item) or scope.may_forward(actor, item):
        return await services.deadlines.extensions_of(item.id)
    return []


async def pending(services: Services, actor: Person | None) -> list[unit_deadlines.Extension]:
    """Requests waiting for staff's decision."""
    scope.require_staff(actor)
    return await services.deadlines.pending_extensions(services.campaign.id)


@dataclass(frozen=True, slots=True)
class DeadlineView:
    """An item's deadlines as its page shows them, and the extension forms the caller gets."""

    sign_due: datetime | None  # while forwarded
    sign_overdue: bool
    signed_at: datetime | None
    extensions: list[unit_deadlines.Extension]
    may_ask: bool  # the unit's liaison: the request form
    earliest: date | None  # the form's date bounds
    latest: date | None
    may_decide: bool  # staff, with a request open: approve / decline


async def item_deadlines(services: Services, actor: Person | None, item: Item) -> DeadlineView:
    """What the caller may see of the item's deadlines (staff and its unit; others nothing)."""
    policy = services.policy
    now = services.clock.now()
    visible = await of_item(services, actor, item)
    staff = actor is not None and scope.may_forward(actor, item)
    liaison = actor is not None and scope.may_see_item_as_liaison(actor, item)
    open_request = any(e.decision is None for e in visible)
    earliest = latest = None
    may = liaison and item.status in WITH_UNIT and item.due_at is not None and not open_request
    if may:
        due_day, latest = unit_deadlines.extension_window(item, policy)
        earliest = due_day + timedelta(days=1)
    shown = staff or liaison
    forwarded = shown and item.status is Status.FORWARDED
    return DeadlineView(
        sign_due=unit_deadlines.sign_deadline(item, policy) if forwarded else None,
        sign_overdue=shown and unit_deadlines.sign_overdue(item, now, policy),
        signed_at=item.signed_at if shown else None,
        extensions=visible,
        may_ask=may,
        earliest=earliest,
        latest=latest,
        may_decide=staff and open_request,
    )
