"""Logging in to the console: one-time links, sessions, CSRF, and who may come in at all."""

from __future__ import annotations

from bot.people import Role
from tests.web_steps import Desk, desk

__all__ = ["desk"]


async def test_a_link_logs_in_once_and_the_list_shows(desk: Desk) -> None:
    bot = desk.bot
    user = await bot.join("王工作", Role.STAFF)
    person = await bot.person(user)
    browser = await desk.browser()
    try:
        link = await desk.login_link(person)
        status, page = await browser.get(link)
        assert status == 200 and "登录" in page
        status, page = await browser.post(link)
        assert status == 200 and "共 0 条" in page, page
        other = await desk.browser()
        status, page = await other.post(link)
        assert status == 403 and "已使用或已过期" in page
        await other.close()
    finally:
        await browser.close()
