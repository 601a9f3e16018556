"""The outbox sender through faults: server errors, outages, flood control and blocked users,
with capped backoff between attempts.

Faults are injected with the local Bot API server's interceptors.
"""

from __future__ import annotations

import random

import pytest

from bot.bootstrap import database_of
from bot.sender import backoff_seconds
from localapi.models import ApiCall, ApiError
from storage.delivery import DeliveryRepo
from tests.sender_helpers import World, label, world

# The fixture lives in tests/sender_helpers.py.
__all__ = ["world"]


async def test_server_errors_are_retried_until_the_notice_arrives_once(world: World) -> None:
    person, phone = await world.person()
    faults = [ApiError(500, "Internal Server Error"), ApiError(502, "Bad Gateway")]

    async def failing(call: ApiCall) -> ApiError | None:
        return faults.pop(0) if call.method == "sendMessage" and faults else None

    world.api.interceptors.append(failing)
    await world.queue(label(person, "2025-0007", "flaky"))
    await world.sender().drain(10, include_retries=True)

    assert (await phone.next_message()).text == "问题 2025-0007"
    await phone.settle(quiet=0.2)
    assert len(phone.messages) == 1
    row = await world.row("flaky")
    assert row["sent_at"] and row["attempts"] == 3 and "Bad Gateway" in row["last_error"]


async def test_a_notice_that_never_goes_through_is_given_up_after_max_attempts(
    world: World,
) -> None:
    person, _ = await world.person()

    async def down(call: ApiCall) -> ApiError | None:
        return ApiError(500, "Internal Server Error") if call.method == "sendMessage" else None

    world.api.interceptors.append(down)
    await world.queue(label(person, "2025-0008", "lost"))
    await world.sender(max_attempts=3).drain(10, include_retries=True)
    row = await world.row("lost")
    assert row["gave_up_at"] and row["sent_at"] is None and row["attempts"] == 3
    assert len([c for c in world.api.calls if c.method == "sendMessage"]) == 3


async def test_an_outage_delays_notices_but_uses_up_no_attempts(world: World) -> None:
    people = await world.people(3)
    # Down for everyone for a while: longer than max_attempts backoffs of one row would take.
    outage = [ApiError(502, "Bad Gateway")] * 4 + [ApiError(500, "Internal Server Error")] * 8

    async def down(call: ApiCall) -> ApiError | None:
        return outage.pop(0) if call.method == "sendMessage" and outage else None

    world.api.interceptors.append(down)
    await world.queue(*(label(p, f"{n}", f"o{n}") for n, (p, _) in enumerate(people)))
    await world.sender(max_attempts=2).drain(10, include_retries=True)

    assert not outage
    for n, (_, phone) in enumerate(people):
        assert [m.text for m in phone.messages] == [f"问题 {n}"]
    assert (
        await database_of(world.services).fetch_value(
            "SELECT COUNT(*) FROM outbox WHERE gave_up_at IS NOT NULL"
        )
        == 0
    )


# PTB's RetryAfter warns about its own retry_after type when it is built.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_control_pauses_every_chat_then_nothing_is_lost_or_doubled(
    world: World,
) -> None:
    people = await world.people(4)
    flooded: list[float] = []

    async def flood(call: ApiCall) -> ApiError | None:
        if call.method == "sendMessage" and not flooded:
            flooded.append(call.time)
            return ApiError(429, "Too Many Requests: retry after 2", {"retry_after": 2})
        return None

    world.api.interceptors.append(flood)
    await world.queue(*(label(p, f"2025-{n:04d}", f"f{n}") for n, (p, _) in enumerate(people)))
    # 20/s: the next send is due 50 ms later, long after the 429 has been answered.
    await world.sender(messages_per_second=20).drain(10)

    sends = world.sends()
    assert len(sends) == 4
    assert all(call.time >= flooded[0] + 2.0 for call in sends), [
        round(c.time - flooded[0], 3) for c in sends
    ]
    for n, (_, phone) in enumerate(people):
        assert [m.text for m in phone.messages] == [f"问题 2025-{n:04d}"]


async def test_a_person_who_blocked_the_bot_is_recorded_and_others_are_served(
    world: World,
) -> None:
    (a, alice), (b, bob), (c, carol) = await world.people(3)
    bob.block(notify=False)
    await world.queue(
        label(a, "1", "a1"), label(b, "1", "b1"), label(b, "2", "b2"), label(c, "1", "c1")
    )
    sender = world.sender()
    await sender.drain(10)

    assert [m.text for m in alice.messages] == ["问题 1"]
    assert [m.text for m in carol.messages] == ["问题 1"]
    assert await database_of(world.services).fetch_value(
        "SELECT blocked_at FROM persons WHERE id = ?", (b,)
    )
    for dedup in ("b1", "b2"):
        row = await world.row(dedup)
        assert row["gave_up_at"] and row["last_error"] == "blocked"
    # Telegram was asked once; the second notice was parked without asking again.
    assert len([c for c in world.api.calls if c.params.get("chat_id") == bob.user_id]) == 1

    # Known blocked: a new notice is parked without a call at all.
    await world.queue(label(b, "3", "b3"))
    await sender.drain(10)
    assert (await world.row("b3"))["last_error"] == "blocked"
    assert len([c for c in world.api.calls if c.params.get("chat_id") == bob.user_id]) == 1

    # Bob unblocks and writes to the bot: what was parked arrives, in order.
    bob.unblock(notify=False)
    repo = DeliveryRepo(database_of(world.services))
    assert await repo.unblock(b, world.services.clock.now()) == 3
    assert await repo.unblock(b, world.services.clock.now()) == 0
    await sender.drain(10)
    assert [m.text for m in bob.messages] == ["问题 1", "问题 2", "问题 3"]


def test_backoff_grows_and_is_capped() -> None:
    rng = random.Random(1)
    delays = [backoff_seconds(n, 2.0, 60.0, rng) for n in range(1, 12)]
    assert 1.0 <= delays[0] <= 2.0 and 2.0 <= delays[1] <= 4.0
    assert all(d <= 60.0 for d in delays) and delays[-1] >= 30.0
