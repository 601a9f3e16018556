"""The plan page (/plan): the campaign's calendar, coverage and tasks within the caller's reach
(a leader: their group; staff: the campaign), and for leaders a form to plan a visit with the
same use case as the chat's /plan (bot/usecases/plan.py decides who may plan what)."""

from __future__ import annotations

import logging
import re
from datetime import date

from aiohttp import web

from bot.errors import Refused
from bot.people import Action, can
from bot.plan import Window
from bot.usecases import plan, web_login
from bot.usecases.acting import Caller
from web.forms import new_form_key, sent_form_key
from web.keys import SERVICES
from web.render import Context, template
from web.session import see_other, who_of

log = logging.getLogger(__name__)

_TARGET = re.compile(r"(site|subitem):(\d{1,12})")


@template("plan.html")
async def plan_page(request: web.Request) -> Context:
    services = request.app[SERVICES]
    who = who_of(request)
    today = services.clock.now().astimezone(services.settings.zone).date()
    rows = await plan.tasks_in_reach(services, who.person)
    coverage = await plan.coverage_in_reach(services, who.person, today)
    calendar = await plan.calendar(services)
    targets: list[tuple[str, str]] = []
    members: list[tuple[int, str]] = []
    if can(who.person, Action.PLAN) and who.person.group_id is not None:
        for project in await plan.plan_projects(services, who.person):
            found = await plan.plan_targets(services, who.person, project.id)
            targets += [(f"subitem:{s.id}", f"{project.title} · {s.title}") for s in found.subitems]
            targets += [(f"site:{s.id}", f"{project.title} · {s.name}") for s in found.sites]
        members = await plan.plan_members(services, who.person)
    return {
        "rows": rows,
        "day": today,
        "coverage": coverage,
        "phase": calendar.phase_on(today),
        "key_dates": calendar.upcoming(today),
        "targets": targets,
        "members": members,
        "today": today.isoformat(),
        "created": request.query.get("done") == "1",
        "form_key": new_form_key(),
    }


def _day(value: object) -> date:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else date.min
    except ValueError:
        raise Refused("plan.web.bad_date") from None


async def plan_create(request: web.Request) -> web.StreamResponse:
    """POST /plan: a leader plans a visit; back to the page (POST-redirect-GET)."""
    services = request.app[SERVICES]
    who = who_of(request)
    now = services.clock.now()
    form = await request.post()
    try:
        key = sent_form_key(form)
        target = _TARGET.fullmatch(str(form.get("target", "")))
        if target is None:
            raise Refused("button_expired")
        first, last = _day(form.get("first")), _day(form.get("last"))
        if first == date.min or last == date.min:
            raise Refused("plan.web.bad_date")
        if last < first:
            raise Refused("plan.window_backwards")
        people = [
            int(v)
            for v in form.getall("deputy", [])
            if isinstance(v, str) and v.isdigit() and len(v) < 12
        ]
        planned = await plan.create_task(
            services,
            Caller(who.person, now, key=f"web:{key}"),
            kind=target.group(1),
            target_id=int(target.group(2)),
            window=Window(first, last),
            person_ids=people,
            source_key=f"web:{key}",
        )
    except Refused as refused:
        await web_login.record(services, who, "plan", "plan", f"refused: {refused.key}", now)
        raise
    await web_login.record(services, who, "plan", f"task:{planned.task_id}", "done", now)
    return see_other("/plan?done=1")
