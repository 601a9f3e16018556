"""Benchmark 1: conversation steps per second when every API call takes a real round trip.

N simulated deputies at once each walk complete /checkin + /problem conversations (11 steps a
round, no think time) against the bot, while the local Bot API server adds `--delay` seconds to
every API call. A step is one update from the deputy (a message or a button press) and the
bot's replies to it. Latency is from sending the update to the first reply arriving.

The floor, in the same run against the same server: python-telegram-bot's echo bot (one reply
per update; concurrent_updates as ours; the same HTTP client as the deputy bot, aiohttp, since
PTB's default httpx client is itself the bottleneck at this rate), driven by as many users
sending the same number of messages. Each bot runs in a process of its own (bench/_harness.py).

    .venv/bin/python -m bench.throughput [--quick] [--users N] [--delay 0.1] [--rounds R]

Experiments (both bots alike): `--client httpx` sends the bots' API calls through PTB's default
httpx client instead, `--pool N` sets their connection pool size.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.bootstrap import open_services
from bot.catalog_file import EXAMPLE_CATALOG, load_catalog
from bot.people import Role
from bot.records import SiteRecord
from bot.services import Services
from localapi import BotMessage, LocalBotApi, SimUser

from ._harness import (
    BotProcess,
    ChildConfig,
    CpuMeter,
    goal_line,
    introduce,
    invite_all,
    local_api,
    percentile,
    seed_catalog,
    settings_for,
)
from ._machine import api_parser, sized_args
from ._walk import Deputy, Run, Step, say_text

GOAL_STEPS_PER_SECOND = 400.0
GOAL_RATIO = 0.8
# The first reply to a step within this many API round trips (--delay each), at the 99th
# percentile: the update's own fetch, the step's first reply, and one for the database and the
# machine.
GOAL_P99_ROUND_TRIPS = 3
# Generous: a reply later than this is a failure of the run, not a slow step.
REPLY_TIMEOUT = 120.0
ECHO_USERS_FROM = 100_001
DEPUTY_USERS_FROM = 200_001
DESCRIPTION = "外立面脚手架已停工两周，现场无施工人员，交付存在风险。"


STEPS: tuple[Step, ...] = (
    Step("/checkin", lambda d: say_text(d, "/checkin"), 1, "当前位置"),
    Step(
        "location",
        lambda d: d.user.send_location(d.site.lat, d.site.lon, horizontal_accuracy=10),
        2,
        "请选择您所在的点位",
    ),
    Step("site", lambda d: d.user.press(d.site.name), 1, "现场照片"),
    Step("photos done", lambda d: d.user.press("完成"), 1, "签到完成"),
    Step("/problem", lambda d: say_text(d, "/problem"), 1, "是否是您刚签到的点位"),
    Step("place", lambda d: d.user.press("签到）"), 1, "请选择问题类别"),
    Step("category", lambda d: d.user.press("进度滞后"), 1, "请选择严重程度"),
    Step("severity", lambda d: d.user.press("较重"), 1, "请用文字描述"),
    Step("description", lambda d: say_text(d, f"{DESCRIPTION}（{d.number}）"), 1, "可以发送照片"),
    Step("skip photos", lambda d: d.user.press("跳过 / 完成"), 1, "请核对"),
    Step("confirm", lambda d: d.user.press("确认提交"), 1, "已提交"),
)


def _shows(message: BotMessage, expect: str) -> bool:
    return expect in (message.text or "") or any(expect in label for label in message.buttons)


async def _measure(
    api: LocalBotApi,
    run: Run,
    bot: BotProcess,
    drive: Callable[[Run], Awaitable[None]],
) -> None:
    calls_before = len(api.calls)
    run.cpu = CpuMeter(bot)
    run.cpu.start()
    started = time.perf_counter()
    await drive(run)
    run.wall = time.perf_counter() - started
    run.cpu.stop()
    window = api.calls[calls_before:]
    run.get_updates = sum(1 for call in window if call.method == "getUpdates")
    run.api_calls = len(window) - run.get_updates
    run.bot_errors = bot.logged_errors()
    if run.bot_errors:
        run.bot_log = bot.log_tail()


# --- the floor: an echo bot ----------------------------------------------------------------


async def echo_floor(
    api: LocalBotApi,
    users: int,
    steps: int,
    delay: float,
    workdir: Path,
    client: str | None,
    pool: int | None,
) -> Run:
    run = Run("echo bot (floor)", users)
    people = [api.user(ECHO_USERS_FROM + n, f"echo{n}") for n in range(users)]

    async def talk(user: SimUser, run: Run) -> None:
        try:
            for n in range(steps):
                text = f"step {n} of {user.user_id}"
                sent = time.perf_counter()
                await user.send_text(text)
                reply = await user.next_message(REPLY_TIMEOUT)
                elapsed = time.perf_counter() - sent
                if reply.text != text:
                    raise AssertionError(f"echo of {text!r} was {reply.text!r}")
                run.first_reply.append(elapsed)
                run.step_done.append(elapsed)
                run.steps += 1
        except (AssertionError, TimeoutError) as exc:
            run.failures.append(f"{user.label}: {str(exc).splitlines()[0]}")

    async def drive(run: Run) -> None:
        await asyncio.gather(*(talk(user, run) for user in people))

    config = ChildConfig(
        api.base_url, api.base_file_url, str(workdir / "echo"), client=client, pool=pool
    )
    async with BotProcess("echo", config.as_json(), workdir / "echo.log") as bot:
        api.delay = delay
        await _measure(api, run, bot, drive)
        api.delay = 0.0
    return run


# --- the deputy bot ------------------------------------------------------------------------


async def _first_site(services: Services, group_code: str) -> SiteRecord | None:
    """Where the group's deputies check in: the first site of its first project with sites."""
    campaign_id = services.campaign.id
    group = await services.catalog.group_by_code(campaign_id, group_code)
    assert group is not None, group_code
    for project_id in sorted(await services.catalog.group_project_ids(group.id)):
        sites = await services.catalog.sites_of_project(campaign_id, project_id)
        if sites:
            return sites[0]
    return None


