"""The console in a real browser: Debian's chromium, driven by Playwright, against the running bot.

People use the console with scripts on (htmx swaps the list's rows, Leaflet draws the maps), so
these tests click and type as they do, and fail on any console error or uncaught page exception.
They skip only when Debian's chromium is missing (tests/browser.py); Playwright's own browser
download is never used.

With DEPUTY_BOT_SCREENSHOTS set to a folder, the tests also save full-page screenshots of the
pages they visit there (README's screenshots come from `DEPUTY_BOT_SCREENSHOTS=docs/screenshots`).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from bot.people import Person, Role
from bot.review_rules import accept
from bot.unit_rules import forward
from tests.browser import chromium_available, open_browser, page_watching_errors
from tests.conftest import ROOT
from tests.images import jpeg_bytes, street_scene
from tests.steps import check_in, report_problem, submitted_suggestions
from tests.web_steps import Desk, desk

__all__ = ["desk"]

needs_chromium = pytest.mark.skipif(
    not chromium_available(), reason="Debian's chromium is not installed (bash scripts/setup)"
)
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
# Playwright waits this long for what a page should show; the server is on this machine.
WAIT_MS = 10_000
LINK = re.compile(r"(http://127\.0\.0\.1:\d+)(/login/\S+)")


async def shoot(page: Page, name: str) -> None:
    """A full-page screenshot, only when asked for: CI must not rewrite the tracked pictures."""
    folder = os.environ.get("DEPUTY_BOT_SCREENSHOTS")
    if not folder:
        return
    target = Path(folder) if Path(folder).is_absolute() else ROOT / folder
    target.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(target / f"{name}.png"), full_page=True)


@dataclass(frozen=True)
class Cast:
    """Who is in the campaign and the items they made, in the states the tests need."""

    staff: Person
    leader: Person
    liaison: Person
    problem: int  # a problem with a site photo, reviewed and forwarded to 市卫健委
    submitted: list[int]  # suggestions still waiting for review
    forwarded: int  # a suggestion forwarded to 市卫健委


async def cast_of(desk: Desk) -> Cast:
    """A deputy reports through the chat; her leader accepts and staff forward with the same
    rules the chat's screens use (tests/test_inbox.py does the same)."""
    bot = desk.bot
    services = bot.services
    deputy = await bot.join("王芳")
    leader = await bot.person(await bot.join("张组长", Role.LEADER))
    liaison = await bot.person(await bot.join("联络员", Role.LIAISON, group=None, unit="health"))
    staff = await bot.person(await bot.join("工作人员", Role.STAFF, group=None))
    await check_in(bot, deputy)
    photo = jpeg_bytes(street_scene(1200, 900, seed=3))
    await report_problem(deputy, photo=photo)
    problem = await bot.value("SELECT id FROM items WHERE kind = 'problem'")
    suggestions = await submitted_suggestions(bot, deputy, 4)
    health = await bot.value("SELECT id FROM units WHERE code = 'health'")
    now = bot.now()
    for item_id in (problem, *suggestions[2:]):
        item = await services.items.get(item_id)
        assert item is not None
        assert await services.apply(
            accept(item, leader, await services.items.parties(item), now), now
        )
    for item_id in (problem, suggestions[3]):
        item = await services.items.get(item_id)
        assert item is not None
        parties = await services.items.parties(item, unit_id=health)
        change = forward(item, staff, health, parties, now, services.policy)
        assert await services.apply(change, now)
    return Cast(staff, leader, liaison, problem, suggestions[:2], suggestions[3])


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not chromium_available():
        pytest.skip("Debian's chromium is not installed (bash scripts/setup)")
    async with open_browser() as opened:
        yield opened


async def log_in(page: Page, desk: Desk, person: Person) -> None:
    """Open the link /web sent, press 登录, land on the list."""
    await page.goto(await desk.login_link(person))
    await page.click("#login")
    await page.wait_for_url("**/items", timeout=WAIT_MS)


async def numbers(page: Page) -> list[str]:
    """The numbers of the items the list shows now."""
    return await page.locator("#rows tbody tr td a[href^='/items/']").all_inner_texts()


