"""What the bot says, as catalog text, for the simulated deputies of the reliability tests
(tests/deputy.py): the numbers it reports as saved, the answers after which a step cannot go on,
and `Seen`, one thing the bot showed."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.texts import Texts
from localapi import BotMessage

ZH = Texts("zh")


def head(key: str, **params: str) -> str:
    """The catalog text up to its first placeholder (params rendered as a marker)."""
    return ZH(key, **{name: "\x00" for name in params}).split("\x00", 1)[0] if params else ZH(key)


def _number_pattern(key: str) -> re.Pattern[str]:
    before, after = ZH(key, label="\x00").split("\x00", 1)
    return re.compile(re.escape(before) + r"\S+ (\d{4}-\d{4})" + re.escape(after[:1]))


SUBMITTED = _number_pattern("report_submitted")
ALREADY_SUBMITTED = _number_pattern("report_already_submitted")
MINE_NUMBER = re.compile(r"(\d{4}-\d{4}) · ")
# Answers after which the step cannot go on as planned: the deputy cancels and starts over.
TROUBLE = (
    ZH("button_expired"),
    ZH("buttons_expected"),
    ZH("report_draft_gone"),
    ZH("internal_error"),
    ZH("unknown_input"),
    # The bot waits for something else: its conversation state is not where the deputy is.
    ZH("checkin_need_location"),
    ZH("checkin_photos_expected"),
    ZH("report_description_expected"),
    ZH("report_photos_expected"),
)
CANCEL_ANSWERS = (ZH("cancelled"), ZH("cancel_nothing"), ZH("report_cancelled"))


@dataclass(frozen=True)
class Seen:
    """One thing the bot showed: a new message, an edit, or a button press's answer."""

    kind: str
    text: str
    message: BotMessage | None = None

    @property
    def buttons(self) -> list[str]:
        return self.message.buttons if self.message is not None else []


def says(fragment: str) -> Callable[[Seen], bool]:
    return lambda seen: fragment in seen.text


def has_button(label: str) -> Callable[[Seen], bool]:
    return lambda seen: any(label in b for b in seen.buttons)
