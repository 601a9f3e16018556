"""Benchmark 5: the evening's daily summaries to every leader, at Telegram's pace and no faster.

N leaders (1,000) have joined, spread over the example campaign's groups. The real daily job
queues each group's summary to its leaders (bot.summary_push.queue_daily_summaries), and the
real outbox sender (handlers.delivery.build_sender: RateLimiter at outbox.messages_per_second, one
message a second per chat) delivers them through a local Bot API server that enforces Telegram's
limits: at most 30 messages in any rolling second per bot and 1 a second per chat, 429 with
retry_after beyond them. Every API call takes `--delay` seconds, as a round trip would.

The figure is the sustained rate over the whole run, from waking the sender to the last message
delivered; the reference is Telegram's 30 messages/s, and no 429 may occur.

    .venv/bin/python -m bench.fanout [--quick] [--leaders N] [--delay 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bot.bootstrap import open_services
from bot.catalog_file import EXAMPLE_CATALOG, load_catalog
from bot.people import Role
from bot.services import Services
from bot.summary_push import queue_daily_summaries
from bot.usecases.membership import join
from handlers.delivery import build_sender, delivery_bot
from localapi import LocalBotApi, SimUser

from ._harness import (
    TOKEN,
    CpuMeter,
    goal_line,
    introduce,
    invite_all,
    local_api,
    seed_catalog,
    settings_for,
)
from ._machine import api_parser, sized_args

TELEGRAM_RATE = 30.0
TELEGRAM_WINDOW = 1.0
# Telegram tolerates a short burst in one chat; we enforce the plain 1 a second, the stricter.
CHAT_LIMIT = (1, 1.0)
GOAL_WITHIN = 0.10
LEADERS_FROM = 300_001
_SENDS = ("sendMessage", "sendPhoto", "sendDocument")


async def _seed_leaders(services: Services, api: LocalBotApi, count: int) -> list[SimUser]:
    """`count` leaders who have joined, round-robin over the campaign's groups."""
    groups = [group.code for group in load_catalog(EXAMPLE_CATALOG).groups]
    people = [(f"组长{n:04d}", Role.LEADER, groups[n % len(groups)]) for n in range(count)]
    tokens = await invite_all(services, people)
    leaders: list[SimUser] = []
    for n, token in enumerate(tokens):
        user_id = LEADERS_FROM + n
        await join(services, token, user_id)
        leaders.append(api.user(user_id, people[n][0]))
    return leaders


def _busiest_second(times: list[float]) -> int:
    """The most messages the server accepted within any rolling second."""
    most, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= TELEGRAM_WINDOW:
            start += 1
        most = max(most, end - start + 1)
    return most


async def run(args: argparse.Namespace) -> int:
    introduce(
        "Benchmark 5: fan-out of the daily summaries through the rate limiter",
        f"{args.leaders} leaders, API delay {args.delay * 1000:.0f} ms per call, server "
        f"enforcing {TELEGRAM_RATE:.0f} messages per rolling second per bot and "
        f"{CHAT_LIMIT[0]} per {CHAT_LIMIT[1]:g} s per chat",
    )
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp:
        async with local_api(
            flood_limit=(int(TELEGRAM_RATE), TELEGRAM_WINDOW), chat_flood_limit=CHAT_LIMIT
        ) as api:
            settings = settings_for(api, Path(tmp) / "data")
            if args.rate is not None:
                outbox = settings.outbox.model_copy(update={"messages_per_second": args.rate})
                settings = settings.model_copy(update={"outbox": outbox})
            await seed_catalog(settings)
            services = await open_services(settings)
            try:
                leaders = await _seed_leaders(services, api, args.leaders)
                now = services.clock.now()
                day = now.astimezone(settings.zone).date()
                queued = await queue_daily_summaries(services, day, now)
                print(f"Queued: {queued} outbox rows for {len(leaders)} leaders ({day})")

                bot, requests = delivery_bot(settings, TOKEN)
                sender = build_sender(bot, settings, services)
                print(
                    f"Sender: {sender.limiter.per_second:g} messages/s overall, "
                    f"{sender.limiter.per_chat_seconds:g} s between messages to one chat"
                )
                api.delay = args.delay
                calls_before = len(api.calls)
                cpu = CpuMeter()
                stop = asyncio.Event()
                cpu.start()
                started = time.perf_counter()
                task = asyncio.create_task(sender.run(stop))
                sender.wake()
                try:
                    async with asyncio.timeout(queued / TELEGRAM_RATE * 3 + 30):
                        # The outbox table is the truth of what is left; nothing signals it.
                        while await services.delivery.pending_count() > 0:  # noqa: ASYNC110
                            await asyncio.sleep(0.05)
                finally:
                    elapsed = time.perf_counter() - started
                    cpu.stop()
                    stop.set()
                    await task
                    for request in requests:
                        await request.shutdown()
                stats = await services.delivery.stats(services.clock.now())
            finally:
                await services.close()
            sends = [c for c in api.calls[calls_before:] if c.method in _SENDS]
            accepted = sorted(c.time for c in sends if c.ok)
            refused = sum(1 for c in sends if c.error_code == 429)
            received = sum(len(leader.messages) for leader in leaders)
            internal = list(api.internal_errors)

    rate = len(accepted) / elapsed if elapsed > 0 else 0.0
    steady = (len(accepted) - 1) / (accepted[-1] - accepted[0]) if len(accepted) > 1 else 0.0
    ratio = rate / TELEGRAM_RATE
    print(
        f"Delivered: {len(accepted)} messages ({received} seen by the leaders) in {elapsed:.2f} s; "
        f"sent {stats.sent}, given up {stats.gave_up}, still pending {stats.pending}"
    )
    print(
        f"  first to last message: {steady:.2f} messages/s; busiest rolling second at the "
        f"server: {_busiest_second(accepted)} messages; 429 answers: {refused}"
    )
    print(f"  {cpu.describe('sender + server + simulated leaders')}")
    if internal or stats.gave_up or stats.pending or received != queued:
        print(f"The run is not valid: {internal[:3]!r}, {stats}, {received} of {queued} arrived")
        return 1
    print()
    print(
        f"RESULT fan-out: {rate:.2f} messages/s sustained ({len(accepted)} messages, "
        f"{refused} x 429); reference (Telegram's limit) {TELEGRAM_RATE:.0f} messages/s; "
        f"ratio {ratio:.2f}"
    )
    print(
        goal_line(
            f"within {GOAL_WITHIN:.0%} of {TELEGRAM_RATE:.0f} messages/s",
            abs(1 - ratio) <= GOAL_WITHIN,
            f"{rate:.2f} messages/s, ratio {ratio:.2f}",
        )
    )
    print(goal_line("no 429 from the enforcing server", refused == 0, f"{refused} x 429"))
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = api_parser("bench.fanout", __doc__, "100 leaders: a few seconds")
    parser.add_argument("--leaders", type=int, default=None, help="leaders to notify (1000)")
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="experiment: the sender's messages_per_second instead of the configured 30",
    )
    return sized_args(parser, argv, leaders=(100, 1000))


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
