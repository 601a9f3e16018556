"""Which campaign a person acts in, when one deployment serves several.

A person taking part in several campaigns (a city deputy who is also a district deputy) has a
membership in each: a Person of its own, with its role, group and unit, all bound to one Telegram
account. Every update acts as exactly one of them, so the core's checks (bot/scope.py) are those
of one campaign. Which one, in order:
1. the campaign of the record a notice's button names (an item, a visit, a round): a rating or
   an answer is given in the item's campaign, whatever was chosen before;
2. the campaign of the open conversation (handlers/campaigns.py), so a flow ends where it began;
3. the campaign the person chose with /campaign (or last acted in through a button);
4. the deployment's home campaign, else the first they joined.
A person with one membership acts as it, exactly as before several campaigns were served.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.campaign_ports import Named
from bot.errors import require
from bot.people import Action, Person, can
from bot.records import CampaignRecord
from bot.services import Services
from bot.visits import NearbySite, rank_nearby

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Membership:
    person: Person
    campaign: CampaignRecord


async def memberships(services: Services, telegram_user_id: int) -> list[Membership]:
    """The active memberships of the account in the campaigns served, home first."""
    found = []
    for person in await services.memberships.memberships(telegram_user_id):
        campaign = services.served_campaign(person.campaign_id)
        if person.active and campaign is not None:
            found.append(Membership(person, campaign))
    order = [c.id for c in services.served]
    return sorted(found, key=lambda m: order.index(m.campaign.id))


async def acting_person(
    services: Services, telegram_user_id: int, named: tuple[Named, int] | None = None
) -> Person | None:
    """The membership this update acts as (None: a stranger, or no longer active); the services
    act in its campaign for the rest of the update."""
    people = [p for p in await services.memberships.memberships(telegram_user_id) if p.active]
    if not people:
        return None
    person = people[0]
    if len(people) > 1:
        person = await _choose(services, telegram_user_id, people, named)
    campaign = services.served_campaign(person.campaign_id)
    if campaign is not None:
        services.act_in(campaign)
    return person


async def _choose(
    services: Services, telegram_user_id: int, people: list[Person], named: tuple[Named, int] | None
) -> Person:
    by_campaign = {p.campaign_id: p for p in people if services.served_campaign(p.campaign_id)}
    if not by_campaign:
        return people[0]
    chosen = await services.memberships.chosen_campaign(telegram_user_id)
    if named is not None:
        of_record = await services.memberships.campaign_of(*named)
        if of_record in by_campaign:
            assert of_record is not None
            if of_record != chosen:
                # What follows the press (a comment, an answer's text) belongs to it too.
                await services.memberships.choose_campaign(
                    telegram_user_id, of_record, services.clock.now()
                )
            return by_campaign[of_record]
    if chosen in by_campaign:
        assert chosen is not None
        return by_campaign[chosen]
    return by_campaign.get(services.home.id) or next(iter(by_campaign.values()))


async def unblock(services: Services, telegram_user_id: int, now: datetime) -> bool:
    """The account wrote again after blocking the bot: every membership's held notices go out
    (the bot was blocked for the chat, not for one campaign). Whether any came back."""
    unblocked = False
    for person in await services.memberships.memberships(telegram_user_id):
        if person.blocked and await services.delivery.unblock(person.id, now):
            unblocked = True
    return unblocked


async def act_as(services: Services, telegram_user_id: int, campaign_id: int) -> Person | None:
    """The account's membership in `campaign_id` for this update (an open conversation's), or
    None when it has none there any more (the caller keeps the one it has)."""
    campaign = services.served_campaign(campaign_id)
    person = await services.people.by_telegram_id(telegram_user_id, campaign_id)
    if campaign is None or person is None or not person.active:
        return None
    services.act_in(campaign)
    return person


async def switch(services: Services, telegram_user_id: int, campaign_id: object) -> Membership:
    """/campaign: act in `campaign_id` from now on (remembered for the account)."""
    mine = {m.campaign.id: m for m in await memberships(services, telegram_user_id)}
    require(isinstance(campaign_id, int) and campaign_id in mine, "campaign.not_yours")
    assert isinstance(campaign_id, int)
    await services.memberships.choose_campaign(telegram_user_id, campaign_id, services.clock.now())
    chosen = mine[campaign_id]
    services.act_in(chosen.campaign)
    log.info("Telegram user's person %s now acts in campaign %s", chosen.person.id, campaign_id)
    return chosen


@dataclass(frozen=True, slots=True)
class SitesAround:
    """What /checkin offers for a shared location: the sites within reach, the group's first;
    `moved`: the membership the check-in went to (None: the campaign it acts in)."""

    sites: list[NearbySite]
    moved: Membership | None = None


async def sites_around(
    services: Services, telegram_user_id: int | None, current: Person, lat: float, lon: float
) -> SitesAround:
    """The sites within reach in the campaign the person acts in. When it has none there and
    another membership's campaign has, the check-in goes there (the first in the served
    order), which becomes the account's current campaign. Each campaign's sites are read once."""
    sites = await _ranked(services, services.campaign.id, current.group_id, lat, lon)
    if sites or telegram_user_id is None:
        return SitesAround(sites)
    mine = [
        m
        for m in await memberships(services, telegram_user_id)
        if m.person.id != current.id and can(m.person, Action.CHECKIN)
    ]
    for m in mine:
        if found := await _ranked(services, m.campaign.id, m.person.group_id, lat, lon):
            await services.memberships.choose_campaign(
                telegram_user_id, m.campaign.id, services.clock.now()
            )
            services.act_in(m.campaign)
            return SitesAround(found, m)
    return SitesAround([])


async def _ranked(
    services: Services, campaign_id: int, group_id: int | None, lat: float, lon: float
) -> list[NearbySite]:
    settings = services.settings.checkin
    box = await services.catalog.sites_within_box(campaign_id, lat, lon, settings.search_radius_m)
    group_projects = (
        await services.catalog.group_project_ids(group_id) if group_id is not None else set()
    )
    return rank_nearby(
        box,
        lat,
        lon,
        within_m=settings.search_radius_m,
        group_project_ids=group_projects,
        limit=settings.max_sites_listed,
    )
