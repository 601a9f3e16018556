"""The corpus's stages: the World they share (built by tests/test_corpus.py's fixture) and how
each stage is reached.

Each stage (a deputy at the description step, a liaison, a stranger...) is reached once by
`reach` and kept while its cases leave the user there; see tests/corpus/model.py STAGES.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.people import Role
from bot.texts import Texts
from localapi import BotMessage, SimGroup, SimUser
from tests.conftest import Harness, reply_to
from tests.rating_steps import answered_item, delivered, press_rating
from tests.steps import DESCRIPTION, check_in, problem_up_to_description, skip_photos

ZH = Texts("zh")


# --- the world every stage shares ---------------------------------------------------------------


@dataclass
class World:
    bot: Harness
    refs: dict[str, Any]
    next_id: int = 0

    def name(self, base: str) -> str:
        """A new person's name, different for each stage reached."""
        self.next_id += 1
        return f"{base}{self.next_id}"


async def until(user: SimUser, fragment: str) -> BotMessage:
    """The bot's next message (new or edited) containing `fragment`."""
    while True:
        message = await user.next_message()
        if fragment in (message.text or ""):
            return message


# --- stages -------------------------------------------------------------------------------------


@dataclass
class Place:
    """A user at a stage; `refs` are what the cases' strings may name."""

    user: SimUser
    refs: dict[str, Any]
    group: SimGroup | None = None
    person_id: int | None = None


async def _deputy(world: World) -> tuple[SimUser, dict[str, Any]]:
    name = world.name("张代表")
    user = await world.bot.join(name)
    return user, {"idle_name": name}


async def _stranger(world: World) -> Place:
    world.next_id += 1
    user = world.bot.api.user(680_000 + world.next_id, "路人", language_code="zh-hans")
    await user.send_text("/start")
    await user.next_message()
    return Place(user, {})


async def _idle(world: World) -> Place:
    user, refs = await _deputy(world)
    # Yesterday's conversation: a keyboard from a /problem that was cancelled.
    await user.send_text("/problem")
    keyboard = await user.next_message()
    await user.send_text("/cancel")
    await user.settle(quiet=0.1)
    refs["stale_message"] = keyboard.message_id
    return Place(user, refs)


async def _description(world: World) -> Place:
    user, refs = await _deputy(world)
    await check_in(world.bot, user)
    await problem_up_to_description(user)
    await user.settle(quiet=0.05)
    return Place(user, refs)


async def _photos(world: World) -> Place:
    place = await _description(world)
    await place.user.send_text(DESCRIPTION)
    assert "可以发送照片" in ((await place.user.next_message()).text or "")
    return place


async def _location(world: World) -> Place:
    user, refs = await _deputy(world)
    assert "当前位置" in await reply_to(user, "/checkin")
    return Place(user, refs)


async def _group(world: World) -> Place:
    user, refs = await _deputy(world)
    group = world.bot.api.group(-1_001_000_000 - world.next_id, "第一监督小组工作群")
    await user.send_text("大家好", chat=group)
    await group.settle(quiet=0.2)
    return Place(user, refs, group=group)


async def _site(world: World) -> Place:
    place = await _location(world)
    await place.user.send_location(
        world.refs["site_lat"], world.refs["site_lon"], horizontal_accuracy=8
    )
    await until(place.user, "请选择您所在的点位")
    return place


async def _place(world: World) -> Place:
    user, refs = await _deputy(world)
    await user.send_text("/problem")
    await until(user, "请选择所属项目")
    return Place(user, refs)


async def _confirm(world: World) -> Place:
    place = await _photos(world)
    await skip_photos(place.user)
    return place


async def _comment(world: World) -> Place:
    """A deputy who has just rated an answer and is asked for an optional comment."""
    bot = world.bot
    user, refs = await _deputy(world)
    person = await bot.person(user)
    _raiser, leader, staff, liaison = world.refs["people"]
    item = await answered_item(bot, [person], leader, staff, liaison)
    await delivered(bot, user)
    await press_rating(user, item, "satisfied")
    await until(user, "还有具体意见")
    return Place(user, refs)


async def _health_liaison_at(world: World, button: str, prompt: str) -> Place:
    """A new liaison of the lead unit opens the forwarded item and presses `button`."""
    user = await world.bot.join(world.name("吴联络"), Role.LIAISON, group=None, unit="health")
    await user.send_text("/inbox")
    await until(user, "交办事项")
    await user.press(world.refs["forwarded_number"])
    await until(user, world.refs["forwarded_number"])
    await user.press(button)
    if button == "📨 答复":
        await until(user, "请选择答复类型")
        await user.press("A 类")
    await until(user, prompt)
    await user.settle(quiet=0.05)
    return Place(user, {})


async def _progress(world: World) -> Place:
    return await _health_liaison_at(world, "📝 报告进展", "请输入办理进展")


async def _answer(world: World) -> Place:
    return await _health_liaison_at(world, "📨 答复", "请输入答复内容")


async def _invite_name(world: World) -> Place:
    """Staff inviting a deputy of the first group, asked for the name."""
    user = await world.bot.join(world.name("郑工作"), Role.STAFF, group=None)
    await user.send_text("/invite")
    await until(user, "请选择被邀请人的角色")
    await user.press(ZH("role.deputy"))
    scope = await until(user, "请选择所属监督小组")
    await user.press(scope.buttons[0])
    await until(user, "请输入被邀请人")
    return Place(user, {})


async def _liaison(world: World) -> Place:
    user = await world.bot.join(world.name("孙联络"), Role.LIAISON, group=None, unit="edu")
    return Place(user, {})


async def _staff(world: World) -> Place:
    user = await world.bot.join(world.name("周工作"), Role.STAFF, group=None)
    return Place(user, {})


async def _raiser(world: World) -> Place:
    user: SimUser = world.refs["raiser"]
    await user.settle(quiet=0.05)
    return Place(user, {})


STAGE_SETUP: dict[str, Callable[[World], Awaitable[Place]]] = {
    "stranger": _stranger,
    "idle": _idle,
    "description": _description,
    "photos": _photos,
    "location": _location,
    "group": _group,
    "site": _site,
    "place": _place,
    "confirm": _confirm,
    "comment": _comment,
    "progress": _progress,
    "answer": _answer,
    "invite_name": _invite_name,
    "liaison": _liaison,
    "staff": _staff,
    "raiser": _raiser,
}


async def reach(world: World, stages: dict[str, Place], stage: str) -> Place:
    place = stages.get(stage)
    if place is None:
        place = await STAGE_SETUP[stage](world)
        person = await world.bot.services.people.by_telegram_id(place.user.user_id)
        place.person_id = person.id if person else None
        stages[stage] = place
    return place
