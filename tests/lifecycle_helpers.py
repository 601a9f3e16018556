"""What the tests of an item's life after submission (tests/test_review_rules.py,
tests/test_unit_rules.py, tests/test_rating_rules.py, tests/test_lifecycle_rules.py) share: whom a
change tells, every status, and the callback data of a notice's button."""

from __future__ import annotations

from bot.items import Status
from bot.lifecycle import Change
from bot.notices import NoticeButton
from handlers import callbacks


def recipients(change: Change, key: str) -> list[int]:
    return [n.person_id for n in change.notices if n.key == key]


ALL_STATUSES = list(Status)


def notice_data(button: NoticeButton) -> str:
    """The callback data the Telegram door gives the button."""
    return callbacks.notice_data(button.act, button.args)
