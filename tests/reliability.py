"""Shared machinery of the reliability tests (tests/test_crash.py, tests/test_faults.py).

- `FaultyBotApi`: the local Bot API server whose interceptors can also drop the connection,
  before the method ran (`drop_connection`) or after it ran and before the answer left
  (`drop_after_answer`): what a flaky network does to the bot.
- `FaultPlan`: a seeded schedule of 500, 502, 429 with retry_after, dropped connections and
  stalls, per kind of call (the bot's replies, its long poll, the outbox's notices).
- `BotProcess`: `python -m bot run` as a separate OS process, so it can be SIGKILLed.
- `Deputy`: a deputy's phone driven through /checkin and /problem. When the bot dies after a tap,
  the deputy waits: the restarted bot must answer what was sent (it was journaled, or is still
  waiting at Telegram); a step it never answers counts as unanswered. When the bot no longer
  understands, the deputy /cancels and starts over, which counts as a restarted flow. Everything
  the bot says is scanned for the item numbers it reports as saved.

The long version of each test runs with DEPUTY_BOT_SOAK=1; DEPUTY_BOT_SEED=<n> repeats a run.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import random
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from aiohttp import web

from bot.clock import CLOCK_ENV, SetClock
from bot.texts import Texts
from localapi import BotMessage, LocalBotApi, SimUser
from localapi.models import ApiCall, ApiError

SOAK = os.environ.get("DEPUTY_BOT_SOAK", "").strip() not in ("", "0")


def seed_for(test: str) -> int:
    """A fresh seed for each run (more schedules tried over time), printed so a failure can be
    repeated with DEPUTY_BOT_SEED."""
    chosen = os.environ.get("DEPUTY_BOT_SEED", "").strip()
    seed = int(chosen) if chosen else random.SystemRandom().randrange(1, 2**31)
    print(f"{test}: seed {seed} (repeat with DEPUTY_BOT_SEED={seed}); soak={SOAK}", flush=True)
    return seed


# --- the server, with connections that can drop ---------------------------------------------

_request: contextvars.ContextVar[web.Request] = contextvars.ContextVar("faulty_api_request")
_DROP_AFTER = web.RequestKey("reliability.drop_after", bool)


class FaultyBotApi(LocalBotApi):
    """LocalBotApi whose interceptors may also cut the connection.

    The interceptor hook only sees the call; this subclass keeps the HTTP request in a context
    variable for the duration of the call, which is all a dropped connection needs. (A public
    hook in localapi would make this subclass unnecessary; see the report of issue 4.)
    """

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = _request.set(request)
        try:
            response = await super()._handle_api(request)
        finally:
            _request.reset(token)
        if request.get(_DROP_AFTER) and request.transport is not None:
            # The method ran (a message may have been delivered); the bot never hears so.
            request.transport.close()
        return response


def drop_connection() -> ApiError:
    """From an interceptor: close the connection before the method runs. Returns the error to
    return from the interceptor; it never reaches the bot, which sees the connection drop."""
    request = _request.get()
    if request.transport is not None:
        request.transport.close()
    return ApiError(499, "connection dropped by the fault plan")


def drop_after_answer() -> None:
    """From an interceptor: let the method run, then close the connection instead of answering."""
    _request.get()[_DROP_AFTER] = True


# --- a schedule of faults -----------------------------------------------------------------------

# "drop-after" lets the method run and loses its answer: harmless for getUpdates (the updates
# stay unconfirmed and come again), a duplicate for a message (see test_faults.py).
FAULT_KINDS = ("500", "502", "429", "drop", "drop-after", "stall")


@dataclass(frozen=True)
class Phase:
    """From `start` to `end` seconds after the plan starts, each call of a targeted kind gets
    one of `kinds` with probability `rate` (a stall only once per target and phase)."""

    start: float
    end: float
    kinds: tuple[str, ...]
    rate: float
    targets: tuple[str, ...] = ("reply", "updates", "notice")


@dataclass
class FaultPlan:
    """A seeded fault schedule, used as a LocalBotApi interceptor.

    `classify(call)` names the target of a call ("reply", "updates", "notice" or None for calls
    never faulted); `stall_seconds[target]` must exceed that client's timeout. Stalled calls are
    never carried out, so no fault of this plan can make a message arrive without the bot
    knowing: the exactly-once assertions rely on that.
    """

    rng: random.Random
    phases: Sequence[Phase]
    classify: Callable[[ApiCall], str | None]
    stall_seconds: dict[str, float]
    retry_after: int = 1
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    started_at: float | None = None
    _stalled: set[tuple[int, str]] = field(default_factory=set)
    _stalls_running: int = 0

    def start(self) -> None:
        self.started_at = time.monotonic()

    @property
    def duration(self) -> float:
        return max(phase.end for phase in self.phases)

    @property
    def over(self) -> bool:
        """True once the last phase ended and no stalled call is still held."""
        if self.started_at is None:
            return False
        return time.monotonic() - self.started_at >= self.duration and not self._stalls_running

    async def wait_over(self) -> None:
        # "Over" is a matter of the clock as much as of events; a short poll is simplest.
        while not self.over:  # noqa: ASYNC110
            await asyncio.sleep(0.05)

    def _phase(self) -> tuple[int, Phase] | None:
        if self.started_at is None:
            return None
        elapsed = time.monotonic() - self.started_at
        for index, phase in enumerate(self.phases):
            if phase.start <= elapsed < phase.end:
                return index, phase
        return None

    async def __call__(self, call: ApiCall) -> ApiError | None:
        target = self.classify(call)
        current = self._phase()
        if target is None or current is None:
            return None
        index, phase = current
        if target not in phase.targets or self.rng.random() >= phase.rate:
            return None
        kind = self.rng.choice(phase.kinds)
        if kind == "stall":
            if (index, target) in self._stalled:
                return None
            self._stalled.add((index, target))
        self.counts[(target, kind)] += 1
        if kind == "500":
            return ApiError(500, "Internal Server Error")
        if kind == "502":
            return ApiError(502, "Bad Gateway")
        if kind == "429":
            return ApiError(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                {"retry_after": self.retry_after},
            )
        if kind == "drop":
            return drop_connection()
        if kind == "drop-after":
            drop_after_answer()
            return None
        self._stalls_running += 1
        try:
            await asyncio.sleep(self.stall_seconds[target])
        finally:
            self._stalls_running -= 1
        # The client gave up long ago; carrying the call out now would deliver behind its back.
        return drop_connection()

    def summary(self) -> str:
        return ", ".join(f"{t}/{k}={n}" for (t, k), n in sorted(self.counts.items()))


# Known bug, reported with issue 4: storage/db.py serves every read through one shared
# connection, so a query that starts while another's cursor is still open joins that cursor's
# read transaction and sees the database as it was before commits made in between. The outbox
# sender then picks a row it has just marked sent and sends it again. Reading with
# `execute_fetchall` (each statement finished before the next starts) makes this vanish.
STALE_READ_BUG = (
    "notices sent twice by the sender although it had marked them sent: stale reads of the "
    "shared reader connection in storage/db.py (see tests/reliability.py STALE_READ_BUG)"
)


# --- the bot as an OS process -------------------------------------------------------------------


class BotProcess:
    """`python -m bot run --config <config>`: started, SIGKILLed and restarted by the test.

    `generation` counts kills, so a deputy can tell "the bot died after I tapped" from "the bot
    is slow"; `up` is set once the current process polls for updates.
    """

    def __init__(
        self, api: LocalBotApi, config: Path, workdir: Path, token: str, clock: SetClock
    ) -> None:
        self.api = api
        # Each process starts its clock where the test's clock stands: one time line across
        # restarts, whatever the machine's clock reads.
        self.clock = clock
        self.config = config
        self.workdir = workdir
        self.env = {
            **os.environ,
            "DEPUTY_BOT_TOKEN": token,
            "PYTHONIOENCODING": "utf-8",
            "PYTHONUNBUFFERED": "1",
        }
        self.proc: asyncio.subprocess.Process | None = None
        self.generation = 0
        self.starts = 0
        self.up = asyncio.Event()
        self.up_at = 0.0
        self.kill_times: list[float] = []
        # When each process was started: a call that arrived before spawned[n] was made by an
        # earlier process than one that arrived after it.
        self.spawned: list[float] = []
        self.start_seconds: list[float] = []
        self.logs: list[Path] = []
        self._log: IO[bytes] | None = None

    async def start(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        assert self.proc is None or self.proc.returncode is not None
        self.starts += 1
        log_path = self.workdir / f"bot-{self.starts}.log"
        self.logs.append(log_path)
        self._log = log_path.open("wb")
        began = time.monotonic()
        self.spawned.append(began)
        calls_before = len(self.api.calls)
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--config",
            str(self.config),
            cwd=self.workdir,
            env={**self.env, CLOCK_ENV: self.clock.now().isoformat()},
            stdout=self._log,
            stderr=asyncio.subprocess.STDOUT,
        )
        deadline = began + timeout
        while not any(c.method == "getUpdates" for c in self.api.calls[calls_before:]):
            if self.proc.returncode is not None:
                raise AssertionError(f"the bot exited with {self.proc.returncode}: {self.tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not poll within {timeout:g}s: {self.tail()}")
            await asyncio.sleep(0.02)
        self.up_at = time.monotonic()
        self.start_seconds.append(self.up_at - began)
        self.up.set()

    async def kill(self) -> None:
        """SIGKILL: no cleanup, no flush; what is not committed is gone."""
        self.kill_now()
        await self.reap()

    def kill_now(self) -> None:
        """SIGKILL from synchronous code, e.g. an interceptor at the exact call of interest:
        the process dies before the call it is making gets an answer."""
        assert self.proc is not None and self.proc.returncode is None
        self.up.clear()
        self.generation += 1
        self.kill_times.append(time.monotonic())
        os.kill(self.proc.pid, signal.SIGKILL)

    async def reap(self) -> None:
        assert self.proc is not None
        await self.proc.wait()
        self._close_log()

    async def stop(self) -> int:
        """SIGTERM, the way an operator stops it; returns the exit status."""
        if self.proc is None:
            return 0
        if self.proc.returncode is not None:
            return self.proc.returncode
        self.up.clear()
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), 20)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        self._close_log()
        assert self.proc.returncode is not None
        return self.proc.returncode

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def tail(self, lines: int = 30) -> str:
        if not self.logs:
            return ""
        text = self.logs[-1].read_text("utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def log_lines(self, needle: str) -> list[str]:
        found = []
        for path in self.logs:
            found += [
                f"{path.name}: {line}"
                for line in path.read_text("utf-8", errors="replace").splitlines()
                if needle in line
            ]
        return found


# --- what the bot says, as catalog text -------------------------------------------------------

ZH = Texts("zh")


def _head(key: str, **params: str) -> str:
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


# --- a deputy who does not give up ----------------------------------------------------------


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
                    "done", self.press(ZH("button.done")), says(_head("checkin_finished", count=""))
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
                says(_head("report_ask_description.problem", min="", max="")),
            )
            and await self.step(
                "description", self.text(description), says(_head("report_ask_photos", max=""))
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
        title = says(_head("mine_title", total="", page="", pages=""))
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
