"""Steps of the deputy's story that several end-to-end tests walk through."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.catalog import CatalogError
from bot.catalog_file import EXAMPLE_CATALOG, parse_catalog
from bot.items import Kind, NewDraft
from bot.notices import Act
from handlers import callbacks
from localapi import BotMessage, SimUser
from tests.conftest import Harness, answer_to
from tests.images import make_jpeg

DESCRIPTION = "外立面脚手架已停工两周，现场无施工人员，交付存在风险。"


# The smallest catalog that validates (a campaign, a unit, a project): parsing tests append the
# part they are about.
SMALL_CATALOG = """
[campaign]
code = "test-2020"
name = "测试"
year = 2020
authority = "人大常委会"

[[units]]
code = "edu"
name = "市教育局"

[[projects]]
code = "P1"
title = "项目一"
"""


def catalog_errors(text: str) -> list[str]:
    """Every error parse_catalog reports for this text, which it must refuse."""
    with pytest.raises(CatalogError) as info:
        parse_catalog(text)
    return info.value.errors


def imported_example(folder: Path) -> Path:
    """A config.toml in the folder whose data folder holds the example campaign, imported by the
    command line as an operator would; returns the config's path."""
    config = folder / "config.toml"
    config.write_text('[storage]\ndata_dir = "data"\n', encoding="utf-8")
    assert main(["import", "--config", str(config), str(EXAMPLE_CATALOG)]) == 0
    return config


async def up_to(
    user: SimUser,
    fragment: str,
    timeout: float = 10.0,  # noqa: ASYNC109 (each message's wait, as SimUser.next_message)
) -> list[BotMessage]:
    """The bot's next messages, up to and including the first that contains `fragment`
    (notifications before it are passed over, not lost to the caller)."""
    seen = [await user.next_message(timeout)]
    while fragment not in (seen[-1].text or ""):
        seen.append(await user.next_message(timeout))
    return seen


async def until(
    user: SimUser,
    fragment: str,
    timeout: float = 10.0,  # noqa: ASYNC109 (each message's wait, as SimUser.next_message)
) -> BotMessage:
    """The bot's next message that contains `fragment`; the ones before it are passed over."""
    return (await up_to(user, fragment, timeout))[-1]


async def delivered(user: SimUser, *fragments: str) -> BotMessage:
    """A notice the outbox sender delivered to the person's chat, whenever it came (within
    20 s: the sender works in its own time, slower on a busy machine)."""
    for _ in range(400):
        for message in user.messages:
            if all(f in (message.text or "") for f in fragments):
                return message
        await asyncio.sleep(0.05)
    raise AssertionError(f"no message with {fragments}: {[m.text for m in user.messages]}")


async def open_invitation(user: SimUser, token: str, name: str, *, quiet: float = 0.1) -> None:
    """The person opens their invitation link and is welcomed by the name it was made for."""
    await user.send_text(f"/start {token}")
    welcome = await user.next_message(timeout=10)
    assert f"欢迎您，{name}" in (welcome.text or ""), welcome.describe()
    await user.settle(quiet=quiet)


async def help_text(user: SimUser) -> str:
    """What /help tells this person."""
    await user.send_text("/help")
    return (await user.next_message(timeout=10)).text or ""


async def arrive_at_site(bot: Harness, deputy: SimUser) -> None:
    """/checkin at the first site of group G01, up to where the bot waits for photos or 完成."""
    site = await bot.site_of_group("G01")
    await deputy.send_text("/checkin")
    await deputy.next_message()
    await deputy.send_location(site.lat, site.lon, horizontal_accuracy=10)
    await deputy.next_message()
    await deputy.next_message()
    await deputy.press(site.name)
    await deputy.next_message(edited=True)
    await deputy.next_message()


async def check_in(bot: Harness, deputy: SimUser, photo: bytes | None = None) -> None:
    """Check in on site at the first site of group G01, sending the photo (if any) before
    finishing."""
    await arrive_at_site(bot, deputy)
    if photo is not None:
        await deputy.send_photo(photo)
        assert "已保存照片" in ((await deputy.next_message()).text or "")
    await deputy.press("完成")
    # The closing line comes after the prompt's buttons are taken off: once it is here, nothing
    # of the check-in is still on its way (a quiet spell alone can be a slow machine).
    await until(deputy, "签到完成", timeout=20)
    await deputy.settle()


async def checked_in(bot: Harness, name: str = "王芳") -> SimUser:
    """A deputy of G01 who has joined and checked in at the group's first site."""
    deputy = await bot.join(name)
    await check_in(bot, deputy)
    return deputy


async def open_problem_at_visited_site(deputy: SimUser) -> BotMessage:
    """/problem at the site just checked in at; returns the category question."""
    await deputy.send_text("/problem")
    place = await deputy.next_message()
    assert "是否是您刚签到的点位" in (place.text or ""), place.describe()
    await deputy.press("签到）")
    await deputy.next_message(edited=True)
    categories = await deputy.next_message()
    assert "进度滞后" in categories.buttons, categories.describe()
    return categories


