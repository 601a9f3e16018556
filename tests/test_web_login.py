"""Logging in to the console: one-time links, sessions, CSRF, and who may come in at all."""

from __future__ import annotations

from bot.people import Role
from tests.web_steps import Desk, desk

__all__ = ["desk"]


async def test_a_link_logs_in_once_and_the_list_shows(desk: Desk) -> None:
    bot = desk.bot
    user = await bot.join("王工作", Role.STAFF)
    person = await bot.person(user)
    async with desk.browsing() as browser:
        link = await desk.login_link(person)
        status, page = await browser.get(link)
        assert status == 200 and "登录" in page
        status, page = await browser.post(link)
        assert status == 200 and "共 0 条" in page, page
        other = await desk.browser()
        status, page = await other.post(link)
        assert status == 403 and "已使用或已过期" in page
        await other.close()


async def test_web_in_the_chat_sends_a_link_that_opens_the_console(desk: Desk) -> None:
    bot = desk.bot
    liaison = await bot.join("李联络", Role.LIAISON, unit="health")
    await liaison.send_text("/web")
    message = await liaison.next_message()
    text = message.text or ""
    assert "网页工作台" in text and "10 分钟" in text
    link = text[text.index(desk.base) :].split()[0]
    async with desk.browsing() as browser:
        status, page = await browser.get(link)
        assert status == 200
        status, page = await browser.post(link)
        assert status == 200 and "李联络" in page and "单位联络员" in page


async def test_a_deputy_is_told_the_console_is_not_for_them(desk: Desk) -> None:
    deputy = await desk.bot.join("赵代表")
    await deputy.send_text("/web")
    message = await deputy.next_message()
    assert "代表请在手机对话中操作" in (message.text or "")
    assert await desk.bot.value("SELECT COUNT(*) FROM web_links") == 0
