"""The console's test harness: the bot with its web console on a free port of 127.0.0.1, and a
browser-like HTTP client per person (its own cookie jar) that logs in the way people do."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import WebSettings
from bot.people import Person, Role
from bot.usecases.web_login import issue_link
from localapi import LocalBotApi
from tests.conftest import Harness, make_settings, running_bot
from tests.serving import free_port

CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
FORM_KEY = re.compile(r'name="_key" value="([^"]+)"')


def web_settings(port: int, **overrides: Any) -> WebSettings:
    return WebSettings(
        enabled=True,
        listen="127.0.0.1",
        port=port,
        public_url=f"http://127.0.0.1:{port}",
        **overrides,
    )


@dataclass
class Desk:
    """The bot with its console, and where the console answers."""

    bot: Harness
    base: str

    async def browser(self) -> Browser:
        session = aiohttp.ClientSession(
            base_url=self.base, cookie_jar=aiohttp.CookieJar(unsafe=True)
        )
        return Browser(self, session)

    @asynccontextmanager
    async def browsing(self, person: Person | None = None) -> AsyncIterator[Browser]:
        """A browser for the block, signed in as `person` if one is given; closed after it,
        whatever the test found."""
        browser = await self.browser()
        try:
            if person is not None:
                await browser.login(person)
            yield browser
        finally:
            await browser.close()

    async def signed_in(
        self, name: str, role: Role, *, group: str | None, unit: str | None = None
    ) -> Browser:
        """A new person who joined through the bot, and a browser they signed in with (the
        caller closes it)."""
        user = await self.bot.join(name, role, group=group, unit=unit)
        browser = await self.browser()
        await browser.login(await self.bot.person(user))
        return browser

    async def login_link(self, person: Person) -> str:
        token = await issue_link(self.bot.services, person, self.bot.now())
        return f"/login/{token}"


@dataclass
class Browser:
    """One person's browser: cookies kept between requests, redirects followed."""

    desk: Desk
    http: aiohttp.ClientSession
    csrf: str = ""

    async def close(self) -> None:
        await self.http.close()

    async def get(self, path: str, **kwargs: Any) -> tuple[int, str]:
        async with self.http.get(path, **kwargs) as response:
            text = await response.text()
            found = CSRF.search(text)
            if found:
                self.csrf = found.group(1)
            return response.status, text

    async def post(self, path: str, data: Any = None, **kwargs: Any) -> tuple[int, str]:
        async with self.http.post(path, data=data, **kwargs) as response:
            return response.status, await response.text()

    async def login(self, person: Person) -> None:
        """Open the link the bot sent, press 登录, land on the list."""
        link = await self.desk.login_link(person)
        status, _page = await self.get(link)
        assert status == 200
        status, page = await self.post(link)
        assert status == 200, page
        await self.get("/items")
        assert self.csrf, "the list page carries the CSRF token"

    async def form_key(self, item_id: int) -> str:
        """The `_key` of the forms on the item's page, freshly opened ("" if it has none)."""
        status, page = await self.get(f"/items/{item_id}")
        assert status == 200, page
        key = FORM_KEY.search(page)
        return key.group(1) if key else ""

    async def act(self, item_id: int, action: str, **fields: Any) -> tuple[int, str]:
        """Open the item's page and send one of its forms, as a person would."""
        form = aiohttp.FormData({"_csrf": self.csrf, "_key": await self.form_key(item_id)})
        for name, value in fields.items():
            if isinstance(value, tuple):
                form.add_field(name, value[1], filename=value[0], content_type="image/jpeg")
            else:
                form.add_field(name, str(value))
        return await self.post(f"/items/{item_id}/{action}", data=form)


@pytest.fixture
async def desk(api: LocalBotApi, tmp_path: Path) -> AsyncIterator[Desk]:
    port = free_port()
    settings = make_settings(api, tmp_path / "data", web=web_settings(port))
    async with running_bot(api, settings) as harness:
        yield Desk(harness, f"http://127.0.0.1:{port}")
