"""Acting on one item: the shared step of every item use case.

The rule (bot/lifecycle.py) decides and returns a `Change`; the item store commits it only if the
item is still where the rule saw it (status and round), with its events and notices, in one
transaction keyed by the input that caused it: a redelivered update or a double tap changes the
item once. An item that moved on in between comes back as `applied=False` and nothing is written.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from bot.errors import Refused, require
from bot.items import Item, Status
from bot.lifecycle import Change, Parties
from bot.people import Person, Role
from bot.services import Services

log = logging.getLogger(__name__)

Rule = Callable[[Parties], Change]
# The states that end an item's handling: reached only by the raisers' rating or by staff.
CLOSING = frozenset({Status.RATED, Status.CLOSED})
Record = TypeVar("Record")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who acts, when, and the key of the input that made them act: the same input processed
    again (a redelivered update, a double tap) carries the same key and changes nothing twice."""

    person: Person
    now: datetime
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Acted:
    """What an action did: the item as it was acted on, whether the change was written, the
    change itself (its fields say, for example, the new deadline) and who it concerned."""

    item: Item
    applied: bool
    change: Change
    parties: Parties


async def act(
    services: Services, caller: Caller, item: Item, rule: Rule, *, unit_id: int | None = None
) -> Acted:
    """Apply `rule` to `item` with its current parties; wake the sender if notices were queued."""
    parties = await services.items.parties(item, unit_id=unit_id)
    change = rule(parties)
    # A unit never closes its own item: only the raisers' rating (the bot, on their votes) or
    # staff do. Checked here, where every action of every door passes, whatever the rule said.
    require(
        not (caller.person.role is Role.LIAISON and change.final_status in CLOSING),
        "answers.unit_cannot_close",
    )
    applied = await services.apply(change, caller.now, caller.key)
    if not applied:
        log.info("Item %s had moved on; nothing written", item.id)
    return Acted(item, applied, change, parties)


async def act_or_refuse(
    services: Services, caller: Caller, item: Item, rule: Rule, *, unit_id: int | None = None
) -> Acted:
    """`act`, and a moved-on item is a refusal (for actions that have nothing else to say)."""
    acted = await act(services, caller, item, rule, unit_id=unit_id)
    require(acted.applied, "item_state_changed", number=item.display_number)
    return acted


def item_id_of(value: object) -> int:
    """An item id as a door received it (button data, a form): anything else is a stale press."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 10**12:
        raise Refused("button_expired")
    return value


async def campaign_record(
    lookup: Callable[[int, int], Awaitable[Record | None]], campaign_id: int, record_id: object
) -> Record:
    """A record of the campaign that a button names; a stale or forged id is an expired button."""
    record = await lookup(campaign_id, record_id) if isinstance(record_id, int) else None
    if record is None:
        raise Refused("button_expired")
    return record
