"""PerUserUpdateProcessor: each user's updates in order, different users concurrently, bounded."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest
from telegram import Update

from handlers.processor import PerUserUpdateProcessor

USER_A = 1001
USER_B = 2002
CHANNEL = -100123

_next_update_id = 0


def _update_id() -> int:
    global _next_update_id
    _next_update_id += 1
    return _next_update_id


def _sender(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"user{user_id}"}


def _post(kind: str, chat: dict[str, Any], text: str, sender: int | None = None) -> Update:
    """A `message` or `channel_post` update with the next id (its message's id too)."""
    update_id = _update_id()
    post: dict[str, Any] = {
        "message_id": update_id,
        "date": 1_748_940_000,
        "chat": chat,
        "text": text,
    }
    if sender is not None:
        post["from"] = _sender(sender)
    return Update.de_json({"update_id": update_id, kind: post}, bot=None)


def message_update(user_id: int, text: str = "hi") -> Update:
    """A real private-chat message update, as Telegram sends it."""
    chat = {"id": user_id, "type": "private", "first_name": f"user{user_id}"}
    update = _post("message", chat, text, sender=user_id)
    assert update.effective_user is not None and update.effective_user.id == user_id
    return update


def callback_update(user_id: int, data: str = "x") -> Update:
    update_id = _update_id()
    return Update.de_json(
        {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": _sender(user_id),
                "chat_instance": "ci",
                "data": data,
            },
        },
        bot=None,
    )


def channel_post_update(chat_id: int) -> Update:
    """A channel post has a chat but no user."""
    update = _post("channel_post", {"id": chat_id, "type": "channel", "title": "news"}, "post")
    assert update.effective_user is None and update.effective_chat is not None
    return update


class Recorder:
    """A processor, and coroutines for it that log when they start and finish."""

    def __init__(self, processor: PerUserUpdateProcessor | None = None) -> None:
        self.processor = PerUserUpdateProcessor(256) if processor is None else processor
        self.log: list[str] = []
        self.running = 0
        self.peak = 0

    async def job(
        self, name: str, delay: float = 0.0, wait_for: asyncio.Event | None = None
    ) -> None:
        self.log.append(f"start {name}")
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            if wait_for is not None:
                await asyncio.wait_for(wait_for.wait(), timeout=1.0)
            await asyncio.sleep(delay)
        finally:
            self.running -= 1
            self.log.append(f"end {name}")

    def index(self, entry: str) -> int:
        return self.log.index(entry)

    async def run(self, *jobs: tuple[object, Coroutine[Any, Any, None]]) -> None:
        """Hand the updates to the processor in order, all at once, as the Application does."""
        await asyncio.gather(*(self.processor.process_update(u, job) for u, job in jobs))


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


async def test_one_users_updates_run_in_order_even_when_the_first_is_slow(rec: Recorder) -> None:
    # Each later update is quicker, so any overtaking would show.
    delays = [0.05, 0.03, 0.02, 0.01, 0.0, 0.0]
    await rec.run(
        *[(message_update(USER_A, f"m{i}"), rec.job(f"A{i}", d)) for i, d in enumerate(delays)]
    )
    expected = [entry for i in range(len(delays)) for entry in (f"start A{i}", f"end A{i}")]
    assert rec.log == expected
    assert rec.peak == 1


async def test_messages_and_button_presses_of_one_user_share_the_queue(rec: Recorder) -> None:
    await rec.run(
        (message_update(USER_A, "description"), rec.job("text", 0.03)),
        (callback_update(USER_A, "confirm"), rec.job("confirm")),
    )
    assert rec.log == ["start text", "end text", "start confirm", "end confirm"]


async def test_another_user_is_not_blocked_by_a_slow_update(rec: Recorder) -> None:
    await rec.run(
        (message_update(USER_A, "slow"), rec.job("A1", 0.2)),
        (message_update(USER_A, "next"), rec.job("A2")),
        (message_update(USER_B, "quick"), rec.job("B1")),
    )
    assert rec.index("end B1") < rec.index("end A1")
    assert rec.index("end A1") < rec.index("start A2")
    assert rec.log[-1] == "end A2"


