"""What a unit's liaison does with the items forwarded to their unit: sign for one (签收), return
one that is not the unit's (退回), report progress, answer.

Every function re-checks the caller's current role and unit (bot/scope.py): a liaison moved to
another unit, or a forged item id, reaches nothing, and an item of another unit reveals nothing
about itself.
"""

from __future__ import annotations

from datetime import datetime

from bot import scope
from bot.errors import Refused, require
from bot.items import INBOX_STATUSES, Item, Status
from bot.lifecycle import (
    WITH_UNIT,
    ResponseClass,
    answer,
    give_back,
    post_progress,
    return_deadline,
    take_on,
)
from bot.people import Person
from bot.services import Services
from bot.usecases.acting import Acted, act, act_or_refuse, item_id_of


async def unit_item(services: Services, actor: Person | None, item_id: object) -> Item:
    """An item in the caller's unit's inbox (refused otherwise, without saying whose it is)."""
    item = await services.items.get(item_id_of(item_id))
    if item is None or actor is None or not scope.may_see_item_as_liaison(actor, item):
        raise Refused("item_not_your_unit")
    require(item.status in INBOX_STATUSES, "inbox.item_gone")
    return item


def return_until(services: Services, item: Item, now: datetime) -> datetime | None:
    """The end of the window for returning the item while it is open, else None."""
    if item.status is not Status.FORWARDED:
        return None
    limit = return_deadline(item, services.policy)
    return limit if limit is not None and now <= limit else None


async def sign_for(
    services: Services, actor: Person, item_id: object, *, now: datetime, key: str | None
) -> Acted:
    """签收: the unit accepts the item; it is in progress and its raisers are told."""
    item = await unit_item(services, actor, item_id)
    return await act_or_refuse(
        services, item, lambda parties: take_on(item, actor, parties), now=now, key=key
    )


async def may_return(
    services: Services, actor: Person, item_id: object, now: datetime
) -> tuple[Item, datetime]:
    """The item and the end of its return window, if the unit may still return it."""
    item = await unit_item(services, actor, item_id)
    require(item.status is Status.FORWARDED, "item_state_changed", number=item.display_number)
    until = return_until(services, item, now)
    require(
        until is not None, "return_too_late", days=services.policy.deadlines.return_working_days
    )
    assert until is not None
    return item, until


async def return_item(
    services: Services,
    actor: Person,
    item_id: object,
    reason: str,
    *,
    now: datetime,
    key: str | None,
) -> Acted:
    """退回: not the unit's business; the item goes back to staff, who re-route it."""
    item = await unit_item(services, actor, item_id)
    policy = services.policy
    return await act(
        services,
        item,
        lambda parties: give_back(item, actor, reason, parties, now, policy),
        now=now,
        key=key,
    )


async def may_handle(services: Services, actor: Person, item_id: object) -> Item:
    """The item, while the unit handles it (progress and answers)."""
    item = await unit_item(services, actor, item_id)
    require(item.status in WITH_UNIT, "item_state_changed", number=item.display_number)
    return item


async def report_progress(
    services: Services,
    actor: Person,
    item_id: object,
    note: str,
    *,
    now: datetime,
    key: str | None,
) -> Acted:
    """A progress note: recorded, and the raisers are told."""
    item = await unit_item(services, actor, item_id)
    return await act(
        services, item, lambda parties: post_progress(item, actor, note, parties), now=now, key=key
    )


async def check_answer(
    services: Services,
    actor: Person,
    item_id: object,
    response_class: ResponseClass,
    text: str,
    *,
    now: datetime,
) -> Item:
    """Would this answer be accepted? Refused as the answer itself would be; nothing is written.

    Lets a door say at once that a text is too short, before photos are asked for.
    """
    item = await unit_item(services, actor, item_id)
    answer(item, actor, response_class, text, await services.items.parties(item), now)
    return item


async def answer_item(
    services: Services,
    actor: Person,
    item_id: object,
    response_class: ResponseClass,
    text: str,
    *,
    now: datetime,
    key: str | None,
) -> Acted:
    """The unit's answer (A/B/C and its text, with the photos already received): the raisers
    are asked to rate it."""
    item = await unit_item(services, actor, item_id)
    return await act(
        services,
        item,
        lambda parties: answer(item, actor, response_class, text, parties, now),
        now=now,
        key=key,
    )
