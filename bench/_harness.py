"""What the benchmarks share: settings, a seeded database, a bot in a process of its own, figures.

The local Bot API server and the simulated people stand in for Telegram and its users, so they
run in the benchmark's own process; the bot under test runs in a child process, as it would on
a server of its own. On the 2-core machines we measure on, each side then has a core, and a
figure says what the bot can do rather than what is left of one core after the simulation.

The child is this module: `python -m bench._harness {deputy|echo} CONFIG_JSON`. It prints READY
once it polls, and stops cleanly when its standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import os
import platform
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from pydantic import SecretStr
from telegram.request import BaseRequest, HTTPXRequest

from bot.bootstrap import database_of, open_services
from bot.catalog_file import EXAMPLE_CATALOG, load_catalog
from bot.config import ScheduleSettings, Settings, StorageSettings, TelegramSettings, WebSettings
from bot.invitations import InvitationRequest
from bot.people import Role
from bot.services import Services
from bot.usecases.membership import issue_invitation
from handlers.request import AiohttpRequest
from localapi import LocalBotApi
from storage.catalog import import_catalog

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-TOKEN-deputy-bot"
BOT_USERNAME = "deputy_bench_bot"
# A bot that waits longer than this to READY or to stop is broken, not slow.
START_TIMEOUT = 120.0
STOP_TIMEOUT = 60.0


# --- settings and data -------------------------------------------------------------------


def bench_settings(
    base_url: str, base_file_url: str, data_dir: Path, *, poll_timeout: int = 10
) -> Settings:
    """Production defaults (concurrency, persistence, outbox pace) against the local server.

    The daily jobs are off (they would fire whenever a run crosses 09:00 or 20:00), and the
    long poll is shorter than production's 30 s, which only matters to an idle bot.
    """
    return Settings(
        telegram=TelegramSettings(
            token=SecretStr(TOKEN),
            base_url=base_url,
            base_file_url=base_file_url,
            bot_username=BOT_USERNAME,
            poll_timeout_seconds=poll_timeout,
        ),
        storage=StorageSettings(data_dir=data_dir),
        schedule=ScheduleSettings(enabled=False),
        web=WebSettings(enabled=False),
    )


def settings_for(api: LocalBotApi, data_dir: Path) -> Settings:
    return bench_settings(api.base_url, api.base_file_url, data_dir)


async def seed_catalog(settings: Settings) -> None:
    """A new database with the example campaign (Hangzhou 2020) imported."""
    services = await open_services(settings, require_campaign=False)
    try:
        await import_catalog(
            database_of(services), load_catalog(EXAMPLE_CATALOG), now=services.clock.now()
        )
    finally:
        await services.close()


async def invite_all(
    services: Services, people: Sequence[tuple[str, Role, str | None]]
) -> list[str]:
    """Invitation tokens for (name, role, group code) in order, issued as staff would."""
    tokens: list[str] = []
    for name, role, group in people:
        issued = await issue_invitation(
            services,
            InvitationRequest(name, role, group),
            bot_username=BOT_USERNAME,
            created_by=None,
        )
        tokens.append(issued.token)
    return tokens


# --- the bot in a child process ------------------------------------------------------------


def _cpu_seconds(pid: int, tid: int | None = None) -> float | None:
    """User + system CPU time of a process (or one of its threads) so far; Linux only."""
    path = f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat"
    try:
        fields = Path(path).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # Fields 14 and 15 of proc_pid_stat(5) are utime and stime; index 0 here is field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BotProcess:
    """The bot under test, running in its own Python process until the block ends."""

    def __init__(self, kind: str, config: dict[str, Any], log_path: Path) -> None:
        self.kind = kind
        self.config = config
        self.log_path = log_path
        self._proc: asyncio.subprocess.Process | None = None
        self._log: Any = None

    async def __aenter__(self) -> Self:
        self._log = self.log_path.open("ab")
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench._harness",
            self.kind,
            json.dumps(self.config),
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=self._log,
        )
        assert self._proc.stdout is not None
        try:
            async with asyncio.timeout(START_TIMEOUT):
                line = await self._proc.stdout.readline()
        except TimeoutError:
            line = b""
        if line.strip() != b"READY":
            await self._shutdown()
            raise RuntimeError(
                f"the {self.kind} bot did not start; see {self.log_path}:\n{self.log_tail()}"
            )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._shutdown()

    async def _shutdown(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.stdin is not None:
                proc.stdin.close()
            try:
                async with asyncio.timeout(STOP_TIMEOUT):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def cpu_seconds(self) -> tuple[float, float] | None:
        """CPU seconds so far: the whole process, and its main thread (the event loop) alone;
        the difference is spent in worker threads (SQLite, Pillow)."""
        if self._proc is None:
            return None
        total = _cpu_seconds(self.pid)
        main = _cpu_seconds(self.pid, self.pid)
        return None if total is None or main is None else (total, main)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def logged_errors(self) -> int:
        """ERROR lines and tracebacks the bot logged: a healthy run has none."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return 0
        return sum(
            1 for line in text.splitlines() if " ERROR " in line or line.startswith("Traceback")
        )


