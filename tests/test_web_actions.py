"""Acting on items in the console: the chat's use cases, over real HTTP, with the chat's results.

Items reach their status through the same use cases the chat calls (tests/steps.py makes them);
each step the test takes is a form sent from the item's page, as a person's browser sends it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import aiohttp

from bot.bootstrap import database_of
from bot.people import Person, Role
from bot.usecases import forwarding, review, unit
from bot.usecases.acting import Caller
from localapi import SimUser
from tests.conftest import Harness
from tests.images import make_jpeg
from tests.steps import delivered, submitted_suggestions
from tests.web_steps import Browser, Desk, desk

__all__ = ["desk"]

# The first site of G01 (tests/steps.py) is of sub-item C01-1; "health" (市卫健委) leads it.
UNIT, OTHER_UNIT = "health", "edu"


@dataclass
class Cast:
    """A deputy of G01, the G01 leader, staff and the liaisons of two units."""

    deputy: SimUser
    leader: Person
    staff_user: SimUser
    staff: Person
    liaison_user: SimUser
    liaison: Person
    other_liaison: Person
    unit_id: int
    other_unit_id: int


async def cast(bot: Harness) -> Cast:
    deputy = await bot.join("王芳")
    leader = await bot.person(await bot.join("李组长", Role.LEADER, group="G01"))
    staff_user = await bot.join("赵工作", Role.STAFF, group=None)
    liaison_user = await bot.join("钱联络", Role.LIAISON, group=None, unit=UNIT)
    other = await bot.person(await bot.join("孙联络", Role.LIAISON, group=None, unit=OTHER_UNIT))
    ids = []
    for code in (UNIT, OTHER_UNIT):
        found = await bot.services.catalog.unit_by_code(bot.services.campaign.id, code)
        assert found is not None
        ids.append(found.id)
    liaison, staff = await bot.person(liaison_user), await bot.person(staff_user)
    return Cast(deputy, leader, staff_user, staff, liaison_user, liaison, other, ids[0], ids[1])


async def new_items(bot: Harness, author: SimUser, count: int = 1) -> list[int]:
    return await submitted_suggestions(bot, author, count)


async def accepted(bot: Harness, c: Cast, item_id: int) -> None:
    acted = await review.accept(bot.services, Caller(c.leader, bot.now()), item_id)
    assert acted.applied


async def forwarded(bot: Harness, c: Cast, item_id: int, unit_id: int | None = None) -> None:
    await accepted(bot, c, item_id)
    item = await bot.services.items.get(item_id)
    assert item is not None
    done = await forwarding.forward_items(
        bot.services,
        Caller(c.staff, bot.now()),
        unit_id or c.unit_id,
        [item_id],
        meant_for=forwarding.destination(item),
    )
    assert done.items


async def one_forwarded(bot: Harness) -> tuple[Cast, int]:
    """The cast, and a suggestion of its deputy's accepted and forwarded to the first unit."""
    c = await cast(bot)
    [item_id] = await new_items(bot, c.deputy)
    await forwarded(bot, c, item_id)
    return c, item_id


async def status(bot: Harness, item_id: int) -> str:
    return str(await bot.value("SELECT status FROM items WHERE id = ?", item_id))


async def events(bot: Harness, item_id: int, kind: str | None = None) -> int:
    if kind is None:
        return int(await bot.value("SELECT COUNT(*) FROM item_events WHERE item_id = ?", item_id))
    return int(
        await bot.value(
            "SELECT COUNT(*) FROM item_events WHERE item_id = ? AND kind = ?", item_id, kind
        )
    )


async def photos(bot: Harness, item_id: int, purpose: str) -> int:
    return int(
        await bot.value(
            "SELECT COUNT(*) FROM photos WHERE item_id = ? AND purpose = ?", item_id, purpose
        )
    )


