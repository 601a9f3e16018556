"""Staff forward picked items from the console's list: the same rule as the chat's /forward."""

from __future__ import annotations

import re

import aiohttp

from bot.people import Role
from tests.steps import submitted_suggestions
from tests.test_forward import accept
from tests.web_steps import Desk, desk

__all__ = ["desk"]

KEY = re.compile(r'id="bulk".*?name="_key" value="([^"]+)"', re.S)


async def test_staff_forward_picked_items_once_and_the_liaison_is_told(desk: Desk) -> None:
    bot = desk.bot
    deputy = await bot.join("王芳")
    leader = await bot.join("张组长", Role.LEADER)
    liaison = await bot.join("李联络", Role.LIAISON, group=None, unit="health")
    staff = await bot.person(await bot.join("工作人员", Role.STAFF, group=None))
    first, second, third = await submitted_suggestions(bot, deputy, 3)
    await accept(bot, leader, first, second)  # the third stays submitted: not pickable
    unit = await bot.services.catalog.unit_by_code(bot.services.campaign.id, "health")
    assert unit is not None

    async with desk.browsing(staff) as browser:
        status, page = await browser.get("/items?status=reviewed")
        assert status == 200
        assert f'value="{first}:' in page and f'value="{second}:' in page
        assert f'value="{third}:' not in page
        key = KEY.search(page)
        assert key is not None
        form = [
            ("_csrf", browser.csrf),
            ("_key", key.group(1)),
            ("unit", str(unit.id)),
            ("pick", f"{first}:0"),
            ("pick", f"{second}:0"),
            ("pick", f"{third}:0"),  # forged: not reviewed, skipped
        ]
        status, page = await browser.post("/items/forward", data=aiohttp.FormData(form))
        assert status == 200 and "已交办 2 条；1 条" in page, page
        # The same form again (a double click) forwards nothing twice.
        status, page = await browser.post("/items/forward", data=aiohttp.FormData(form))
        assert status == 200
        events = await bot.value("SELECT COUNT(*) FROM item_events WHERE to_status = 'forwarded'")
        assert events == 2
        notice = await liaison.next_message()
        assert "交办" in (notice.text or ""), notice.describe()


async def test_a_leader_cannot_forward_from_the_list(desk: Desk) -> None:
    bot = desk.bot
    deputy = await bot.join("王芳")
    leader_user = await bot.join("张组长", Role.LEADER)
    (item_id,) = await submitted_suggestions(bot, deputy, 1)
    await accept(bot, leader_user, item_id)
    async with desk.browsing(await bot.person(leader_user)) as browser:
        status, page = await browser.get("/items")
        assert 'id="bulk"' not in page
        form = {"_csrf": browser.csrf, "_key": "k", "unit": "1", "pick": f"{item_id}:0"}
        status, page = await browser.post("/items/forward", data=form)
        assert status == 403
        assert await bot.value("SELECT status FROM items WHERE id = ?", item_id) == "reviewed"
