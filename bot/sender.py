"""The outbox sender: delivers queued notices at Telegram's pace, retrying until they arrive.

Every notification is an outbox row written with the change that caused it (storage/outbox.py).
This loop sends the rows through a `Transport` (handlers/delivery.py is the Telegram one), so a
crash or an outage only delays them:

- each person's notices go out strictly in id order, one in flight per person; different people
  are served concurrently;
- a global rate (messages_per_second) and a per-chat spacing (per_chat_seconds) keep us under
  Telegram's limits, and a 429's retry_after stops ALL sending for that long (flood control is
  per bot);
- server errors and network trouble are retried with exponential backoff and jitter, until
  max_attempts when only that message fails; when Telegram fails for everyone, all sending
  pauses instead and nothing uses up its attempts (an outage delays, never loses);
- a person who blocked the bot is recorded and their pending notices parked;
- a row is marked sent right after Telegram confirms it (see `_deliver` for the one window in
  which a crash can repeat a message).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.clock import Clock
from bot.config import OutboxSettings
from bot.notices import Act, FileKind, Notice
from bot.pacing import Pacer, Priority, pacer_for
from bot.ports import DeliveryStore
from bot.records import DueRow
from bot.texts import Texts

log = logging.getLogger(__name__)


# --- what a transport reports ---------------------------------------------------------------


class DeliveryError(Exception):
    """A send failed; the subclass says what to do about it."""


class RetryLater(DeliveryError):
    """Flood control (429): nothing may be sent for `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds:g}s")
        self.seconds = seconds


class Blocked(DeliveryError):
    """The person cannot be reached (blocked the bot, deleted the account, chat not found)."""


class Transient(DeliveryError):
    """Worth retrying later: server errors, timeouts, dropped connections."""


class Permanent(DeliveryError):
    """Retrying cannot help (the request itself is wrong, the file is missing)."""


# --- what is sent ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenderedButton:
    label: str
    act: Act
    args: tuple[int | str, ...]


@dataclass(frozen=True, slots=True)
class RenderedNotice:
    """A notice in its recipient's language: text (the caption when there is a file) and
    inline buttons, ready for the transport."""

    text: str | None
    buttons: tuple[tuple[RenderedButton, ...], ...] = ()
    file_path: str | None = None
    file_kind: FileKind | None = None


class Transport(Protocol):
    async def send(self, chat_id: int, rendered: RenderedNotice) -> int:
        """Send one message; returns its message_id or raises a DeliveryError subclass."""
        ...


def render(notice: Notice, texts: Texts) -> RenderedNotice:
    """The notice's catalog key (or its ready text) and button labels, in `texts`' language."""
    text = notice.text
    if notice.key is not None:
        params: dict[str, object] = dict(notice.params)
        params.update({name: texts(key) for name, key in notice.localized.items()})
        text = texts(notice.key, **params)
    buttons = tuple(
        tuple(RenderedButton(texts(b.label_key, **b.label_params), b.act, b.args) for b in row)
        for row in notice.buttons
    )
    return RenderedNotice(text, buttons, notice.file_path, notice.file_kind)


def backoff_seconds(
    attempts: int, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """How long to wait after the `attempts`-th failure: doubling from `base`, never above `cap`,
    randomised in its upper half so a crowd of rows failing together does not retry together."""
    ceiling = min(cap, base * 2.0 ** min(attempts - 1, 40))
    jitter: float = (rng or random).random()
    return ceiling * (0.5 + 0.5 * jitter)


# --- the sender ---------------------------------------------------------------------------


class OutboxSender:
    """Delivers the outbox. `run(stop)` in the bot process; `drain()` in tests and the demo."""

    def __init__(
        self,
        repo: DeliveryStore,
        transport: Transport,
        settings: OutboxSettings,
        *,
        default_language: str,
        pacer: Pacer | None = None,
        max_in_flight: int = 64,
        shutdown_grace_seconds: float = 10.0,
        clock: Clock,
        rng: random.Random | None = None,
    ) -> None:
        self.repo = repo
        self.transport = transport
        self.settings = settings
        self.default_language = default_language
        # Shared with the replies when the bot runs (handlers/flood.py): one flood budget.
        self.limiter = pacer or pacer_for(settings)
        self.max_in_flight = max_in_flight
        self.shutdown_grace_seconds = shutdown_grace_seconds
        self._clock = clock
        self._rng = rng or random.Random()
        # One task per person with a notice in flight: the per-person ordering guarantee.
        self._tasks: dict[int, asyncio.Task[None]] = {}
        # People whose task is only waiting for the limiter: safe to cancel when stopping.
        self._waiting: set[int] = set()
        self._pump_lock = asyncio.Lock()
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._running = False
        # Chats with a transient failure since Telegram last answered anything (see _outage).
        self._failing_chats: set[int] = set()
        self._outage_level = 0
        self.delivered = 0
        self.given_up = 0

    def wake(self) -> None:
        """Look for due notices now rather than at the next poll (call after queueing some)."""
        self._wakeup.set()

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; then let messages already on the wire finish."""
        self._stopping = False
        self._running = True
        watcher = asyncio.create_task(self._wake_when(stop))
        try:
            while not stop.is_set():
                self._wakeup.clear()
                try:
                    await self._pump()
                except Exception:
                    log.exception("Outbox: reading due notices failed")
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.settings.poll_seconds):
                        await self._wakeup.wait()
        finally:
            watcher.cancel()
            self._running = False
            await self.stop()

    async def drain(self, timeout: float = 30.0, *, include_retries: bool = False) -> int:  # noqa: ASYNC109
        """Send until nothing is due; returns how many were delivered meanwhile.

        With `include_retries`, also wait out rows whose retry time has not come yet, until
        every row is sent or given up. Raises TimeoutError when that takes longer than
        `timeout`. Safe to call while `run()` is running (they share the in-flight set).
        """
        before = self.delivered
        if not self._running:
            self._stopping = False
        try:
            async with asyncio.timeout(timeout):
                while True:
                    self._wakeup.clear()
                    spawned = await self._pump()
                    idle = not self._tasks and spawned == 0
                    if idle and (not include_retries or await self.repo.pending_count() == 0):
                        return self.delivered - before
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(0.05):
                            await self._wakeup.wait()
        except BaseException:
            if not self._running:
                await self.stop()
            raise

    async def stop(self) -> None:
        """Cancel what only waits for its turn; give messages on the wire a grace period."""
        self._stopping = True
        for person_id, task in list(self._tasks.items()):
            if person_id in self._waiting:
                task.cancel()
        tasks = list(self._tasks.values())
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=self.shutdown_grace_seconds)
        for task in late:
            log.warning(
                "Outbox: %s still sending at shutdown; it may be sent again", task.get_name()
            )
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _wake_when(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._wakeup.set()

    async def _pump(self) -> int:
        """Start a task for each due row whose person has nothing in flight."""
        async with self._pump_lock:
            room = self.max_in_flight - len(self._tasks)
            if room <= 0:
                return 0
            rows = await self.repo.due(self._clock.now(), room, exclude_persons=list(self._tasks))
            for row in rows:
                task = asyncio.create_task(self._deliver(row), name=f"outbox row {row.id}")
                self._tasks[row.person_id] = task
                task.add_done_callback(functools.partial(self._finished, row.person_id))
            return len(rows)

    def _finished(self, person_id: int, task: asyncio.Task[None]) -> None:
        self._tasks.pop(person_id, None)
        self._waiting.discard(person_id)
        if not task.cancelled() and (exc := task.exception()) is not None:
            # The row stays due; the next poll retries it (no wake-up, so a failing database
            # is not hammered in a tight loop).
            log.error("Outbox: %s failed", task.get_name(), exc_info=exc)
            return
        # The person's next notice may be due now.
        self._wakeup.set()

    async def _deliver(self, row: DueRow) -> None:
        if row.telegram_user_id is None:
            await self._give_up(row, "no_chat")
            return
        if not row.active:
            await self._give_up(row, "inactive")
            return
        # Known to be unreachable: park without asking Telegram again (unless they came back
        # since the row was read, in which case it is sent on the next round).
        if row.blocked and await self.repo.park_if_blocked(row.id, self._clock.now()):
            return
        try:
            notice = Notice.from_json(row.person_id, row.payload)
            rendered = render(notice, Texts(row.language or self.default_language))
        except Exception as exc:
            # A malformed row or a catalog mismatch: no retry will render it.
            await self._give_up(row, f"render: {exc!r}", attempts=row.attempts + 1)
            return
        chat_id = row.telegram_user_id
        while True:
            self._waiting.add(row.person_id)
            try:
                await self.limiter.acquire(chat_id, Priority.NOTICE)
            finally:
                self._waiting.discard(row.person_id)
            if self._stopping:
                return
            # From here to the commit in _mark_sent is the one window where a crash repeats a
            # message: Telegram has delivered it but the row still looks pending, so the next
            # start sends it again (at-least-once at this single point; the Bot API has no
            # idempotency key). The same holds when the connection drops after Telegram
            # accepted the message: we see a Transient error and retry. Nothing is awaited
            # between the confirmation and the mark but the mark itself.
            try:
                try:
                    message_id = await self.transport.send(chat_id, rendered)
                finally:
                    self.limiter.release(chat_id)
            except RetryLater as exc:
                self.limiter.pause(exc.seconds)
                log.info("Outbox: flood control, all sending paused for %gs", exc.seconds)
                continue
            except (Blocked, Permanent) as exc:
                self._telegram_answered()
                await self._failed(row, exc)
                return
            except Exception as exc:
                if not isinstance(exc, Transient):
                    # A transport bug or an error nobody classified: retrying loses nothing.
                    log.exception("Outbox: unexpected error sending row %d", row.id)
                if self._outage(chat_id):
                    continue
                await self._retry(row, str(exc) or type(exc).__name__)
                return
            self._telegram_answered()
            await self._mark_sent(row, message_id)
            return

    async def _failed(self, row: DueRow, exc: DeliveryError) -> None:
        if isinstance(exc, Blocked):
            parked = await self.repo.mark_blocked(row.person_id, self._clock.now())
            log.info("Outbox: person %d blocked the bot; %d notices parked", row.person_id, parked)
        else:
            await self._give_up(row, str(exc) or "permanent", attempts=row.attempts + 1)

    def _telegram_answered(self) -> None:
        self._failing_chats.clear()
        self._outage_level = 0

    def _outage(self, chat_id: int) -> bool:
        """Is Telegram failing for everyone rather than for this message?

        Transient failures in two or more chats with nothing delivered in between mean an
        outage: then all sending pauses (growing like a row's backoff) and the rows keep their
        attempts, so an outage of any length only delays them. A failure confined to one chat
        counts towards that row's max_attempts, so one bad message cannot hold its person's
        later notices forever.
        """
        self._failing_chats.add(chat_id)
        if len(self._failing_chats) < 2:
            return False
        # Sends that were already on the wire fail too; only the first failure after a pause
        # lengthens the next one.
        if self.limiter.paused_for == 0:
            self._outage_level += 1
            pause = backoff_seconds(
                self._outage_level,
                self.settings.backoff_base_seconds,
                self.settings.backoff_max_seconds,
                self._rng,
            )
            self.limiter.pause(pause)
            log.warning("Outbox: Telegram failing in several chats; pausing %.1fs", pause)
        return True

    async def _mark_sent(self, row: DueRow, message_id: int) -> None:
        # The message is out: this mark must not be lost to a passing database error, or the
        # row would be sent again. Keep trying while holding the person's slot.
        delay = 0.1
        while True:
            try:
                await self.repo.mark_sent(row.id, message_id, self._clock.now())
            except Exception:
                log.exception("Outbox: row %d was sent but cannot be marked yet", row.id)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            else:
                self.delivered += 1
                return

    async def _retry(self, row: DueRow, error: str) -> None:
        attempts = row.attempts + 1
        if attempts >= self.settings.max_attempts:
            await self._give_up(row, error, attempts=attempts)
            return
        delay = backoff_seconds(
            attempts,
            self.settings.backoff_base_seconds,
            self.settings.backoff_max_seconds,
            self._rng,
        )
        await self.repo.reschedule(
            row.id, attempts, self._clock.now() + timedelta(seconds=delay), error
        )

    async def _give_up(self, row: DueRow, error: str, *, attempts: int | None = None) -> None:
        log.warning(
            "Outbox: giving up row %d after %d attempts (%s)",
            row.id,
            attempts if attempts is not None else row.attempts,
            error.split(":")[0],
        )
        await self.repo.give_up(row.id, self._clock.now(), error, attempts=attempts)
        self.given_up += 1
