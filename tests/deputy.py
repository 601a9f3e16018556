"""A deputy's phone and patience, for the reliability tests (tests/test_crash.py,
tests/test_faults.py, tests/test_flood.py).

`Deputy` drives /checkin and /problem. When the bot dies after a tap, the deputy waits: the
restarted bot must answer what was sent (it was journaled, or is still waiting at Telegram); a
step it never answers counts as unanswered. When the bot no longer understands, the deputy
/cancels and starts over, which counts as a restarted flow. Everything the bot says is scanned
for the item numbers it reports as saved (tests/bot_says.py).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

from localapi import BotMessage, SimUser
from tests.bot_process import BotProcess
from tests.bot_says import (
    ALREADY_SUBMITTED,
    CANCEL_ANSWERS,
    MINE_NUMBER,
    SUBMITTED,
    TROUBLE,
    ZH,
    Seen,
    has_button,
    head,
    says,
)


@dataclass
class Tally:
    """What happened to one deputy, for the assertions and the report."""

    told: dict[str, str] = field(default_factory=dict)  # number -> "reply" | "again" | "mine"
    confirmed: set[int] = field(default_factory=set)  # item ids whose confirm was tapped
    checkins: int = 0
    reports: int = 0
    crossed: int = 0  # steps during which the bot was killed, answered by the restarted bot
    unanswered: int = 0  # steps the bot never answered (lost input)
    cancelled: int = 0  # conversations left with /cancel to start over
    cancelled_after_kill: int = 0  # ... of them, where a kill came since the flow started
    trouble: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


class Deputy:
    """A deputy's phone and patience (see the module docstring)."""

    # Seconds without an answer while the bot is up that count as the step being lost.
    HARD = 25.0
    # Seconds a deputy waits for an answer while faults are injected on purpose.
    PATIENCE = 5.0
    ATTEMPTS = 8

    def __init__(
        self,
        user: SimUser,
        bot: BotProcess | None,
        site: tuple[float, float, str],
        rng: random.Random,
        think: float = 0.15,
    ) -> None:
        self.user = user
        self.bot = bot
        self.lat, self.lon, self.site_name = site
        self.rng = rng
        self.think = think
        # Off while faults are injected on purpose: an unanswered step is then given up after
        # PATIENCE seconds instead of counting as a failure.
        self.strict = True
        self.tally = Tally()
        self.trace: list[str] = []
        # The bot generation in which the open conversation was started.
        self.flow_generation = 0
        self._messages = len(user.chat.events.items)
        self._answers = len(user.answers.items)

    # -- what arrived -----------------------------------------------------------------------

    def _poll(self) -> list[Seen]:
        seen: list[Seen] = []
        events = self.user.chat.events.items
        while self._messages < len(events):
            message = events[self._messages]
            self._messages += 1
            seen.append(Seen("edit" if message.edited else "message", message.text or "", message))
        answers = self.user.answers.items
        while self._answers < len(answers):
            answer = answers[self._answers]
            self._answers += 1
            seen.append(Seen("answer", answer.text or ""))
        for item in seen:
            self._note_numbers(item)
            self._log(f"<- {item.kind} {item.text[:40]!r}")
        return seen

    def _log(self, line: str) -> None:
        generation = self.bot.generation if self.bot is not None else 0
        self.trace.append(f"{time.monotonic():.2f} g{generation} {line}")

    def _note_numbers(self, seen: Seen) -> None:
        for pattern, how in ((SUBMITTED, "reply"), (ALREADY_SUBMITTED, "again")):
            for number in pattern.findall(seen.text):
                self.tally.told.setdefault(number, how)

    def skip_pending(self) -> None:
        self._poll()

    async def _wait(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        await self.user.chat.events.wait_beyond(self._messages, loop.time() + seconds)

    # -- doing things ---------------------------------------------------------------------------

    def _button(self, label: str) -> tuple[BotMessage, str] | None:
        newest_first = sorted(self.user.chat.bot_messages.values(), key=lambda m: -m.message_id)
        for exact in (True, False):
            for message in newest_first:
                for text, data in message.button_data.items():
                    if (text == label) if exact else (label in text):
                        return message, data
        return None

    def text(self, body: str) -> Callable[[], Awaitable[bool]]:
        async def send() -> bool:
            await self.user.send_text(body)
            return True

        return send

    def location(self) -> Callable[[], Awaitable[bool]]:
        async def send() -> bool:
            await self.user.send_location(self.lat, self.lon, horizontal_accuracy=10)
            return True

        return send

    def press(self, label: str) -> Callable[[], Awaitable[bool]]:
        async def tap() -> bool:
            found = self._button(label)
            if found is None:
                # The buttons were taken off: nothing to tap any more.
                self.tally.trouble["button gone"] += 1
                return False
            message, data = found
            if ":confirm:" in data:
                self.tally.confirmed.add(int(data.rsplit(":", 1)[1]))
            await self.user.press_data(message, data)
            return True

        return tap

    async def step(
        self,
        what: str,
        action: Callable[[], Awaitable[bool]],
        want: Callable[[Seen], bool],
        *,
        starts: bool = False,
    ) -> Seen | None:
        """Do `action` and wait for what `want` recognises; None when the conversation cannot go
        on as planned (the caller cancels and starts over). `starts`: the action opens a new
        conversation (a command), whose later steps must then all be answered."""
        if self.tally.failures:
            # One failure is enough to fail the test; waiting out more only delays the report.
            return None
        if self.think:
            await asyncio.sleep(self.rng.uniform(0, self.think))
        self._poll()
        loop = asyncio.get_running_loop()
        generation = self.bot.generation if self.bot else 0
        self._log(f"-> {what}")
        if not await action():
            return None
        asked_at = loop.time()
        crossed = False
        while True:
            for seen in self._poll():
                if want(seen):
                    if crossed:
                        self.tally.crossed += 1
                    if starts:
                        self.flow_generation = self._generation()
                    return seen
                trouble = next((t for t in TROUBLE if t in seen.text), None)
                if trouble is not None:
                    self.tally.trouble[f"{what}: {trouble[:12]}"] += 1
                    return None
            now = loop.time()
            if self.bot is not None and self.bot.generation != generation:
                # It died after we asked. What we sent was journaled (or still waits at
                # Telegram): the restarted bot answers it without being asked again.
                if not self.bot.up.is_set():
                    await self.bot.up.wait()
                    continue
                crossed = True
                generation = self.bot.generation
                asked_at = self.bot.up_at
                self._log(f"-- {what}: the bot restarted; waiting for its answer")
            elif not self.strict:
                if now - asked_at > self.PATIENCE:
                    self.tally.trouble[f"{what}: no answer during faults"] += 1
                    return None
            elif now - asked_at > self.HARD:
                self.tally.unanswered += 1
                self.tally.failures.append(
                    f"{what}: no answer within {self.HARD:g}s while the bot was up\n"
                    + self.diagnose()
                )
                return None
            await self._wait(0.1)

    def diagnose(self) -> str:
        """The last things this deputy saw and the bot's last calls for their chat."""
        lines = [f"    {line}" for line in self.trace[-16:]]
        pending = [u for u in self.user._api.pending_updates if _from(u) == self.user.user_id]
        lines.append(f"    updates not confirmed by the bot: {len(pending)}")
        calls = [c for c in self.user._api.calls if c.params.get("chat_id") == self.user.user_id]
        lines += [f"    call {c.describe()}" for c in calls[-4:]]
        if self.bot is not None:
            lines.append(
                f"    bot generation {self.bot.generation}, kills at {self.bot.kill_times}"
            )
        return "\n".join(lines)

    async def cancel(self) -> bool:
        """/cancel until the bot confirms there is nothing open."""
        for _ in range(self.ATTEMPTS):
            if self.tally.failures:
                return False
            answer = await self.step(
                "/cancel", self.text("/cancel"), lambda s: s.text in CANCEL_ANSWERS, starts=True
            )
            if answer is not None:
                return True
        if self.strict:
            self.tally.failures.append("/cancel was never answered")
        return False

    # -- the two conversations ----------------------------------------------------------------

    def _generation(self) -> int:
        return self.bot.generation if self.bot is not None else 0

    def _restarted(self) -> None:
        self.tally.cancelled += 1
        if self._generation() != self.flow_generation:
            self.tally.cancelled_after_kill += 1

    def _attempts(self) -> Iterator[None]:
        """ATTEMPTS tries that no crash interrupted (interrupted ones are free, up to 100)."""
        clean = 0
        for _ in range(100):
            started = self._generation()
            yield
            clean += self._generation() == started
            if clean >= self.ATTEMPTS:
                return

    async def _retried(self, once: Callable[[], Awaitable[bool]], giving_up: str) -> bool:
        """A conversation from its start, begun again after /cancel when it breaks off."""
        for _ in self._attempts():
            if await once():
                return True
            self._restarted()
            if not await self.cancel():
                return False
        if self.strict:
            self.tally.failures.append(giving_up)
        return False

    async def check_in(self) -> bool:
        async def once() -> bool:
            return bool(
                await self.step(
                    "/checkin", self.text("/checkin"), says(ZH("checkin_ask_location")), starts=True
                )
                and await self.step("location", self.location(), has_button(self.site_name))
                and await self.step(
                    "site", self.press(self.site_name), says(ZH("checkin_photos_prompt"))
                )
                and await self.step(
                    "done", self.press(ZH("button.done")), says(head("checkin_finished", count=""))
                )
            )

        if await self._retried(once, "could not finish a check-in"):
            self.tally.checkins += 1
            return True
        return False

    async def open_report(self, description: str) -> bool:
        """/problem at the site just visited, up to the summary with its confirm button."""
        return bool(
            await self.step(
                "/problem", self.text("/problem"), says(ZH("report_choose_recent")), starts=True
            )
            and await self.step("place", self.press("签到）"), says(ZH("report_choose_category")))
            and await self.step("category", self.press("进度滞后"), has_button("较重"))
            and await self.step(
                "severity",
                self.press("较重"),
                says(head("report_ask_description.problem", min="", max="")),
            )
            and await self.step(
                "description", self.text(description), says(head("report_ask_photos", max=""))
            )
            and await self.step(
                "photos", self.press(ZH("report_photos_skip")), says(ZH("report_summary_title"))
            )
        )

    async def confirm(self) -> Seen | None:
        """Tap confirm; the bot's answer that names the number, or None."""
        return await self.step(
            "confirm",
            self.press(ZH("button.confirm")),
            lambda s: bool(SUBMITTED.search(s.text) or ALREADY_SUBMITTED.search(s.text)),
        )

    async def report_problem(self, description: str) -> bool:
        """/problem at the site just visited, from start to the number."""

        async def once() -> bool:
            return bool(await self.open_report(description) and await self.confirm())

        if await self._retried(once, "could not finish a report"):
            self.tally.reports += 1
            return True
        return False

    async def mine(self) -> set[str]:
        """Every number /mine lists, page by page."""
        listed: set[str] = set()
        title = says(head("mine_title", total="", page="", pages=""))
        answer = await self.step("/mine", self.text("/mine"), title, starts=True)
        if answer is None or answer.message is None:
            self.tally.failures.append("/mine was not answered")
            return listed
        message_id = answer.message.message_id
        for _ in range(100):
            current = self.user.chat.bot_messages[message_id]
            listed |= {n for b in current.buttons for n in MINE_NUMBER.findall(b)}
            data = current.button_data.get(ZH("button.next"))
            if data is None:
                return listed

            async def turn(page: BotMessage = current, data: str = data) -> bool:
                await self.user.press_data(page, data)
                return True

            if await self.step("next page", turn, lambda s: s.kind == "edit") is None:
                self.tally.failures.append("/mine did not turn the page")
                return listed
        return listed


def _from(update: dict[str, object]) -> int | None:
    """The user id of a pending update's sender."""
    for kind in ("message", "callback_query", "edited_message"):
        body = update.get(kind)
        if isinstance(body, dict):
            sender = body.get("from")
            if isinstance(sender, dict):
                return int(sender["id"])
    return None
