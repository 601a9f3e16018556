"""Telegram faults: the local Bot API answers 500 and 502, 429 with retry_after, drops
connections and stalls past the client's timeout, on a seeded schedule, for the bot's replies,
its long poll and the outbox's notices. The bot keeps serving; once the faults stop, every
deputy's command is answered and every notice queued has arrived exactly once.

Exactly once holds because no fault here lets Telegram carry out a call the bot then hears
nothing about: connections drop before the method runs, and stalled calls are never carried
out. A connection that drops AFTER Telegram took a message is the sender's documented
at-least-once window; test_a_connection_lost_after_telegram_took_a_notice_repeats_it measures
what it costs.

The bot runs in this process with the production wiring (bot.app.running, the outbox sender of
handlers/delivery.py) except for two client timeouts, shortened so that a stall longer than
them fits in a bounded test: replies 3 s (production 30 s) and the long poll 1 + 1 s
(production poll + 10 + poll). The sender keeps its own 15 s, so its stalls last 16 s. Retry
backoffs are 0.2-2 s instead of 2-900 s, so "after the faults stop" means seconds.

Default: one fault cycle, about half a minute. DEPUTY_BOT_SOAK=1: six cycles, more notices.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from telegram.request import HTTPXRequest

from bot.app import build_application, running
from bot.config import OutboxSettings, Settings
from bot.notices import Notice
from bot.people import Role
from localapi.models import ApiCall, ApiError
from tests.conftest import (
    BOT_USERNAME,
    TOKEN,
    Harness,
    make_settings,
    open_with_example,
    start_clock,
)
from tests.deputy import Deputy
from tests.faulty_api import FaultPlan, FaultyBotApi, Phase, drop_after_answer
from tests.reliability import SOAK, STALE_READ_BUG, seed_for

# PTB warns about the type of RetryAfter.retry_after each time a 429 is parsed.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

REPLY_TIMEOUT = 3.0
POLL_TIMEOUT = 1
POLL_READ_TIMEOUT = 1.0
# Longer than each client's timeout: the reply request's, the long poll's (read + poll), and
# the sender's (handlers/delivery.py: 15 s).
STALL = {"reply": REPLY_TIMEOUT + 1, "updates": POLL_READ_TIMEOUT + POLL_TIMEOUT + 1, "notice": 16}

CYCLES = 6 if SOAK else 1
CHATTING = 8
RECIPIENTS = 20
NOTICES_PER_PERSON = 30 if SOAK else 12
NOTICE_MARK = "📣"


def cycle(start: float) -> list[Phase]:
    """One round of every fault, each in its own few seconds, then all of them mixed."""
    return [
        # The sender's stall comes first: at 16 s it is the longest, and it runs alongside the rest.
        Phase(start + 0.0, start + 0.5, ("stall",), 1.0, ("notice",)),
        Phase(start + 0.5, start + 3.0, ("500", "502"), 0.5),
        Phase(start + 3.0, start + 5.0, ("429",), 0.15),
        Phase(start + 5.0, start + 7.5, ("drop",), 0.4),
        Phase(start + 7.5, start + 8.0, ("drop-after",), 1.0, ("updates",)),
        Phase(start + 8.0, start + 9.0, ("stall",), 1.0, ("reply", "updates")),
        Phase(start + 9.0, start + 13.0, ("500", "502", "429", "drop"), 0.3),
    ]


def classify(call: ApiCall) -> str | None:
    if call.method == "getUpdates":
        return "updates"
    if call.method in ("getMe", "setMyCommands", "deleteWebhook", "getFile"):
        return None
    if str(call.params.get("text", "")).startswith(NOTICE_MARK):
        return "notice"
    return "reply"


@dataclass
class World:
    api: FaultyBotApi
    bot: Harness


def fast_settings(api: FaultyBotApi, data: Path) -> Settings:
    settings = make_settings(api, data)
    return settings.model_copy(
        update={
            "telegram": settings.telegram.model_copy(update={"poll_timeout_seconds": POLL_TIMEOUT}),
            "outbox": OutboxSettings(
                per_chat_seconds=0,
                backoff_base_seconds=0.2,
                backoff_max_seconds=2.0,
                poll_seconds=0.2,
            ),
        }
    )


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with FaultyBotApi(token=TOKEN, bot_username=BOT_USERNAME) as api:
        settings = fast_settings(api, tmp_path / "data")
        services = await open_with_example(settings, start_clock())
        app = build_application(
            settings,
            services,
            request=HTTPXRequest(connection_pool_size=64, read_timeout=REPLY_TIMEOUT),
            poll_read_margin=POLL_READ_TIMEOUT,
        )
        stack = AsyncExitStack()
        await stack.enter_async_context(running(app, settings))
        harness = Harness(api, settings, services, app, stack)
        try:
            yield World(api, harness)
        finally:
            api.interceptors.clear()
            await harness.stack.aclose()
            await harness.services.close()
            assert not api.internal_errors, api.internal_errors


async def notices_for(bot: Harness, people: list[int], count: int, tag: str) -> list[str]:
    notices = [
        Notice(person, text=f"{NOTICE_MARK} {tag}-{person}-{k}", dedup=f"{tag}-{person}-{k}")
        for k in range(count)
        for person in people
    ]
    await bot.services.outbox.enqueue(notices, bot.now())
    return [n.text or "" for n in notices]


async def wait_until_sent(bot: Harness, timeout: float) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while True:
        pending = await bot.value(
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND gave_up_at IS NULL"
        )
        if pending == 0:
            return
        assert time.monotonic() < deadline, f"{pending} notices still pending after {timeout}s"
        await asyncio.sleep(0.1)


def deliveries(world: World, texts: list[str]) -> Counter[str]:
    """How many times each notice reached a phone (new messages only)."""
    wanted = set(texts)
    got: Counter[str] = Counter()
    for user in world.api._users.values():
        for message in user.chat.events.items:
            if not message.edited and message.text in wanted:
                got[message.text or ""] += 1
    return got


async def site_place(bot: Harness) -> tuple[float, float, str]:
    site = await bot.site_of_group("G01")
    return site.lat, site.lon, site.name


async def test_the_bot_keeps_serving_through_faults_and_each_notice_arrives_once(
    world: World,
) -> None:
    seed = seed_for("faults")
    rng = random.Random(seed)
    bot, api = world.bot, world.api
    started = time.monotonic()
    place = await site_place(bot)
    users = await asyncio.gather(
        *(bot.join(f"代表{n:02d}", Role.DEPUTY) for n in range(RECIPIENTS))
    )
    people = [(await bot.person(user)).id for user in users]
    deputies = [
        Deputy(user, None, place, random.Random(seed + n))
        for n, user in enumerate(users[:CHATTING])
    ]

    plan = FaultPlan(
        rng,
        [phase for n in range(CYCLES) for phase in cycle(n * 14.0)],
        classify,
        STALL,
    )
    api.interceptors.append(plan)
    plan.start()
    texts = await notices_for(bot, people, NOTICES_PER_PERSON, "a")
    if bot.services.on_queued is not None:
        bot.services.on_queued()

    async def chat(deputy: Deputy) -> None:
        """Deputies keep working while Telegram misbehaves; lost replies are given up on."""
        deputy.strict = False
        while not stop.is_set():
            await asyncio.sleep(0.1)
            if await deputy.check_in() and not stop.is_set():
                await deputy.report_problem(
                    f"{deputy.user.first_name} 在故障期间报告：脚手架停工。"
                )

    # A flag rather than Task.cancel(): Python 3.11's wait_for (used by the simulator's waits)
    # can swallow a cancellation, which would leave the test waiting for the task forever.
    stop = asyncio.Event()

    chatting = [asyncio.create_task(chat(d)) for d in deputies]
    await asyncio.sleep(plan.duration / 2)
    texts += await notices_for(bot, people, NOTICES_PER_PERSON // 3, "b")
    async with asyncio.timeout(plan.duration + 20):
        await plan.wait_over()
    faults_over = time.monotonic()
    stop.set()
    # A deputy in the middle of a round finishes it, every step answered or given up on.
    _, late = await asyncio.wait(chatting, timeout=60)
    assert not late, "deputies still busy a minute after the faults"
    during = sum(d.tally.reports for d in deputies)

    # After the faults: every command is answered. A deputy first leaves whatever the faults
    # left half done, then checks in and reports from start to finish without a miss.
    async def afterwards(deputy: Deputy) -> None:
        deputy.strict = True
        deputy.tally.failures.clear()
        deputy.skip_pending()
        assert await deputy.cancel(), deputy.tally.failures
        before = sum(deputy.tally.trouble.values())
        reports = deputy.tally.reports
        assert await deputy.check_in(), deputy.tally.failures
        assert await deputy.report_problem("故障之后：外立面脚手架停工，现场无人。"), (
            deputy.tally.failures
        )
        assert deputy.tally.reports == reports + 1
        assert sum(deputy.tally.trouble.values()) == before, deputy.tally.trouble

    async with asyncio.timeout(90):
        await asyncio.gather(*(afterwards(d) for d in deputies))
    await wait_until_sent(bot, 30)
    drained = time.monotonic()
    await asyncio.sleep(0.5)

    got = deliveries(world, texts)
    missing = [t for t in texts if got[t] == 0]
    twice = {t: n for t, n in got.items() if n > 1}
    gave_up = await bot.value("SELECT COUNT(*) FROM outbox WHERE gave_up_at IS NOT NULL")
    mismatched = await bot.value(
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL OR message_id IS NULL"
    )
    retried = await bot.value("SELECT COUNT(*) FROM outbox WHERE attempts > 1")
    errors = [c for c in api.calls if c.error_code is not None]
    print(
        f"faults: seed {seed}, {CYCLES} cycle(s) of {plan.duration / CYCLES:.0f}s; faults "
        f"injected: {plan.summary()}\n"
        f"  faults over {faults_over - started:.1f}s after start, notices drained "
        f"{drained - faults_over:.1f}s later; {len(texts)} notices, {retried} needed more than "
        f"one attempt, missing {len(missing)}, twice {len(twice)}, given up {gave_up}\n"
        f"  {len(deputies)} deputies chatting: {during} reports during the faults, then each "
        f"a check-in and a report with every step answered; calls answered with an error "
        f"{len(errors)}",
        flush=True,
    )
    assert sum(plan.counts.values()) > 0
    assert not missing, f"{len(missing)} notices never arrived, e.g. {missing[:3]}"
    assert gave_up == 0 and mismatched == 0
    assert await bot.value("PRAGMA integrity_check") == "ok"
    # No fault of the plan lets a call succeed unseen, so a second delivery can only be the
    # sender sending a row it had already marked sent.
    assert not twice, f"{len(twice)} {STALE_READ_BUG}"


async def test_a_connection_lost_after_telegram_took_a_notice_repeats_it(world: World) -> None:
    """The sender's at-least-once window, measured: when Telegram delivers a message but the
    answer is lost on the way back, the sender cannot tell it from a message never sent and
    sends it again. Each such loss costs exactly one duplicate, and nothing else."""
    bot, api = world.bot, world.api
    users = await asyncio.gather(*(bot.join(f"代表{n}", Role.DEPUTY) for n in range(5)))
    people = [(await bot.person(user)).id for user in users]
    lost_answers: set[str] = set()

    async def lose_answer(call: ApiCall) -> ApiError | None:
        text = str(call.params.get("text", ""))
        # Every third notice, the first time it is sent.
        if (
            call.method == "sendMessage"
            and text.startswith(NOTICE_MARK)
            and text not in lost_answers
            and int(text.rsplit("-", 1)[1]) % 3 == 0
        ):
            lost_answers.add(text)
            drop_after_answer()
        return None

    api.interceptors.append(lose_answer)
    texts = await notices_for(bot, people, 9, "p")
    if bot.services.on_queued is not None:
        bot.services.on_queued()
    await wait_until_sent(bot, 20)
    await asyncio.sleep(0.3)

    got = deliveries(world, texts)
    twice = {t for t, n in got.items() if n == 2}
    print(
        f"answers lost after Telegram took the notice: {len(lost_answers)} of {len(texts)}; "
        f"notices delivered twice: {len(twice)}; more than twice: "
        f"{sum(1 for n in got.values() if n > 2)}",
        flush=True,
    )
    assert all(got[t] >= 1 for t in texts)
    assert lost_answers <= twice
    extra = [t for t in texts if got[t] > (2 if t in lost_answers else 1)]
    assert not extra, f"{len(extra)} {STALE_READ_BUG}"
    assert await bot.value("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == 0
