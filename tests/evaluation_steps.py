"""Steps of the satisfaction evaluation's stories (tests/test_evaluation*.py)."""

from __future__ import annotations

from datetime import datetime

from localapi import BotMessage, SimUser
from tests.conftest import SHANGHAI, Harness
from tests.steps import delivered

DEADLINE = "2020-06-26"  # ten days after the suite's START (2020-06-16)


def morning(day: int) -> datetime:
    """09:00 in Shanghai on a day of June 2020: when the daily jobs run."""
    return datetime(2020, 6, day, 9, 0, tzinfo=SHANGHAI)


# The evaluation's stories wait for its notices like any other delivered message.
notice = delivered


async def reads(user: SimUser, *fragments: str) -> BotMessage:
    """The next new message with these fragments; notices delivered in between are passed
    over (the sender and the replies share the chat in their own time)."""
    while True:
        message = await user.next_message(edited=False)
        if all(f in (message.text or "") for f in fragments):
            return message


async def first_ballot(voter: SimUser) -> BotMessage:
    """Told that a round opened, the voter asks for the ballot by /evaluate; returns its first
    project."""
    await notice(voter, "满意度测评")
    await voter.send_text("/evaluate")
    return await reads(voter, "第 1/20 项")


async def choose(voter: SimUser, label: str) -> None:
    """Press a button of the ballot and let the bot finish answering it."""
    await voter.press(label)
    await voter.settle()


async def open_round(staff: SimUser, deadline: str = DEADLINE) -> BotMessage:
    """Staff open a round for all deputies and leaders through /evaluation; returns the
    confirmation that it opened."""
    await staff.send_text("/evaluation")
    menu = await staff.next_message()
    await staff.press("发起新一轮测评")
    ask = await staff.next_message(edited=False)
    assert "截止日期" in (ask.text or ""), ask.describe()
    await staff.send_text(deadline)
    voters = await staff.next_message()
    assert "全体代表和组长" in voters.buttons, voters.describe()
    await staff.press("全体代表和组长")
    confirm = await staff.next_message(edited=False)
    assert "请确认发起满意度测评" in (confirm.text or ""), confirm.describe()
    await staff.press("确认发起")
    opened = await staff.next_message(edited=True)
    assert "已发起满意度测评" in (opened.text or ""), (menu.describe(), opened.describe())
    return opened


async def vote_count(bot: Harness) -> int:
    return int(await bot.value("SELECT COALESCE(SUM(votes), 0) FROM evaluation_counts"))


async def document(user: SimUser) -> BotMessage:
    """The next file the bot sends this person (made in a worker thread: it may take a while)."""
    while True:
        message = await user.next_message(timeout=30)
        if message.kind == "document":
            return message