async def problem_up_to_description(deputy: SimUser) -> None:
    """A 进度滞后 / 较重 problem at the visited site, up to the description question."""
    await open_problem_at_visited_site(deputy)
    await deputy.press("进度滞后")
    await deputy.next_message(edited=True)
    assert (await deputy.next_message()).buttons == ["一般", "较重", "严重"]
    await deputy.press("较重")
    await deputy.next_message(edited=True)
    assert "请用文字描述" in ((await deputy.next_message()).text or "")


async def describe_problem(deputy: SimUser, text: str = DESCRIPTION) -> BotMessage:
    """A 进度滞后 / 较重 problem at the visited site up to its description, which is sent;
    returns the bot's answer to it (the photo step, when the text is taken)."""
    await problem_up_to_description(deputy)
    await deputy.send_text(text)
    return await deputy.next_message()


async def skip_photos(deputy: SimUser) -> BotMessage:
    """Leave the photo step; returns the summary with its confirm/edit/cancel buttons."""
    await deputy.press("跳过 / 完成")
    summary = await deputy.next_message(edited=False)
    assert "请核对" in (summary.text or ""), summary.describe()
    return summary


async def confirm(deputy: SimUser) -> list[BotMessage]:
    """Tap confirm on the summary; returns what the bot said, up to the number it gave.

    Waits for the number itself: a quiet chat alone does not say the bot is done, as numbering
    is database work with no message in flight (on a loaded machine it can outlast the quiet).
    """
    await deputy.press("确认提交")
    return await up_to(deputy, "已提交") + await deputy.settle()


async def report_problem(
    deputy: SimUser, text: str = DESCRIPTION, photo: bytes | None = None
) -> list[BotMessage]:
    """A whole 进度滞后 / 较重 problem at the visited site, with one photo if given, confirmed;
    returns what the bot said to the confirmation."""
    await describe_problem(deputy, text)
    if photo is not None:
        await deputy.send_photo(photo)
        await deputy.next_message()
    await skip_photos(deputy)
    return await confirm(deputy)


async def reported_with_photo(bot: Harness) -> SimUser:
    """王芳 checks in and reports a problem with one photo, through the conversation."""
    deputy = await checked_in(bot)
    await report_problem(deputy, photo=make_jpeg(900, 700, pattern_seed=5))
    return deputy


async def submitted_suggestions(bot: Harness, author: SimUser, count: int) -> list[int]:
    """Suggestions at G01's first site, made through the repository calls /suggest uses."""
    person = await bot.person(author)
    site = await bot.site_of_group("G01")
    ids = []
    for i in range(count):
        item_id = await bot.services.items.create_draft(
            NewDraft(bot.services.campaign.id, Kind.SUGGESTION, person.id, person.group_id),
            bot.now(),
        )
        await bot.services.items.update_draft(
            item_id,
            person.id,
            bot.now(),
            site_id=site.id,
            project_id=site.project_id,
            description=f"第 {i + 1} 条建议：增设遮阳棚",
        )
        await bot.services.items.submit(item_id, person.id, bot.now())
        ids.append(item_id)
    return ids


async def press_for_edit(user: SimUser, label: str) -> BotMessage:
    """Press the button; returns the bot's edit in answer (of that message, as screens do)."""
    await user.press(label)
    return await user.next_message(edited=True)


async def taps(user: SimUser, *labels: str, quiet: float = 0.3) -> list[BotMessage]:
    """Press the buttons one after the other, each once the bot has gone quiet after the one
    before; returns what the bot said after the last."""
    said: list[BotMessage] = []
    for label in labels:
        await user.press(label)
        said = await user.settle(quiet=quiet)
    return said


async def turned_away(
    user: SimUser, message: BotMessage, label: str, told: str, unseen: str
) -> None:
    """A button of a screen opened before the person's role changed: pressed, the bot says
    `told`, and nothing with `unseen` in it, and answers the press."""
    press = await user.press_data(message.message_id, message.button_data[label])
    said = [m.text or "" for m in await user.settle() if not m.edited]
    assert any(told in text for text in said), said
    assert not any(unseen in text for text in said), said
    await answer_to(user, press)


async def staff_change(staff: SimUser, name: str, *presses: str) -> BotMessage:
    """Staff open the person's card in /people and press through a change; returns the card."""
    await staff.send_text("/people")
    await staff.next_message()
    await staff.send_text(name)
    card = await staff.next_message()
    assert f"<b>{name}</b>" in (card.text or ""), card.describe()
    for label in presses:
        await staff.press(label)
        card = await staff.next_message(edited=True)
    assert "已保存" in (card.text or ""), card.describe()
    await staff.settle(quiet=0.1)
    return card


def button_data(stored: Mapping[str, Any]) -> str:
    """The callback data the Telegram door gives a notice's button as the outbox keeps it."""
    return callbacks.notice_data(Act(stored["act"]), tuple(stored["args"]))
