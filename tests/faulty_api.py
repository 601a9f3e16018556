"""The local Bot API server of the fault tests (tests/test_faults.py), and what it does wrong.

- `FaultyBotApi`: the local Bot API server whose interceptors can also drop the connection,
  before the method ran (`drop_connection`) or after it ran and before the answer left
  (`drop_after_answer`): what a flaky network does to the bot.
- `FaultPlan`: a seeded schedule of 500, 502, 429 with retry_after, dropped connections and
  stalls, per kind of call (the bot's replies, its long poll, the outbox's notices).
"""

from __future__ import annotations

import asyncio
import contextvars
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aiohttp import web

from localapi import LocalBotApi
from localapi.models import ApiCall, ApiError

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
