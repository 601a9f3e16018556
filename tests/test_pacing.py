"""The one pace of everything the bot sends (bot/pacing.py): replies before notices, each chat's
window, groups, and a 429's pause for all."""

from __future__ import annotations

import asyncio

from bot.pacing import Pacer, Priority, answering


async def test_a_reply_waiting_with_notices_goes_first() -> None:
    pacer = Pacer(per_second=20, per_chat_seconds=0)
    served: list[str] = []

    async def send(chat: int, priority: Priority, label: str) -> None:
        await pacer.acquire(chat, priority)
        served.append(label)

    await pacer.acquire(1, Priority.NOTICE)  # takes the first slot: the others must wait
    notices = [asyncio.create_task(send(10 + n, Priority.NOTICE, f"notice {n}")) for n in range(5)]
    await asyncio.sleep(0)
    reply = asyncio.create_task(send(99, Priority.REPLY, "reply"))
    await asyncio.gather(*notices, reply)
    # The notices queued first; the reply that came after them went before all but the one
    # already waiting out its slot.
    assert served.index("reply") <= 1, served
    assert [s for s in served if s != "reply"] == [f"notice {n}" for n in range(5)]


async def test_a_chat_gets_a_short_burst_then_one_a_period() -> None:
    pacer = Pacer(per_second=1000, per_chat_seconds=0.1, chat_burst=3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    times = []
    for _ in range(5):
        await pacer.acquire(7)
        pacer.release(7)
        times.append(loop.time() - started)
    # Three at once, then the window of 3 x 0.1 s: the fourth waits for the first to leave it.
    assert times[2] < 0.05
    assert times[3] >= 0.29 and times[4] >= 0.29
    # Another chat is not held up by chat 7.
    before = loop.time()
    await pacer.acquire(8)
    assert loop.time() - before < 0.05


async def test_groups_get_twenty_a_minute() -> None:
    pacer = Pacer(per_second=1000, per_chat_seconds=0.0, group_per_minute=20)
    for _ in range(20):
        await pacer.acquire(-100123)
    waiting = asyncio.create_task(pacer.acquire(-100123))
    await asyncio.sleep(0.1)
    # The 21st message of the minute waits; a private chat (no spacing here) does not.
    assert not waiting.done()
    await asyncio.wait_for(pacer.acquire(4242), 0.5)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)


async def test_a_pause_holds_every_chat_and_priority() -> None:
    pacer = Pacer(per_second=1000, per_chat_seconds=0)
    await pacer.acquire(1)
    pacer.pause(0.3)
    loop = asyncio.get_running_loop()
    before = loop.time()
    await asyncio.gather(pacer.acquire(2, Priority.REPLY), pacer.acquire(3, Priority.NOTICE))
    assert loop.time() - before >= 0.29
    assert pacer.paused_for == 0


async def test_a_cancelled_waiter_does_not_block_the_queue() -> None:
    pacer = Pacer(per_second=5, per_chat_seconds=0)
    await pacer.acquire(1)
    gone = asyncio.create_task(pacer.acquire(2))
    await asyncio.sleep(0.01)
    gone.cancel()
    await asyncio.gather(gone, return_exceptions=True)
    await asyncio.wait_for(pacer.acquire(3), 1.0)


async def test_replies_answering_a_persons_update_go_at_once_then_the_window_holds() -> None:
    # A slow bot-wide pace and a full chat window: what answers the person's own update does
    # not wait for either (up to the chat's burst); what comes after it does.
    pacer = Pacer(per_second=2, per_chat_seconds=0.2, chat_burst=3)
    for _ in range(3):
        await pacer.acquire(7)
    loop = asyncio.get_running_loop()
    before = loop.time()
    with answering(7):
        for _ in range(3):
            await pacer.acquire(7, Priority.REPLY)
        assert loop.time() - before < 0.05
        fourth = asyncio.create_task(pacer.acquire(7, Priority.REPLY))
        await asyncio.sleep(0.1)
        # Beyond the burst, a reply is paced like any message to the chat.
        assert not fourth.done()
    # A notice to the chat waits for the window the replies filled.
    notice = asyncio.create_task(pacer.acquire(7, Priority.NOTICE))
    await asyncio.sleep(0.1)
    assert not notice.done()
    await asyncio.wait_for(asyncio.gather(fourth, notice), 3.0)
    assert loop.time() - before >= 0.59


async def test_only_the_chat_of_the_update_and_only_replies_skip_the_pace() -> None:
    pacer = Pacer(per_second=1000, per_chat_seconds=0.5, chat_burst=1)
    await pacer.acquire(8)
    await pacer.acquire(7)
    with answering(7):
        # Another chat (a notice sent directly to someone else), or a notice to this chat,
        # keeps to the chat's window.
        other = asyncio.create_task(pacer.acquire(8, Priority.REPLY))
        notice = asyncio.create_task(pacer.acquire(7, Priority.NOTICE))
        await asyncio.sleep(0.1)
        assert not other.done() and not notice.done()
        other.cancel()
        notice.cancel()
        await asyncio.gather(other, notice, return_exceptions=True)
    with answering(-100123):
        # A group's messages are never exempt (20 a minute whoever asked).
        for _ in range(20):
            await pacer.acquire(-100123, Priority.REPLY)
        group = asyncio.create_task(pacer.acquire(-100123, Priority.REPLY))
        await asyncio.sleep(0.1)
        assert not group.done()
        group.cancel()
        await asyncio.gather(group, return_exceptions=True)


async def test_a_pause_holds_replies_to_a_persons_update_too() -> None:
    pacer = Pacer(per_second=1000, per_chat_seconds=0, chat_burst=3)
    pacer.pause(0.3)
    loop = asyncio.get_running_loop()
    before = loop.time()
    with answering(7):
        await pacer.acquire(7, Priority.REPLY)
    assert loop.time() - before >= 0.29
