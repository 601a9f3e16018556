"""Who reaches what in the console, over real HTTP: roles × scopes, CSRF, logins and sessions.

Every refusal is checked for what it leaves behind as well: the item's status and its events.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.errors import Refused
from bot.people import Person, PersonChange, Role
from bot.records import PhotoTarget
from bot.usecases import people
from bot.usecases.web_login import issue_link
from bot.webapp_auth import sign
from tests.conftest import TOKEN
from tests.images import make_jpeg
from tests.test_web_actions import Cast, cast, events, forwarded, new_items, status
from tests.web_steps import Browser, Desk, desk
from web.actions import ACTIONS
from web.keys import SESSION_COOKIE

__all__ = ["desk"]

FIELDS = {"text": "与本单位无关的说明。", "unit": "1", "class": "A", "target": "1"}


async def unit_items(desk: Desk) -> tuple[Cast, int, int]:
    """An item forwarded to each unit: (cast, the first unit's, the other unit's)."""
    bot = desk.bot
    c = await cast(bot)
    mine, theirs = await new_items(bot, c.deputy, 2)
    await forwarded(bot, c, mine)
    await forwarded(bot, c, theirs, c.other_unit_id)
    return c, mine, theirs


async def untouched_by_every_action(
    desk: Desk, browser: Browser, item_id: int, own_item: int
) -> None:
    """Each action's form, sent for an item outside the caller's reach: not found, no change.

    The form key and CSRF token are real ones, from a page the caller may open.
    """
    bot = desk.bot
    before = (await status(bot, item_id), await events(bot, item_id))
    key = await browser.form_key(own_item)
    assert key
    for action in ACTIONS:
        form = aiohttp.FormData({"_csrf": browser.csrf, "_key": key, **FIELDS})
        code, page = await browser.post(f"/items/{item_id}/{action}", data=form)
        assert code == 404 and "找不到该事项" in page, (action, code)
    assert (await status(bot, item_id), await events(bot, item_id)) == before


async def test_a_liaison_sees_and_acts_on_their_own_units_items_only(desk: Desk) -> None:
    bot = desk.bot
    c, mine, theirs = await unit_items(desk)
    photo = make_jpeg(900, 700, pattern_seed=91)
    target = PhotoTarget(item_id=theirs, purpose="evidence")
    await bot.services.evidence.ingest(
        photo,
        person_id=c.staff.id,
        target=target,
        site=None,
        reference_time=bot.now(),
        as_file=True,
        file_unique_id="scope-1",
        now=bot.now(),
    )
    [stored] = await bot.services.photos.of(target)
    other = await bot.services.items.get(theirs)
    assert other is not None
    async with desk.browsing(c.liaison) as browser:
        code, page = await browser.get(f"/items/{theirs}")
        assert code == 404 and other.description not in page
        assert other.display_number not in page
        for size in ("thumb", "display", "original"):
            code, _page = await browser.get(f"/items/{theirs}/photos/{stored.id}/{size}")
            assert code == 404
        await untouched_by_every_action(desk, browser, theirs, mine)

        # The list's unit filter cannot widen the reach: another unit's id shows nothing of it.
        mine_item = await bot.services.items.get(mine)
        assert mine_item is not None
        code, page = await browser.get(f"/items?unit={c.other_unit_id}")
        assert code == 200 and other.display_number not in page
        code, page = await browser.get("/items")
        assert mine_item.display_number in page and other.display_number not in page

        # Their own item: who raised it stays the congress's (the history names the role only).
        code, page = await browser.get(f"/items/{mine}")
        assert code == 200 and "王芳" not in page and "1 位代表" in page
        assert "已提交 · 人大代表" in page


async def test_a_leader_reaches_their_own_group_only(desk: Desk) -> None:
    bot = desk.bot
    c = await cast(bot)
    g02 = await bot.join("周代表", group="G02")
    [mine] = await new_items(bot, c.deputy)
    [theirs] = await new_items(bot, g02)
    item = await bot.services.items.get(theirs)
    assert item is not None and item.status == "submitted"
    async with desk.browsing(c.leader) as browser:
        code, page = await browser.get(f"/items/{theirs}")
        assert code == 404 and item.description not in page
        await untouched_by_every_action(desk, browser, theirs, mine)
        # Within reach, an action the role does not have is refused by the core's own checks.
        before = await events(bot, mine)
        code, page = await browser.act(mine, "sign_for")
        assert code == 403, page
        code, page = await browser.act(mine, "forward", unit=c.unit_id)
        assert code == 403, page
        assert (await status(bot, mine), await events(bot, mine)) == ("submitted", before)


async def test_a_deputy_has_no_console(desk: Desk) -> None:
    bot = desk.bot
    deputy = await bot.person(await bot.join("王芳"))
    with pytest.raises(Refused) as refused:
        await issue_link(bot.services, deputy, bot.now())
    assert refused.value.key == "web.not_for_role"
    async with desk.browsing() as browser:
        code, page = await browser.post(
            "/login-webapp", json={"initData": init_data(deputy, bot.now())}
        )
        assert code == 403 and "代表请在手机对话中操作" in page, page


def init_data(person: Person, at: datetime, *, forged: bool = False) -> str:
    """The Mini App's initData as Telegram signs it at `at`, for the person's Telegram account."""
    pairs = {
        "auth_date": str(int(at.timestamp())),
        "query_id": "AAH-test",
        "user": json.dumps({"id": person.telegram_user_id, "first_name": "x"}),
    }
    pairs["hash"] = sign(pairs, "654321:OTHER-TOKEN" if forged else TOKEN)
    return urlencode(pairs)


async def test_changes_need_the_sessions_csrf_token(desk: Desk) -> None:
    bot = desk.bot
    c = await cast(bot)
    [item_id] = await new_items(bot, c.deputy)
    before = await events(bot, item_id)
    async with desk.browsing(c.leader) as browser:
        key = await browser.form_key(item_id)
        assert key
        for token in (None, "not-the-token", ""):
            form = {"_key": key} | ({} if token is None else {"_csrf": token})
            code, page = await browser.post(f"/items/{item_id}/accept", data=form)
            assert code == 403 and "页面已过期" in page, page
        # The right token without the form's own key: not a form of this page, refused too.
        code, page = await browser.post(f"/items/{item_id}/accept", data={"_csrf": browser.csrf})
        assert code == 403 and "页面已过期" in page, page
        assert await status(bot, item_id) == "submitted" and await events(bot, item_id) == before


async def test_login_links_work_once_and_for_minutes(desk: Desk) -> None:
    bot = desk.bot
    c = await cast(bot)
    minutes = bot.settings.web.login_link_minutes
    old = await desk.login_link(c.staff)
    bot.clock.set(bot.now() + timedelta(minutes=minutes, seconds=1))
    async with desk.browsing() as browser:
        code, page = await browser.post(old)
        assert code == 403 and "已使用或已过期" in page, page
        fresh = await desk.login_link(c.staff)
        code, page = await browser.post(fresh)
        assert code == 200, page
        other = await desk.browser()
        code, page = await other.post(fresh)
        assert code == 403 and "已使用或已过期" in page, page
        await other.close()


async def test_an_idle_session_and_a_logged_out_one_end(desk: Desk) -> None:
    bot = desk.bot
    c = await cast(bot)
    async with desk.browsing(c.staff) as browser:
        bot.clock.set(bot.now() + timedelta(minutes=bot.settings.web.session_idle_minutes + 1))
        code, page = await browser.get("/items", allow_redirects=False)
        assert code == 303
        code, page = await browser.get("/items")
        assert code == 200 and "一次性登录链接" in page, page

    async with desk.browsing(c.staff) as browser:
        token = next(m.value for m in browser.http.cookie_jar if m.key == SESSION_COOKIE)
        code, _page = await browser.post("/logout", data={"_csrf": browser.csrf})
        assert code == 200
    async with aiohttp.ClientSession(base_url=desk.base) as stale:
        headers = {"Cookie": f"{SESSION_COOKIE}={token}"}
        async with stale.get("/items", headers=headers, allow_redirects=False) as response:
            assert response.status == 303 and response.headers["Location"] == "/login"


async def test_a_moved_liaison_sees_the_new_units_items_on_the_next_request(desk: Desk) -> None:
    bot = desk.bot
    c, mine, theirs = await unit_items(desk)
    async with desk.browsing(c.liaison) as browser:
        assert (await browser.get(f"/items/{mine}"))[0] == 200
        assert (await browser.get(f"/items/{theirs}"))[0] == 404
        seen = await bot.services.manage.person_card(c.liaison.id)
        assert seen is not None
        change = PersonChange(Role.LIAISON, None, c.other_unit_id, True)
        await people.change_person(bot.services, c.staff, seen, change, now=bot.now())
        assert (await browser.get(f"/items/{mine}"))[0] == 404
        assert (await browser.get(f"/items/{theirs}"))[0] == 200
        before = (await status(bot, mine), await events(bot, mine))
        code, _page = await browser.post(
            f"/items/{mine}/sign_for", data={"_csrf": browser.csrf, "_key": "a-fresh-key-1"}
        )
        assert code == 404
        assert (await status(bot, mine), await events(bot, mine)) == before


async def test_the_mini_app_logs_in_with_telegrams_signed_data_only(desk: Desk) -> None:
    bot = desk.bot
    c = await cast(bot)
    max_age = timedelta(minutes=bot.settings.web.webapp_max_age_minutes)
    async with desk.browsing() as browser:
        forged = init_data(c.staff, bot.now(), forged=True)
        code, page = await browser.post("/login-webapp", json={"initData": forged})
        assert code == 403 and "无法验证登录信息" in page, page
        stale = init_data(c.staff, bot.now() - max_age - timedelta(minutes=1))
        code, page = await browser.post("/login-webapp", json={"initData": stale})
        assert code == 403 and "登录信息已过期" in page, page
        code, page = await browser.get("/items", allow_redirects=False)
        assert code == 303
        code, page = await browser.post(
            "/login-webapp", json={"initData": init_data(c.staff, bot.now())}
        )
        assert code == 200 and "赵工作" in page, page


async def test_too_many_login_attempts_from_one_address_are_refused(desk: Desk) -> None:
    bot = desk.bot
    c = await cast(bot)
    limit = bot.settings.web.login_attempts_per_minute
    headers = {"X-Forwarded-For": "203.0.113.7"}
    async with desk.browsing() as browser:
        for _ in range(limit):
            code, page = await browser.post("/login/not-a-token", headers=headers)
            assert code == 403 and "已使用或已过期" in page, page
        good = await desk.login_link(c.staff)
        code, page = await browser.post(good, headers=headers)
        assert code == 403 and "登录尝试过于频繁" in page, page
        # Another address is not held back, and a minute later neither is this one (each in a
        # browser of its own: a signed-in browser's posts need its CSRF token).
        other = await desk.browser()
        code, page = await other.post(good, headers={"X-Forwarded-For": "203.0.113.8"})
        await other.close()
        assert code == 200, page
        bot.clock.set(bot.now() + timedelta(minutes=1))
        code, page = await browser.post(await desk.login_link(c.staff), headers=headers)
        assert code == 200, page


async def test_an_items_photos_show_under_their_purpose_and_each_size_is_served(
    desk: Desk,
) -> None:
    """The item's page groups its photos by purpose (one query for them all), and each photo's
    address serves the stored file of that size; originals for staff only."""
    bot = desk.bot
    c, mine, _theirs = await unit_items(desk)
    stored = {}
    for n, purpose in enumerate(("evidence", "response")):
        target = PhotoTarget(item_id=mine, purpose=purpose)
        await bot.services.evidence.ingest(
            make_jpeg(900, 700, pattern_seed=60 + n),
            person_id=c.staff.id,
            target=target,
            site=None,
            reference_time=bot.now(),
            as_file=True,
            file_unique_id=f"purpose-{n}",
            now=bot.now(),
        )
        [stored[purpose]] = await bot.services.photos.of(target)
    root = bot.services.store.root
    async with desk.browsing(c.staff) as browser:
        code, page = await browser.get(f"/items/{mine}")
        assert code == 200
        evidence, response = stored["evidence"], stored["response"]
        # Each photo under its own heading: the evidence before the answer's heading.
        head = page.index("答复照片")
        assert page.index(f"/photos/{evidence.id}/thumb") < head
        assert page.index(f"/photos/{response.id}/thumb") > head
        for photo in (evidence, response):
            files = {
                "thumb": photo.thumb_path,
                "display": photo.display_path,
                "original": photo.original_path,
            }
            assert len({(root / f).read_bytes() for f in files.values()}) == 3
            for size, file in files.items():
                async with browser.http.get(f"/items/{mine}/photos/{photo.id}/{size}") as got:
                    assert got.status == 200
                    assert await got.read() == (root / file).read_bytes()
        code, _page = await browser.get(f"/items/{mine}/photos/{evidence.id}/huge")
        assert code == 404
    async with desk.browsing(c.liaison) as browser:
        async with browser.http.get(f"/items/{mine}/photos/{response.id}/display") as got:
            assert got.status == 200
        code, _page = await browser.get(f"/items/{mine}/photos/{response.id}/original")
        assert code == 404
