"""A real browser for the web console's tests: Debian's chromium driven by Playwright's async API.

Playwright's own browser download is never used (`playwright install` does not work here): the
tests launch the `chromium` Debian package that `scripts/setup` installs. Tests call
`chromium_available()` and skip only when that package is missing.

    async with open_browser() as browser, page_watching_errors(browser, base_url) as (page, errors):
        await page.goto("/")
        ...
        assert errors == []
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, ConsoleMessage, Error, Page, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (the tests run as root in containers), no GPU, and nothing that reaches out to the
# network on its own: the page may talk only to the test server.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def chromium_available() -> bool:
    """Whether Debian's chromium is installed (tests skip cleanly when it is not)."""
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


@asynccontextmanager
async def open_browser() -> AsyncIterator[Browser]:
    """A headless Debian chromium, closed (with Playwright's driver) on the way out."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=list(CHROMIUM_ARGS),
            env=browser_environment(),
        )
        try:
            yield browser
        finally:
            await browser.close()


def browser_environment() -> dict[str, str | float | bool]:
    """The environment for chromium, without libfaketime: the suite is checked under faketime
    (README, Tests), and chromium's sandboxed processes hang with it preloaded. The browser's own
    clock is not the bot's: the bot's time is the harness's SetClock either way."""
    return {
        key: value
        for key, value in os.environ.items()
        if key != "LD_PRELOAD" and not key.startswith("FAKETIME")
    }


@asynccontextmanager
async def page_watching_errors(
    browser: Browser, base_url: str
) -> AsyncIterator[tuple[Page, list[str]]]:
    """A page in a fresh context whose relative URLs resolve against `base_url`, and a list that
    collects every console error and uncaught page exception (tests assert it stays empty)."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location
            at = f" ({where['url']}:{where['lineNumber']})" if where["url"] else ""
            errors.append(f"console error: {message.text}{at}")

    def on_page_error(error: Error) -> None:
        # A thrown non-Error (`throw "text"`) has no name.
        kind = f"{error.name}: " if error.name else ""
        errors.append(f"page error: {kind}{error.message}")

    context = await browser.new_context(base_url=base_url)
    try:
        page = await context.new_page()
        page.on("console", on_console)
        page.on("pageerror", on_page_error)
        yield page, errors
    finally:
        await context.close()
