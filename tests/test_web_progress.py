"""The console's projects pages over real HTTP: the board within each reach, a sub-item's page
with the unit's reports beside deputies' observations, and a liaison's report from the web."""

from __future__ import annotations

import aiohttp

from bot.people import Role
from bot.usecases import progress
from bot.usecases.acting import Caller
from tests.steps import check_in
from tests.web_steps import FORM_KEY, Browser, Desk, desk

__all__ = ["desk"]


async def _subitem_id(d: Desk, code: str) -> int:
    value = await d.bot.value("SELECT id FROM subitems WHERE code = ?", code)
    assert isinstance(value, int)
    return value


async def _send(browser: Browser, subitem_id: int, key: str, **fields: str) -> tuple[int, str]:
    form = aiohttp.FormData({"_csrf": browser.csrf, "_key": key, **fields})
    return await browser.post(f"/projects/{subitem_id}/report", data=form)


async def test_projects_pages_within_each_reach(desk: Desk) -> None:
    staff = await desk.signed_in("赵工作", Role.STAFF, group=None)
    leader = await desk.signed_in("李组长", Role.LEADER, group="G01")
    liaison = await desk.signed_in("钱联络", Role.LIAISON, group=None, unit="health")
    try:
        status, page = await staff.get("/projects")
        assert status == 200
        assert 'data-project="C01"' in page and 'data-project="SC10"' in page
        assert 'href="/projects"' in page  # the nav link

        status, page = await leader.get("/projects")
        assert 'data-project="C01"' in page and 'data-project="C02"' not in page
        status, page = await leader.get(f"/projects/{await _subitem_id(desk, 'C02-1')}")
        assert status == 404 and "未找到该子项" in page

        status, page = await liaison.get("/projects")
        assert 'data-subitem="C01-3"' in page and 'data-subitem="C02-1"' not in page
        # A leader sees no report form; the lead unit's liaison does.
        c013 = await _subitem_id(desk, "C01-3")
        status, page = await leader.get(f"/projects/{c013}")
        assert status == 200 and 'id="report-form"' not in page
    finally:
        for browser in (staff, leader, liaison):
            await browser.close()


async def test_a_liaison_reports_from_the_web_and_staff_compare(desk: Desk) -> None:
    bot = desk.bot
    liaison = await desk.signed_in("钱联络", Role.LIAISON, group=None, unit="health")
    staff = await desk.signed_in("赵工作", Role.STAFF, group=None)
    c011 = await _subitem_id(desk, "C01-1")
    target_id = await bot.value("SELECT id FROM targets WHERE subitem_id = ?", c011)
    try:
        status, page = await liaison.get(f"/projects/{c011}")
        assert status == 200 and 'id="report-form"' in page
        found = FORM_KEY.search(page)
        assert found is not None
        key = found.group(1)

        # A bad number: a polite page, nothing stored.
        status, page = await _send(liaison, c011, key, **{f"v{target_id}": "一个", "note": "x"})
        assert status == 403 and "请输入一个不小于 0 的数字" in page
        assert await bot.value("SELECT COUNT(*) FROM progress_reports") == 0

        fields = {f"v{target_id}": "1", "note": "实验室已建成，通过验收。"}
        status, page = await _send(liaison, c011, key, **fields)
        assert status == 200 and 'id="saved"' in page
        # The same form sent again (a double click, a resend): one report.
        await _send(liaison, c011, key, **fields)
        assert await bot.value("SELECT COUNT(*) FROM progress_reports") == 1
        assert await bot.value("SELECT via FROM progress_reports") == "web"

        # A deputy saw it on a visit; staff see both side by side.
        deputy = await bot.join("王芳")
        await check_in(bot, deputy)
        person = await bot.person(deputy)
        visit_id = await bot.value("SELECT id FROM visits")
        await progress.record_observation(
            bot.services,
            Caller(person, bot.now(), "test:observe"),
            visit_id,
            {target_id: "0"},
            "现场看到实验室仍在施工。",
        )
        status, page = await staff.get(f"/projects/{c011}")
        assert status == 200
        reports, observations = page.split('id="reports"')[1].split('id="observations"')
        assert "钱联络" in reports and "实验室已建成，通过验收。" in reports
        assert "王芳" in observations and "现场看到实验室仍在施工。" in observations
        assert "已完成" in page and 'id="report-form"' not in page

        # Staff cannot report for a unit.
        status, page = await _send(staff, c011, "abcdefgh12", **fields)
        assert status == 403
        assert await bot.value("SELECT COUNT(*) FROM progress_reports") == 1
        status, page = await staff.get("/projects")
        assert 'data-subitem="C01-1" data-status="done"' in page
    finally:
        await liaison.close()
        await staff.close()
