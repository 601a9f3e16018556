"""The projects' progress in the console: the board, a sub-item's page, a liaison's report form.

The same use cases as the chat's /projects and /progress (bot/usecases/progress.py), within the
console's reach (staff: the campaign; leaders: their group's projects; liaisons: their unit's
sub-items). The form's `_key` is the report's input key: the same form sent twice stores one
report. Every report sent, stored or refused, leaves one line in the audit trail.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot.errors import Refused
from bot.progress import LIGHT_EMOJI, bar, number
from bot.records import is_photo_size
from bot.usecases import progress, progress_photos, web_login
from bot.usecases.acting import Caller
from web.forms import new_form_key, sent_form_key, uploaded_photos
from web.keys import SERVICES
from web.render import Context, template
from web.session import see_other, who_of

log = logging.getLogger(__name__)

# The progress figures as the chat draws them (bot/progress.py), for the board and a sub-item.
_PROGRESS: dict[str, Any] = {"bar": bar, "lights": LIGHT_EMOJI, "num": number}


def _id(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not raw.isdigit() or len(raw) > 12:
        raise web.HTTPNotFound()
    return int(raw)


def _subitem_id(request: web.Request) -> int:
    return _id(request, "subitem_id")


@template("projects.html")
async def projects_page(request: web.Request) -> Context:
    """GET /projects: projects → sub-items, with progress, status, light and last report."""
    services = request.app[SERVICES]
    board = await progress.board(services, who_of(request).person, console=True)
    return {"board": board, **_PROGRESS}


@template("subitem.html")
async def subitem_page(request: web.Request) -> Context:
    """GET /projects/{id}: targets, milestones, the unit's reports beside deputies' observations,
    and the report form for the lead unit's liaison."""
    services = request.app[SERVICES]
    detail = await progress.detail(
        services, who_of(request).person, _subitem_id(request), console=True
    )
    return {
        "d": detail,
        **_PROGRESS,
        "saved": request.query.get("saved") == "1",
        "form_key": new_form_key(),
    }


async def report(request: web.Request) -> web.StreamResponse:
    """POST /projects/{id}/report: the liaison's figures, one field per target, a note, and
    photos (multipart)."""
    services = request.app[SERVICES]
    who = who_of(request)
    subitem_id = _subitem_id(request)
    now = services.clock.now()
    target = f"subitem:{subitem_id}"
    try:
        form = await request.post()
        key = sent_form_key(form)
        typed: dict[int, str] = {}
        for name, value in form.items():
            if name.startswith("v") and name[1:].isdigit() and isinstance(value, str):
                typed[int(name[1:])] = value
        note = form.get("note")
        await progress_photos.submit_with_photos(
            services,
            Caller(who.person, now, key=f"web:{key}"),
            subitem_id,
            typed,
            note if isinstance(note, str) else "",
            uploaded_photos(form),
            via="web",
        )
    except Refused as refused:
        await web_login.record(services, who, "progress", target, f"refused: {refused.key}", now)
        log.info(
            "Person %s: progress on sub-item %s refused (%s)",
            who.person.id,
            subitem_id,
            refused.key,
        )
        raise
    await web_login.record(services, who, "progress", target, "done", now)
    return see_other(f"/projects/{subitem_id}?saved=1")


async def report_photo(request: web.Request) -> web.StreamResponse:
    """GET /projects/{id}/reports/{report}/photos/{photo}/{size}: a report's photo, for whoever
    may read the report (an edited id gets the polite not-found page); originals for staff."""
    services = request.app[SERVICES]
    size = request.match_info["size"]
    if not is_photo_size(size):
        raise web.HTTPNotFound()
    relative = await progress_photos.report_photo_file(
        services,
        who_of(request).person,
        _subitem_id(request),
        _id(request, "report_id"),
        _id(request, "photo_id"),
        size,
    )
    response = web.FileResponse(services.store.root / relative)
    # As an item's photos: never changed under their name, but not public.
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
