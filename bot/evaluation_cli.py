"""`deputy-bot evaluation`: a closed evaluation round's results as XLSX or DOCX (by the extension)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path

from bot.bootstrap import opened_services
from bot.cli_args import add_lang, command
from bot.config import Settings
from bot.errors import CliError
from bot.evaluation_files import write_docx, write_xlsx
from bot.services import Services
from bot.texts import Texts
from bot.usecases.evaluation import round_results

_WRITERS = {".xlsx": write_xlsx, ".docx": write_docx}


@command("evaluation", help="the results of a satisfaction evaluation round (XLSX or DOCX)")
def evaluation_command(parser: argparse.ArgumentParser) -> None:
    """Per project the votes 满意 / 基本满意 / 不满意, the rate (满意 + 基本满意) / votes and the
    verdict, with the voters' anonymous comments, of the latest closed round (or --round N). The
    file's extension chooses the format: .xlsx or .docx."""
    parser.add_argument("--out", required=True, type=Path, help="the file to write")
    parser.add_argument("--round", type=int, help="the round's number (default: the latest closed)")
    add_lang(parser, "file")


def _writer(out: Path) -> Callable[..., None]:
    writer = _WRITERS.get(out.suffix.lower())
    if writer is None:
        raise CliError(f"--out {out}: the file must end in .xlsx or .docx")
    return writer


async def run(settings: Settings, args: argparse.Namespace) -> int:
    _writer(args.out)  # a wrong extension is told before the database is opened
    async with opened_services(settings) as services:
        projects, number = await write_results(services, args.out, args.round, args.lang)
    print(f"{args.out}: {projects} projects, round {number}")
    return 0


async def write_results(
    services: Services, out: Path, round_number: int | None = None, language: str = "zh"
) -> tuple[int, int]:
    """Write a closed round's results (the latest closed one unless `round_number`) to `out`,
    XLSX or DOCX by its extension; returns the number of projects and the round's. The CLI and
    the demo both use it."""
    writer = _writer(out)
    store, campaign = services.evaluation, services.campaign
    if round_number is not None:
        round_ = await store.round(campaign.id, round_number)
        if round_ is None:
            raise CliError(f"--round {round_number}: no such evaluation round")
    else:
        round_ = await store.latest_round(campaign.id, closed=True)
        if round_ is None:
            raise CliError("no evaluation round has been closed yet")
    if round_.open:
        raise CliError(
            f"evaluation round {round_.id} is still open (until {round_.deadline}); "
            "its results come when it closes"
        )
    results = await round_results(services, round_)
    await asyncio.to_thread(writer, out, results, Texts(language), campaign.name)
    return len(results.projects), round_.id
