"""`deputy-bot demo`: the real bot against a local Bot API server, with two scripted deputies.

Needs no token and no network. It imports the example catalog into a fresh data folder, runs the
same Application as production, plays a short session (bot/demo_script.py) and prints what each
person saw.

The demo keeps its own clock: it starts on a Tuesday of the example campaign's supervision weeks
(whatever the machine's date), so the plan's windows, the progress lights and the evaluation's
deadline read the same on every run; the script moves it on to the year's end for the evaluation.

With `--serve` the world the demo made stays up afterwards: the bot (still against the local
server) and its web console on this machine, with one-time login links for the demo's staff member,
leader and liaison, until Ctrl+C.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from bot.app import BotApplication, run_until_stopped
from bot.bootstrap import opened_services
from bot.catalog_file import EXAMPLE_CATALOG, load_catalog
from bot.clock import SetClock
from bot.config import (
    OutboxSettings,
    ScheduleSettings,
    Settings,
    StorageSettings,
    TelegramSettings,
    WebSettings,
)
from bot.demo_chat import DemoError, Transcript
from bot.demo_script import DEMO_BOT, play
from bot.people import Person, Role
from bot.services import Services
from bot.usecases.web_login import issue_link
from localapi import LocalBotApi

DEMO_TOKEN = "424242:DEMO-token-not-for-telegram"
# When the demo starts: within the example campaign's 监督推进 phase (2020), as the tests do.
DEMO_START = datetime(2020, 6, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def local_settings(
    base: Settings,
    api: LocalBotApi,
    data_dir: Path,
    *,
    token: str,
    bot_username: str,
    poll_timeout_seconds: int,
    per_chat_seconds: float,
) -> Settings:
    """`base` against a local Bot API server (the demo's, or the tests'), its data in `data_dir`,
    with the daily jobs off (both run them on demand) and the console off until asked for."""
    return base.model_copy(
        update={
            # The token is no secret: it only opens the local server.
            "telegram": TelegramSettings(
                token=SecretStr(token),
                base_url=api.base_url,
                base_file_url=api.base_file_url,
                bot_username=bot_username,
                poll_timeout_seconds=poll_timeout_seconds,
            ),
            "storage": StorageSettings(data_dir=data_dir),
            "outbox": OutboxSettings(per_chat_seconds=per_chat_seconds),
            "schedule": ScheduleSettings(enabled=False),
            "web": WebSettings(enabled=False),
        }
    )


def _prepare(data_dir: Path) -> None:
    """Start from a clean folder, but never delete one that is not a demo folder."""
    if data_dir.exists():
        if not data_dir.is_dir():
            raise DemoError(f"{data_dir} is a file, not a folder; choose another with --data")
        marker = data_dir / ".deputy-bot-demo"
        if any(data_dir.iterdir()) and not marker.exists():
            raise DemoError(
                f"{data_dir} exists and is not a demo folder; choose another with --data"
            )
        shutil.rmtree(data_dir)
    try:
        data_dir.mkdir(parents=True)
    except OSError as exc:
        raise DemoError(f"cannot create {data_dir}: {exc}") from exc
    (data_dir / ".deputy-bot-demo").write_text("made by deputy-bot demo\n", encoding="utf-8")


def _free_port(wanted: int = 0) -> int:
    """`wanted` if it is free on 127.0.0.1 (0: any free port); a busy one is a DemoError."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", wanted))
        except OSError as exc:
            raise DemoError(f"cannot serve the console on 127.0.0.1:{wanted}: {exc}") from exc
        port: int = s.getsockname()[1]
        return port


def _served_console(base: WebSettings) -> WebSettings:
    """The console of `demo --serve`: on this machine only; on the port (and public address) the
    config names, else on a free port, so a second demo or a running bot is no obstacle."""
    named = base.model_fields_set
    port = _free_port(base.port if "port" in named else 0)
    public_url = base.public_url if "public_url" in named else f"http://127.0.0.1:{port}"
    return base.model_copy(
        update={"enabled": True, "listen": "127.0.0.1", "port": port, "public_url": public_url}
    )


async def _demo_person(services: Services, role: Role) -> Person:
    """The first person the demo made with this role (the script invites one of each)."""
    for card in await services.manage.find_people(services.campaign.id, "", limit=100):
        person = await services.people.by_id(card.id) if card.role is role else None
        if person is not None:
            return person
    raise DemoError(f"the demo has no {role.value}")


async def _serve(settings: Settings, clock: SetClock) -> None:
    """The bot and its console, on the demo's data and clock, until Ctrl+C (or SIGTERM)."""

    async def show_links(_app: BotApplication, services: Services) -> None:
        web = settings.web
        base = web.public_url.rstrip("/")
        print(f"\n== Web console: {base}/  (Ctrl+C stops it)")
        print(f"   One-time login links, valid {web.login_link_minutes:g} minutes:")
        for role in (Role.STAFF, Role.LEADER, Role.LIAISON):
            person = await _demo_person(services, role)
            token = await issue_link(services, person, services.clock.now())
            print(f"   {role.value:8} {person.name}  {base}/login/{token}", flush=True)

    await run_until_stopped(settings, show_links, clock)
    print("Stopped.", flush=True)


async def run_demo(
    base: Settings, data_dir: Path, catalog_path: Path | None, *, serve: bool = False
) -> int:
    """Play the scripted session; `data_dir` must be absolute (the CLI resolves it). With
    `serve`, keep the bot and its web console running on the demo's data afterwards."""
    # Checked before the demo plays: a busy port should not cost the wait.
    console = _served_console(base.web) if serve else None
    await asyncio.to_thread(_prepare, data_dir)
    catalog = load_catalog(catalog_path or EXAMPLE_CATALOG)
    t = Transcript()
    async with LocalBotApi(
        token=DEMO_TOKEN, bot_username=DEMO_BOT, bot_first_name="人大代表监督助手"
    ) as api:
        # The demo shows each step at once (a short pause per chat, not Telegram's second).
        settings = local_settings(
            base,
            api,
            data_dir,
            token=DEMO_TOKEN,
            bot_username=DEMO_BOT,
            poll_timeout_seconds=10,
            per_chat_seconds=0.1,
        )
        clock = SetClock(DEMO_START)
        async with opened_services(settings, clock=clock, require_campaign=False) as services:
            await services.catalog.import_catalog(catalog, now=clock.now())
        async with opened_services(settings, clock=clock) as services:
            await play(t, api, settings, services)
        print()
        print(f"Database: {settings.storage.database_path}")
        print(f"Photos:   {settings.storage.photos_dir}")
        (data_dir / "transcript.txt").write_text("\n".join(t.lines) + "\n", encoding="utf-8")
        print(f"Transcript: {data_dir / 'transcript.txt'}")
        if console is not None:
            # The local server stays up: the bot polls it again, now with its console on.
            await _serve(settings.model_copy(update={"web": console}), clock)
    return 0
