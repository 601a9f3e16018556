"""The deputy-bot command line: run, demo, import, invite, tally, export, posters, evaluation,
backup."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from bot import backup_cli, bulletin_cli, evaluation_cli, export_cli, posters_cli, tally_cli
from bot.bootstrap import opened_services
from bot.catalog import CatalogError
from bot.catalog_file import load_catalog
from bot.config import ConfigError, Settings, load_settings
from bot.errors import CliError, Refused
from bot.invitations import InvitationRequest
from bot.people import Role
from bot.services import NoCampaignError, Services
from bot.texts import Texts
from storage.db import DatabaseError

log = logging.getLogger("deputy-bot")


def _settings(path: Path | None) -> Settings:
    if path is not None and not path.exists():
        raise CliError(f"config file not found: {path} (copy config.example.toml to start)")
    return load_settings(path)


def on_campaign(settings: Settings, args: argparse.Namespace) -> Settings:
    """--campaign CODE: the command acts on that campaign, as if it were [campaign] code."""
    code = getattr(args, "campaign", None)
    if not code:
        return settings
    # The others stay served (the city overview, joint inspections read them).
    current = settings.campaign
    also = tuple(c for c in (current.code, *current.also) if c and c != code)
    campaign = current.model_copy(update={"code": code, "also": also if current.also else ()})
    return settings.model_copy(update={"campaign": campaign})


async def _import(settings: Settings, catalog_path: Path, *, strict: bool = False) -> int:

    catalog = load_catalog(catalog_path)
    wanted = settings.campaign.code
    if strict and wanted and catalog.campaign.code != wanted:
        # Several campaigns: a district's file must not land on the city's (or another's).
        raise CliError(
            f"{catalog_path} is the catalog of campaign {catalog.campaign.code}, not {wanted}"
        )
    async with opened_services(settings, require_campaign=False) as services:
        report = await services.catalog.import_catalog(catalog, now=services.clock.now())
    tables = sorted(set(report.created) | set(report.updated) | set(report.unchanged))
    print(f"Imported campaign {report.campaign_code} into {settings.storage.database_path}")
    for table in tables:
        print(
            f"  {table:15} created {report.created.get(table, 0):4}  "
            f"updated {report.updated.get(table, 0):4}  unchanged {report.unchanged.get(table, 0):4}"
        )
    if not report.changed:
        print("Nothing changed: the database already matched this file.")
    return 0


async def _bot_username(settings: Settings) -> str:
    if settings.telegram.bot_username:
        return settings.telegram.bot_username.lstrip("@")
    token = settings.token()
    if not token:
        raise CliError(
            "cannot make a link: set [telegram] bot_username in the config, or a token "
            "(DEPUTY_BOT_TOKEN) so the bot's name can be asked from Telegram"
        )
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        async with Bot(
            token,
            base_url=settings.telegram.base_url,
            base_file_url=settings.telegram.base_file_url,
        ) as tg_bot:
            return tg_bot.username
    except TelegramError as exc:
        raise CliError(f"cannot reach the Bot API to learn the bot's name: {exc}") from exc


async def _invite(settings: Settings, args: argparse.Namespace) -> int:
    from bot.usecases.membership import issue_invitation

    username = await _bot_username(settings)
    async with opened_services(settings) as services:
        try:
            issued = await issue_invitation(
                services,
                InvitationRequest(args.name, Role(args.role), args.group, args.unit),
                bot_username=username,
                created_by=None,
            )
        except Refused as refused:
            raise CliError(Texts("en")(refused.key, **refused.params)) from refused
    print(
        f"Invitation for {issued.name} ({issued.role}), valid until {issued.expires_at:%Y-%m-%d %H:%M} UTC"
    )
    print(f"link:  {issued.link}")
    print(f"token: {issued.token}")
    return 0


async def _posters(settings: Settings, args: argparse.Namespace) -> int:
    # The codes link to the bot by its name, found as for invitations.
    return await posters_cli.run(settings, args, await _bot_username(settings))


async def _run(settings: Settings) -> int:
    from bot.app import BotApplication, run_until_stopped

    token = settings.token()
    if not token:
        raise CliError(
            "no bot token: set DEPUTY_BOT_TOKEN (or [telegram] token_file) — "
            "or try `deputy-bot demo`, which needs none"
        )

    async def say_running(app: BotApplication, _services: Services) -> None:
        print(f"deputy-bot is running as @{app.bot.username}; Ctrl+C stops it.", flush=True)

    await run_until_stopped(settings, say_running)
    return 0


# The commands that need only the settings and their own arguments, by name.
_COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]] = {
    "invite": _invite,
    "tally": tally_cli.run,
    "export": export_cli.run,
    "posters": _posters,
    "evaluation": evaluation_cli.run,
    "bulletin": bulletin_cli.run_bulletin,
    "group-report": bulletin_cli.run_group_report,
    "backup": backup_cli.run,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deputy-bot", description=__doc__)
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING (default: config)")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_config(p: argparse.ArgumentParser, required: bool = True) -> None:
        p.add_argument("--config", type=Path, required=required, help="path to config.toml")
        p.add_argument(
            "--campaign",
            metavar="CODE",
            help="the campaign to act on, when the deployment serves several "
            "(default: [campaign] code)",
        )

    run = sub.add_parser("run", help="run the bot (long polling or webhook, as configured)")
    with_config(run)

    demo = sub.add_parser("demo", help="offline demonstration against a local Bot API server")
    with_config(demo, required=False)
    demo.add_argument(
        "--data", type=Path, default=Path("demo-data"), help="folder for the demo's data"
    )
    demo.add_argument(
        "--catalog",
        type=Path,
        default=None,
        help="catalog to import (default: bot/examples/hangzhou.toml)",
    )
    demo.add_argument(
        "--serve",
        action="store_true",
        help="afterwards keep the bot and its web console running, with login links (Ctrl+C stops)",
    )

    imp = sub.add_parser("import", help="import or update a campaign catalog (TOML)")
    with_config(imp)
    imp.add_argument("catalog", type=Path)

    inv = sub.add_parser("invite", help="create an invitation link for a person")
    with_config(inv)
    inv.add_argument("--role", required=True, choices=[r.value for r in Role])
    inv.add_argument("--name", required=True)
    inv.add_argument("--group", help="supervision group code (deputies and leaders)")
    inv.add_argument("--unit", help="lead unit code (liaisons)")

    for command in (
        tally_cli.tally_command,
        export_cli.export_command,
        posters_cli.posters_command,
        evaluation_cli.evaluation_command,
        bulletin_cli.bulletin_command,
        bulletin_cli.group_report_command,
        backup_cli.backup_command,
    ):
        command.add_to(sub, with_config)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = on_campaign(_settings(getattr(args, "config", None)), args)
        # The demo's transcript is the point; its log lines would only interleave with it.
        default_level = "WARNING" if args.command == "demo" else settings.runtime.log_level
        logging.basicConfig(
            level=(args.log_level or default_level).upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        # httpx logs every request URL, and those contain the bot token.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        # python-telegram-bot's DEBUG output has the token in URLs and whole updates (names,
        # texts, invitation tokens); it is never shown, whatever level is asked for.
        # aiosqlite's DEBUG output has every statement's parameters: the journaled updates.
        for noisy in ("telegram", "aiosqlite"):
            logging.getLogger(noisy).setLevel(
                max(logging.INFO, logging.getLogger().getEffectiveLevel())
            )
        if args.command == "import":
            strict = bool(args.campaign or settings.campaign.also)
            return asyncio.run(_import(settings, args.catalog, strict=strict))
        command = _COMMANDS.get(args.command)
        if command is not None:
            return asyncio.run(command(settings, args))
        if args.command == "run":
            return asyncio.run(_run(settings))
        if args.command == "demo":
            from bot.demo import run_demo
            from bot.demo_chat import DemoError

            try:
                return asyncio.run(
                    run_demo(settings, args.data.absolute(), args.catalog, serve=args.serve)
                )
            except DemoError as exc:
                raise CliError(str(exc)) from exc
    except (CliError, ConfigError, CatalogError, DatabaseError, NoCampaignError) as exc:
        print(f"deputy-bot: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
