"""Ratings are secret from units: a deputy with a name found nowhere else rates an answer 不满意
with a comment found nowhere else; then every screen a liaison can open, in the chat and in the
console (list, item page, CSV, XLSX, map points, /projects), and every notice sent to the
liaison, is searched for both. The unit sees the aggregate; the comment only after staff show it
(chat button or console form), and never its author.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta

import openpyxl

from bot.answer_terms import AnswerGiven
from bot.bootstrap import database_of
from bot.lifecycle import ResponseClass
from bot.people import Person, Role
from bot.usecases import forwarding, review, unit
from bot.usecases.acting import Caller
from localapi import SimUser
from tests.conftest import SHANGHAI, Harness, answer_to
from tests.rating_steps import delivered, press_rating, reload
from tests.steps import delivered as delivered_text
from tests.steps import submitted_suggestions, until
from tests.web_steps import Browser, Desk, desk

__all__ = ["desk"]

RATER = "欧阳紫霞"  # the rater's name: nowhere in the catalog or the other people
COMMENT = "紫色独角兽般的意见"  # the rater's comment


async def _forwarded(bot: Harness, author: SimUser, leader: Person, staff: Person) -> int:
    [item_id] = await submitted_suggestions(bot, author, 1)
    assert (await review.accept(bot.services, Caller(leader, bot.now()), item_id)).applied
    item = await bot.services.items.get(item_id)
    assert item is not None
    found = await bot.services.catalog.unit_by_code(bot.services.campaign.id, "health")
    assert found is not None
    done = await forwarding.forward_items(
        bot.services,
        Caller(staff, bot.now()),
        found.id,
        [item_id],
        meant_for=forwarding.destination(item),
    )
    assert done.items
    return item_id


async def _liaison_chat(liaison: SimUser, number: str) -> str:
    """The /inbox list and the item's card, as the liaison's chat shows them."""
    await liaison.send_text("/inbox")
    listing = await until(liaison, "· 交办事项")
    await liaison.press(number)
    card = await liaison.next_message(edited=True)
    return (listing.text or "") + "\n" + " ".join(listing.buttons) + "\n" + (card.text or "")


async def _liaison_console(browser: Browser, item_id: int, subitem_id: int | None) -> str:
    """Every console page and file a liaison can open about the item, as one text."""
    seen = []
    for path in ("/items", f"/items/{item_id}", "/items.csv", "/map/points.json", "/projects"):
        code, page = await browser.get(path)
        assert code == 200, (path, page)
        seen.append(page)
    if subitem_id is not None:
        code, page = await browser.get(f"/projects/{subitem_id}")
        assert code in (200, 404), page
        seen.append(page)
    async with browser.http.get("/items.xlsx") as response:
        assert response.status == 200
        book = openpyxl.load_workbook(io.BytesIO(await response.read()))
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            seen.append(" ".join(str(v) for v in row if v is not None))
    return "\n".join(seen)


async def _liaison_notices(bot: Harness, liaison: Person) -> str:
    rows = await database_of(bot.services).fetch_all(
        "SELECT payload FROM outbox WHERE person_id = ?", (liaison.id,)
    )
    return "\n".join(json.dumps(json.loads(r[0]), ensure_ascii=False) for r in rows)


async def test_ratings_are_secret_from_units_on_every_screen(desk: Desk) -> None:
    bot = desk.bot
    rater = await bot.join(RATER)
    leader = await bot.person(await bot.join("李组长", Role.LEADER, group="G01"))
    staff_user = await bot.join("赵工作", Role.STAFF, group=None)
    staff = await bot.person(staff_user)
    liaison_user = await bot.join("钱联络", Role.LIAISON, group=None, unit="health")
    liaison = await bot.person(liaison_user)
    item_id = await _forwarded(bot, rater, leader, staff)
    answered = await unit.answer_item(
        bot.services,
        Caller(liaison, bot.now()),
        item_id,
        AnswerGiven(ResponseClass.A, "已增设遮阳棚两处。"),
    )
    assert answered.applied
    item = await reload(bot, answered.item)
    await delivered(bot, rater)

    # The rater votes 不满意 in the chat and comments; the item goes back to the unit.
    press = await press_rating(rater, item, "dissatisfied")
    assert "已记录您的评价" in await answer_to(rater, press)
    await delivered_text(rater, "可以直接输入文字")
    await rater.send_text(COMMENT)
    await delivered_text(rater, "意见已随评价保存")
    back = await reload(bot, item)
    assert (back.status, back.round) == ("in_progress", 2)

    # Staff get the comment with its author, and the button that shows it to the unit.
    told = await delivered_text(staff_user, COMMENT, RATER)
    assert told.buttons == ["向单位公开（不署名）"]

    # The liaison: the verdict and the counts, nothing of who or what they wrote.
    await delivered(bot, liaison_user)
    chat = await _liaison_chat(liaison_user, item.display_number)
    assert "代表评价（第 1 轮）：不满意（满意 0、基本满意 0、不满意 1、弃权 0）" in chat
    async with desk.browsing(liaison) as browser:
        console = await _liaison_console(browser, item_id, item.subitem_id)
    assert "不满意" in console
    notices = await _liaison_notices(bot, liaison)
    assert notices  # the forwarding, and the item sent back
    for seen in (chat, console, notices, *(m.text or "" for m in liaison_user.messages)):
        assert RATER not in seen and COMMENT not in seen

    # Staff see who said what on the item's page.
    async with desk.browsing(staff) as browser:
        code, page = await browser.get(f"/items/{item_id}")
        assert code == 200 and RATER in page and COMMENT in page and "未向单位公开" in page

    # Staff show the comment (the chat's button): the unit reads it, still without the name.
    press = await staff_user.press_data(told.message_id, told.button_data["向单位公开（不署名）"])
    assert "已向单位公开" in await answer_to(staff_user, press)
    edited = await staff_user.next_message(edited=True)
    assert "已向承办单位公开" in (edited.text or "") and edited.buttons == ["不再向单位公开"]
    chat = await _liaison_chat(liaison_user, item.display_number)
    assert f"代表意见：{COMMENT}" in chat and RATER not in chat
    async with desk.browsing(liaison) as browser:
        console = await _liaison_console(browser, item_id, item.subitem_id)
    assert COMMENT in console and RATER not in console

    # Staff hide it again from the console: gone from the unit's screens.
    vote = await database_of(bot.services).fetch_one(
        "SELECT round, person_id FROM ratings WHERE item_id = ?", (item_id,)
    )
    assert vote is not None
    async with desk.browsing(staff) as browser:
        code, page = await browser.act(
            item_id, "show_comment", round=vote[0], voter=vote[1], show=0
        )
        assert code == 200 and "未向单位公开" in page, page
        # A forged voter is refused, and changes nothing.
        code, _page = await browser.act(item_id, "show_comment", round=1, voter=999999, show=1)
        assert code == 403
    async with desk.browsing(liaison) as browser:
        console = await _liaison_console(browser, item_id, item.subitem_id)
        # A liaison cannot show comments themselves.
        code, _page = await browser.act(
            item_id, "show_comment", round=vote[0], voter=vote[1], show=1
        )
        assert code == 403
    assert COMMENT not in console and RATER not in console
    assert await bot.value("SELECT shown_to_unit FROM ratings WHERE item_id = ?", item_id) == 0
    chat = await _liaison_chat(liaison_user, item.display_number)
    assert COMMENT not in chat and RATER not in chat


async def test_the_console_answers_with_a_promise_or_a_reason(desk: Desk) -> None:
    bot = desk.bot
    deputy = await bot.join("王芳")
    leader = await bot.person(await bot.join("李组长", Role.LEADER, group="G01"))
    staff = await bot.person(await bot.join("赵工作", Role.STAFF, group=None))
    liaison = await bot.person(await bot.join("钱联络", Role.LIAISON, group=None, unit="health"))
    first = await _forwarded(bot, deputy, leader, staff)
    second = await _forwarded(bot, deputy, leader, staff)
    today = bot.now().astimezone(SHANGHAI).date()
    async with desk.browsing(liaison) as browser:
        code, page = await browser.get(f"/items/{first}")
        assert 'name="promised"' in page and 'name="reason"' in page and "资金不足" in page
        # B without a date, or with a past one: refused, nothing changes.
        code, page = await browser.act(first, "answer", **{"class": "B", "text": "列入计划。"})
        assert code == 403 and "须写明承诺完成日期" in page, page
        code, page = await browser.act(
            first, "answer", **{"class": "B", "text": "列入计划。", "promised": "2000-01-01"}
        )
        assert code == 403 and "须在今天" in page, page
        assert await bot.value("SELECT status FROM items WHERE id = ?", first) == "forwarded"
        promised = (today + timedelta(days=90)).isoformat()
        code, page = await browser.act(
            first, "answer", **{"class": "B", "text": "列入明年计划。", "promised": promised}
        )
        assert code == 200 and "答复已提交" in page, page
        code, page = await browser.get(f"/items/{first}")
        assert f'id="promised">{promised}' in page
        # C without a reason is refused; with one it is stored and shown.
        code, page = await browser.act(second, "answer", **{"class": "C", "text": "留作参考。"})
        assert code == 403 and "须选择原因类别" in page, page
        code, page = await browser.act(
            second, "answer", **{"class": "C", "text": "留作参考。", "reason": "not_our_duty"}
        )
        assert code == 200, page
        code, page = await browser.get(f"/items/{second}")
        assert "不属本单位职责" in page
    assert await bot.value("SELECT answer_reason FROM items WHERE id = ?", second) == "not_our_duty"
    await delivered_text(deputy, "承诺", promised)
    await delivered_text(deputy, "原因：不属本单位职责")