async def test_another_user_runs_while_the_first_is_still_busy(rec: Recorder) -> None:
    """Without timing: A's first update can only finish once B's update has run."""
    b_done = asyncio.Event()

    async def b_job() -> None:
        await rec.job("B1")
        b_done.set()

    await rec.run(
        (message_update(USER_A), rec.job("A1", wait_for=b_done)),
        (message_update(USER_A), rec.job("A2")),
        (message_update(USER_B), b_job()),
    )
    assert rec.log == ["start A1", "start B1", "end B1", "end A1", "start A2", "end A2"]


async def test_the_lock_table_is_empty_afterwards(rec: Recorder) -> None:
    jobs: list[tuple[object, Coroutine[Any, Any, None]]] = []
    for i in range(5):
        jobs.append((message_update(USER_A), rec.job(f"A{i}", 0.05 if i == 0 else 0.001)))
        jobs.append((message_update(USER_B), rec.job(f"B{i}")))
    task = asyncio.ensure_future(rec.run(*jobs))
    for _ in range(1000):
        if "end B4" in rec.log:
            break
        await asyncio.sleep(0)
    # B's quick updates are done and forgotten; A's are still queued behind the slow one.
    assert "end A0" not in rec.log
    assert set(rec.processor._locks) == {USER_A}
    assert rec.processor._waiting == {USER_A: 5}
    await task
    assert rec.processor._locks == {}
    assert rec.processor._waiting == {}
    assert rec.processor.current_concurrent_updates == 0


async def test_a_failing_update_releases_the_users_queue(rec: Recorder) -> None:
    async def boom() -> None:
        await asyncio.sleep(0.01)
        raise RuntimeError("handler failed")

    results = await asyncio.gather(
        rec.processor.process_update(message_update(USER_A), boom()),
        rec.processor.process_update(message_update(USER_A), rec.job("A2")),
        return_exceptions=True,
    )
    assert isinstance(results[0], RuntimeError)
    assert results[1] is None
    assert rec.log == ["start A2", "end A2"]
    assert rec.processor._locks == {} and rec.processor._waiting == {}


@pytest.mark.parametrize("limit", [1, 3, 8])
async def test_max_concurrent_updates_is_respected(limit: int) -> None:
    processor = PerUserUpdateProcessor(limit)
    assert processor.max_concurrent_updates == limit
    rec = Recorder(processor)
    seen: list[int] = []

    async def job(name: str) -> None:
        seen.append(processor.current_concurrent_updates)
        await rec.job(name, 0.01)

    users = range(3000, 3020)
    await rec.run(*((message_update(u), job(f"U{u}")) for u in users))
    assert rec.peak == limit
    assert max(seen) <= limit
    assert len(rec.log) == 2 * len(users)
    assert processor._locks == {}


async def test_updates_without_a_user_are_keyed_by_chat(rec: Recorder) -> None:
    await rec.run(
        (channel_post_update(CHANNEL), rec.job("P1", 0.03)),
        (channel_post_update(CHANNEL), rec.job("P2")),
    )
    assert rec.log == ["start P1", "end P1", "start P2", "end P2"]
    assert rec.processor._locks == {}


async def test_objects_that_are_not_updates_run_unordered(rec: Recorder) -> None:
    await rec.run(("custom 1", rec.job("X1", 0.03)), ("custom 2", rec.job("X2")))
    assert rec.index("end X2") < rec.index("end X1")
    assert rec.processor._locks == {}


async def test_the_processor_works_as_a_context_manager() -> None:
    processor = PerUserUpdateProcessor(4)
    rec = Recorder(processor)
    async with processor:
        await processor.process_update(message_update(USER_A), rec.job("A1"))
    assert rec.log == ["start A1", "end A1"]


async def test_a_users_queued_updates_do_not_starve_other_users() -> None:
    processor = PerUserUpdateProcessor(2)
    rec = Recorder(processor)
    b_done = asyncio.Event()

    async def a_first() -> None:
        rec.log.append("start A1")
        try:
            await asyncio.wait_for(b_done.wait(), timeout=0.3)
        except TimeoutError:
            rec.log.append("A1 gave up waiting")
        rec.log.append("end A1")

    async def b_job() -> None:
        await rec.job("B1")
        b_done.set()

    await rec.run(
        (message_update(USER_A), a_first()),
        (message_update(USER_A), rec.job("A2")),
        (message_update(USER_A), rec.job("A3")),
        (message_update(USER_B), b_job()),
    )
    assert "A1 gave up waiting" not in rec.log
    assert rec.index("end B1") < rec.index("end A1")
