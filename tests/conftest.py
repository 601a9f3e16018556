"""The test harness: a local Bot API server on 127.0.0.1 and the real Application polling it."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict, Unpack
from zoneinfo import ZoneInfo

import pytest

from bot.app import BotApplication, build_application, running
from bot.bootstrap import database_of, open_services
from bot.catalog import Catalog
from bot.catalog_file import EXAMPLE_CATALOG, load_catalog
from bot.clock import SetClock
from bot.config import Settings, StorageSettings
from bot.demo import local_settings
from bot.invitations import InvitationRequest
from bot.people import Person, Role
from bot.records import SiteRecord
from bot.services import Services
from bot.usecases.membership import issue_invitation
from localapi import BotMessage, CallbackPress, LocalBotApi, SimUser
from storage.catalog import import_catalog
from storage.db import Database, _migrations

ROOT = Path(__file__).resolve().parent.parent
# (version, SQL) of every migration, oldest first, as the database applies them.
MIGRATIONS = _migrations()
TOKEN = "123456:TEST-TOKEN-deputy-bot"
BOT_USERNAME = "deputy_test_bot"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Every test starts at the same instant, whatever the machine's clock says: a Tuesday morning of
# the example campaign's year, in its supervision week. A test that needs another moment sets it.
START = datetime(2020, 6, 16, 10, 0, tzinfo=SHANGHAI)


# How many pytest-xdist workers `-n auto` (README's test command) starts. The tests mostly wait
# on round trips (a process uses 40% of a core), so two workers on 2 cores halve the time; more
# than 4 would crowd the pacing tests, which measure rates. Under libfaketime (the "at any hour"
# check) every time call goes through the preload library: the same tests took twice the CPU,
# and two workers overloaded 2 cores until rate-measuring tests failed; one process passes.
MAX_WORKERS = 4


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    if "faketime" in os.environ.get("LD_PRELOAD", ""):
        return 0  # no workers: the tests run in this process
    return min(os.cpu_count() or 1, MAX_WORKERS)


def start_clock(start: datetime = START) -> SetClock:
    return SetClock(start)


def make_settings(api: LocalBotApi, data_dir: Path, **overrides: Any) -> Settings:
    # Daily jobs would fire whenever the suite runs after 09:00 or 20:00 Shanghai time, so they
    # are off (tests run them explicitly), and so is the console (its tests turn it on, on a port
    # of their own). One message a second per chat is Telegram's rule, and the sender's tests
    # check it; the other stories should not wait for it between notices.
    settings = local_settings(
        Settings(),
        api,
        data_dir,
        token=TOKEN,
        bot_username=BOT_USERNAME,
        poll_timeout_seconds=5,
        per_chat_seconds=0,
    )
    return settings.model_copy(update=overrides)


class Placement(TypedDict, total=False):
    """A person's group and unit, which Harness.join passes on to Harness.invite (whose defaults
    stand for what is left out)."""

    group: str | None
    unit: str | None


@dataclass
class Harness:
    """The running bot, its database, and helpers to bring people in."""

    api: LocalBotApi
    settings: Settings
    services: Services
    app: BotApplication
    stack: AsyncExitStack
    _next_user: int = 700_000

    @property
    def clock(self) -> SetClock:
        clock = self.services.clock
        assert isinstance(clock, SetClock)
        return clock

    def now(self) -> datetime:
        return self.services.clock.now()

    def flow(self, user: SimUser) -> dict[str, Any]:
        """The scratch data of the person's open conversation (empty when none is open)."""
        conversations = self.app.bot_data.conversations
        assert conversations is not None
        open_ = conversations.open.get(str(user.user_id))
        flow = open_.data.get("flow", {}) if open_ is not None else {}
        assert isinstance(flow, dict)
        return flow

    async def invite(
        self,
        name: str,
        role: Role = Role.DEPUTY,
        group: str | None = "G01",
        unit: str | None = None,
    ) -> str:
        if role in (Role.STAFF,):
            group = None
        if role is Role.LIAISON:
            group, unit = None, unit or "health"
        issued = await issue_invitation(
            self.services,
            InvitationRequest(name, role, group, unit),
            bot_username=BOT_USERNAME,
            created_by=None,
        )
        return issued.token

    async def join(
        self,
        name: str,
        role: Role = Role.DEPUTY,
        *,
        language_code: str = "zh-hans",
        **placement: Unpack[Placement],
    ) -> SimUser:
        """Invite a person (where `invite` places them unless told) and have them open their link;
        returns their simulated phone."""
        token = await self.invite(name, role, **placement)
        self._next_user += 1
        user = self.api.user(self._next_user, name, language_code=language_code)
        await user.send_text(f"/start {token}")
        welcome = await user.next_message()
        assert name in (welcome.text or ""), welcome.describe()
        await user.settle(quiet=0.1)
        return user

    async def site_of_group(self, group_code: str = "G01") -> SiteRecord:
        campaign_id = self.services.campaign.id
        group = await self.services.catalog.group_by_code(campaign_id, group_code)
        assert group is not None
        for project_id in sorted(await self.services.catalog.group_project_ids(group.id)):
            sites = await self.services.catalog.sites_of_project(campaign_id, project_id)
            if sites:
                return sites[0]
        raise AssertionError(f"group {group_code} has no sites")

    async def person(self, user: SimUser) -> Person:
        """The Person behind a simulated phone."""
        person = await self.services.people.by_telegram_id(user.user_id)
        assert person is not None
        return person

    async def value(self, sql: str, *params: Any) -> Any:
        return await database_of(self.services).fetch_value(sql, params)

    async def restart(self) -> None:
        """Stop the bot the way an operator would, and start a new process's worth of objects."""
        await self.stack.aclose()
        await self.services.close()
        self.services = await open_services(self.settings, clock=self.services.clock)
        self.app = build_application(self.settings, self.services)
        self.stack = AsyncExitStack()
        await self.stack.enter_async_context(running(self.app, self.settings))


