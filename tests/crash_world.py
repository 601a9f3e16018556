"""The world of the crash tests (tests/test_crash.py, tests/test_crash_moments.py): the local
Bot API server, the bot as an OS process with its config and database, the deputies invited and
joined, and the database read directly, as it is on disk after a kill.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.bootstrap import open_services
from bot.clock import SetClock
from bot.config import load_settings
from bot.invitations import InvitationRequest
from bot.people import Role
from bot.services import Services
from bot.usecases.membership import issue_invitation
from localapi import LocalBotApi
from tests.bot_process import BotProcess
from tests.conftest import BOT_USERNAME, TOKEN, open_with_example, start_clock
from tests.deputy import Deputy
from tests.serving import free_port


@dataclass
class World:
    api: LocalBotApi
    bot: BotProcess
    config: Path
    database: Path
    clock: SetClock

    async def services(self) -> Services:
        return await open_services(load_settings(self.config), clock=self.clock)


def write_config(folder: Path, api: LocalBotApi) -> Path:
    """The production defaults except where the test needs otherwise: the local server, no
    daily jobs (they would fire at 09:00 and 20:00), and no per-chat spacing of notices."""
    port = free_port()
    config = folder / "config.toml"
    config.write_text(
        f'[telegram]\nbase_url = "{api.base_url}"\nbase_file_url = "{api.base_file_url}"\n'
        f'bot_username = "{BOT_USERNAME}"\n\n'
        f'[storage]\ndata_dir = "{folder / "data"}"\n\n'
        "[schedule]\nenabled = false\n\n"
        # 50 deputies tapping without pause want more than Telegram's 30 messages a second;
        # this test is about crashes (tests/test_flood.py keeps to Telegram's limits).
        "[outbox]\nper_chat_seconds = 0\nmessages_per_second = 400\n\n"
        # The console as in production, on a port of its own (8080 may be taken).
        f'[web]\nport = {port}\npublic_url = "http://127.0.0.1:{port}"\n',
        encoding="utf-8",
    )
    return config


async def prepare(
    config: Path, count: int, clock: SetClock
) -> tuple[list[str], list[tuple[float, float, str]]]:
    """Import the catalog and invite `count` deputies, spread over the supervision groups;
    returns their invitation tokens and the site each will check in at."""
    settings = load_settings(config)
    services = await open_with_example(settings, clock)
    try:
        campaign_id = services.campaign.id
        sites: dict[str, tuple[float, float, str]] = {}
        for code in (f"G{n:02d}" for n in range(1, 11)):
            group = await services.catalog.group_by_code(campaign_id, code)
            assert group is not None, code
            for project_id in sorted(await services.catalog.group_project_ids(group.id)):
                found = await services.catalog.sites_of_project(campaign_id, project_id)
                if found:
                    sites[code] = (found[0].lat, found[0].lon, found[0].name)
                    break
        codes = sorted(sites)
        tokens, places = [], []
        for n in range(count):
            code = codes[n % len(codes)]
            issued = await issue_invitation(
                services,
                InvitationRequest(f"代表{n:03d}", Role.DEPUTY, code, None),
                bot_username=BOT_USERNAME,
                created_by=None,
            )
            tokens.append(issued.token)
            places.append(sites[code])
        return tokens, places
    finally:
        await services.close()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with LocalBotApi(token=TOKEN, bot_username=BOT_USERNAME) as api:
        config = write_config(tmp_path, api)
        clock = start_clock()
        bot = BotProcess(api, config, tmp_path, TOKEN, clock)
        try:
            yield World(api, bot, config, tmp_path / "data" / "deputy-bot.sqlite3", clock)
        finally:
            code = await bot.stop()
            assert code in (0, -9), f"the bot exited with {code}: {bot.tail()}"
            assert not api.internal_errors, api.internal_errors


def query(database: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(database)) as conn:
        return list(conn.execute(sql, params).fetchall())


async def join(world: World, count: int, seed: int) -> list[Deputy]:
    tokens, places = await prepare(world.config, count, world.clock)
    await world.bot.start()
    deputies = [
        Deputy(
            world.api.user(900_000 + n, f"代表{n:03d}", language_code="zh-hans"),
            world.bot,
            places[n],
            random.Random(seed * 1000 + n),
        )
        for n in range(count)
    ]

    async def open_link(deputy: Deputy, token: str) -> None:
        welcome = await deputy.step(
            "/start", deputy.text(f"/start {token}"), lambda s: deputy.user.first_name in s.text
        )
        assert welcome is not None, deputy.tally.failures

    await asyncio.gather(*(open_link(d, t) for d, t in zip(deputies, tokens, strict=True)))
    return deputies


def person_ids(world: World) -> dict[int, int]:
    """telegram user id -> person id."""
    return {
        int(str(tg)): int(str(pid))
        for pid, tg in query(
            world.database,
            "SELECT id, telegram_user_id FROM persons WHERE telegram_user_id IS NOT NULL",
        )
    }
