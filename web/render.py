"""Pages from Jinja2 templates, in the reader's language; every value is escaped once, here.

Templates hold no sentences: they ask `t("web.…")` from the same catalogs as the chat.
A page handler returns its template's context and `@template("x.html")` renders it (the style
of aiohttp_jinja2's decorator), so every page is made the one way `Renderer.page` makes it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.typedefs import Handler
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.rates import percent
from bot.texts import LANGUAGES, Texts, catalog_name
from web.keys import RENDERER, WHO

TEMPLATES = Path(__file__).parent / "templates"

# What a page handler under @template returns: its template's names and values.
Context = Mapping[str, Any]
PageHandler = Callable[[web.Request], Awaitable[Context]]


class Renderer:
    def __init__(self, zone: ZoneInfo, default_language: str, tiles: str, tiles_key: str) -> None:
        self.zone = zone
        self.default_language = default_language
        self.tiles = tiles
        self.tiles_key = tiles_key
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["local"] = self.local
        self.env.globals["catalog_name"] = catalog_name
        # A rate reads the same on every page that shows one (figures, overview, evaluation).
        self.env.globals["percent"] = percent

    def local(self, moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return "" if moment is None else moment.astimezone(self.zone).strftime(fmt)

    def language(self, request: web.Request) -> str:
        chosen = request.cookies.get("deputy_lang")
        if chosen in LANGUAGES:
            return chosen
        who = request.get(WHO)
        stored = who.person.language if who is not None else None
        return stored if stored in LANGUAGES else self.default_language

    def html(self, request: web.Request, template: str, **context: Any) -> str:
        lang = self.language(request)
        who = request.get(WHO)
        return self.env.get_template(template).render(
            t=Texts(lang),
            lang=lang,
            who=who,
            csrf=who.csrf if who is not None else "",
            path=request.path_qs,
            tiles=self.tiles,
            tiles_key=self.tiles_key,
            **context,
        )

    def page(
        self, request: web.Request, template: str, *, status: int = 200, **context: Any
    ) -> web.Response:
        return web.Response(
            text=self.html(request, template, **context),
            status=status,
            content_type="text/html",
            charset="utf-8",
        )


def template(name: str) -> Callable[[PageHandler], Handler]:
    """The handler's returned context rendered as the page `name` (status 200)."""

    def decorate(handler: PageHandler) -> Handler:
        @functools.wraps(handler)
        async def page(request: web.Request) -> web.StreamResponse:
            return request.app[RENDERER].page(request, name, **await handler(request))

        return page

    return decorate
