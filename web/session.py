"""Who is asking, on every request: the session cookie, CSRF on every change, security headers.

The person is loaded again for each request (bot/usecases/web_login.py signed_in), so what they
may see and do is always their current role and scope. A refusal from the core becomes a page in
the reader's language that changes nothing.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.errors import Refused
from bot.usecases.web_login import SignedIn, signed_in
from web.keys import CSRF_FIELD, CSRF_HEADER, RENDERER, SERVICES, SESSION_COOKIE, WHO

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Open without a session: the login doors, the Mini App's entry page, files, the health check.
PUBLIC = ("/login", "/app", "/static/", "/healthz", "/lang/")

_NOT_FOUND = frozenset(
    {"web.item_not_found", "progress.subitem_not_found", "progress.photo_not_found"}
)
# The chat's words for a stale button, said the way a web page would.
_WEB_WORDING = {"button_expired": "web.form.expired"}

# Scripts and styles from this server only (Leaflet and htmx are vendored); tiles from the
# configured source; framed only by Telegram's web clients (the Mini App).
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org"
)


def who_of(request: web.Request) -> SignedIn:
    who = request[WHO]
    if who is None:
        raise web.HTTPUnauthorized()
    return who


async def _csrf_ok(request: web.Request, who: SignedIn) -> bool:
    given = request.headers.get(CSRF_HEADER, "")
    if not given:
        form = await request.post()
        value = form.get(CSRF_FIELD, "")
        given = value if isinstance(value, str) else ""
    return bool(given) and hmac.compare_digest(given, who.csrf)


def _headers(response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", _CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/static/"):
        # Files: no session to load (each load was a read and a write), and cacheable, since
        # their URLs carry a version (add_static(append_version=True)).
        served = await handler(request)
        served.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        _headers(served)
        return served
    services = request.app[SERVICES]
    renderer = request.app[RENDERER]
    token = request.cookies.get(SESSION_COOKIE, "")
    request[WHO] = await signed_in(services, token, services.clock.now()) if token else None
    public = request.path == "/" or request.path.startswith(PUBLIC)
    try:
        who = request[WHO]
        if who is None and not public:
            if request.method == "GET" and "HX-Request" not in request.headers:
                raise web.HTTPSeeOther("/login")
            response: web.StreamResponse = renderer.page(
                request, "message.html", status=401, key="web.signed_out"
            )
        elif request.method == "POST" and who is not None and not await _csrf_ok(request, who):
            log.info("CSRF refused for session %s on %s", who.session_id, request.path)
            response = renderer.page(request, "message.html", status=403, key="web.csrf_refused")
        else:
            response = await handler(request)
    except Refused as refused:
        status = 404 if refused.key in _NOT_FOUND else 403
        key = _WEB_WORDING.get(refused.key, refused.key)
        response = renderer.page(
            request, "message.html", status=status, key=key, params=refused.params
        )
    except web.HTTPNotFound:
        # An address that names nothing (a mistyped action, say): the page says so in words.
        response = renderer.page(request, "message.html", status=404, key="web.item_not_found")
    _headers(response)
    return response


def see_other(location: str) -> web.Response:
    """After a form or a login: the browser fetches `location` with GET (POST-redirect-GET)."""
    return web.Response(status=303, headers={"Location": location})
