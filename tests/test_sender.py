"""The outbox sender: every queued notice reaches its person once, in their language, at
Telegram's pace, through server errors, flood control, blocked users and restarts.

The sender talks to the local Bot API server over HTTP through the real PTB transport; faults are
injected with the server's interceptors.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import database_of, open_services
from bot.config import OutboxSettings, Settings
from bot.notices import Act, Notice, NoticeButton
from bot.people import Role
from bot.sender import OutboxSender, backoff_seconds, render
from bot.services import Services
from bot.texts import Texts
from handlers.delivery import TelegramTransport, delivering, delivery_bot
from localapi import LocalBotApi, SimUser
from localapi.models import ApiCall, ApiError
from storage.delivery import DeliveryRepo
from tests.conftest import TOKEN, Harness, make_settings, start_clock
from tests.images import make_jpeg

FAST = OutboxSettings(
    messages_per_second=30,
    per_chat_seconds=0.0,
    max_attempts=5,
    backoff_base_seconds=0.05,
    backoff_max_seconds=0.2,
    poll_seconds=0.1,
)


@dataclass
class World:
    """A database with people in it, their phones on the local server, and a sender factory."""

    api: LocalBotApi
    settings: Settings
    services: Services
    transport: TelegramTransport
    tmp: Path
    campaign_id: int = 0
    _next_user: int = 800_000
    senders: list[OutboxSender] = field(default_factory=list)

    async def people(self, count: int, language: str | None = None) -> list[tuple[int, SimUser]]:
        """`count` registered people with a private chat each: (person id, their phone)."""
        found = []
        async with database_of(self.services).transaction() as conn:
            for _ in range(count):
                self._next_user += 1
                cur = await conn.execute(
                    "INSERT INTO persons (campaign_id, name, role, telegram_user_id, language, "
                    "created_at) VALUES (?, ?, 'leader', ?, ?, ?)",
                    (self.campaign_id, f"P{self._next_user}", self._next_user, language, "2025"),
                )
                assert cur.lastrowid is not None
                phone = self.api.user(self._next_user, f"P{self._next_user}")
                found.append((cur.lastrowid, phone))
        return found

    async def person(self, language: str | None = None) -> tuple[int, SimUser]:
        return (await self.people(1, language))[0]

    async def queue(self, *notices: Notice) -> None:
        await self.services.outbox.enqueue(notices, self.services.clock.now())

    def sender(self, **outbox: Any) -> OutboxSender:
        sender = OutboxSender(
            DeliveryRepo(database_of(self.services)),
            self.transport,
            FAST.model_copy(update=outbox),
            default_language="zh",
            rng=random.Random(7),
            shutdown_grace_seconds=3,
            clock=self.services.clock,
        )
        self.senders.append(sender)
        return sender

    async def row(self, dedup: str) -> dict[str, Any]:
        row = await database_of(self.services).fetch_one(
            "SELECT * FROM outbox WHERE dedup_key = ?", (dedup,)
        )
        assert row is not None, dedup
        return dict(row)

    def sends(self, chat_id: int | None = None) -> list[ApiCall]:
        """Successful sends, optionally to one chat, in arrival order."""
        return [
            c
            for c in self.api.calls
            if c.method in ("sendMessage", "sendPhoto", "sendDocument")
            and c.ok
            and (chat_id is None or c.params.get("chat_id") == chat_id)
        ]


@pytest.fixture
async def world(api: LocalBotApi, tmp_path: Path) -> AsyncIterator[World]:
    settings = make_settings(api, tmp_path / "data")
    services = await open_services(settings, clock=start_clock(), require_campaign=False)
    async with database_of(services).transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO campaigns (code, name, year, timezone, imported_at) "
            "VALUES ('t', 'Test', 2025, 'Asia/Shanghai', '2025')"
        )
        assert cur.lastrowid is not None
        campaign_id = cur.lastrowid
    bot, requests = delivery_bot(settings, TOKEN)
    world = World(api, settings, services, TelegramTransport(bot), tmp_path, campaign_id)
    try:
        yield world
    finally:
        for sender in world.senders:
            await sender.stop()
        for request in requests:
            await request.shutdown()
        await services.close()
        assert not api.internal_errors, api.internal_errors


def label(person_id: int, number: str, dedup: str, **extra: Any) -> Notice:
    """'问题 2025-0001' / 'Problem 2025-0001': a catalog key with a localized parameter."""
    return Notice(
        person_id,
        key="item_label",
        params={"number": number},
        localized={"kind": "kind.problem"},
        dedup=dedup,
        **extra,
    )


# --- delivery ---------------------------------------------------------------------------------


async def test_each_person_gets_each_notice_once_in_their_language(world: World) -> None:
    zh_id, wang = await world.person()
    en_id, alice = await world.person("en")
    confirm = (
        (
            NoticeButton("button.confirm", Act.ADD_MORE, (1,)),
            NoticeButton("button.back", Act.OPEN_IN_INBOX, (1,)),
        ),
    )
    photo = world.tmp / "site.jpg"
    photo.write_bytes(make_jpeg(640, 480, pattern_seed=3))
    await world.queue(
        label(zh_id, "2025-0001", "a", buttons=confirm),
        label(en_id, "2025-0001", "b", buttons=confirm),
        label(en_id, "2025-0002", "c", file_path=str(photo), file_kind="photo"),
        Notice(zh_id, text="<b>今日汇总</b>", dedup="d"),
    )
    # Queueing the same change twice keeps one row.
    await world.queue(label(zh_id, "2025-0001", "a"))

    assert await world.sender().drain(10) == 4

    first, summary = await wang.next_message(), await wang.next_message()
    assert first.text == "问题 2025-0001" and first.buttons == ["✅ 确认提交", "« 返回"]
    assert first.button_data["✅ 确认提交"] == "am:1"
    assert summary.text == "<b>今日汇总</b>" and summary.parse_mode == "HTML"
    english, picture = await alice.next_message(), await alice.next_message()
    assert english.text == "Problem 2025-0001" and english.buttons == ["✅ Confirm", "« Back"]
    assert picture.kind == "photo" and picture.text == "Problem 2025-0002"
    assert picture.files == [photo.read_bytes()]
    await wang.settle(quiet=0.2)
    await alice.settle(quiet=0.2)
    assert len(wang.messages) == 2 and len(alice.messages) == 2

    sent = await world.row("c")
    assert sent["sent_at"] and sent["message_id"] == picture.message_id and sent["attempts"] == 1
    assert (
        await database_of(world.services).fetch_value(
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"
        )
        == 0
    )


async def test_a_missing_file_is_given_up_and_the_person_still_gets_the_rest(world: World) -> None:
    person, phone = await world.person()
    await world.queue(
        Notice(
            person,
            text="附件",
            file_path=str(world.tmp / "gone.docx"),
            file_kind="document",
            dedup="gone",
        ),
        Notice(person, text="下一条", dedup="next"),
    )
    await world.sender().drain(10)
    assert (await phone.next_message()).text == "下一条"
    gone = await world.row("gone")
    assert gone["gave_up_at"] and gone["sent_at"] is None and "file" in gone["last_error"]


# --- faults -----------------------------------------------------------------------------------


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


def test_backoff_grows_and_is_capped() -> None:
    rng = random.Random(1)
    delays = [backoff_seconds(n, 2.0, 60.0, rng) for n in range(1, 12)]
    assert 1.0 <= delays[0] <= 2.0 and 2.0 <= delays[1] <= 4.0
    assert all(d <= 60.0 for d in delays) and delays[-1] >= 30.0


def test_rendering_uses_the_recipients_language() -> None:
    notice = label(
        1, "2025-0003", "x", buttons=((NoticeButton("button.next", Act.OPEN_IN_INBOX, (2,)),),)
    )
    assert render(notice, Texts("en")).text == "Problem 2025-0003"
    zh = render(notice, Texts("zh"))
    assert zh.text == "问题 2025-0003" and zh.buttons[0][0].label == "下一页 »"


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


# --- in the running bot -----------------------------------------------------------------------


async def test_the_running_bot_delivers_a_queued_notice_when_woken(bot: Harness) -> None:
    leader = await bot.join("李强", Role.LEADER)
    person = await bot.services.people.by_telegram_id(leader.user_id)
    assert person is not None
    await bot.services.people.set_language(person.id, "en")
    async with delivering(bot.app, bot.settings, bot.services) as sender:
        await bot.services.outbox.enqueue([label(person.id, "2025-0009", "live")], bot.now())
        sender.wake()
        assert (await leader.next_message(timeout=3)).text == "Problem 2025-0009"
    assert sender.delivered == 1
