"""The console's pages: the item list (with its partial for htmx), an item, its photos."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.answer_terms import REASONS
from bot.console import PAGE_SIZES, SORTS
from bot.items import Kind, Status
from bot.records import is_photo_size
from bot.usecases import console, extensions, joint
from web.forms import new_form_key
from web.keys import RENDERER, SERVICES
from web.query import parse_query, to_args
from web.render import Context, template
from web.session import who_of

# The statuses a filter offers: drafts are never listed.
LISTED = tuple(s for s in Status if s is not Status.DRAFT)


def _count(raw: str | None) -> int | None:
    return int(raw) if raw is not None and raw.isdigit() and len(raw) < 7 else None


async def items(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    who = who_of(request)
    query = parse_query(
        request.query, request.query.getall("status", []), services.settings.web.page_size
    )
    page = await console.item_list(services, who.person, query)
    context: dict[str, Any] = {
        "query": query,
        "result": page,
        "args": lambda **change: to_args(query, **change),
        "now": services.clock.now(),  # for the 签收超时 marker
    }
    renderer = request.app[RENDERER]
    if "HX-Request" in request.headers and "HX-Boosted" not in request.headers:
        return renderer.page(request, "_rows.html", **context)
    return renderer.page(
        request,
        "items.html",
        choices=await console.filter_choices(services, who.person),
        statuses=LISTED,
        kinds=tuple(Kind),
        sorts=SORTS,
        page_sizes=PAGE_SIZES,
        form_key=new_form_key(),
        sent=_count(request.query.get("sent")),
        skipped=_count(request.query.get("skipped")) or 0,
        **context,
    )


@template("item.html")
async def item(request: web.Request) -> Context:
    services = request.app[SERVICES]
    who = who_of(request)
    detail = await console.item_detail(services, who.person, int(request.match_info["item_id"]))
    site = (
        await services.catalog.site(services.campaign.id, detail.item.site_id)
        if detail.item.site_id is not None
        else None
    )
    units = (
        await services.catalog.units(services.campaign.id)
        if "forward" in detail.actions or "reroute" in detail.actions
        else []
    )
    return {
        "d": detail,
        "deadlines": await extensions.item_deadlines(services, who.person, detail.item),
        "site": site,
        "units": units,
        "reasons": REASONS,
        "notice": request.query.get("done", ""),
        "joint_with": await joint.partners_of(services, detail.item.id),
        "share_with": await joint.item_share_choices(services, who.person, detail.item),
        # One key per rendered form: the same form sent twice (a double click) acts once.
        "form_key": new_form_key(),
    }


async def photo(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    who = who_of(request)
    size = request.match_info["size"]
    if not is_photo_size(size):
        raise web.HTTPNotFound()
    relative = await console.item_photo(
        services,
        who.person,
        int(request.match_info["item_id"]),
        int(request.match_info["photo_id"]),
        size,
    )
    response = web.FileResponse(services.store.root / relative)
    # Photos never change under their name (content-addressed), but they are not public.
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
