"""What a raiser does with a unit's answer: rate it (one vote each per round) and comment on the
rating; and what a group does with a closed item later: look back (回头看) at whether the fix held.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot import scope
from bot.errors import Refused, require
from bot.items import Item, Status
from bot.lifecycle import LookbackResult, Rating
from bot.people import Action, Person, require_can
from bot.rating_rules import conclude_rating, look_back, vote
from bot.records import LookbackRecord
from bot.services import Services
from bot.usecases.acting import Acted, Caller, act_or_refuse, item_id_of

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Rated:
    """A press on a rating: the item, and the vote that stands (this one, or an earlier one when
    the raiser had voted already)."""

    item: Item
    value: Rating
    already: bool


async def rate(
    services: Services, caller: Caller, item_id: object, round_: int, value: Rating
) -> Rated:
    """Record the raiser's vote once (a second press finds the vote that stands)."""
    actor, now = caller.person, caller.now
    require_can(actor, Action.RATE)
    item = await services.items.get(item_id_of(item_id))
    require(item is not None and item.campaign_id == services.campaign.id, "rating_closed")
    assert item is not None
    parties = await services.items.parties(item)
    # The rule checks who may vote and whether this round is still open.
    the_vote = vote(item, actor, round_, value, "", parties)
    if not await services.items.record_vote(the_vote, now):
        previous = await services.ratings.vote_of(item.id, round_, actor.id)
        if previous is None:
            # The round ended between the check and the write.
            raise Refused("rating_closed")
        return Rated(item, Rating(previous), already=True)
    log.info("Item %s round %s: person %s voted", item.id, round_, actor.id)
    return Rated(item, value, already=False)


async def conclude_round(services: Services, caller: Caller, item: Item) -> bool:
    """When every raiser has voted, the votes decide the round; True if this call decided it.

    Separate from `rate` so a door can thank the voter first; asked again on a second press, so
    a vote whose round was left undecided by a crash is decided when the press is redelivered.
    """
    fresh = await services.items.get(item.id)
    if fresh is None:
        return False
    parties = await services.items.parties(fresh)
    votes = await services.items.votes(fresh.id)
    change = conclude_rating(fresh, votes, parties, caller.now, services.policy, window_over=False)
    concluded = change is not None and await services.apply(change, caller.now, caller.key)
    if concluded:
        log.info("Item %s round %s: rating concluded", fresh.id, fresh.round)
    return concluded


async def comment(services: Services, actor: Person, item_id: int, round_: int, text: str) -> bool:
    """The raiser's comment on their vote; False when there is no vote of theirs to add it to."""
    return await services.ratings.set_comment(item_id, round_, actor.id, text)


async def open_lookback(
    services: Services, actor: Person | None, lookback_id: object, group_id: int
) -> tuple[LookbackRecord, Item]:
    """The look-back, still open, of the group the person looks back for, with its item."""
    require(isinstance(lookback_id, int), "button_expired")
    assert isinstance(lookback_id, int)
    record = await services.lookbacks.get(lookback_id)
    require(record is not None and record.group_id == group_id, "item_not_your_group")
    assert record is not None
    item = await services.items.get(record.item_id)
    require(item is not None, "button_expired")
    assert item is not None
    scope.require_lookback(actor, item)
    require(record.open, "lookback.already_done", number=item.display_number)
    require(
        item.status is Status.CLOSED and item.round == record.round,
        "item_state_changed",
        number=item.display_number,
    )
    return record, item


async def conclude_lookback(
    services: Services,
    caller: Caller,
    record: LookbackRecord,
    item: Item,
    result: LookbackResult,
    note: str,
) -> Acted:
    """The fix held, or the problem is back: then the item reopens with its unit."""
    actor, now, policy = caller.person, caller.now, services.policy
    acted = await act_or_refuse(
        services,
        caller,
        item,
        lambda p: look_back(item, actor, record.round, result, note, p, now, policy),
    )
    log.info("Look-back %s of item %s: %s", record.id, item.id, result)
    return acted