@needs_chromium
async def test_staff_log_in_filter_the_list_open_an_item_and_switch_to_english(
    desk: Desk, browser: Browser
) -> None:
    cast = await cast_of(desk)
    async with page_watching_errors(browser, desk.base) as (page, errors):
        await page.set_viewport_size(DESKTOP)
        await page.goto(await desk.login_link(cast.staff))
        await shoot(page, "login")
        await page.click("#login")
        await page.wait_for_url("**/items", timeout=WAIT_MS)
        await expect(page.locator("#total")).to_contain_text("共 5 条")
        everything = await numbers(page)
        assert len(everything) == 5
        await shoot(page, "items")

        # Typing in the search box: htmx swaps the rows and the address follows.
        await page.locator("#q").press_sequentially("第 2 条")
        await expect(page.locator("#total")).to_contain_text("共 1 条", timeout=WAIT_MS)
        await page.wait_for_url(re.compile(r"[?&]q="), timeout=WAIT_MS)
        assert len(await numbers(page)) == 1

        # A status instead: the forwarded ones.
        await page.locator("#q").fill("")
        await page.select_option("select[name=status]", "forwarded")
        await expect(page.locator("#total")).to_contain_text("共 2 条", timeout=WAIT_MS)
        await page.wait_for_url(re.compile(r"status=forwarded"), timeout=WAIT_MS)
        forwarded = await numbers(page)
        assert len(forwarded) == 2 and set(forwarded) < set(everything)
        await expect(page.locator("#rows .badge").first).to_have_text("已交办")

        # The list on a phone: the same page, narrower.
        await page.set_viewport_size(PHONE)
        await shoot(page, "items-phone")
        await page.set_viewport_size(DESKTOP)

        # The problem's own page: its facts, its photo, its site on a small map.
        await page.click(f"#rows a[href='/items/{cast.problem}']")
        await page.wait_for_url(f"**/items/{cast.problem}", timeout=WAIT_MS)
        await expect(page.locator("article.item h1")).to_contain_text("问题")
        await expect(page.locator(".photos img").first).to_be_visible()
        photo = page.locator(".photos img").first
        assert await photo.evaluate("img => img.complete && img.naturalWidth > 0")
        await expect(page.locator(".timeline li").first).to_be_visible()
        await shoot(page, "item")

        # English, on the same page.
        await page.click("#lang-en")
        await page.wait_for_url(f"**/items/{cast.problem}", timeout=WAIT_MS)
        await expect(page.locator("header")).to_contain_text("Log out")
        await expect(page.locator("article.item h1")).to_contain_text("Problem")
        await page.goto("/items")
        await expect(page.locator("#total")).not_to_contain_text("共")
        await shoot(page, "items-en")
        assert errors == []


@needs_chromium
async def test_a_liaison_answers_a_forwarded_item_with_a_photo(
    desk: Desk, browser: Browser, tmp_path: Path
) -> None:
    cast = await cast_of(desk)
    answer_photo = tmp_path / "answer.jpg"
    answer_photo.write_bytes(jpeg_bytes(street_scene(1000, 750, seed=11)))
    async with page_watching_errors(browser, desk.base) as (page, errors):
        await page.set_viewport_size(DESKTOP)
        await log_in(page, desk, cast.liaison)
        # The liaison sees only what went to their unit.
        listed = await numbers(page)
        assert len(listed) == 2
        await page.click(f"#rows a[href='/items/{cast.problem}']")
        await page.wait_for_url(f"**/items/{cast.problem}", timeout=WAIT_MS)
        form = page.locator("form.act-answer")
        await form.locator("input[name=photos]").set_input_files(str(answer_photo))
        await form.locator("input[name=class][value=A]").check()
        await form.locator("textarea[name=text]").fill("已协调施工单位增派人员，本周复工。")
        await page.click("#do-answer")
        await expect(page.locator("#notice")).to_be_visible(timeout=WAIT_MS)
        await expect(page.locator("section.response")).to_contain_text("本周复工")
        await expect(page.locator(".photos img")).to_have_count(2)
        await shoot(page, "item-answered")
        assert errors == []
    answered = await desk.bot.value("SELECT status FROM items WHERE id = ?", cast.problem)
    assert answered == "answered"


@needs_chromium
async def test_staff_see_the_sites_on_the_map(desk: Desk, browser: Browser) -> None:
    cast = await cast_of(desk)
    async with page_watching_errors(browser, desk.base) as (page, errors):
        await page.set_viewport_size(DESKTOP)
        await log_in(page, desk, cast.staff)
        await page.click("header nav a[href='/map']")
        await page.wait_for_url("**/map", timeout=WAIT_MS)
        markers = page.locator(".leaflet-marker-icon, .leaflet-interactive, .marker-cluster")
        await expect(markers.first).to_be_attached(timeout=WAIT_MS)
        assert await markers.count() > 0
        await shoot(page, "map")
        # The figures page, when the console has one.
        response = await page.goto("/figures")
        if response is not None and response.ok:
            await page.wait_for_load_state("networkidle")
            await shoot(page, "figures")
        assert errors == []


async def _line_with(stream: asyncio.StreamReader, pattern: re.Pattern[str]) -> re.Match[str]:
    seen: list[str] = []
    while True:
        raw = await stream.readline()
        if not raw:
            raise AssertionError("the demo ended without a login link:\n" + "".join(seen[-30:]))
        line = raw.decode("utf-8", "replace")
        seen.append(line)
        found = pattern.search(line)
        if found:
            return found


async def test_demo_serve_prints_login_links_that_work_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    data = tmp_path / "demo"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "demo",
        "--serve",
        "--data",
        str(data),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    try:
        staff = await asyncio.wait_for(
            _line_with(process.stdout, re.compile(r"staff\s+\S+\s+" + LINK.pattern)), 120
        )
        base, path = staff.group(1), staff.group(2)
        leader = await asyncio.wait_for(_line_with(process.stdout, LINK), 10)
        liaison = await asyncio.wait_for(_line_with(process.stdout, LINK), 10)
        assert len({path, leader.group(2), liaison.group(2)}) == 3
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(base_url=base, cookie_jar=jar) as http:
            async with http.get(path) as response:
                assert response.status == 200
            async with http.post(path) as response:
                page = await response.text()
                # The demo's problems and suggestion are on the staff member's list.
                assert response.status == 200 and "共 3 条" in page, page
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 30) == 0
        assert (data / "transcript.txt").exists()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
