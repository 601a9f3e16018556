"""The bot as an OS process for the crash tests (tests/test_crash.py): `python -m bot run`,
started, SIGKILLed and restarted by the test."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from typing import IO

from bot.clock import CLOCK_ENV, SetClock
from localapi import LocalBotApi


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
