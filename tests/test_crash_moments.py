"""Crash, at the exact moments that matter: the random kills of tests/test_crash.py rarely land
in a window a few milliseconds wide. These kill the bot process from an interceptor at the very
call that opens the window, so each window is tried every run: after the item is stored and
before the reply, as the number leaves, right after the submit, and in the middle of a check-in
and of a report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from localapi.models import ApiCall, ApiError
from tests.bot_says import ZH, has_button, says
from tests.crash_world import World, join, person_ids, query, world
from tests.deputy import Deputy
from tests.images import make_jpeg

__all__ = ["world"]


def kill_at(world: World, wanted: Callable[[ApiCall], bool]) -> asyncio.Event:
    """Arm a SIGKILL for the first call `wanted` recognises, before that call is carried out;
    returns an event set once the bot is back."""
    back = asyncio.Event()
    armed = [True]

    async def restart() -> None:
        await world.bot.reap()
        await world.bot.start()
        back.set()

    async def interceptor(call: ApiCall) -> ApiError | None:
        if armed[0] and wanted(call):
            armed[0] = False
            world.bot.kill_now()
            tasks.append(asyncio.create_task(restart()))
            return ApiError(500, "the bot died before this call was carried out")
        return None

    tasks: list[asyncio.Task[None]] = []
    world.api.interceptors.append(interceptor)
    return back


def to_chat(deputy: Deputy, method: str, text: str = "") -> Callable[[ApiCall], bool]:
    return lambda call: (
        call.method == method
        and call.params.get("chat_id") == deputy.user.user_id
        and text in str(call.params.get("text", ""))
    )


async def one_deputy(world: World) -> tuple[Deputy, int]:
    """A joined deputy who has checked in; returns them and their person id."""
    [deputy] = await join(world, 1, 1)
    deputy.think = 0
    assert await deputy.check_in(), deputy.tally.failures
    return deputy, person_ids(world)[deputy.user.user_id]


def items_of(world: World, person: int) -> list[tuple[object, ...]]:
    return query(
        world.database,
        "SELECT i.id, printf('%d-%04d', c.year, i.number), i.status FROM items i "
        "JOIN campaigns c ON c.id = i.campaign_id WHERE i.author_id = ? AND i.status != 'draft'",
        person,
    )


async def test_a_kill_after_the_item_is_stored_and_before_the_reply_still_tells_the_number(
    world: World,
) -> None:
    deputy, person = await one_deputy(world)
    assert await deputy.open_report("外立面脚手架停工两周，现场无人。")
    # The item is committed and numbered and the number sent; the bot now takes the buttons off
    # the summary, and dies there.
    back = kill_at(world, to_chat(deputy, "editMessageReplyMarkup"))

    told = await deputy.confirm()
    await asyncio.wait_for(back.wait(), 30)

    assert back.is_set() and world.bot.starts == 2
    assert told is not None, deputy.diagnose()
    [(item_id, number, status)] = items_of(world, person)
    assert status == "submitted" and deputy.tally.told == {number: "reply"}
    assert deputy.tally.confirmed == {item_id} and deputy.tally.unanswered == 0


async def test_a_kill_after_the_item_is_stored_and_before_the_number_leaves_is_told_after(
    world: World,
) -> None:
    deputy, person = await one_deputy(world)
    assert await deputy.open_report("外立面脚手架停工两周，现场无人。")
    # The item is committed and numbered; the bot dies as it sends the number.
    back = kill_at(world, to_chat(deputy, "sendMessage", ZH("report_submitted", label="")[:5]))

    told = await deputy.confirm()

    await asyncio.wait_for(back.wait(), 30)
    [(_, number, status)] = items_of(world, person)
    assert status == "submitted"
    # The tap was journaled: the restarted bot processes it again and names the same number,
    # without the deputy tapping again or looking in /mine.
    assert told is not None, deputy.diagnose()
    assert deputy.tally.told == {number: "reply"} and world.bot.starts == 2


async def test_a_photo_sent_after_a_kill_right_after_the_submit_changes_nothing(
    world: World,
) -> None:
    deputy, person = await one_deputy(world)
    assert await deputy.open_report("脚手架停工两周，现场无人。")
    assert await deputy.confirm()
    await world.bot.kill()
    await world.bot.start()
    [(item_id, number, _)] = items_of(world, person)

    await deputy.user.send_photo(make_jpeg(640, 480, pattern_seed=5))
    await asyncio.sleep(2)

    photos = query(world.database, "SELECT COUNT(*) FROM photos WHERE item_id = ?", item_id)
    assert photos == [(0,)], f"{number} was submitted without photos and now has {photos[0][0]}"


async def test_a_tap_on_the_next_check_in_step_after_a_kill_is_answered(world: World) -> None:
    deputy, _ = await one_deputy(world)
    assert await deputy.step(
        "/checkin", deputy.text("/checkin"), says(ZH("checkin_ask_location")), starts=True
    )
    assert await deputy.step("location", deputy.location(), has_button(deputy.site_name))
    # The visit is stored and its message edited; the bot dies as it asks for photos. The site
    # tap is processed again after the restart: its edit finds the message already edited
    # (Telegram: "message is not modified"), which must not fail the step.
    back = kill_at(world, to_chat(deputy, "sendMessage", ZH("checkin_photos_prompt")[:8]))
    assert await deputy.step(
        "site", deputy.press(deputy.site_name), says(ZH("checkin_photos_prompt"))
    )
    await asyncio.wait_for(back.wait(), 30)

    finished = await deputy.step(
        "done", deputy.press(ZH("button.done")), says(ZH("checkin_finished", count="0")[:6])
    )

    assert finished is not None, deputy.diagnose()
    assert world.bot.log_lines("ERROR") == []
    visits = query(world.database, "SELECT COUNT(*) FROM visits")
    assert visits == [(2,)]  # the one of one_deputy() and this one, not a third


async def test_a_report_goes_on_from_the_step_answered_before_a_kill(world: World) -> None:
    deputy, person = await one_deputy(world)
    for what, action, want in (
        ("/problem", deputy.text("/problem"), says(ZH("report_choose_recent"))),
        ("place", deputy.press("签到）"), says(ZH("report_choose_category"))),
        ("category", deputy.press("进度滞后"), has_button("较重")),
        ("severity", deputy.press("较重"), says("请用文字描述")),
    ):
        assert await deputy.step(what, action, want, starts=what == "/problem")
    # The bot dies while it answers the description: it is processed again after the restart.
    back = kill_at(world, to_chat(deputy, "sendMessage", "可以发送照片"))
    assert await deputy.step(
        "description", deputy.text("脚手架停工两周，现场无人。"), says("可以发送照片")
    )
    await asyncio.wait_for(back.wait(), 30)

    assert await deputy.step(
        "photos", deputy.press(ZH("report_photos_skip")), says(ZH("report_summary_title"))
    )
    assert await deputy.confirm()
    [(_, _, status)] = items_of(world, person)
    assert status == "submitted"
    assert deputy.tally.unanswered == 0 and deputy.tally.cancelled == 0
