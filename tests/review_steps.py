"""Steps the /review tests (tests/test_review_*.py) share: the problems two deputies of
第一监督小组 report, the leader's words, and a leader's and an author's taps and answers."""

from __future__ import annotations

from bot.items import Kind, NewDraft
from localapi import BotMessage, CallbackPress, SimUser
from tests.conftest import Harness

# The same problem in another deputy's words, and two unrelated ones at the same site.
SAME_PROBLEM = "外立面脚手架停工已两周，现场没有施工人员，按期交付有风险。"
PAVEMENT = "校门口人行道破损严重，雨天积水，学生通行不便。"
CANTEEN = "食堂排风设备噪音过大，周边居民多次反映影响休息。"
REASON = "属于市政道路养护范围，不在本项目内。"
QUESTION = "请补充排风设备的具体位置和噪音最大的时段。"
# The bot answers within milliseconds; a short quiet spell keeps the story quick.
# Long enough for a loaded 2-core CI machine to start answering after the update is fetched.
QUIET = 0.25
ADDED = "排风机在食堂北侧屋顶，晚上九点以后噪音最明显。"


def texts_of(messages: list[BotMessage]) -> str:
    return "\n---\n".join(m.text or "" for m in messages if not m.edited)


async def tap(user: SimUser, label: str) -> str:
    """Press a button and return what the bot then said (new messages only)."""
    await user.press(label)
    return texts_of(await user.settle(quiet=QUIET))


async def say(user: SimUser, text: str) -> str:
    await user.send_text(text)
    return texts_of(await user.settle(quiet=QUIET))


async def item_id(bot: Harness, number: int) -> int:
    return int(await bot.value("SELECT id FROM items WHERE number = ?", number))


async def status_and_note(bot: Harness, item: int, event: str) -> tuple[str, str]:
    """The item's status, and the note of its event that matches `event` (an SQL condition)."""
    status = await bot.value("SELECT status FROM items WHERE id = ?", item)
    note = await bot.value(f"SELECT note FROM item_events WHERE item_id = ? AND {event}", item)
    return status, note


async def submitted(bot: Harness, author: SimUser, description: str, group: str = "G01") -> int:
    """An item made through the repository calls the report conversation uses."""
    person = await bot.person(author)
    site = await bot.site_of_group(group)
    items = bot.services.items
    new_id = await items.create_draft(
        NewDraft(bot.services.campaign.id, Kind.SUGGESTION, person.id, person.group_id),
        bot.now(),
    )
    await items.update_draft(
        new_id,
        person.id,
        bot.now(),
        site_id=site.id,
        project_id=site.project_id,
        subitem_id=site.subitem_id,
        description=description,
    )
    await items.submit(new_id, person.id, bot.now())
    return new_id


async def press_am(user: SimUser, item: int) -> CallbackPress:
    """The author taps "补充情况" on the leader's question.

    Once the outbox sender delivers notices, the button is on a message in their chat; until
    then the same callback data is sent from one of their messages, as Telegram would.
    """
    await user.settle(quiet=QUIET)
    for message in reversed(user.messages):
        if message.button_data.get("补充情况") == f"am:{item}":
            return await user.press_data(message.message_id, f"am:{item}")
    return await user.press_data(user.messages[-1].message_id, f"am:{item}")


async def _review(leader: SimUser) -> list[BotMessage]:
    await leader.send_text("/review")
    return await leader.settle(quiet=QUIET)