async def audit(bot: Harness, item_id: int) -> list[tuple[str, str]]:
    rows = await database_of(bot.services).fetch_all(
        "SELECT action, outcome FROM web_audit WHERE target = ? ORDER BY id", (f"item:{item_id}",)
    )
    return [(str(r[0]), str(r[1])) for r in rows]


async def test_a_leader_accepts_in_the_console_and_the_author_is_told(desk: Desk) -> None:
    bot = desk.bot
    c = await cast(bot)
    [item_id] = await new_items(bot, c.deputy)
    async with desk.browsing(c.leader) as browser:
        code, page = await browser.get(f"/items/{item_id}")
        assert code == 200 and 'id="do-accept"' in page, page
        code, page = await browser.act(item_id, "accept")
        assert code == 200 and "已审核通过。" in page, page
    assert await status(bot, item_id) == "reviewed"
    actor = await bot.value(
        "SELECT actor_id FROM item_events WHERE item_id = ? AND to_status = 'reviewed'", item_id
    )
    assert actor == c.leader.id
    await delivered(c.deputy, "已通过小组审核")
    assert await audit(bot, item_id) == [("accept", "done")]


async def test_staff_forward_and_the_liaison_is_told_in_the_chat(desk: Desk) -> None:
    bot = desk.bot
    c = await cast(bot)
    [item_id] = await new_items(bot, c.deputy)
    await accepted(bot, c, item_id)
    async with desk.browsing(c.staff) as browser:
        before = await events(bot, item_id)
        # A unit that is not a number is a polite refusal, and nothing moves.
        code, page = await browser.act(item_id, "forward", unit="市卫健委")
        assert code == 403 and "请选择单位" in page, page
        assert await status(bot, item_id) == "reviewed" and await events(bot, item_id) == before
        code, page = await browser.act(item_id, "forward", unit=c.unit_id)
        assert code == 200 and "已交办。" in page, page
    item = await bot.services.items.get(item_id)
    assert item is not None and (item.status, item.unit_id) == ("forwarded", c.unit_id)
    await delivered(c.liaison_user, "新交办事项", item.display_number)
    await delivered(c.deputy, "已交办责任单位办理")
    assert await audit(bot, item_id) == [
        ("forward", "refused: web.form.unit_missing"),
        ("forward", "done"),
    ]


async def test_a_liaison_signs_for_reports_progress_and_answers_with_a_photo(desk: Desk) -> None:
    bot = desk.bot
    c, item_id = await one_forwarded(bot)
    async with desk.browsing(c.liaison) as browser:
        code, page = await browser.act(item_id, "sign_for")
        assert code == 200 and "已签收。" in page, page
        assert await status(bot, item_id) == "in_progress"
        code, page = await browser.act(item_id, "progress", text="已组织施工单位现场核查。")
        assert code == 200 and "进展已报告。" in page, page
        assert await events(bot, item_id, "progress") == 1
        await delivered(c.deputy, "办理进展", "已组织施工单位现场核查")

        # Without a class the answer is refused before anything is stored.
        code, page = await browser.act(item_id, "answer", text="已增设遮阳棚两处。")
        assert code == 403 and "请选择答复类型" in page, page
        assert await status(bot, item_id) == "in_progress"

        photo = make_jpeg(1200, 900, pattern_seed=77)
        code, page = await browser.act(
            item_id,
            "answer",
            **{"class": "A", "text": "已增设遮阳棚两处。"},
            photos=("fix.jpg", photo),
        )
        assert code == 200 and "答复已提交" in page, page
    assert await status(bot, item_id) == "answered"
    assert await photos(bot, item_id, "response") == 1
    response = await bot.services.ratings.response(item_id)
    assert response is not None and response.response_class == "A" and not response.on_paper
    rating = await delivered(c.deputy, "已答复", "请评价本次答复")
    assert "满意" in rating.buttons
    assert [a for a, _o in await audit(bot, item_id)] == [
        "sign_for",
        "progress",
        "answer",
        "answer",
    ]


