"""What the outbox sender tests (tests/test_sender_*.py) share: a World of registered people with
their phones on the local Bot API server, senders at a fast test pace, and a localized notice."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import database_of, open_services
from bot.config import OutboxSettings, Settings
from bot.notices import Notice
from bot.sender import OutboxSender
from bot.services import Services
from handlers.delivery import TelegramTransport, delivery_bot
from localapi import LocalBotApi, SimUser
from localapi.models import ApiCall
from storage.delivery import DeliveryRepo
from tests.conftest import TOKEN, make_settings, start_clock

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
