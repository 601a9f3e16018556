"""`deputy-bot demo`: the real bot against a local Bot API server, with two scripted deputies.

Needs no token and no network. It imports the example catalog into a fresh data folder, runs the
same Application as production, plays a short session (bot/demo_script.py) and prints what each
person saw.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from pydantic import SecretStr

from bot.bootstrap import open_services
from bot.catalog_file import load_catalog
from bot.config import (
    OutboxSettings,
    ScheduleSettings,
    Settings,
    StorageSettings,
    TelegramSettings,
    WebSettings,
)
from bot.demo_script import DEMO_BOT, DemoError, Transcript, play
from localapi import LocalBotApi

DEMO_TOKEN = "424242:DEMO-token-not-for-telegram"
DEFAULT_CATALOG = Path(__file__).resolve().parent.parent / "examples" / "hangzhou.toml"


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


async def run_demo(base: Settings, data_dir: Path, catalog_path: Path | None) -> int:
    """Play the scripted session; `data_dir` must be absolute (the CLI resolves it)."""
    await asyncio.to_thread(_prepare, data_dir)
    catalog = load_catalog(catalog_path or DEFAULT_CATALOG)
    t = Transcript()
    async with LocalBotApi(
        token=DEMO_TOKEN, bot_username=DEMO_BOT, bot_first_name="人大代表监督助手"
    ) as api:
        settings = base.model_copy(
            update={
                # The demo token is no secret: it only opens the local server started above.
                "telegram": TelegramSettings(
                    token=SecretStr(DEMO_TOKEN),
                    base_url=api.base_url,
                    base_file_url=api.base_file_url,
                    bot_username=DEMO_BOT,
                    poll_timeout_seconds=10,
                ),
                "storage": StorageSettings(data_dir=data_dir),
                # The demo shows each step at once; the daily jobs are shown on demand.
                "outbox": OutboxSettings(per_chat_seconds=0.1),
                "schedule": ScheduleSettings(enabled=False),
                "web": WebSettings(enabled=False),
            }
        )
        services = await open_services(settings, require_campaign=False)
        await services.catalog.import_catalog(catalog, now=services.clock.now())
        await services.close()
        services = await open_services(settings)
        try:
            await play(t, api, settings, services)
        finally:
            await services.close()
    print()
    print(f"Database: {settings.storage.database_path}")
    print(f"Photos:   {settings.storage.photos_dir}")
    (data_dir / "transcript.txt").write_text("\n".join(t.lines) + "\n", encoding="utf-8")
    print(f"Transcript: {data_dir / 'transcript.txt'}")
    return 0
