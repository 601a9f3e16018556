"""What a reviewer (a group's leader, or staff for the campaign) decides about a submitted item:
accept it, merge it into another item, ask its author for more, or decline it; and what the
author adds when asked.

The item is loaded afresh and checked against the reviewer's current reach (bot/scope.py) on
every decision; the rules re-check it. A merge target must be as much within reach as the item.
"""

from __future__ import annotations

from functools import partial

from bot import review_rules, scope
from bot.errors import Refused, require
from bot.items import Item, Status
from bot.people import Person
from bot.services import Services
from bot.usecases.acting import Acted, Caller, act, item_id_of


async def reviewed_item(services: Services, actor: Person | None, item_id: object) -> Item:
    """A submitted item within the reviewer's reach; someone else's reveals nothing."""
    item = await services.items.get(item_id_of(item_id))
    if item is None or item.status is Status.DRAFT:
        raise Refused("button_expired")
    scope.require_review(actor, item)
    return item


async def accept(services: Services, caller: Caller, item_id: object) -> Acted:
    """The item is sound: it goes on to staff for forwarding."""
    item = await reviewed_item(services, caller.person, item_id)
    now = caller.now
    return await act(
        services, caller, item, lambda p: review_rules.accept(item, caller.person, p, now)
    )


async def merge(services: Services, caller: Caller, item_id: object, target_id: object) -> Acted:
    """The item repeats `target`: its raisers become the target's raisers."""
    item = await reviewed_item(services, caller.person, item_id)
    target = await services.items.get(item_id_of(target_id))
    require(target is not None, "merge_target_gone")
    assert target is not None
    rule = partial(review_rules.merge, item, target, caller.person)
    return await act(services, caller, item, rule)


async def ask_more(services: Services, caller: Caller, item_id: object, question: str) -> Acted:
    """The item stays in review; its author is asked the question."""
    item = await reviewed_item(services, caller.person, item_id)
    rule = partial(review_rules.ask_more, item, caller.person, question)
    return await act(services, caller, item, rule)


async def decline(services: Services, caller: Caller, item_id: object, reason: str) -> Acted:
    """The item is not taken further; its author is told why."""
    item = await reviewed_item(services, caller.person, item_id)
    rule = partial(review_rules.decline, item, caller.person, reason)
    return await act(services, caller, item, rule)


async def own_submitted(services: Services, actor: Person, item_id: object) -> Item:
    """The author's own item, for adding what the reviewer asked."""
    item = await services.items.get(item_id_of(item_id))
    if item is None or not scope.is_author(actor, item):
        raise Refused("button_expired")
    return item


async def check_more(services: Services, actor: Person, item_id: object, text: str) -> Item:
    """Would this addition be accepted? Refused as the addition itself would be; writes nothing."""
    item = await own_submitted(services, actor, item_id)
    review_rules.add_more(item, actor, text, await services.items.parties(item))
    return item


async def add_more(services: Services, caller: Caller, item_id: object, text: str) -> Acted:
    """The author's addition (its photos are stored already): the reviewers are told."""
    item = await own_submitted(services, caller.person, item_id)
    return await act(
        services, caller, item, partial(review_rules.add_more, item, caller.person, text)
    )
