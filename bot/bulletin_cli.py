"""`deputy-bot bulletin` (the monthly bulletin, or the half-year report with --from/--to) and
`deputy-bot group-report` (a group's written supervision report, a draft): Word documents for the
operator, who has the database itself and so is not checked (the chat's doors are)."""

from __future__ import annotations

import argparse
import asyncio
import re
from datetime import date
from pathlib import Path

from bot.bootstrap import opened_services
from bot.bulletin_docx import cjk_font, render_bulletin
from bot.cli_args import add_days, add_lang, command, period_of
from bot.config import Settings
from bot.errors import CliError
from bot.group_report_docx import render_group_report
from bot.photostore import write_atomically
from bot.services import Services
from bot.tally_period import Period, PeriodError
from bot.texts import Texts
from bot.usecases import bulletin, group_report

_MONTH = re.compile(r"\d{4}-\d{1,2}")


@command(
    "bulletin",
    help="the monthly supervision bulletin (or the half-year report) as a Word document",
)
def bulletin_command(parser: argparse.ArgumentParser) -> None:
    """Progress of every project and sub-item against its targets (with traffic lights and a
    chart), the items raised, forwarded, answered and closed in the period, overdue answers by
    unit, satisfaction so far and coverage. --month 2025-07 for a month (default: the past month);
    --from 2025-01-01 --to 2025-06-30 for the half-year report."""
    _common(parser)
    parser.add_argument("--month", metavar="YYYY-MM", help="the month (default: the past month)")


@command(
    "group-report",
    help="a group's written supervision report (a draft to edit) as a Word document",
)
def group_report_command(parser: argparse.ArgumentParser) -> None:
    """What the group did (visits, deputies, sites), what it found (by category and project), how
    units answered and deputies rated, its projects' progress and the points still open, for the
    period (default: the whole campaign)."""
    _common(parser)
    parser.add_argument("--group", required=True, metavar="CODE", help="the group's code (G01)")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, help="the .docx file to write")
    add_days(parser)
    add_lang(parser, "document")


def _period(args: argparse.Namespace, today: date, default: Period) -> Period:
    """--month alone, or --from/--to (either may be left open), or the default."""
    month = getattr(args, "month", None)
    if month is None:
        period = period_of(args)
        return default if period == Period() else period
    if args.first or args.last:
        raise CliError("--month goes alone, without --from/--to")
    if not _MONTH.fullmatch(month):
        raise CliError(f"--month {month!r}: expected a month like 2025-07")
    try:
        return Period.parse([month], today)
    except PeriodError as exc:
        raise CliError(f"not a period: {exc}") from exc


async def write_bulletin(services: Services, period: Period, out: Path, language: str) -> int:
    """The bulletin for the period, as `deputy-bot bulletin --out` writes it; its projects."""
    found = await bulletin.gather(services, period, now=services.clock.now())
    data = await asyncio.to_thread(render_bulletin, found, Texts(language), cjk_font())
    await asyncio.to_thread(write_atomically, out, data)
    return len(found.board.projects)


async def write_group_report(
    services: Services, group_code: str, period: Period, out: Path, language: str
) -> int:
    """A group's report draft for the period, as `deputy-bot group-report` writes it; its items."""
    group = await group_report.find_group(services, group_code)
    if group is None:
        raise CliError(f"--group {group_code}: no such group in the campaign")
    found = await group_report.gather(services, group, period, now=services.clock.now())
    data = await asyncio.to_thread(render_group_report, found, Texts(language))
    await asyncio.to_thread(write_atomically, out, data)
    return found.problems + found.suggestions


async def run_bulletin(settings: Settings, args: argparse.Namespace) -> int:
    out: Path = _docx(args.out)
    async with opened_services(settings) as services:
        today = services.clock.now().astimezone(settings.zone).date()
        period = _period(args, today, bulletin.previous_month(today))
        if period.first is None or period.last is None:
            raise CliError("the bulletin needs both --from and --to (or --month)")
        projects = await write_bulletin(services, period, out, args.lang)
    print(f"{out}: bulletin {period.first} - {period.last}, {projects} projects")
    return 0


async def run_group_report(settings: Settings, args: argparse.Namespace) -> int:
    out: Path = _docx(args.out)
    async with opened_services(settings) as services:
        today = services.clock.now().astimezone(settings.zone).date()
        items = await write_group_report(
            services, args.group, _period(args, today, Period()), out, args.lang
        )
    print(f"{out}: group report of {args.group}, {items} items")
    return 0


def _docx(out: Path) -> Path:
    if out.suffix.lower() != ".docx":
        raise CliError(f"--out {out}: the file must end in .docx")
    return out
