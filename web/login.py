"""Getting in and out: the one-time link, the Mini App's signed data, logout, the language."""

from __future__ import annotations

import json
import logging

from aiohttp import web

from bot.errors import Refused
from bot.texts import LANGUAGES
from bot.usecases import web_login
from web.keys import (
    BOT_TOKEN,
    BOT_USERNAME,
    LANGUAGE_COOKIE,
    LIMITER,
    SERVICES,
    SESSION_COOKIE,
    WHO,
)
from web.render import Context, template
from web.session import see_other, who_of

log = logging.getLogger(__name__)


def _address(request: web.Request) -> str:
    # Behind the reverse proxy every request comes from it; the proxy's header names the client.
    forwarded = request.headers.get("X-Forwarded-For", "")
    return forwarded.split(",")[0].strip() or (request.remote or "")


def _limited(request: web.Request) -> None:
    if not request.app[LIMITER].allow(_address(request)):
        raise Refused("web.too_many_logins")


def _signed_in(request: web.Request, session: web_login.Session, to: str) -> web.Response:
    settings = request.app[SERVICES].settings.web
    response = see_other(to)
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        httponly=True,
        secure=settings.secure,
        # Lax: the link opened from Telegram is a top-level navigation and carries the cookie;
        # a form posted from another site does not.
        samesite="Lax",
        path="/",
    )
    log.info("Person %s logged in to the console (session %s)", session.person.id, session.id)
    return response


@template("login.html")
async def login_page(request: web.Request) -> Context:
    if request.get(WHO) is not None:
        raise web.HTTPSeeOther("/items")
    return {"bot_username": request.app[BOT_USERNAME]}


@template("login_link.html")
async def link_page(request: web.Request) -> Context:
    """The link from the chat: a button, so that a preview or a prefetch cannot use it up."""
    return {"token": request.match_info["token"]}


async def use_link(request: web.Request) -> web.StreamResponse:
    _limited(request)
    services = request.app[SERVICES]
    session = await web_login.login_with_link(
        services, request.match_info["token"], services.clock.now()
    )
    return _signed_in(request, session, "/items")


async def webapp_login(request: web.Request) -> web.StreamResponse:
    """The Mini App posts Telegram's signed initData; the answer sets the session cookie."""
    _limited(request)
    services = request.app[SERVICES]
    try:
        body = await request.json()
        init_data = body["initData"] if isinstance(body, dict) else None
    except (json.JSONDecodeError, KeyError, UnicodeDecodeError):
        init_data = None
    if not isinstance(init_data, str):
        raise Refused("web.login_refused")
    session = await web_login.login_with_webapp(
        services, init_data, request.app[BOT_TOKEN], services.clock.now()
    )
    return _signed_in(request, session, "/items")


@template("app.html")
async def app_page(request: web.Request) -> Context:
    """Where the Mini App button opens: its script logs in with the data Telegram passes."""
    return {}


async def logout(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    await web_login.logout(services, who_of(request), services.clock.now())
    response = see_other("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


async def language(request: web.Request) -> web.StreamResponse:
    code = request.match_info["code"]
    back = request.query.get("next", "/items")
    # Only a path of this site: an open redirect would lend the console's name to a phishing link.
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = "/items"
    response = see_other(back)
    if code in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, code, samesite="Lax", path="/", max_age=365 * 86400)
    return response


async def index(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/items" if request.get(WHO) is not None else "/login")


async def health(_request: web.Request) -> web.StreamResponse:
    return web.Response(text="ok")
