"""The deadline lines of an item's card in /inbox: when to sign for it (or that it is late), and
an extension request waiting for staff."""

from __future__ import annotations

from datetime import datetime

from bot.items import Item, Status
from bot.services import Services
from bot.texts import Texts
from bot.unit_deadlines import sign_deadline, sign_overdue


async def deadline_lines(services: Services, item: Item, now: datetime, texts: Texts) -> list[str]:
    policy = services.policy
    lines = []
    limit = sign_deadline(item, policy)
    if item.status is Status.FORWARDED and limit is not None:
        late = sign_overdue(item, now, policy)
        key = "deadline.card_sign_overdue" if late else "deadline.card_sign_until"
        lines.append(texts(key, date=policy.day(limit)))
    pending = await services.deadlines.open_extension(item.id)
    if pending is not None:
        lines.append(texts("extension.pending", number=item.display_number))
    return lines
