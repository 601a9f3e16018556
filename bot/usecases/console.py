"""What the web console reads: the item list, an item's page, a photo, the map's points.

Every call holds the caller to their reach (bot/scope.py console_reach): staff the campaign, a
leader their group, a liaison their unit. An id edited in a URL names nothing outside it, and the
answer does not say whether the item exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Final

from bot import scope
from bot.answer_ports import RatingComment
from bot.console import FilterChoices, ItemPage, ItemQuery, MapPoint
from bot.console_ports import UnitOverdue
from bot.errors import Refused
from bot.items import Item, Status
from bot.lifecycle import EventKind
from bot.people import Action, Person, Role, can
from bot.readmodels import ResponseRecord, TimelineEvent
from bot.records import PhotoSize, StoredPhoto
from bot.services import Services
from bot.tally import Tally
from bot.tally_period import Period
from bot.unit_rules import WITH_UNIT
from bot.usecases import figures
from bot.usecases.acting import Caller, item_id_of
from bot.usecases.answers import UnitRating, unit_rating
from bot.usecases.unit import return_until

PURPOSES: Final = ("evidence", "more_info", "response", "lookback")


@dataclass(frozen=True, slots=True)
class ItemDetail:
    """An item's page: the item, its history, who raised it, its photos, the answer, the votes,
    and what the caller may do to it now."""

    item: Item
    timeline: list[TimelineEvent]
    raisers: list[str]  # names; empty for liaisons, who see how many (raiser_count)
    raiser_count: int
    photos: dict[str, list[StoredPhoto]]  # by purpose
    response: ResponseRecord | None
    votes: dict[str, int]  # satisfied / basically / dissatisfied: counts only
    actions: frozenset[str]
    return_until: datetime | None
    duplicates: list[Item]  # likely duplicates, for a reviewer
    comments: list[RatingComment] = field(default_factory=list)  # staff: with their authors
    unit_rating: UnitRating | None = None  # a liaison: the aggregate and the comments shown


async def item_list(services: Services, person: Person | None, query: ItemQuery) -> ItemPage:
    group_id, unit_id = scope.console_reach(person)
    return await services.console.search(
        services.campaign.id,
        query.held_to(group_id, unit_id),
        now=services.clock.now(),
        zone=services.settings.zone,
    )


async def filter_choices(services: Services, person: Person | None) -> FilterChoices:
    """The filters' options; a leader's groups and a liaison's units are their own only."""
    group_id, unit_id = scope.console_reach(person)
    choices = await services.console.choices(services.campaign.id)
    if group_id is not None:
        choices.groups[:] = [c for c in choices.groups if c.id == group_id]
    if unit_id is not None:
        choices.units[:] = [c for c in choices.units if c.id == unit_id]
    return choices


async def console_item(services: Services, person: Person | None, item_id: object) -> Item:
    """An item within the caller's console; anything else, existing or not, is not found."""
    scope.console_reach(person)
    assert person is not None
    try:
        wanted = item_id_of(item_id)
    except Refused:
        raise Refused("web.item_not_found") from None
    item = await services.items.get(wanted)
    if item is None or item.status is Status.DRAFT or not scope.may_see_in_console(person, item):
        raise Refused("web.item_not_found")
    return item


def _actions(services: Services, person: Person, item: Item, now: datetime) -> set[str]:
    actions: set[str] = set()
    if item.status is Status.SUBMITTED and scope.may_review(person, item):
        actions |= {"accept", "merge", "ask", "decline"}
    if scope.may_forward(person, item):
        if item.status is Status.REVIEWED:
            actions.add("forward")
        if item.status is Status.RETURNED:
            actions.add("reroute")
        if item.status in WITH_UNIT:
            actions.add("paper_answer")
    if scope.may_see_item_as_liaison(person, item):
        if item.status is Status.FORWARDED:
            actions.add("sign_for")
            if return_until(services, item, now) is not None:
                actions.add("return")
        if item.status in WITH_UNIT:
            actions |= {"progress", "answer"}
    return actions


