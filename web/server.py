"""The console's aiohttp application, and serving it beside the bot on the same event loop.

aiohttp's own server: the project already runs it for the webhook and the local Bot API server,
it serves on the bot's loop with no second framework, and its test client and real sockets need
nothing more. Pages are Jinja2 templates; htmx (vendored) swaps the list's rows in place.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web

from bot.services import Services
from web import actions, bulk, desk, documents, evaluation, login, overview, pages, plan, projects
from web.keys import BOT_TOKEN, BOT_USERNAME, LIMITER, RENDERER, SERVICES
from web.limits import LoginLimiter
from web.render import Renderer
from web.session import guard

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
# An answer's photos come from a desktop: up to the photo settings' limit each, a few at once.
MAX_UPLOAD_BYTES = 64 * 1024 * 1024


ROUTES = [
    # Getting in and out (open without a session; see web/session.py PUBLIC).
    web.get("/", login.index),
    web.get("/healthz", login.health),
    web.get("/login", login.login_page),
    web.get("/login/{token}", login.link_page),
    web.post("/login/{token}", login.use_link),
    web.post("/login-webapp", login.webapp_login),
    web.get("/app", login.app_page),
    web.get("/lang/{code}", login.language),
    web.post("/logout", login.logout),
    # Items: the list, one item, its photos.
    web.get("/items", pages.items),
    web.post("/items/forward", bulk.forward),
    web.get(r"/items/{item_id:\d+}", pages.item),
    web.get(r"/items/{item_id:\d+}/photos/{photo_id:\d+}/{size}", pages.photo),
    # Desk views (web/desk.py): the map, the figures, the list as a file.
    web.get("/map", desk.map_page),
    web.get("/map/points.json", desk.map_points),
    web.get("/figures", desk.figures_page),
    # Every campaign's figures for the city's staff (web/overview.py), when several are served.
    web.get("/overview", overview.overview_page),
    web.get("/items.xlsx", desk.items_xlsx),
    web.get("/items.csv", desk.items_csv),
    # Projects' progress (web/projects.py): the board, a sub-item's targets, reports and
    # deputies' observations, and the lead unit's report form (the chat's /projects, /progress).
    web.get("/projects", projects.projects_page),
    web.get(r"/projects/{subitem_id:\d+}", projects.subitem_page),
    web.post(r"/projects/{subitem_id:\d+}/report", projects.report),
    web.get(
        r"/projects/{subitem_id:\d+}/reports/{report_id:\d+}/photos/{photo_id:\d+}/{size}",
        projects.report_photo,
    ),
    # The supervision plan (web/plan.py): calendar, coverage and tasks within the caller's reach;
    # leaders plan a visit with the chat's /plan use case.
    web.get("/plan", plan.plan_page),
    web.post("/plan", plan.plan_create),
    # The satisfaction evaluation (web/evaluation.py): staff's turnout, results and their file.
    web.get("/evaluation", evaluation.evaluation_page),
    web.get("/evaluation.xlsx", evaluation.evaluation_xlsx),
    # Documents (web/documents.py): the chat's /bulletin, /groupreport and /posters as Word
    # files, through the same use cases (staff and leaders; posters staff only).
    web.get("/documents", documents.documents_page),
    web.get("/documents/bulletin.docx", documents.bulletin_docx),
    web.get("/documents/groupreport.docx", documents.group_report_docx),
    web.get("/documents/posters.docx", documents.posters_docx),
    # Acting on an item (web/actions.py): the same use cases as the chat.
    web.post(r"/items/{item_id:\d+}/{action}", actions.act),
]


def build_web_app(services: Services, *, bot_token: str, bot_username: str) -> web.Application:
    settings = services.settings
    app = web.Application(middlewares=[guard], client_max_size=MAX_UPLOAD_BYTES)
    app[SERVICES] = services
    app[RENDERER] = Renderer(
        settings.zone,
        settings.i18n.default_language,
        settings.web.tiles,
        settings.web.tianditu_key,
    )
    # The city overview's link shows for the city campaign's staff (bot/overview.py).
    app[RENDERER].env.globals["city_campaign_id"] = (
        services.city_id if len(services.served) > 1 else None
    )
    # With several campaigns served, the header names the one the session acts in (the
    # membership that sent /web); read per request, as services.campaign follows it.
    if len(services.served) > 1:
        app[RENDERER].env.globals["acting_campaign"] = lambda: services.campaign.name
    app[LIMITER] = LoginLimiter(settings.web.login_attempts_per_minute, services.clock.now)
    app[BOT_TOKEN] = bot_token
    app[BOT_USERNAME] = bot_username

    app.add_routes(ROUTES)
    app.router.add_static("/static/", STATIC, append_version=True)
    return app


@asynccontextmanager
async def serving(
    services: Services, *, bot_token: str, bot_username: str
) -> AsyncIterator[web.AppRunner]:
    """The console on the configured address, for the life of the block."""
    settings = services.settings.web
    app = build_web_app(services, bot_token=bot_token, bot_username=bot_username)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.listen, settings.port).start()
    log.info("Web console on %s:%s", settings.listen, settings.port)
    try:
        yield runner
    finally:
        await runner.cleanup()
