"""The console's /plan page over real HTTP: a leader plans a visit with the chat's use case,
the deputies are told, staff see every group's tasks, a liaison sees none, a forged form changes
nothing."""

from __future__ import annotations

import re

from bot.people import Role
from tests.steps import check_in
from tests.web_steps import FORM_KEY, Desk, desk

__all__ = ["desk"]


async def test_a_leader_plans_from_the_console_and_staff_see_it(desk: Desk) -> None:
    bot = desk.bot
    leader = await bot.join("张伟", Role.LEADER)
    wang, li = await bot.join("王芳"), await bot.join("李强")
    staff = await bot.join("赵敏", Role.STAFF)
    liaison = await bot.join("钱进", Role.LIAISON)
    site, foreign = await bot.site_of_group("G01"), await bot.site_of_group("G02")
    wang_id, li_id = (await bot.person(wang)).id, (await bot.person(li)).id

    async with desk.browsing(await bot.person(leader)) as browser:
        status, page = await browser.get("/plan")
        assert status == 200 and 'id="nav-plan"' in page and 'id="new-task"' in page
        assert f'value="site:{site.id}"' in page and f'value="site:{foreign.id}"' not in page
        assert "当前阶段：监督推进" in page and "尚无监督任务" in page
        key = FORM_KEY.search(page)
        assert key is not None
        form = {
            "_csrf": browser.csrf,
            "_key": key.group(1),
            "target": f"site:{site.id}",
            "first": "2020-06-16",
            "last": "2020-06-18",
        }
        fields = [*form.items(), ("deputy", str(wang_id)), ("deputy", str(li_id))]
        status, page = await browser.post("/plan", data=fields)
        assert status == 200 and 'id="created"' in page, page
        # The same form again (a double click): one task.
        status, _ = await browser.post("/plan", data=fields)
        assert status == 200
        assert await bot.value("SELECT COUNT(*) FROM tasks") == 1
        assert await bot.value("SELECT COUNT(*) FROM task_deputies") == 2
        notice = await wang.next_message()
        assert "新的监督任务" in (notice.text or "") and site.name in (notice.text or "")

        # Another group's site, by a forged form: refused, nothing stored.
        _, page = await browser.get("/plan")
        forged = dict(form, _key=FORM_KEY.search(page).group(1), target=f"site:{foreign.id}")  # type: ignore[union-attr]
        status, page = await browser.post("/plan", data=[*forged.items(), ("deputy", str(wang_id))])
        assert status == 403 and "只能为本组" in page
        assert await bot.value("SELECT COUNT(*) FROM tasks") == 1

        await check_in(bot, wang)
        _, page = await browser.get("/plan")
        states = dict(re.findall(r'data-person="(\d+)" data-state="(\w+)"', page))
        assert states == {str(wang_id): "done", str(li_id): "open"}

    async with desk.browsing(await bot.person(staff)) as browser:
        status, page = await browser.get("/plan")
        assert status == 200 and 'id="new-task"' not in page
        assert page.count('data-task="') == 2 and "第一监督小组" in page
        assert 'data-figure="overdue"' in page

    async with desk.browsing(await bot.person(liaison)) as browser:
        _, items = await browser.get("/items")
        assert 'id="nav-plan"' not in items
        status, _ = await browser.get("/plan")
        assert status == 403