async def test_a_liaison_returns_within_the_window_and_staff_are_told(desk: Desk) -> None:
    bot = desk.bot
    c, item_id = await one_forwarded(bot)
    async with desk.browsing(c.liaison) as browser:
        code, page = await browser.act(item_id, "return", text="   ")
        assert code == 403 and "请填写说明文字" in page, page
        assert await status(bot, item_id) == "forwarded"
        code, page = await browser.act(item_id, "return", text="该事项属于市教育局职责。")
        assert code == 200 and "已退回。" in page, page
    assert await status(bot, item_id) == "returned"
    await delivered(c.staff_user, "认为不属于本单位职责", "市教育局职责")


async def _send_twice(browser: Browser, item_id: int, action: str, text: str) -> list[int]:
    """One page, one form, sent twice (a double click): the same `_key` both times."""
    key = await browser.form_key(item_id)
    assert key
    codes = []
    for _ in range(2):
        form = aiohttp.FormData({"_csrf": browser.csrf, "_key": key, "text": text})
        code, _page = await browser.post(f"/items/{item_id}/{action}", data=form)
        codes.append(code)
    return codes


async def test_the_same_form_sent_twice_acts_once(desk: Desk) -> None:
    bot = desk.bot
    c = await cast(bot)
    first, second = await new_items(bot, c.deputy, 2)
    await forwarded(bot, c, first)
    async with desk.browsing(c.leader) as leader, desk.browsing(c.liaison) as liaison:
        # Progress keeps the status: only the form's key tells the second copy apart.
        assert await _send_twice(liaison, first, "progress", "正在协调施工单位。") == [200, 200]
        assert await events(bot, first, "progress") == 1
        # A decision moves the item on: the second copy finds it decided.
        before = await events(bot, second)
        codes = await _send_twice(leader, second, "decline", "与本次视察无关。")
        assert codes == [200, 403], codes
        assert await status(bot, second) == "declined"
        assert await events(bot, second) == before + 1


async def test_a_fake_image_is_refused_and_nothing_changes(desk: Desk) -> None:
    bot = desk.bot
    c, item_id = await one_forwarded(bot)
    before = await events(bot, item_id)
    async with desk.browsing(c.liaison) as browser:
        real = make_jpeg(1200, 900, pattern_seed=78)
        key = await browser.form_key(item_id)
        assert key
        form = aiohttp.FormData({"_csrf": browser.csrf, "_key": key})
        form.add_field("class", "A")
        form.add_field("text", "已增设遮阳棚两处。")
        # A good photo and a bad one: the good one is not kept either.
        form.add_field("photos", real, filename="ok.jpg", content_type="image/jpeg")
        form.add_field("photos", os.urandom(4096), filename="fix.jpg", content_type="image/jpeg")
        code, page = await browser.post(f"/items/{item_id}/answer", data=form)
        assert code == 403 and "不是可识别的图片" in page, page
    assert await status(bot, item_id) == "forwarded"
    assert await events(bot, item_id) == before
    assert await photos(bot, item_id, "response") == 0
    assert await audit(bot, item_id) == [("answer", "refused: photo.not_image")]


async def test_staff_record_a_paper_answer(desk: Desk) -> None:
    bot = desk.bot
    c, item_id = await one_forwarded(bot)
    await unit.sign_for(bot.services, Caller(c.liaison, bot.now()), item_id)
    async with desk.browsing(c.staff) as browser:
        code, page = await browser.act(
            item_id, "paper_answer", **{"class": "D", "text": "已列入计划。"}
        )
        assert code == 403 and "请选择答复类型" in page, page
        code, page = await browser.act(
            item_id, "paper_answer", **{"class": "B", "text": "已列入明年计划。"}
        )
        assert code == 200 and "书面答复已录入。" in page, page
    assert await status(bot, item_id) == "answered"
    response = await bot.services.ratings.response(item_id)
    assert response is not None and response.response_class == "B" and response.on_paper
    await delivered(c.deputy, "已答复", "已列入明年计划")
