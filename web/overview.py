"""The city overview page (/overview): every served campaign's figures, for the city's staff
(bot/overview.py, the same figures as the chat's /tally and `tally --all-campaigns`)."""

from __future__ import annotations

from aiohttp import web

from bot import overview
from web.desk import period_of
from web.keys import SERVICES
from web.render import Context, template
from web.session import who_of


@template("overview.html")
async def overview_page(request: web.Request) -> Context:
    services = request.app[SERVICES]
    who = who_of(request)
    period = period_of(request.query)
    rows = await overview.city_overview(services, who.person, period, now=services.clock.now())
    raised, overdue = overview.totals(rows)
    return {"rows": rows, "period": period, "total_raised": raised, "total_overdue": overdue}
