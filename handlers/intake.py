"""Durable update intake: nothing a person sent is lost when the bot dies.

python-telegram-bot's Updater confirms an update to Telegram (the next getUpdates offset) as soon
as it is queued in memory; updates still in flight when the process dies are never delivered
again. Here every update is written to the inbound journal first and only then confirmed: by the
next getUpdates, or, with a webhook, by answering Telegram's request after the commit. When a step
is done, the update is marked done in the same transaction that saves the conversation it left
(handlers/conversation.py). At start, updates journaled and not done are processed again, each
person's in order, before new ones.

Long texts: a client splits a text over 4096 characters into several messages sent at once. A
long message is held a moment so the parts that follow join it, and a step sees the whole text
(and refuses it whole if it is too long) instead of keeping a fragment.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, Update
from telegram.ext import Application

from bot.clock import Clock
from bot.ports import IntakeStore
from bot.records import Finished
from handlers.conversation import Conversations
from handlers.polling import LongPoll, PollError

log = logging.getLogger(__name__)

# A text this long may be the first part of a longer one the client split.
LONG_TEXT = 3500
# How long the parts of one split text may take to arrive after each other.
PARTS_WINDOW_SECONDS = 1.5
# An update that was first in its sender's queue at this many restarts without being done is
# given up on: it kills the bot each time, and must not stop everyone else's updates forever.
MAX_ATTEMPTS = 5


def _text_message(raw: dict[str, Any]) -> dict[str, Any] | None:
    message = raw.get("message")
    if isinstance(message, dict) and isinstance(message.get("text"), str):
        return message
    return None


def _sender(raw: dict[str, Any]) -> int | None:
    for kind in ("message", "edited_message", "callback_query"):
        part = raw.get(kind)
        if isinstance(part, dict) and isinstance(part.get("from"), dict):
            user_id = part["from"].get("id")
            return user_id if isinstance(user_id, int) else None
    return None


def _address(raw: dict[str, Any]) -> str | None:
    user = _sender(raw)
    return None if user is None else str(user)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def join_parts(first: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """One update whose text is both parts' texts (entities of the second moved along)."""
    joined = copy.deepcopy(first)
    message, part = joined["message"], more["message"]
    shift = _utf16_len(message["text"])
    message["text"] += part["text"]
    entities = [
        {**entity, "offset": entity["offset"] + shift} for entity in part.get("entities", [])
    ]
    if entities:
        message["entities"] = message.get("entities", []) + entities
    return joined


@dataclass
class _Held:
    raw: dict[str, Any]
    seqs: list[int]
    chat_id: object
    timer: asyncio.TimerHandle | None = None


