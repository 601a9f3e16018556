"""`deputy-bot posters`: the sites' check-in QR posters as a Word document, one page per site."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.bootstrap import opened_services
from bot.cli_args import add_language, command, out_file
from bot.config import Settings
from bot.errors import CliError, Refused
from bot.texts import Texts


@command("posters", help="print the sites' check-in QR codes (DOCX, one page per site)")
def posters_command(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, help="file to write (.docx)")
    parser.add_argument("--project", help="only this project's sites (its code, e.g. C01)")
    add_language(parser, "pages")


async def run(settings: Settings, args: argparse.Namespace, bot_username: str) -> int:
    """Write the posters; the links open @bot_username (the CLI asks for it first)."""
    out = out_file(args.out)
    # python-docx and segno load only for this command (bot/posters.py imports them late).
    from bot.posters import write_posters

    async with opened_services(settings) as services:
        project_id = None
        if args.project is not None:
            projects = await services.catalog.projects(services.campaign.id)
            found = [p for p in projects if p.code.casefold() == args.project.casefold()]
            if not found:
                codes = ", ".join(p.code for p in projects)
                raise CliError(f"--project {args.project!r}: no such project (known: {codes})")
            project_id = found[0].id
        try:
            result = await write_posters(
                services,
                out,
                bot_username=bot_username,
                project_id=project_id,
                language=args.language or settings.i18n.default_language,
            )
        except Refused as refused:
            raise CliError(Texts("en")(refused.key, **refused.params)) from refused
    print(f"Wrote {result.path} ({result.bytes} bytes): {result.pages} sites, one page each")
    print(f"  the codes open https://t.me/{bot_username}?start=site_<site code>")
    return 0