async def _join(user: SimUser, token: str) -> None:
    await user.send_text(f"/start {token}")
    welcome = await user.next_message(REPLY_TIMEOUT)
    if user.first_name not in (welcome.text or ""):
        raise RuntimeError(f"{user.label} could not join: {welcome.describe()}")
    # The welcome may come with a second message (the menu); wait until it is all in.
    await user.settle(quiet=0.2, timeout=REPLY_TIMEOUT)


async def _walk(deputy: Deputy, rounds: int, run: Run) -> None:
    user = deputy.user
    step = STEPS[0]
    try:
        for _ in range(rounds):
            for step in STEPS:
                sent = time.perf_counter()
                await step.act(deputy)
                first = await user.next_message(REPLY_TIMEOUT)
                run.first_reply.append(time.perf_counter() - sent)
                last, seen = first, 0 if first.edited else 1
                while seen < step.replies:
                    last = await user.next_message(REPLY_TIMEOUT, edited=False)
                    seen += 1
                run.step_done.append(time.perf_counter() - sent)
                run.by_step.setdefault(step.name, []).append(run.step_done[-1])
                if not _shows(last, step.expect):
                    raise AssertionError(f"expected {step.expect!r}, got {last.describe()}")
                run.steps += 1
    except (AssertionError, TimeoutError) as exc:
        run.failures.append(f"{user.label} at {step.name}: {str(exc).splitlines()[0]}")