def migrate_to(conn: sqlite3.Connection, version: int) -> None:
    """The schema as the migrations up to `version` left it: an older database, for the tests
    of what a later migration does to it."""
    for number, sql in MIGRATIONS:
        if number <= version:
            conn.executescript(sql)


@pytest.fixture
async def api() -> AsyncIterator[LocalBotApi]:
    async with LocalBotApi(token=TOKEN, bot_username=BOT_USERNAME) as server:
        yield server


async def open_with_example(
    settings: Settings, clock: SetClock, also: Sequence[Catalog] = ()
) -> Services:
    """Services over a database the example catalog (and the campaigns `also`) was imported into
    first, as an operator runs `deputy-bot import` before anything else."""
    setup = await open_services(settings, clock=clock, require_campaign=False)
    try:
        for catalog in (load_catalog(EXAMPLE_CATALOG), *also):
            await import_catalog(database_of(setup), catalog, now=clock.now())
    finally:
        await setup.close()
    return await open_services(settings, clock=clock)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh database with every migration applied, in a folder open() has to create."""
    database = Database(tmp_path / "data" / "test.sqlite3")
    await database.open()
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    """Services over the example catalog in a fresh data folder, without the bot: for tests of
    the core and storage that need no chat."""
    settings = Settings(storage=StorageSettings(data_dir=tmp_path / "data"))
    opened = await open_with_example(settings, start_clock())
    try:
        yield opened
    finally:
        await opened.close()


async def start_harness(
    api: LocalBotApi,
    settings: Settings,
    clock: SetClock | None = None,
    also: Sequence[Catalog] = (),
) -> Harness:
    services = await open_with_example(settings, clock or start_clock(), also)
    app = build_application(settings, services)
    stack = AsyncExitStack()
    await stack.enter_async_context(running(app, settings))
    return Harness(api, settings, services, app, stack)


@asynccontextmanager
async def running_bot(
    api: LocalBotApi, settings: Settings, also: Sequence[Catalog] = ()
) -> AsyncIterator[Harness]:
    """The bot on these settings (the example catalog and the campaigns `also` imported), stopped
    on the way out. An error inside the local Bot API server fails the test: the bot was then
    talking to a broken Telegram, so what the test saw proves nothing."""
    harness = await start_harness(api, settings, also=also)
    try:
        yield harness
    finally:
        await harness.stack.aclose()
        await harness.services.close()
        assert not api.internal_errors, api.internal_errors
        assert not api.markup_problems, api.markup_problems


@pytest.fixture
async def bot(api: LocalBotApi, tmp_path: Path) -> AsyncIterator[Harness]:
    """Notices are delivered as they are queued (make_settings), so each step sees what came
    before it."""
    async with running_bot(api, make_settings(api, tmp_path / "data")) as harness:
        yield harness


async def answer_to(user: SimUser, press: CallbackPress) -> str:
    """The text the bot answered to this press (earlier presses' answers are skipped)."""
    answer = await user.next_answer()
    while answer.query_id != press.query_id:
        answer = await user.next_answer()
    return answer.text or ""


async def answer_to_button(user: SimUser, message: BotMessage, label: str) -> str:
    """The bot's answer to this button of the message, pressed by its data: a client can still
    send it after the bot took the button off."""
    press = await user.press_data(message.message_id, message.button_data[label])
    return await answer_to(user, press)


async def reply_to(user: SimUser, text: str) -> str:
    """Send `text` as the user; the text of the bot's next message in their chat."""
    await user.send_text(text)
    return (await user.next_message()).text or ""
