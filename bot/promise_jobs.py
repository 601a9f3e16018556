"""The daily job that follows promises up: each item rated on a class-B answer whose promised day
has come goes back to its unit for a follow-up answer (bot/promises.py).

Safe to run twice: the change applies only while the item is still rated in that round, under a
key per item and round, and its notices are keyed by the change's event; a second run finds the
item with its unit already and sends nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.promises import promise_due
from bot.services import Services

log = logging.getLogger(__name__)


async def follow_up_promises(services: Services, now: datetime) -> int:
    """Returns how many items went back to their units today."""
    returned = 0
    for item_id in await services.answers.promises_due(services.campaign.id, now):
        item = await services.items.get(item_id)
        if item is None:
            continue
        change = promise_due(item, await services.items.parties(item), now, services.policy)
        if change is not None and await services.apply(
            change, now, f"promise:{item.id}:{item.round}"
        ):
            returned += 1
            log.info("Item %s: promised day came, back with unit %s", item.id, item.unit_id)
    return returned
