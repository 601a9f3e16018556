"""Wake-up primitives that can be fired from synchronous code."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Generic, TypeVar

T = TypeVar("T")


class Pulse:
    """Wakes every coroutine currently waiting, without needing a lock.

    asyncio.Condition would force every state change (many of them in synchronous simulator
    methods) to be async; swapping in a fresh Event after setting the old one gives the same
    "wake all current waiters" behaviour from plain code. Waiters must re-check their
    condition after waking, as with a Condition.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, max_wait: float | None) -> None:
        # The event is captured before the first suspension, so a fire() that happens after
        # the caller checked its condition can never be missed.
        event = self._event
        if max_wait is not None and max_wait <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max_wait)


class EventLog(Generic[T]):
    """An append-only list that readers consume with their own cursor."""

    def __init__(self) -> None:
        self.items: list[T] = []
        self.pulse = Pulse()

    def append(self, item: T) -> None:
        self.items.append(item)
        self.pulse.fire()

    async def wait_beyond(self, index: int, deadline: float) -> bool:
        """Waits until an item exists at `index`; False if `deadline` (loop time) passed first."""
        loop = asyncio.get_running_loop()
        while len(self.items) <= index:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await self.pulse.wait(remaining)
        return True
