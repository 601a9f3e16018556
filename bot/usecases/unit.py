"""What a unit's liaison does with the items forwarded to their unit: sign for one (签收), return
one that is not the unit's (退回), report progress, answer.

Every function re-checks the caller's current role and unit (bot/scope.py): a liaison moved to
another unit, or a forged item id, reaches nothing, and an item of another unit reveals nothing
about itself.
"""

from __future__ import annotations

from datetime import date, datetime

from bot import scope, unit_rules
from bot.answer_terms import AnswerGiven
from bot.answer_terms import check_promise as answer_terms_check
from bot.errors import Refused, require
from bot.items import INBOX_STATUSES, Item, Status
from bot.people import Person
from bot.services import Services
from bot.unit_rules import WITH_UNIT, return_deadline
from bot.usecases.acting import Acted, Caller, Rule, act, act_or_refuse, item_id_of


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


async def sign_for(services: Services, caller: Caller, item_id: object) -> Acted:
    """签收: the unit accepts the item; it is in progress and its raisers are told."""
    item = await unit_item(services, caller.person, item_id)
    return await act_or_refuse(
        services, caller, item, lambda p: unit_rules.sign_for(item, caller.person, p, caller.now)
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


async def return_item(services: Services, caller: Caller, item_id: object, reason: str) -> Acted:
    """退回: not the unit's business; the item goes back to staff, who re-route it."""
    item = await unit_item(services, caller.person, item_id)
    policy, now = services.policy, caller.now
    return await act(
        services,
        caller,
        item,
        lambda p: unit_rules.return_item(item, caller.person, reason, p, now, policy),
    )


async def may_handle(services: Services, actor: Person, item_id: object) -> Item:
    """The item, while the unit handles it (progress and answers)."""
    item = await unit_item(services, actor, item_id)
    require(item.status in WITH_UNIT, "item_state_changed", number=item.display_number)
    return item


async def report_progress(services: Services, caller: Caller, item_id: object, note: str) -> Acted:
    """A progress note: recorded, and the raisers are told."""
    item = await unit_item(services, caller.person, item_id)
    return await act(
        services,
        caller,
        item,
        lambda p: unit_rules.post_progress(item, caller.person, note, p, caller.now),
    )


def _answering(services: Services, caller: Caller, item: Item, given: AnswerGiven) -> Rule:
    terms = given.terms(caller.now, services.policy)
    return lambda parties: unit_rules.answer(
        item, caller.person, given.cls, given.text, parties, caller.now, terms=terms
    )


async def check_answer(
    services: Services, caller: Caller, item_id: object, given: AnswerGiven
) -> Item:
    """Would this answer be accepted? Refused as the answer itself would be; nothing is written.

    Lets a door say at once that a text is too short, before photos are asked for. A class-B
    answer needs its promised date, a class-C answer its reason (bot/answer_terms.py).
    """
    item = await unit_item(services, caller.person, item_id)
    rule = _answering(services, caller, item, given)
    rule(await services.items.parties(item))
    return item


def check_promise(services: Services, caller: Caller, day: date) -> date:
    """A promised date the liaison typed, refused unless after today and within range."""
    answer_terms_check(day, caller.now, services.policy)
    return day


async def answer_item(
    services: Services, caller: Caller, item_id: object, given: AnswerGiven
) -> Acted:
    """The unit's answer (A/B/C and its text, with the photos already received): the raisers
    are asked to rate it."""
    item = await unit_item(services, caller.person, item_id)
    rule = _answering(services, caller, item, given)
    return await act(services, caller, item, rule)
