"""Time in one place: aware UTC for storage, the campaign zone for people.

Everything that needs "now" asks the one `Clock` the composition root hands out, never the
machine: deadlines, daily jobs and summaries then behave the same at any hour, and tests (or a
rehearsal before the supervision week) can set the date and move it forward.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

# A sleeping daily job re-reads the clock at least this often, so a clock that jumps (the
# machine's after a suspend, a test's when it is advanced) is noticed without a long lag.
_SLEEP_SLICE_SECONDS = 30.0


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...

    async def sleep_until(self, moment: datetime) -> None:
        """Return once `now()` has reached `moment`."""
        ...


class SystemClock:
    """The machine's clock: what a deployment runs on."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, moment: datetime) -> None:
        # Slices, not one long sleep: the machine's clock may be set or jump meanwhile.
        while (left := (moment - self.now()).total_seconds()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(min(left, _SLEEP_SLICE_SECONDS))


class SetClock:
    """A clock that starts at a chosen instant and runs at real speed from there; `advance`
    jumps it forward (and wakes whoever sleeps until a moment that has now come)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the start of a clock needs a time zone")
        self._start = start.astimezone(UTC)
        self._since = time.monotonic()
        self._moved = asyncio.Event()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._since)

    def set(self, moment: datetime) -> None:
        """Jump to `moment` (forward or back)."""
        if moment.tzinfo is None:
            raise ValueError("a moment needs a time zone")
        self._start = moment.astimezone(UTC)
        self._since = time.monotonic()
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()

    def advance(self, delta: timedelta) -> None:
        self.set(self.now() + delta)

    async def sleep_until(self, moment: datetime) -> None:
        while (left := (moment - self.now()).total_seconds()) > 0:
            moved = self._moved
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(moved.wait(), timeout=min(left, _SLEEP_SLICE_SECONDS))


# Runs a process as if it were that moment (ISO 8601 with offset): rehearsing the supervision
# week before it comes, and tests that start the bot as a separate process.
CLOCK_ENV = "DEPUTY_BOT_CLOCK"


def process_clock() -> Clock:
    """The clock of this process: the machine's, unless DEPUTY_BOT_CLOCK sets the start."""
    start = os.environ.get(CLOCK_ENV, "").strip()
    return SetClock(parse_instant(start)) if start else SystemClock()


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with its offset, e.g. 2025-06-10T10:00:00+08:00."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return moment.astimezone(UTC)


def to_db(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
