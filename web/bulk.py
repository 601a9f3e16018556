"""Staff's bulk forwarding from the list: the picked reviewed items go to one unit at once."""

from __future__ import annotations

from aiohttp import web

from bot.errors import Refused
from bot.usecases import forwarding, web_login
from bot.usecases.acting import Caller
from web.keys import SERVICES
from web.session import see_other, who_of

MAX_PICKED = 500


def _picked(values: list[str]) -> list[tuple[int, int | None]]:
    """ "<item id>:<destination unit id or 0>" per ticked row; anything else is a forged form."""
    picked = []
    for value in values[:MAX_PICKED]:
        item, _, unit = value.partition(":")
        if not (item.isdigit() and unit.isdigit()):
            raise Refused("web.bulk.invalid")
        picked.append((int(item), int(unit) or None))
    return picked


async def forward(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    who = who_of(request)
    form = await request.post()
    picked = _picked([v for v in form.getall("pick", []) if isinstance(v, str)])
    unit = form.get("unit", "")
    key = form.get("_key", "")
    now = services.clock.now()
    if not picked:
        raise Refused("web.bulk.none_picked")
    if not isinstance(unit, str) or not unit.isdigit():
        raise Refused("web.bulk.invalid")
    caller = Caller(who.person, now, f"web:{key}" if isinstance(key, str) and key else None)
    target = f"unit:{unit} items:{','.join(str(i) for i, _ in picked)}"
    try:
        runs = await forwarding.forward_picked(services, caller, int(unit), picked)
    except Refused as refused:
        await web_login.record(services, who, "forward", target, f"refused: {refused.key}", now)
        raise
    sent = sum(len(run.items) for run in runs)
    skipped = sum(run.skipped for run in runs)
    await web_login.record(services, who, "forward", target, f"done: {sent} sent", now)
    return see_other(f"/items?status=reviewed&sent={sent}&skipped={skipped}")