@dataclass
class Intake:
    """Journal, confirm, replay, and finish the updates of one bot."""

    app: Application[Any, Any, Any, Any, Any, Any]
    repo: IntakeStore
    conversations: Conversations
    clock: Clock
    parts_window: float = PARTS_WINDOW_SECONDS
    _held: dict[int, _Held] = field(default_factory=dict)
    _joined: dict[int, tuple[int, ...]] = field(default_factory=dict)
    _flushing: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def holding(self) -> bool:
        """A long text is held back, waiting for the rest Telegram split off it."""
        return bool(self._held)

    @property
    def bot(self) -> Bot:
        bot: Bot = self.app.bot
        return bot

    # --- in -------------------------------------------------------------------------------

    async def accept(self, raw_updates: list[dict[str, Any]]) -> None:
        """Journal a batch (one transaction), then hand the new ones on. Only after this returns
        may Telegram be told they arrived."""
        batch = [
            (int(raw["update_id"]), _address(raw), raw) for raw in raw_updates if "update_id" in raw
        ]
        fresh = set(await self.repo.record(batch, self.clock.now()))
        for seq, _, raw in batch:
            if seq in fresh:
                await self._dispatch(raw, [seq])

    async def replay(self) -> int:
        """Process again what was journaled and not done when the bot stopped."""
        pending = await self.repo.pending()
        for row in pending:
            if row.attempts > MAX_ATTEMPTS:
                log.error("Update %s failed %d times; giving up on it", row.seq, row.attempts - 1)
                await self.repo.finish(Finished((row.seq,)), self.clock.now())
                continue
            await self._dispatch(row.payload, [row.seq])
        await self._flush_all()
        if pending:
            log.info("Replayed %d updates journaled before the restart", len(pending))
        return len(pending)

    async def _dispatch(self, raw: dict[str, Any], seqs: list[int]) -> None:
        user = _sender(raw)
        held = self._held.get(user) if user is not None else None
        message = _text_message(raw)
        if held is not None:
            assert user is not None
            same_chat = message is not None and message.get("chat", {}).get("id") == held.chat_id
            if same_chat and message is not None and not message["text"].startswith("/"):
                if held.timer is not None:
                    held.timer.cancel()
                held.raw = join_parts(held.raw, raw)
                held.seqs += seqs
                if len(message["text"]) >= LONG_TEXT:
                    self._hold(user, held)
                else:
                    await self._release(user)
                return
            await self._release(user)
        if user is not None and message is not None and len(message["text"]) >= LONG_TEXT:
            self._hold(user, _Held(raw, list(seqs), message.get("chat", {}).get("id")))
            return
        await self._enqueue(raw, seqs)

    def _hold(self, user: int, held: _Held) -> None:
        self._held[user] = held
        loop = asyncio.get_running_loop()
        held.timer = loop.call_later(self.parts_window, self._release_later, user)

    def _release_later(self, user: int) -> None:
        task = asyncio.get_running_loop().create_task(self._release(user))
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def _release(self, user: int) -> None:
        held = self._held.pop(user, None)
        if held is None:
            return
        if held.timer is not None:
            held.timer.cancel()
        await self._enqueue(held.raw, held.seqs)

    async def _flush_all(self) -> None:
        for user in list(self._held):
            await self._release(user)

    async def _enqueue(self, raw: dict[str, Any], seqs: list[int]) -> None:
        try:
            update = Update.de_json(raw, self.bot)
        except Exception:
            # python-telegram-bot cannot read it (a kind of update it does not know yet): it
            # must not stop the others.
            log.exception("Update %s cannot be parsed; skipped", seqs[0])
            await self.repo.finish(Finished(tuple(seqs)), self.clock.now())
            return
        if len(seqs) > 1:
            self._joined[update.update_id] = tuple(seqs)
        await self.app.update_queue.put(update)

    # --- done -----------------------------------------------------------------------------

    async def finish(self, update: object) -> None:
        """Called once an update is processed: done, with its conversation, in one commit."""
        if not isinstance(update, Update):
            return
        seqs = self._joined.pop(update.update_id, (update.update_id,))
        staged = self.conversations.take(update.update_id)
        finished = (
            Finished(seqs, staged.address, staged.conversation, touched=True)
            if staged is not None
            else Finished(seqs)
        )
        await self.repo.finish(finished, self.clock.now())

    # --- long polling ---------------------------------------------------------------------

    async def poll(
        self,
        source: LongPoll,
        stop: asyncio.Event,
        *,
        poll_seconds: int,
        allowed_updates: list[str],
    ) -> None:
        """getUpdates until `stop`: each batch is journaled before the next call confirms it."""
        offset = await self.repo.next_offset()
        failures = 0
        while not stop.is_set():
            try:
                raw = await source.get(offset, poll_seconds, allowed_updates)
            except PollError as exc:
                if exc.fatal:
                    raise
                failures += 1
                delay = max(exc.retry_after, min(30.0, 0.25 * 2 ** min(failures, 7)))
                log.warning("%s; trying again in %.1fs", exc, delay)
                await _sleep_unless(stop, delay)
                continue
            failures = 0
            if raw:
                await self.accept(raw)
                offset = int(raw[-1]["update_id"]) + 1

    async def drain(self) -> None:
        """Hand on held long texts now (the bot is stopping)."""
        await self._flush_all()
        if self._flushing:
            await asyncio.gather(*self._flushing, return_exceptions=True)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return