async def deputy_run(
    api: LocalBotApi,
    users: int,
    rounds: int,
    delay: float,
    workdir: Path,
    client: str | None,
    pool: int | None,
) -> Run:
    run = Run("deputy bot", users)
    settings = settings_for(api, workdir / "deputy")
    await seed_catalog(settings)
    services = await open_services(settings)
    try:
        sites: dict[str, SiteRecord] = {}
        for group in load_catalog(EXAMPLE_CATALOG).groups:
            site = await _first_site(services, group.code)
            if site is not None:
                sites[group.code] = site
        groups = sorted(sites)
        codes = [groups[n % len(groups)] for n in range(users)]
        tokens = await invite_all(
            services, [(f"代表{n:03d}", Role.DEPUTY, code) for n, code in enumerate(codes)]
        )
    finally:
        await services.close()
    deputies = [
        Deputy(api.user(DEPUTY_USERS_FROM + n, f"代表{n:03d}"), sites[codes[n]], n)
        for n in range(users)
    ]

    async def drive(run: Run) -> None:
        await asyncio.gather(*(_walk(deputy, rounds, run) for deputy in deputies))

    config = ChildConfig(
        api.base_url, api.base_file_url, str(workdir / "deputy"), client=client, pool=pool
    ).as_json()
    async with BotProcess("deputy", config, workdir / "deputy.log") as bot:
        # Joining is setup, not the figure: no round-trip delay, a few at a time.
        joining = asyncio.Semaphore(20)

        async def join(deputy: Deputy, token: str) -> None:
            async with joining:
                await _join(deputy.user, token)

        await asyncio.gather(*(join(d, t) for d, t in zip(deputies, tokens, strict=True)))
        api.delay = delay
        await _measure(api, run, bot, drive)
        api.delay = 0.0
    return run


# --- the report ----------------------------------------------------------------------------


async def main_async(args: argparse.Namespace) -> int:
    introduce(
        "Benchmark 1: update throughput under real-world latency",
        f"{args.users} users, {args.rounds} round(s) of /checkin + /problem "
        f"({len(STEPS)} steps each), API delay {args.delay * 1000:.0f} ms per call"
        + (f", client {args.client}, pool {args.pool or 256}" if args.client or args.pool else ""),
    )
    steps = args.rounds * len(STEPS)
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
        workdir = Path(tmp)
        async with local_api() as api:
            floor = await echo_floor(
                api, args.users, steps, args.delay, workdir, args.client, args.pool
            )
            print(floor.describe(), flush=True)
            figure = await deputy_run(
                api, args.users, args.rounds, args.delay, workdir, args.client, args.pool
            )
            print(figure.describe(args.verbose), flush=True)
            if api.internal_errors:
                print(f"Local API internal errors: {api.internal_errors[:3]!r}")
                return 1
    if floor.failures or figure.failures or floor.bot_errors or figure.bot_errors:
        print("The run is not valid: conversations failed or the bot logged errors.")
        return 1
    ratio = figure.rate / floor.rate if floor.rate else 0.0
    p50 = percentile(figure.first_reply, 50)
    p99 = percentile(figure.first_reply, 99)
    print()
    print(
        f"RESULT throughput: {figure.rate:.1f} steps/s (p50 {p50 * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms); floor (echo bot) {floor.rate:.1f} steps/s; "
        f"ratio {ratio:.2f}"
    )
    print(
        goal_line(
            f"at least {GOAL_STEPS_PER_SECOND:.0f} steps/s",
            figure.rate >= GOAL_STEPS_PER_SECOND,
            f"{figure.rate:.1f} steps/s with {args.users} users at {args.delay * 1000:.0f} ms",
        )
    )
    print(
        goal_line(
            f"at least {GOAL_RATIO} of the echo floor",
            ratio >= GOAL_RATIO,
            f"ratio {ratio:.2f}",
        )
    )
    trips = p99 / args.delay if args.delay > 0 else 0.0
    print(
        goal_line(
            f"first reply p99 within {GOAL_P99_ROUND_TRIPS} round trips",
            trips <= GOAL_P99_ROUND_TRIPS,
            f"p99 {p99 * 1000:.0f} ms = {trips:.1f} x {args.delay * 1000:.0f} ms",
        )
    )
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = api_parser("bench.throughput", __doc__, "20 users, 1 round: a few seconds")
    parser.add_argument("--users", type=int, default=None, help="simulated deputies (200)")
    parser.add_argument("--rounds", type=int, default=None, help="conversations each (2)")
    parser.add_argument("--verbose", action="store_true", help="latency of each step")
    parser.add_argument(
        "--client",
        choices=["httpx", "aiohttp"],
        default="aiohttp",
        help="both bots' HTTP client (default aiohttp, what the deputy bot uses)",
    )
    parser.add_argument(
        "--pool", type=int, default=None, help="experiment: both bots' connection pool size"
    )
    return sized_args(parser, argv, users=(20, 200), rounds=(1, 2))


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