# --- measuring ---------------------------------------------------------------------------


class CpuMeter:
    """CPU used between start() and stop(), in cores: this process (the server and the
    simulated users), the bot, and the bot's event loop thread alone."""

    def __init__(self, bot: BotProcess | None = None) -> None:
        self.bot = bot
        self._wall = self._own = 0.0
        self._bot: tuple[float, float] | None = None
        self.own_share = 0.0
        self.bot_share: float | None = None
        self.bot_loop_share: float | None = None

    def start(self) -> None:
        self._wall = time.perf_counter()
        self._own = time.process_time()
        self._bot = self.bot.cpu_seconds() if self.bot else None

    def stop(self) -> None:
        wall = max(time.perf_counter() - self._wall, 1e-9)
        self.own_share = (time.process_time() - self._own) / wall
        now = self.bot.cpu_seconds() if self.bot else None
        if now is not None and self._bot is not None:
            self.bot_share = (now[0] - self._bot[0]) / wall
            self.bot_loop_share = (now[1] - self._bot[1]) / wall

    def describe(self, own: str = "server + simulated users") -> str:
        if self.bot_share is None or self.bot_loop_share is None:
            return f"CPU in cores: {own} {self.own_share:.2f}"
        bot = f"{self.bot_share:.2f} (event loop {self.bot_loop_share:.2f})"
        return f"CPU in cores: bot {bot}, {own} {self.own_share:.2f}"


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def introduce(title: str, setup: str) -> None:
    """The head of a report: which benchmark, on what machine, with what setup."""
    print(title)
    print(f"Machine: {machine()}")
    print(f"Setup: {setup}")


def goal_line(name: str, met: bool, detail: str) -> str:
    return f"GOAL {'MET' if met else 'MISSED'}: {name} ({detail})"


@contextlib.asynccontextmanager
async def local_api(delay: float = 0.0, **options: Any) -> AsyncIterator[LocalBotApi]:
    async with LocalBotApi(token=TOKEN, bot_username=BOT_USERNAME, delay=delay, **options) as api:
        yield api


@dataclass(frozen=True)
class ChildConfig:
    base_url: str
    base_file_url: str
    data_dir: str
    max_concurrent_updates: int = 256
    # Experiments only: the bot's requests through another client or pool size than the
    # product's ("httpx" or "aiohttp"; None keeps what bot/app.py builds).
    client: str | None = None
    pool: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


# --- the child side ----------------------------------------------------------------------


async def _until_stdin_closes() -> None:
    await asyncio.to_thread(sys.stdin.buffer.read)


def _experimental_request(config: ChildConfig) -> BaseRequest | None:
    if config.client is None and config.pool is None:
        return None
    pool = config.pool or 256
    if config.client == "aiohttp":
        return AiohttpRequest(connection_pool_size=pool, read_timeout=30)
    return HTTPXRequest(connection_pool_size=pool, read_timeout=30)


async def _run_deputy(config: ChildConfig) -> None:
    from bot.app import build_application, running

    settings = bench_settings(config.base_url, config.base_file_url, Path(config.data_dir))
    services = await open_services(settings)
    try:
        request = _experimental_request(config)
        app = build_application(settings, services, request=request)
        async with running(app, settings):
            print("READY", flush=True)
            await _until_stdin_closes()
    finally:
        await services.close()


async def _run_echo(config: ChildConfig) -> None:
    """The floor: python-telegram-bot's echo example, with the concurrency our bot has."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        await message.reply_text(message.text)

    builder = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(config.base_url)
        .base_file_url(config.base_file_url)
        .concurrent_updates(config.max_concurrent_updates)
    )
    request = _experimental_request(config)
    if request is not None:
        builder = builder.request(request)
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=10)
        await app.start()
        print("READY", flush=True)
        try:
            await _until_stdin_closes()
        finally:
            await app.updater.stop()
            await app.stop()


def _child_main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench._harness")
    parser.add_argument("kind", choices=["deputy", "echo"])
    parser.add_argument("config")
    args = parser.parse_args(argv)
    config = ChildConfig(**json.loads(args.config))
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    # PTB logs every failed getUpdates at ERROR; those still count as errors here.
    run = _run_deputy if args.kind == "deputy" else _run_echo
    profile_dir = os.environ.get("BENCH_PROFILE_DIR")
    if not profile_dir:
        asyncio.run(run(config))
        return
    # For whoever looks into a figure: where the bot's CPU time went, for pstats.
    import cProfile

    with cProfile.Profile() as profile:
        asyncio.run(run(config))
    profile.dump_stats(Path(profile_dir) / f"{args.kind}-{os.getpid()}.prof")


if __name__ == "__main__":
    _child_main(sys.argv[1:])
