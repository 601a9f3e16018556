"""Acting on an item from its page: the forms of web/templates/_actions.html.

Each handler only reads its form and calls the same use case as the chat; the core decides who
may do what (an action the page did not offer is refused there, not here). The form's `_key`
becomes the input key of the change, so the same form sent twice changes the item once. Every
outcome, done or refused, leaves one line in the audit trail.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiDictProxy

from bot.answer_terms import AnswerGiven, parse_day
from bot.errors import Refused
from bot.items import Item
from bot.lifecycle import ResponseClass
from bot.services import Services
from bot.usecases import (
    answers,
    console,
    desk,
    extensions,
    forwarding,
    joint,
    review,
    unit,
    web_login,
)
from bot.usecases.acting import Acted, Caller
from web.forms import sent_form_key, uploaded_photos
from web.keys import SERVICES
from web.session import see_other, who_of

log = logging.getLogger(__name__)

Form = MultiDictProxy[str | bytes | bytearray | FileField]


@dataclass(frozen=True, slots=True)
class Posted:
    """One form sent for one item, by a caller the session vouched for."""

    services: Services
    caller: Caller
    item: Item  # as the caller's console saw it when the form arrived
    form: Form


Action = Callable[[Posted], Awaitable[Acted | None]]


def _text(form: Form, name: str = "text") -> str:
    value = form.get(name)
    if not isinstance(value, str) or not value.strip():
        raise Refused("web.form.text_missing")
    return value


def _number(form: Form, name: str, key: str) -> int:
    value = form.get(name)
    if not isinstance(value, str) or not value.strip().isdigit() or len(value.strip()) > 12:
        raise Refused(key)
    return int(value.strip())


def _class(form: Form) -> ResponseClass:
    value = form.get("class")
    if not isinstance(value, str) or value not in ResponseClass.__members__.values():
        raise Refused("web.form.class_missing")
    return ResponseClass(value)


def _target(form: Form) -> int:
    return _number(form, "target", "web.form.target_missing")


def _use_case(call: Callable[..., Awaitable[Acted]], *reads: Callable[[Form], object]) -> Action:
    """The action that calls a use case on the item with what `reads` take from the form, read
    in their order (the first missing one is the refusal)."""

    async def action(p: Posted) -> Acted:
        return await call(p.services, p.caller, p.item.id, *(read(p.form) for read in reads))

    return action


async def _forward(p: Posted) -> None:
    unit_id = _number(p.form, "unit", "web.form.unit_missing")
    done = await forwarding.forward_items(
        p.services,
        p.caller,
        unit_id,
        [p.item.id],
        meant_for=forwarding.destination(p.item),
    )
    if not done.items:
        raise Refused("item_state_changed", number=p.item.display_number)


async def _reroute(p: Posted) -> Acted:
    unit_id = _number(p.form, "unit", "web.form.unit_missing")
    acted, _unit = await forwarding.reroute(p.services, p.caller, p.item.id, unit_id)
    return acted


async def _extension(p: Posted) -> None:
    day = p.form.get("day")
    await extensions.ask(
        p.services, p.caller, p.item.id, _text(p.form), day if isinstance(day, str) else ""
    )


def _deciding(approve: bool) -> Action:
    async def action(p: Posted) -> None:
        extension_id = _number(p.form, "extension", "button_expired")
        # The form of one item's page may only decide that item's request.
        await extensions.decide(p.services, p.caller, extension_id, approve, item_id=p.item.id)

    return action


def _terms(form: Form) -> dict[str, Any]:
    """The answer's promised date (class B) and reason category (class C), when given; the use
    case requires the one its class needs (bot/answer_terms.py)."""
    promised = form.get("promised")
    reason = form.get("reason")
    return {
        "promised": parse_day(promised) if isinstance(promised, str) and promised.strip() else None,
        "reason": reason if isinstance(reason, str) and reason else None,
    }


async def _answer(p: Posted) -> Acted:
    cls, text, photos = _class(p.form), _text(p.form), uploaded_photos(p.form)
    given = AnswerGiven(cls, text, **_terms(p.form))
    return await desk.answer_with_photos(p.services, p.caller, p.item.id, given, photos)


async def _paper_answer(p: Posted) -> Acted:
    cls, text = _class(p.form), _text(p.form)
    given = AnswerGiven(cls, text, **_terms(p.form))
    return await forwarding.record_paper_answer(p.services, p.caller, p.item.id, given)


async def _share(p: Posted) -> None:
    """A joint inspection: the item shared with a partner campaign's group (联合视察)."""
    group_id = _number(p.form, "group", "button_expired")
    await joint.share_item(p.services, p.caller, p.item.id, group_id)


async def _show_comment(p: Posted) -> None:
    """Staff show a raiser's comment to the unit (without its author), or hide it again."""
    round_ = _number(p.form, "round", "button_expired")
    voter = _number(p.form, "voter", "button_expired")
    await answers.show_comment(
        p.services, p.caller, p.item.id, round_, voter, p.form.get("show") == "1"
    )


ACTIONS: dict[str, Action] = {
    "accept": _use_case(review.accept),
    "ask": _use_case(review.ask_more, _text),
    "decline": _use_case(review.decline, _text),
    "merge": _use_case(review.merge, _target),
    "forward": _forward,
    "reroute": _reroute,
    "paper_answer": _paper_answer,
    "sign_for": _use_case(unit.sign_for),
    "return": _use_case(unit.return_item, _text),
    "progress": _use_case(unit.report_progress, _text),
    "answer": _answer,
    "show_comment": _show_comment,
    "share": _share,  # 联合视察 (bot/usecases/joint.py)
    "extension": _extension,  # 延期申请 (bot/usecases/extensions.py)
    "extension_approve": _deciding(True),
    "extension_decline": _deciding(False),
}


async def act(request: web.Request) -> web.StreamResponse:
    """POST /items/{id}/{action}: do it, then back to the item's page with a notice."""
    name = request.match_info["action"]
    handler = ACTIONS.get(name)
    if handler is None:
        raise web.HTTPNotFound()
    services = request.app[SERVICES]
    who = who_of(request)
    raw_id = request.match_info["item_id"]
    target = f"item:{raw_id}"
    now = services.clock.now()
    try:
        form = await request.post()
        key = sent_form_key(form)
        # Out of the caller's console, an item is not found, whatever the action would say.
        item = await console.console_item(services, who.person, int(raw_id))
        caller = Caller(who.person, now, key=f"web:{key}")
        acted = await handler(Posted(services, caller, item, form))
        if acted is not None and not acted.applied:
            raise Refused("item_state_changed", number=item.display_number)
    except Refused as refused:
        await web_login.record(services, who, name, target, f"refused: {refused.key}", now)
        log.info("Person %s: %s on item %s refused (%s)", who.person.id, name, raw_id, refused.key)
        raise
    await web_login.record(services, who, name, target, "done", now)
    log.info("Person %s: %s on item %s done", who.person.id, name, raw_id)
    return see_other(f"/items/{item.id}?done={name}")
