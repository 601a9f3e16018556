"""Joint inspections (联合视察): a check-in shared with a partner campaign's group.

A city group and a district group often inspect a site together. The visit stays the campaign's
own (its person, its site); sharing it with a group of another campaign the deployment serves
counts it once in that campaign's tally too, with what was raised at it, marked as joint. (The
schema also lets an item be shared on its own, table joint_items; no door does that yet.)
"""

from __future__ import annotations

import logging

from bot import scope
from bot.campaign_ports import PartnerGroup
from bot.errors import Refused, require
from bot.people import Action, Person, can
from bot.services import Services
from bot.usecases.acting import Caller

log = logging.getLogger(__name__)


def _partners_possible(services: Services) -> bool:
    return len(services.served) > 1


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
    return await services.memberships.partner_groups(
        tuple(c.id for c in services.served), person.campaign_id
    )


async def share_visit(
    services: Services, caller: Caller, visit_id: object, group_id: object
) -> PartnerGroup:
    """Share the caller's check-in with a partner group; the same press twice shares it once."""
    partners = await visit_partners(services, caller.person, visit_id)
    group = next((g for g in partners if g.id == group_id), None)
    require(group is not None, "button_expired")
    assert group is not None and isinstance(visit_id, int)
    if await services.memberships.share_visit(visit_id, group, caller.person.id, caller.now):
        log.info("Visit %s shared with group %s by person %s", visit_id, group.id, caller.person.id)
    return group
