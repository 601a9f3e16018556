"""What staff do between review and the units: forward reviewed items to a unit, send a returned
item to another unit, and record an answer a unit gave on paper.

Staff reach the whole campaign (bot/scope.py); every function re-checks that the caller is
still staff and that each item belongs to the campaign, so a forged id reaches nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from bot import scope, unit_rules
from bot.answer_terms import NO_TERMS, AnswerGiven
from bot.errors import Refused
from bot.items import Item, Status
from bot.lifecycle import Change, Parties, Policy
from bot.people import Person
from bot.records import UnitRecord
from bot.services import Services
from bot.usecases.acting import (
    Acted,
    Caller,
    act,
    act_or_refuse,
    campaign_record,
    item_id_of,
)

log = logging.getLogger(__name__)


def destination(item: Item) -> int | None:
    """Where a reviewed item goes: the unit staff set, else the sub-item's lead unit."""
    return item.unit_id if item.unit_id is not None else item.lead_unit_id


async def staff_item(services: Services, actor: Person | None, item_id: object) -> Item:
    """An item of the campaign, for staff; anything else is an expired button."""
    item = await services.items.get(item_id_of(item_id))
    if item is None or actor is None or not scope.may_forward(actor, item):
        raise Refused("button_expired")
    return item


async def unit_of_campaign(services: Services, unit_id: object) -> UnitRecord:
    return await campaign_record(services.forwarding.unit, services.campaign.id, unit_id)


def _forward_rule(
    item: Item, actor: Person, unit_id: int, now: datetime, policy: Policy, parties: Parties
) -> Change:
    return unit_rules.forward(item, actor, unit_id, parties, now, policy)


@dataclass(frozen=True, slots=True)
class Forwarded:
    """A forwarding run: what went, what was skipped (moved on, or meant for another unit), who
    was told, and the answer deadline set."""

    unit: UnitRecord
    items: list[Item]
    skipped: int
    liaisons: tuple[int, ...]
    due: datetime | None


async def forward_items(
    services: Services,
    caller: Caller,
    unit_id: object,
    item_ids: Iterable[int],
    *,
    meant_for: int | None,
) -> Forwarded:
    """Forward each item that is still reviewed and still meant for `meant_for` (None: items
    with no unit) to the unit; its liaisons are told, or it goes by letter."""
    actor, now = caller.person, caller.now
    scope.forwarding(actor)
    unit = await unit_of_campaign(services, unit_id)
    policy = services.policy
    forwarded: list[Item] = []
    liaisons: tuple[int, ...] = ()
    due: datetime | None = None
    skipped = 0
    for item_id in item_ids:
        item = await services.items.get(item_id)
        if (
            item is None
            or item.campaign_id != services.campaign.id
            or item.status is not Status.REVIEWED
            or destination(item) != meant_for
        ):
            skipped += 1
            continue
        rule = partial(_forward_rule, item, actor, unit.id, now, policy)
        acted = await act(services, caller, item, rule, unit_id=unit.id)
        if not acted.applied:
            skipped += 1
            continue
        forwarded.append(item)
        liaisons = acted.parties.liaisons
        due_at = acted.change.fields.get("due_at")
        due = due_at if isinstance(due_at, datetime) else due
    log.info(
        "Staff %s forwarded %d item(s) to unit %s (%d skipped)",
        actor.id,
        len(forwarded),
        unit.id,
        skipped,
    )
    return Forwarded(unit, forwarded, skipped, liaisons, due)


async def reroute(
    services: Services, caller: Caller, item_id: object, unit_id: object
) -> tuple[Acted, UnitRecord]:
    """A returned item goes to another unit: it is reviewed again, ready to forward."""
    item = await staff_item(services, caller.person, item_id)
    unit = await unit_of_campaign(services, unit_id)
    rule = partial(unit_rules.reroute, item, caller.person, unit.id)
    acted = await act_or_refuse(services, caller, item, rule, unit_id=unit.id)
    log.info("Staff %s re-routed item %s to unit %s", caller.person.id, item.id, unit.id)
    return acted, unit


async def record_paper_answer(
    services: Services, caller: Caller, item_id: object, given: AnswerGiven
) -> Acted:
    """An answer the unit gave on paper, recorded on its behalf; the raisers are asked to rate.

    Its promised date (B) or reason (C) when the letter gives them (the console asks; the chat's
    short paper flow records the class and text only)."""
    item = await staff_item(services, caller.person, item_id)
    terms = NO_TERMS
    if given.promised is not None or given.reason is not None:
        terms = given.terms(caller.now, services.policy)
    acted = await act(
        services,
        caller,
        item,
        lambda p: unit_rules.answer(
            item, caller.person, given.cls, given.text, p, caller.now, on_paper=True, terms=terms
        ),
    )
    if acted.applied:
        log.info("Staff %s recorded a paper answer for item %s", caller.person.id, item.id)
    return acted


async def forward_picked(
    services: Services, caller: Caller, unit_id: object, picked: Iterable[tuple[int, int | None]]
) -> list[Forwarded]:
    """Forward items picked from a list, each with the destination the list showed for it: an
    item re-routed since then is skipped rather than sent where the picker did not see it go."""
    by_destination: dict[int | None, list[int]] = {}
    for item_id, shown in picked:
        by_destination.setdefault(shown, []).append(item_id)
    runs = []
    for shown, item_ids in by_destination.items():
        # Each group is one run with its own key: a double click forwards each group once.
        key = None if caller.key is None else f"{caller.key}:{shown}"
        run = Caller(caller.person, caller.now, key)
        runs.append(await forward_items(services, run, unit_id, item_ids, meant_for=shown))
    return runs
