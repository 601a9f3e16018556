"""Updates of different users run concurrently; each user's own updates stay in order.

One deputy's slow photo upload must not stall the others, but a deputy's "confirm" must never
overtake the description typed just before it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseUpdateProcessor

from bot.pacing import answering

log = logging.getLogger(__name__)

# Called with each update once it has been processed (the intake marks it done).
DoneHook = Callable[[object], Awaitable[None]]


def _key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return None


def _private_chat(update: object) -> int | None:
    """The private chat an update came from: what the bot sends there answers it."""
    if isinstance(update, Update):
        chat = update.effective_chat
        if chat is not None and chat.type == ChatType.PRIVATE:
            return chat.id
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """At most `max_concurrent_updates` run at once; a user's next update waits for their last.

    PTB takes its own concurrency slot before `do_process_update` runs, that is before we know
    whether the update must queue behind the same user's earlier one. Updates waiting their turn
    would hold those slots idle, and one user with many queued updates could stall everyone. So
    PTB's bound is only a generous backstop, and the real limit is taken here, after the user's
    lock: waiting for your own turn never occupies a slot.
    """

    _BACKSTOP_FACTOR = 64

    def __init__(self, max_concurrent_updates: int, on_done: DoneHook | None = None) -> None:
        if max_concurrent_updates < 1:
            raise ValueError("`max_concurrent_updates` must be a positive integer!")
        super().__init__(max_concurrent_updates * self._BACKSTOP_FACTOR)
        self._limit = max_concurrent_updates
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._running = 0
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self.on_done = on_done

    @property
    def max_concurrent_updates(self) -> int:
        # PTB's __init__ reads this before _limit exists, to size its backstop semaphore.
        return getattr(self, "_limit", self._max_concurrent_updates)

    @property
    def current_concurrent_updates(self) -> int:
        return self._running

    @property
    def idle(self) -> bool:
        """No update is being processed or waiting for its user's turn."""
        return self._running == 0 and not self._waiting

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        async with self._slots:
            self._running += 1
            try:
                # The replies to the person's own action are paced by their taps, not by the
                # chat's window for notices (bot/pacing.py).
                with answering(_private_chat(update)):
                    await coroutine
            finally:
                self._running -= 1

    async def _done(self, update: object) -> None:
        if self.on_done is None:
            return
        try:
            await self.on_done(update)
        except Exception:
            # Not marked done: the update is processed again after a restart, which the steps
            # are made to survive; better than losing it.
            log.exception("Could not mark update %s done", getattr(update, "update_id", "?"))

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _key(update)
        if key is None:
            await self._run(update, coroutine)
            await self._done(update)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            # asyncio.Lock wakes waiters first-in first-out, which keeps the user's order.
            async with lock:
                await self._run(update, coroutine)
                # Inside the user's turn: their next update's state is saved after this one's.
                await self._done(update)
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                # No one else queued for this user: forget the lock so the dict does not grow.
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
