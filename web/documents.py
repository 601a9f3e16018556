"""/documents: the Word documents the chat offers, from the console, to the same people through
the same use cases: the bulletin (/bulletin: staff and leaders), a group's supervision report
(/groupreport: a leader their own group, staff any) and the sites' posters (/posters: staff).

Each download parses its query, asks the use case (which checks the caller's current role and
scope and raises Refused, rendered by web/session.py), and writes the file in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date

from aiohttp import web

from bot.bulletin_docx import cjk_font, render_bulletin
from bot.bulletin_docx import file_name as bulletin_file_name
from bot.errors import Refused
from bot.group_report_docx import render_group_report
from bot.people import Action, can, require_can
from bot.tally_period import Period, PeriodError
from bot.texts import Texts
from bot.usecases import bulletin, group_report, poster_document, posters
from bot.usecases.acting import Caller
from bot.usecases.bulletin import previous_month
from web.downloads import DOCX, download
from web.keys import BOT_USERNAME, RENDERER, SERVICES
from web.render import Context, template
from web.session import who_of

log = logging.getLogger(__name__)

# Longer than any date or code the forms send: anything else is not worth parsing.
MAX_VALUE = 20


def _caller(request: web.Request) -> Caller:
    return Caller(who_of(request).person, request.app[SERVICES].clock.now())


def _texts(request: web.Request) -> Texts:
    return Texts(request.app[RENDERER].language(request))


def _today(request: web.Request, caller: Caller) -> date:
    return caller.now.astimezone(request.app[SERVICES].settings.zone).date()


def _value(request: web.Request, name: str) -> str:
    value = request.query.get(name, "").strip()
    if len(value) > MAX_VALUE:
        raise Refused("documents.bad_period" if name != "project" else "documents.unknown_project")
    return value


def _period(request: web.Request, today: date, default: Period) -> Period:
    """`month=2020-07`, or `from=` and `to=` (days or months) together, or neither: `default`."""
    month, first, last = (_value(request, n) for n in ("month", "from", "to"))
    if bool(first) != bool(last):
        raise Refused("documents.bad_period")
    args = [month] if month else [first, last] if first else []
    try:
        return Period.parse(args, today) if args else default
    except (PeriodError, ValueError):
        raise Refused("documents.bad_period") from None


def _span(period: Period, issued: date) -> str:
    """The dates a file name carries: its period's, else the day it was made."""
    if period.first is None or period.last is None:
        return issued.isoformat()
    return f"{period.first}_{period.last}"


@template("documents.html")
async def documents_page(request: web.Request) -> Context:
    """The forms of the documents the caller may have; none of them: the polite refusal."""
    services = request.app[SERVICES]
    caller = _caller(request)
    person = caller.person
    if not any(can(person, a) for a in (Action.BULLETIN, Action.GROUP_REPORT, Action.POSTERS)):
        require_can(person, Action.BULLETIN)
    groups = (
        await group_report.report_groups(services, caller)
        if can(person, Action.GROUP_REPORT)
        else []
    )
    choices = await posters.choices(services, caller) if can(person, Action.POSTERS) else []
    last_month = previous_month(_today(request, caller))
    return {
        "may_bulletin": can(person, Action.BULLETIN),
        "may_report": can(person, Action.GROUP_REPORT),
        "may_posters": can(person, Action.POSTERS),
        "groups": groups,
        "choices": choices,
        "last_month": f"{last_month.first:%Y-%m}",
    }


async def bulletin_docx(request: web.Request) -> web.StreamResponse:
    """GET /documents/bulletin.docx?month=2020-07 (or from=&to=; nothing: last month)."""
    services = request.app[SERVICES]
    caller = _caller(request)
    require_can(caller.person, Action.BULLETIN)  # before the query is judged, as the chat does
    today = _today(request, caller)
    period = _period(request, today, previous_month(today))
    found = await bulletin.bulletin(services, caller, period)
    texts = _texts(request)
    body = await asyncio.to_thread(render_bulletin, found, texts, cjk_font())
    log.info("Bulletin %s..%s downloaded by person %s", period.first, period.last, caller.person.id)
    return download(body, bulletin_file_name(found, texts), DOCX)


async def group_report_docx(request: web.Request) -> web.StreamResponse:
    """GET /documents/groupreport.docx?group=G01&from=&to= (a leader may leave out the group;
    no dates: the whole campaign so far, as /groupreport)."""
    services = request.app[SERVICES]
    caller = _caller(request)
    require_can(caller.person, Action.GROUP_REPORT)
    code = _value(request, "group") or None
    period = _period(request, _today(request, caller), Period())
    found = await group_report.group_report(services, caller, code, period)
    texts = _texts(request)
    body = await asyncio.to_thread(render_group_report, found, texts)
    log.info("Group report of %s downloaded by person %s", found.group_code, caller.person.id)
    name = f"{texts('groupreport.file_name')}-{found.group_code}-{_span(period, found.issued)}"
    return download(body, f"{name}.docx", DOCX)


async def posters_docx(request: web.Request) -> web.StreamResponse:
    """GET /documents/posters.docx?project=C01 (no project: every site's)."""
    services = request.app[SERVICES]
    caller = _caller(request)
    require_can(caller.person, Action.POSTERS)
    code = _value(request, "project")
    project = await posters.project_by_code(services, caller, code) if code else None
    if code and project is None:
        raise Refused("documents.unknown_project")
    texts = _texts(request)
    result, body = await poster_document.posters_docx(
        services,
        caller,
        bot_username=request.app[BOT_USERNAME],
        project_id=project.id if project else None,
        language=texts.language,
    )
    log.info("Posters (%s pages) downloaded by person %s", result.pages, caller.person.id)
    stem = texts("posters.file_name")
    scope = f"-{project.code}" if project else ""
    return download(body, f"{stem}{scope}-{_today(request, caller)}.docx", DOCX)
