"""What a deputy does: check in at a site, write a problem or suggestion (a draft, then
submitted and numbered), look at their own items, and withdraw one nobody has reviewed yet.

The draft lives in the database from the first step, so a crash or a redelivered update never
loses what was typed; submitting numbers it once, whatever the number of taps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot import scope
from bot.errors import Refused
from bot.items import Item, Kind, NewDraft, Status, withdraw
from bot.people import Action, Person, require_can
from bot.plan import TaskQuery, TaskRow
from bot.services import Services
from bot.usecases.acting import Caller, campaign_record, item_id_of
from bot.visits import Position, Visit, plan_visit

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CheckedIn:
    visit: Visit
    # The caller's tasks this visit fulfilled: also when the check-in is processed again (a
    # redelivered update), so the reply says it whichever time it is sent.
    tasks: list[TaskRow]


async def check_in(
    services: Services,
    caller: Caller,
    site_id: object,
    position: Position | None,
    *,
    source_key: str,
) -> CheckedIn:
    """Record the visit (once per shared location or pick): distance and presence are judged
    against the site's radius and the location's accuracy."""
    require_can(caller.person, Action.CHECKIN)
    site = await campaign_record(services.catalog.site, services.campaign.id, site_id)
    planned = plan_visit(
        campaign_id=services.campaign.id,
        person_id=caller.person.id,
        site=site,
        position=position,
        at=caller.now,
        source_key=source_key,
        max_accuracy_m=services.settings.checkin.max_accuracy_m,
    )
    visit, _created = await services.visits.record(planned)
    if visit.on_site:
        # Right after the visit is stored, and again for a redelivered check-in (the visit found
        # by its source key): a task already done is not done twice, and a crash in between is
        # made good when the update is processed again.
        day = visit.at.astimezone(services.settings.zone).date()
        done = await services.plan.fulfil(caller.person.id, visit.site_id, visit.id, day, visit.at)
        if done:
            log.info("Visit %s fulfilled tasks %s", visit.id, done)
        tasks = await services.plan.rows(
            services.campaign.id, TaskQuery(person_id=caller.person.id, visit_id=visit.id)
        )
        return CheckedIn(visit, tasks)
    return CheckedIn(visit, [])


async def start_report(services: Services, caller: Caller, kind: Kind) -> int:
    """A new draft of the deputy's (an unfinished earlier draft is discarded); its id."""
    require_can(caller.person, Action.REPORT)
    return await services.items.create_draft(
        NewDraft(services.campaign.id, kind, caller.person.id, caller.person.group_id),
        caller.now,
        discard_unfinished=True,
    )


async def own_draft(services: Services, actor: Person, item_id: object) -> Item:
    """The deputy's draft. After a crash a flow may resume a step behind an item already
    submitted: then it is gone as a draft."""
    item = await services.items.get(item_id_of(item_id))
    if item is None or item.author_id != actor.id or item.status is not Status.DRAFT:
        raise Refused("report_draft_gone")
    return item


async def save_draft(services: Services, caller: Caller, item_id: object, **fields: Any) -> None:
    """Change fields of the deputy's own draft."""
    if not await services.items.update_draft(
        item_id_of(item_id), caller.person.id, caller.now, **fields
    ):
        raise Refused("report_draft_gone")


async def submit(services: Services, caller: Caller, item_id: object) -> Item:
    """Number the draft and submit it; a second tap gets the same number back."""
    require_can(caller.person, Action.REPORT)
    item, _newly = await services.items.submit(item_id_of(item_id), caller.person.id, caller.now)
    return item


async def own_item(services: Services, actor: Person | None, item_id: object) -> Item:
    """The caller's own submitted item; anyone else's is an expired button."""
    require_can(actor, Action.OWN_ITEMS)
    assert actor is not None
    item = await services.items.get(item_id_of(item_id))
    if item is None or item.status is Status.DRAFT or not scope.may_see_own_item(actor, item):
        raise Refused("button_expired")
    return item


async def own_items(
    services: Services, actor: Person | None, *, offset: int, limit: int
) -> tuple[int, list[Item]]:
    """How many items the caller raised, and a page of them, newest first."""
    require_can(actor, Action.OWN_ITEMS)
    assert actor is not None
    total = await services.items.count_own(actor.id)
    return total, await services.items.list_own(actor.id, offset=offset, limit=limit)


async def withdraw_item(services: Services, caller: Caller, item_id: object) -> Item:
    """The author takes the item back while nobody has reviewed it yet; the item as it is now."""
    item = await own_item(services, caller.person, item_id)
    if not await services.items.apply(withdraw(item, caller.person), caller.now):
        raise Refused("withdraw_not_possible")
    return await own_item(services, caller.person, item.id)
