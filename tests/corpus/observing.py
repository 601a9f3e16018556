"""Hearing the bot's answer to a corpus case, and checking that Telegram would accept its HTML."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

from localapi import BotMessage, SimGroup, SimUser
from localapi.html_check import TAGS
from tests.corpus.stages import ZH, Place

INTERNAL_ERROR = ZH("internal_error")
ANSWER_TIMEOUT = 10.0
WRONG_ANSWER_WAIT = 2.0


@dataclass
class Observed:
    messages: list[BotMessage] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [m.text or "" for m in self.messages]

    def describe(self) -> str:
        lines = [f"  message: {m.describe()}" for m in self.messages]
        lines += [f"  alert: {a!r}" for a in self.alerts]
        return "\n".join(lines) or "  (nothing)"


def _seen(place: Place, answers_from: int) -> Observed:
    messages = list(place.user.pending)
    if place.group is not None:
        messages += place.group.pending
    alerts = [a.text or "" for a in place.user.answers.items[answers_from:]]
    return Observed(messages, alerts)


async def observe(place: Place, answers_from: int, wanted: str | None, via: str) -> Observed:
    """Wait for the wanted answer (or for quiet, when silence is wanted), then for quiet.

    A wrong answer is not waited out: once the bot has said something, two seconds without a
    new word end the wait (a right answer comes well within that; the timeout is for a bot
    that says nothing at all).
    """
    loop = asyncio.get_running_loop()
    if wanted is not None:
        deadline = loop.time() + ANSWER_TIMEOUT
        heard, last_heard = 0, loop.time()
        while loop.time() < deadline:
            seen = _seen(place, answers_from)
            pool = {"alert": seen.alerts, "chat": seen.texts()}.get(
                via, [*seen.alerts, *seen.texts()]
            )
            if any(wanted in text for text in pool):
                break
            if any(INTERNAL_ERROR in text for text in [*seen.alerts, *seen.texts()]):
                break
            count = len(seen.messages) + len(seen.alerts)
            if count != heard:
                heard, last_heard = count, loop.time()
            elif heard and loop.time() - last_heard > WRONG_ANSWER_WAIT:
                break
            await asyncio.sleep(0.02)
    # Whatever follows the answer (a second reply, an error report) is part of what was seen.
    quiet = 0.1 if wanted is not None else 0.5
    chats: list[SimUser | SimGroup] = (
        [place.user] if place.group is None else [place.user, place.group]
    )
    events = await asyncio.gather(*(chat.settle(quiet=quiet) for chat in chats))
    alerts = [a.text or "" for a in place.user.answers.items[answers_from:]]
    return Observed([m for chat_events in events for m in chat_events], alerts)


# Telegram's HTML: its tags (localapi/html_check.py TAGS), and &lt; &gt; &amp; &quot; or numeric
# entities; nothing else.
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z-]*)(\s[^<>]*)?>")
_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def html_problems(text: str) -> list[str]:
    """Why Telegram would refuse this text with parse_mode HTML ("can't parse entities")."""
    problems: list[str] = []
    stack: list[str] = []
    position = 0
    for match in _TAG_RE.finditer(text):
        if "<" in text[position : match.start()] or ">" in text[position : match.start()]:
            problems.append(f"a bare < or > before {match.group()!r}")
        closing, name = match.group(1), match.group(2).lower()
        if name not in TAGS:
            problems.append(f"unsupported tag {match.group()!r}")
        elif closing:
            if not stack or stack.pop() != name:
                problems.append(f"unbalanced {match.group()!r}")
        else:
            stack.append(name)
        position = match.end()
    if "<" in text[position:] or ">" in text[position:]:
        problems.append("a bare < or > at the end")
    if stack:
        problems.append(f"unclosed {stack}")
    for at in (m.start() for m in re.finditer("&", text)):
        if not _ENTITY_RE.match(text, at):
            problems.append(f"a bare & at {at}: {text[at : at + 12]!r}")
    return problems
