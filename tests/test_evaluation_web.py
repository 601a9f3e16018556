"""The console's /evaluation page over real HTTP: staff see the turnout, then the results and
their workbook; anyone else gets the polite refusal."""

from __future__ import annotations

import io
import re

import openpyxl

from bot.jobs import run_daily_jobs
from bot.people import Role
from tests.evaluation_steps import choose, first_ballot, morning, open_round
from tests.web_steps import Desk, desk

__all__ = ["desk"]


async def test_staff_follow_the_evaluation_on_the_console(desk: Desk) -> None:
    bot = desk.bot
    staff_phone = await bot.join("赵敏", Role.STAFF, group=None)
    wang = await bot.join("王芳")
    leader_phone = await bot.join("张伟", Role.LEADER)
    async with (
        desk.browsing(await bot.person(staff_phone)) as staff,
        desk.browsing(await bot.person(leader_phone)) as leader,
    ):
        status, page = await staff.get("/evaluation")
        assert status == 200 and 'id="evaluation-none"' in page
        assert 'id="nav-evaluation"' in page

        await open_round(staff_phone)
        await first_ballot(wang)
        await choose(wang, "基本满意")
        await choose(wang, "稍后再评")

        # Open: the turnout, and no results yet (nor their file).
        status, page = await staff.get("/evaluation")
        assert status == 200
        assert 'data-voters="2" data-finished="0" data-started="1"' in page
        assert 'id="evaluation-hidden"' in page and 'id="evaluation-results"' not in page
        status, page = await staff.get("/evaluation.xlsx")
        assert status == 403 and "测评结束后" in page

        # Others are refused politely, and see no link to the page.
        status, page = await leader.get("/evaluation")
        assert status == 403 and "无权使用" in page
        _status, items = await leader.get("/items")
        assert 'id="nav-evaluation"' not in items
        status, _page = await leader.get("/evaluation.xlsx")
        assert status == 403

        bot.clock.set(morning(27))
        assert (await run_daily_jobs(bot.services, bot.now()))["evaluation_closed"] == 1
        await staff.login(await bot.person(staff_phone))  # eleven days on: a new session
        status, page = await staff.get("/evaluation")
        assert status == 200 and 'id="evaluation-results"' in page
        row = re.search(r'<tr data-code="C01">(.*?)</tr>', page, re.S)
        assert row is not None
        cells = re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row.group(1))
        assert cells == ["C01", "提升公共卫生应急能力", "0", "1", "0", "1", "100.0%", "基本满意"]

        async with staff.http.get("/evaluation.xlsx") as response:
            assert response.status == 200
            assert "attachment" in response.headers["Content-Disposition"]
            body = await response.read()
        sheet = openpyxl.load_workbook(io.BytesIO(body))["测评结果"]
        first = next(sheet.iter_rows(min_row=5, values_only=True))
        assert first == ("C01", "提升公共卫生应急能力", 0, 1, 0, 1, 1, "基本满意")
