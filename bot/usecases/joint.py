"""Joint inspections (联合视察): a check-in shared with a partner campaign's group.

A city group and a district group often inspect a site together. The visit stays the campaign's
own (its person, its site); sharing it with a group of another campaign the deployment serves
counts it once in that campaign's tally too, with what was raised at it, marked as joint. An
item may be shared on its own as well (/joint <number>): by whoever reviews it (a leader their
group's, staff their campaign's).
"""

from __future__ import annotations

import html
import logging

from bot import scope
from bot.campaign_ports import PartnerGroup
from bot.errors import Refused, require
from bot.items import Item, parse_number
from bot.people import Action, Person, can
from bot.services import Services
from bot.usecases.acting import Caller, item_id_of
from bot.views import clip

log = logging.getLogger(__name__)


def _partners_possible(services: Services) -> bool:
    return len(services.served) > 1


async def _partner_groups(services: Services, person: Person) -> list[PartnerGroup]:
    """The groups of the other campaigns served: whom the person's campaign may share with."""
    return await services.memberships.partner_groups(
        tuple(c.id for c in services.served), person.campaign_id
    )


def _pick(partners: list[PartnerGroup], group_id: object) -> PartnerGroup:
    """The group a button or form names, among those one may share with (else a stale press)."""
    group = next((g for g in partners if g.id == group_id), None)
    require(group is not None, "button_expired")
    assert group is not None
    return group


async def visit_partners(
    services: Services, person: Person | None, visit_id: object
) -> list[PartnerGroup]:
    """The groups of the other campaigns served that one's own check-in may be shared with."""
    person = scope.require_active(person)
    require(can(person, Action.CHECKIN), "not_allowed")
    if not isinstance(visit_id, int) or not _partners_possible(services):
        raise Refused("button_expired")
    visit = await services.visits.get(visit_id)
    require(visit is not None and visit.person_id == person.id, "campaign.not_your_visit")
    return await _partner_groups(services, person)


async def share_visit(
    services: Services, caller: Caller, visit_id: object, group_id: object
) -> PartnerGroup:
    """Share the caller's check-in with a partner group; the same press twice shares it once."""
    partners = await visit_partners(services, caller.person, visit_id)
    group = _pick(partners, group_id)
    assert isinstance(visit_id, int)
    if await services.memberships.share_visit(visit_id, group, caller.person.id, caller.now):
        log.info("Visit %s shared with group %s by person %s", visit_id, group.id, caller.person.id)
    return group


async def item_partners(
    services: Services, person: Person | None, typed: str
) -> tuple[Item, list[PartnerGroup]]:
    """/joint <number>: the item of the acting campaign, and the partner groups to choose from."""
    person = scope.require_active(person)
    require(can(person, Action.REVIEW) and _partners_possible(services), "not_allowed")
    campaign = services.campaign
    number = parse_number(typed)
    item = None
    if number is not None and number[0] in (None, campaign.year):
        item = await services.items.get_by_number(campaign.id, number[1])
    require(item is not None, "campaign.joint_no_item", number=html.escape(clip(typed, 20)))
    assert item is not None
    scope.require_review(person, item)
    partners = await _partner_groups(services, person)
    return item, partners


async def share_item(
    services: Services, caller: Caller, item_id: object, group_id: object
) -> tuple[Item, PartnerGroup]:
    """Share an item the caller reviews with a partner group; twice shares it once."""
    person = scope.require_active(caller.person)
    require(_partners_possible(services), "not_allowed")
    item = await services.items.get(item_id_of(item_id))
    require(item is not None, "button_expired")
    assert item is not None
    scope.require_review(person, item)
    partners = await _partner_groups(services, person)
    group = _pick(partners, group_id)
    if await services.memberships.share_item(item.id, group, person.id, caller.now):
        log.info("Item %s shared with group %s by person %s", item.id, group.id, person.id)
    return item, group


async def item_share_choices(services: Services, person: Person, item: Item) -> list[PartnerGroup]:
    """The partner groups an item's page offers to share it with: for whoever reviews it, when
    several campaigns are served; none otherwise (the form is not shown)."""
    if not _partners_possible(services) or not scope.may_review(person, item):
        return []
    return await _partner_groups(services, person)


async def partners_of(services: Services, item_id: int) -> list[PartnerGroup]:
    """Whom an item is shared with, to mark it as joint on its page (the page's own use case has
    checked the reader's reach)."""
    if not _partners_possible(services):
        return []
    return await services.memberships.partners_of_item(item_id)
