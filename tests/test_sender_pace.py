"""The outbox sender's pace and restarts: Telegram's global and per-chat rates are kept, and a
restart delivers what was pending and nothing twice."""

from __future__ import annotations

import asyncio
import itertools
import time

from bot.bootstrap import database_of
from bot.notices import Notice
from localapi.models import ApiCall, ApiError
from storage.delivery import DeliveryRepo
from tests.sender_helpers import World, world

# The fixture lives in tests/sender_helpers.py.
__all__ = ["world"]


# --- pace -------------------------------------------------------------------------------------


async def test_the_global_rate_is_kept_across_many_chats(world: World) -> None:
    people = await world.people(200)
    await world.queue(*(Notice(p, text=f"n{p}", dedup=f"r{p}") for p, _ in people))
    started = time.monotonic()
    assert await world.sender(messages_per_second=100).drain(15) == 200
    elapsed = time.monotonic() - started

    times = [c.time for c in world.sends()]
    assert len(times) == 200
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert rate <= 100 * 1.1, rate
    assert rate >= 100 * 0.8, rate  # and the limiter is not needlessly slow
    assert elapsed >= 199 / 100 * 0.95
    for _, phone in people:
        assert len(phone.messages) == 1


async def test_one_chat_gets_its_messages_spaced_and_in_order_without_slowing_others(
    world: World,
) -> None:
    (a, alice), (b, bob) = await world.people(2)
    await world.queue(
        *(Notice(p, text=f"{p}:{n}", dedup=f"{p}:{n}") for n in range(3) for p in (a, b))
    )
    # A burst of one: every message to a chat waits out the spacing after the one before.
    await world.sender(messages_per_second=100, per_chat_seconds=0.3, per_chat_burst=1).drain(10)

    sent: dict[int, list[float]] = {}
    for person, phone in ((a, alice), (b, bob)):
        assert [m.text for m in phone.messages] == [f"{person}:{n}" for n in range(3)]
        sent[person] = [c.time for c in world.sends(phone.user_id)]
        gaps = [later - earlier for earlier, later in itertools.pairwise(sent[person])]
        assert all(gap >= 0.3 for gap in gaps), gaps
    # Both chats were served side by side: each chat's next message went out while the other
    # chat was waiting for its spacing, not after all of the other chat's messages.
    assert sent[b][0] < sent[a][1] and sent[a][0] < sent[b][1], sent
    assert sent[b][1] < sent[a][2] and sent[a][1] < sent[b][2], sent


# --- restarts ---------------------------------------------------------------------------------


async def test_a_restart_delivers_what_was_pending_and_nothing_twice(world: World) -> None:
    people = await world.people(6)
    first = world.sender(messages_per_second=4, poll_seconds=30)
    stop = asyncio.Event()
    running = asyncio.create_task(first.run(stop))
    await asyncio.sleep(0.1)
    on_wire = asyncio.Event()

    async def stall(call: ApiCall) -> ApiError | None:
        if call.method == "sendMessage" and not on_wire.is_set():
            on_wire.set()
            await asyncio.sleep(0.3)
        return None

    world.api.interceptors.append(stall)
    # Queued after the loop went idle: wake() starts the work without waiting for the poll.
    await world.queue(*(Notice(p, text=f"hello {p}", dedup=f"s{p}") for p, _ in people))
    first.wake()
    await asyncio.wait_for(on_wire.wait(), 2)
    # Stop while the first message is on the wire: it completes and is marked, the others wait.
    stop.set()
    await running
    assert len(world.sends()) == 1
    assert await DeliveryRepo(database_of(world.services)).pending_count() == 5

    assert await world.sender(messages_per_second=100).drain(10) == 5
    for person, phone in people:
        assert [m.text for m in phone.messages] == [f"hello {person}"]
    assert len(world.sends()) == 6
    assert (
        await database_of(world.services).fetch_value(
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL AND attempts = 1"
        )
        == 6
    )
