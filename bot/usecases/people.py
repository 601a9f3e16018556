"""What staff do with people (/people) and the catalog (/catalog).

A change of role or scope is checked here, whatever door it comes through: only staff manage;
nobody manages themselves; deputies and leaders need one of the campaign's groups, liaisons one
of its units, staff neither. It is written once, with its audit rows and the person's notice,
and only if the person is still as the staff member saw them.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime

from bot.catalog import Catalog
from bot.errors import require
from bot.notices import Notice
from bot.people import Action, Person, PersonCard, PersonChange, PersonEdit, Role, require_can
from bot.records import ImportReport
from bot.services import Services

log = logging.getLogger(__name__)


async def find_people(
    services: Services, actor: Person | None, fragment: str, *, limit: int
) -> list[PersonCard]:
    """People of the campaign whose name contains `fragment`, exact matches first."""
    require_can(actor, Action.MANAGE)
    return await services.manage.find_people(services.campaign.id, fragment, limit=limit)


async def person_to_manage(
    services: Services, actor: Person | None, person_id: object
) -> PersonCard:
    """A person of the running campaign; the caller never manages themselves."""
    require_can(actor, Action.MANAGE)
    assert actor is not None
    require(isinstance(person_id, int), "button_expired")
    assert isinstance(person_id, int)
    card = await services.manage.person_card(person_id)
    require(card is not None and card.campaign_id == services.campaign.id, "button_expired")
    assert card is not None
    require(card.id != actor.id, "manage.not_yourself")
    return card


async def _scope_name(services: Services, change: PersonChange) -> str:
    if change.group_id is not None:
        groups = await services.catalog.groups(services.campaign.id)
        return next((g.name for g in groups if g.id == change.group_id), "—")
    if change.unit_id is not None:
        units = await services.catalog.units(services.campaign.id)
        return next((u.name for u in units if u.id == change.unit_id), "—")
    return "—"


async def _check_scope(services: Services, change: PersonChange) -> None:
    """The scope the role needs, from this campaign; a forged button names none of them."""
    campaign_id = services.campaign.id
    if change.role in (Role.DEPUTY, Role.LEADER):
        groups = {g.id for g in await services.catalog.groups(campaign_id)}
        require(change.group_id in groups and change.unit_id is None, "button_expired")
    elif change.role is Role.LIAISON:
        units = {u.id for u in await services.catalog.units(campaign_id)}
        require(change.unit_id in units and change.group_id is None, "button_expired")
    else:
        require(change.group_id is None and change.unit_id is None, "button_expired")


@dataclass(frozen=True, slots=True)
class PersonChanged:
    """The person as they are now, and the first audit row written (None: nothing changed, or
    someone else had changed them meanwhile)."""

    card: PersonCard
    event: int | None


async def change_person(
    services: Services,
    actor: Person | None,
    seen: PersonCard,
    change: PersonChange,
    *,
    now: datetime,
) -> PersonChanged:
    """Change the person's role, scope or access, if they are still as `seen`; a joined and
    active person is told their new role and scope."""
    card = await person_to_manage(services, actor, seen.id)
    assert actor is not None
    await _check_scope(services, change)
    notices: list[Notice] = []
    if change.active and card.joined:
        notices.append(
            Notice(
                card.id,
                "manage.notice_changed",
                params={"scope": html.escape(await _scope_name(services, change))},
                localized={"role": f"role.{change.role}"},
            )
        )
    edit = PersonEdit(seen, change, actor.id)
    event = await services.manage.change_person(edit, now=now, notices=notices)
    fresh = await services.manage.person_card(seen.id)
    assert fresh is not None
    if event is not None:
        log.info("Person %s changed by %s (event %s)", seen.id, actor.id, event)
        if notices:
            services.wake_sender()
    return PersonChanged(fresh, event)


async def rehearse_import(
    services: Services, actor: Person | None, catalog: Catalog, *, now: datetime
) -> ImportReport:
    """What importing the catalog would create and update; nothing is written."""
    require_can(actor, Action.MANAGE)
    return await services.manage.rehearse_import(catalog, now=now)


async def import_catalog(
    services: Services, actor: Person | None, catalog: Catalog, *, now: datetime
) -> ImportReport:
    """Create or update the campaign from the catalog, all or nothing."""
    require_can(actor, Action.MANAGE)
    report = await services.catalog.import_catalog(catalog, now=now)
    refreshed = await services.catalog.campaign(services.campaign.code)
    if refreshed is not None:
        services.campaign = refreshed
    return report
