"""What the console's aiohttp application and requests carry, under typed keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from bot.services import Services
from bot.usecases.web_login import SignedIn

if TYPE_CHECKING:  # both read the keys below
    from web.limits import LoginLimiter
    from web.render import Renderer

SERVICES = web.AppKey("services", Services)
RENDERER: web.AppKey[Renderer] = web.AppKey("renderer")
LIMITER: web.AppKey[LoginLimiter] = web.AppKey("limiter")
BOT_TOKEN = web.AppKey("bot_token", str)
BOT_USERNAME = web.AppKey("bot_username", str)
# Who is asking: set by web/session.py guard on every request (None: nobody signed in).
WHO: web.RequestKey[SignedIn | None] = web.RequestKey("who")

SESSION_COOKIE = "deputy_session"
LANGUAGE_COOKIE = "deputy_lang"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "X-CSRF-Token"