def _as_seen_by(person: Person, timeline: list[TimelineEvent]) -> list[TimelineEvent]:
    """A unit sees what deputies did, not who did it: raisers and votes stay the congress's. The
    votes themselves are left out (their order and times could say who voted what); the unit
    reads the aggregate instead (ItemDetail.unit_rating)."""
    if person.role is not Role.LIAISON:
        return timeline
    hidden = {Role.DEPUTY.value, Role.LEADER.value}
    return [
        replace(e, actor=None) if e.actor_role in hidden else e
        for e in timeline
        if e.kind != EventKind.VOTE
    ]


async def item_detail(services: Services, person: Person | None, item_id: object) -> ItemDetail:
    item = await console_item(services, person, item_id)
    assert person is not None
    now = services.clock.now()
    names = await services.items.raiser_names(item.id)
    photos: dict[str, list[StoredPhoto]] = {purpose: [] for purpose in PURPOSES}
    for purpose, photo in await services.photos.of_item(item.id):
        photos[purpose].append(photo)
    actions = _actions(services, person, item, now)
    duplicates: list[Item] = []
    if "merge" in actions:
        duplicates = await services.review.duplicate_candidates(
            item, group_id=scope.review_reach(person)
        )
    return ItemDetail(
        item=item,
        timeline=_as_seen_by(person, await services.items.timeline(item.id)),
        raisers=[] if person.role is Role.LIAISON else names,
        raiser_count=len(names),
        photos=photos,
        response=await services.ratings.response(item.id),
        votes=await services.ratings.counts(item.id, item.round),
        actions=frozenset(actions),
        return_until=return_until(services, item, now),
        duplicates=duplicates,
        comments=await services.answers.comments(item.id)
        if scope.may_forward(person, item)
        else [],
        unit_rating=(await unit_rating(services, item) if person.role is Role.LIAISON else None),
    )


async def item_photo(
    services: Services, person: Person | None, item_id: object, photo_id: int, size: PhotoSize
) -> str:
    """The stored file of one of the item's photos (relative to the photo store); originals,
    which carry the camera's EXIF and location, for staff only."""
    item = await console_item(services, person, item_id)
    assert person is not None
    if size == "original" and person.role is not Role.STAFF:
        raise Refused("web.item_not_found")
    for _purpose, photo in await services.photos.of_item(item.id):
        if photo.id == photo_id:
            return photo.file(size)
    raise Refused("web.item_not_found")


async def map_points(services: Services, person: Person | None) -> list[MapPoint]:
    group_id, unit_id = scope.console_reach(person)
    return await services.console.map_points(
        services.campaign.id, group_id, unit_id, now=services.clock.now()
    )


# The most rows one download carries: a campaign's whole list is a few tens of thousands, and a
# cap keeps a runaway query from holding a worker for minutes.
EXPORT_LIMIT: Final = 200_000


async def item_rows(services: Services, person: Person | None, query: ItemQuery) -> ItemPage:
    """Every row of the filtered list (all pages, the list's order) within the caller's reach:
    what a download of the list holds. One query, so the file is one moment's list."""
    return await item_list(services, person, replace(query, page=1, per_page=EXPORT_LIMIT))


async def overdue_by_unit(services: Services, person: Person | None) -> list[UnitOverdue]:
    """Per unit, the items waiting for its answer and those past due, within the reach."""
    group_id, unit_id = scope.console_reach(person)
    return await services.console.overdue_by_unit(
        services.campaign.id, group_id, unit_id, now=services.clock.now()
    )


async def desk_tally(services: Services, person: Person | None, period: Period) -> Tally | None:
    """The chat's /tally for the console's figures page (the same use case, so the numbers are
    the chat's); None for a console role that may not see it."""
    scope.console_reach(person)
    if not can(person, Action.TALLY):
        return None
    assert person is not None
    return await figures.tally(services, Caller(person, services.clock.now()), period)
