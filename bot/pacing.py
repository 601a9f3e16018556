"""Telegram's flood limits kept on our side, for every message the bot sends.

Replies to people and queued notices leave through one `Pacer`, so together they stay under
Telegram's limits (about 30 messages a second for the whole bot, about one a second in a chat
with short bursts tolerated, 20 a minute in a group), and a 429 holds everything for its
`retry_after`. When both wait, a reply goes before a notice: a deputy on a building site is
waiting for the answer to the tap just made; a notice can be a second later.

The answer to a person's own action is not a notice. Telegram's FAQ puts the 30 a second on bulk
notifications and tolerates short bursts in a chat; a person who taps a button and waits for the
next screen is paced by their own taps. So the first `chat_burst` messages to the private chat
whose update is being processed (`answering`) go at once: they wait for nothing but a 429's
pause, and are counted in the chat's window, so a notice to that chat comes after them.

The limits are measured here, not by Telegram, so they can be tested against the local server.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import IntEnum

from bot.config import OutboxSettings


def pacer_for(settings: OutboxSettings) -> Pacer:
    return Pacer(
        settings.messages_per_second,
        settings.per_chat_seconds,
        chat_burst=settings.per_chat_burst,
        group_per_minute=settings.group_messages_per_minute,
    )


class Priority(IntEnum):
    REPLY = 0  # the answer to what someone just did
    NOTICE = 1  # the outbox: told because something happened elsewhere


@dataclass
class _Answering:
    """The update being processed came from this private chat; `used` messages answered it."""

    chat_id: int
    used: int = 0

    def take(self, chat_id: int, burst: int) -> bool:
        """Count one more message answering the update, if it is to its chat and in the burst."""
        if chat_id != self.chat_id or self.used >= burst:
            return False
        self.used += 1
        return True


_answering: ContextVar[_Answering | None] = ContextVar("pacing_answering", default=None)


@contextmanager
def answering(chat_id: int | None) -> Iterator[None]:
    """Within the block, replies (Priority.REPLY) to `chat_id`, a private chat whose person's
    update is being processed, answer that update (see the module's docstring). The state is
    in a context variable, so the update's own task and the tasks it starts share it."""
    token = _answering.set(_Answering(chat_id) if chat_id is not None and chat_id > 0 else None)
    try:
        yield
    finally:
        _answering.reset(token)


class _Gate:
    """One holder at a time; waiters are let in by priority, then in arrival order."""

    def __init__(self) -> None:
        self._busy = False
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    @asynccontextmanager
    async def turn(self, priority: Priority) -> AsyncIterator[None]:
        if self._busy or self._waiters:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiters, (int(priority), next(self._seq), future))
            try:
                await future
            except BaseException:
                if future.done() and not future.cancelled():
                    # Handed the turn just as we were cancelled: pass it on.
                    self._hand_over()
                raise
        else:
            self._busy = True
        try:
            yield
        finally:
            self._hand_over()

    def _hand_over(self) -> None:
        while self._waiters:
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                future.set_result(None)
                return
        self._busy = False

    @property
    def idle(self) -> bool:
        return not self._busy and not self._waiters


@dataclass
class _Chat:
    gate: _Gate = field(default_factory=_Gate)
    # When each recent message to the chat went (or, once answered, arrived): the window.
    sent: deque[float] = field(default_factory=deque)

    def count_from(self, now: float, span: float) -> int:
        """Forget the messages that left the window ending now; how many are still in it."""
        while self.sent and self.sent[0] <= now - span:
            self.sent.popleft()
        return len(self.sent)


class Pacer:
    """At most `per_second` messages overall, at most `chat_burst` messages in any window of
    `chat_burst * per_chat_seconds` seconds to one private chat, at most `group_per_minute` a
    minute to one group, and nothing while paused by a 429.

    `acquire(chat_id)` waits for a message's turn and counts it; `release(chat_id)` once
    Telegram has answered, so the chat's window counts from then (what Telegram sees), whatever
    the network's jitter.
    """

    _PRUNE_ABOVE = 1024

    def __init__(
        self,
        per_second: float,
        per_chat_seconds: float,
        *,
        chat_burst: int = 1,
        group_per_minute: int = 20,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_second <= 0 or burst < 1 or chat_burst < 1 or group_per_minute < 1:
            raise ValueError("rates must be positive and bursts at least 1")
        self.per_second = per_second
        self.per_chat_seconds = per_chat_seconds
        self.chat_burst = chat_burst
        self.group_per_minute = group_per_minute
        self._interval = 1.0 / per_second
        self._tolerance = (burst - 1) * self._interval
        self._clock = clock
        # GCRA: the time the next message is due if we kept exactly to the rate.
        self._tat = 0.0
        self._paused_until = 0.0
        self._global = _Gate()
        self._chats: dict[int, _Chat] = {}

    def pause(self, seconds: float) -> None:
        """Flood control: hold every chat for `seconds` from now (a longer pause wins)."""
        self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._clock())

    def _window(self, chat_id: int) -> tuple[int, float]:
        """(messages, seconds) allowed in any window, for this chat."""
        if chat_id < 0:  # groups and channels
            return self.group_per_minute, 60.0
        return self.chat_burst, self.chat_burst * self.per_chat_seconds

    async def acquire(self, chat_id: int, priority: Priority = Priority.NOTICE) -> None:
        """Wait until a message to `chat_id` may go, and count it."""
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat()
        count, span = self._window(chat_id)
        current = _answering.get()
        try:
            if (
                priority is Priority.REPLY
                and current is not None
                and current.take(chat_id, self.chat_burst)
            ):
                await self._wait_out_pause()
                now = self._clock()
                chat.count_from(now, span)
                chat.sent.append(now)
                return
            # The chat's window is waited out before joining the global queue, so one busy
            # chat never holds up messages to everyone else.
            async with chat.gate.turn(priority):
                while True:
                    now = self._clock()
                    if chat.count_from(now, span) < count:
                        break
                    await asyncio.sleep(chat.sent[0] + span - now)
                await self._acquire_global(priority)
                chat.sent.append(self._clock())
        finally:
            if len(self._chats) > self._PRUNE_ABOVE:
                self._prune()

    def release(self, chat_id: int) -> None:
        """The last message to `chat_id` has been answered: it counts from now."""
        chat = self._chats.get(chat_id)
        if chat is not None and chat.sent:
            chat.sent[-1] = max(chat.sent[-1], self._clock())

    async def _wait_out_pause(self) -> None:
        # A 429 during the sleep lengthens the pause: look again.
        while (left := self._paused_until - self._clock()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left)

    async def _acquire_global(self, priority: Priority) -> None:
        async with self._global.turn(priority):
            while True:
                now = self._clock()
                ready = max(self._paused_until, self._tat - self._tolerance)
                if ready <= now:
                    break
                await asyncio.sleep(ready - now)
            # Waking a little late (event-loop jitter) keeps the schedule instead of restarting
            # it, so the long-run rate is the configured one rather than slightly below it.
            on_schedule = now - self._tat < self._interval
            self._tat = (self._tat if on_schedule else now) + self._interval

    def _prune(self) -> None:
        now = self._clock()
        stale = [
            chat_id
            for chat_id, chat in self._chats.items()
            if chat.gate.idle and (not chat.sent or chat.sent[-1] <= now - self._window(chat_id)[1])
        ]
        for chat_id in stale:
            del self._chats[chat_id]
