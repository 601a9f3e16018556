"""Every Bot API call of the bot passes here: paced under Telegram's flood limits, and retried
when Telegram could not take it.

python-telegram-bot hands each call to the application's rate limiter; this one shares the
`Pacer` with the outbox sender (bot/sender.py), so replies and notices draw on one budget and a
reply goes first when both wait. A call is tried again when Telegram said 429 (after its
`retry_after`), answered 5xx, or the request never reached it; a message whose connection broke
after it went out is not sent again (Telegram may have delivered it), but an edit or an answer to a
button, which Telegram applies once however often it is asked, is.

A plain answer to a button press (no text: it only stops the button's spinner) is not awaited: it
goes through the same retrying path in a task of its own while the step edits the screen or sends
its reply, instead of costing the deputy a round trip first. Nothing waits for its result.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from bot.pacing import Pacer, Priority
from handlers.delivery import retry_after_seconds
from handlers.request import ConnectionLost

log = logging.getLogger(__name__)

# Sent twice, these would show twice; everything else is applied once by Telegram.
NOT_REPEATABLE = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "copyMessage",
        "forwardMessage",
    }
)
# What Telegram counts as messages in a chat: sending and editing.
PACED = NOT_REPEATABLE | {
    "editMessageText",
    "editMessageCaption",
    "editMessageMedia",
    "editMessageReplyMarkup",
}
# A reply that has waited this long for flood control is no use any more: give up and say so.
MAX_FLOOD_WAIT_SECONDS = 60.0
# How long stopping waits for answers to presses still on the wire.
ANSWERS_GRACE_SECONDS = 5.0

Result = bool | dict[str, Any] | list[dict[str, Any]]


def _spinner_only(endpoint: str, data: dict[str, Any]) -> bool:
    """A plain answer to a button press: it only stops the button's spinner."""
    return endpoint == "answerCallbackQuery" and not data.get("text") and not data.get("url")


def _stale(error: BadRequest) -> bool:
    text = error.message.lower()
    return "query is too old" in text or "query id is invalid" in text


class PacedRequests(BaseRateLimiter[dict[str, Any]]):
    """python-telegram-bot's rate limiter, on our Pacer, with retries."""

    def __init__(
        self,
        pacer: Pacer,
        *,
        attempts: int = 5,
        backoff_seconds: float = 0.5,
        rng: random.Random | None = None,
    ) -> None:
        self.pacer = pacer
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds
        self._rng = rng or random.Random()
        self.retried = 0
        # Plain answers to presses, on the wire while their steps go on.
        self._answers: set[asyncio.Task[Result]] = set()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        if self._answers:
            await asyncio.wait(set(self._answers), timeout=ANSWERS_GRACE_SECONDS)

    def _answered(self, task: asyncio.Task[Result]) -> None:
        self._answers.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            # Only the button's spinner is at stake (it stops by itself): not the step's failure.
            log.warning("Answer to a press failed: %r", exc)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> Result:
        send = functools.partial(callback, *args, **kwargs)
        if _spinner_only(endpoint, data):
            task = asyncio.create_task(self._call(send, endpoint, data))
            self._answers.add(task)
            task.add_done_callback(self._answered)
            return True
        return await self._call(send, endpoint, data)

    async def _call(
        self, send: Callable[[], Coroutine[Any, Any, Result]], endpoint: str, data: dict[str, Any]
    ) -> Result:
        chat_id = data.get("chat_id")
        paced = endpoint in PACED and isinstance(chat_id, int)
        repeatable = endpoint not in NOT_REPEATABLE
        waited = 0.0
        for attempt in range(1, self.attempts + 1):
            if paced:
                assert isinstance(chat_id, int)
                await self.pacer.acquire(chat_id, Priority.REPLY)
            try:
                return await send()
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                self.pacer.pause(seconds)
                waited += seconds
                if attempt == self.attempts or waited > MAX_FLOOD_WAIT_SECONDS:
                    raise
                log.info("%s: flood control, retrying after %gs", endpoint, seconds)
                await asyncio.sleep(seconds)
            except BadRequest as exc:
                if _spinner_only(endpoint, data) and _stale(exc):
                    # The press was answered before a restart (its update is processed again)
                    # or waited too long: only the spinner is at stake, not the step.
                    log.info(
                        "Press %s no longer answerable: %s", data.get("callback_query_id"), exc
                    )
                    return True
                if endpoint.startswith("editMessage") and "not modified" in exc.message.lower():
                    # The message already shows this (an update processed again after a
                    # restart, or a double tap): what the step wanted is there.
                    return True
                raise
            except TimedOut as exc:
                # A timed-out call may have been carried out.
                if not repeatable or attempt == self.attempts:
                    raise
                await self._backoff(endpoint, attempt, exc)
            except NetworkError as exc:
                # A 5xx, or a request that never left (NotSent): Telegram did not take it. A
                # connection that broke after a message went out may have delivered it.
                if (isinstance(exc, ConnectionLost) and not repeatable) or attempt == self.attempts:
                    raise
                await self._backoff(endpoint, attempt, exc)
            finally:
                if paced:
                    assert isinstance(chat_id, int)
                    self.pacer.release(chat_id)
        raise AssertionError("the last attempt returns or raises")

    async def _backoff(self, endpoint: str, attempt: int, exc: Exception) -> None:
        self.retried += 1
        delay = self.backoff_seconds * 2 ** (attempt - 1) * (0.5 + self._rng.random() / 2)
        log.info("%s failed (%s), attempt %d, retrying in %.1fs", endpoint, exc, attempt, delay)
        await asyncio.sleep(delay)
