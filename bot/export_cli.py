"""`deputy-bot export`: export the problem-and-suggestion list (xlsx, csv, docx, zip)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import cast

from bot.bootstrap import opened_services
from bot.cli_args import add_language, command, out_file
from bot.config import Settings
from bot.errors import CliError
from bot.items import Status
from bot.listing import FORMATS, Format, ListFilter
from bot.services import Services


@command("export", help="export the problem-and-suggestion list (xlsx, csv, docx, zip)")
def export_command(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", required=True, choices=FORMATS, help="file format")
    parser.add_argument("--out", required=True, type=Path, help="file to write")
    parser.add_argument("--from", dest="date_from", help="first submission day, YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", help="last submission day, YYYY-MM-DD")
    parser.add_argument("--project", help="project code, e.g. C01")
    parser.add_argument("--group", help="supervision group code, e.g. G01")
    parser.add_argument("--unit", help="lead unit code, e.g. health")
    parser.add_argument(
        "--status",
        action="append",
        default=[],
        help="only items in this status (repeatable; default: all but withdrawn, merged, declined)",
    )
    parser.add_argument(
        "--letter-number", type=int, default=1, help="the letter's number n in 〔year〕n号 (docx)"
    )
    add_language(parser, "headers and letter")


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CliError(f"{option} {value!r}: expected a date like 2020-06-30") from exc


def _statuses(values: list[str]) -> tuple[Status, ...]:
    known = [s.value for s in Status if s is not Status.DRAFT]
    statuses = []
    for value in values:
        if value not in known:
            raise CliError(f"--status {value!r}: expected one of {', '.join(known)}")
        statuses.append(Status(value))
    return tuple(statuses)


async def _check_codes(services: Services, filters: ListFilter) -> None:
    campaign_id = services.campaign.id
    catalog = services.catalog
    if filters.project is not None:
        codes = [p.code for p in await catalog.projects(campaign_id)]
        if filters.project not in codes:
            raise CliError(
                f"--project {filters.project!r}: no such project (known: {', '.join(codes)})"
            )
    if (
        filters.group is not None
        and await catalog.group_by_code(campaign_id, filters.group) is None
    ):
        codes = [g.code for g in await catalog.groups(campaign_id)]
        raise CliError(f"--group {filters.group!r}: no such group (known: {', '.join(codes)})")
    if filters.unit is not None and await catalog.unit_by_code(campaign_id, filters.unit) is None:
        codes = [u.code for u in await catalog.units(campaign_id)]
        raise CliError(f"--unit {filters.unit!r}: no such unit (known: {', '.join(codes)})")


def _filters(args: argparse.Namespace) -> ListFilter:
    date_from = _date(args.date_from, "--from")
    date_to = _date(args.date_to, "--to")
    if date_from is not None and date_to is not None and date_from > date_to:
        raise CliError(f"--from {date_from} is after --to {date_to}")
    return ListFilter(
        date_from=date_from,
        date_to=date_to,
        project=args.project,
        group=args.group,
        unit=args.unit,
        statuses=_statuses(args.status),
    )


async def run(settings: Settings, args: argparse.Namespace) -> int:
    filters = _filters(args)
    out = out_file(args.out)
    if args.letter_number < 1:
        raise CliError("--letter-number must be 1 or more")
    fmt = cast(Format, args.format)
    # XlsxWriter and python-docx load only for this command, not for every start of the CLI.
    from bot.exports import export_list

    async with opened_services(settings) as services:
        await _check_codes(services, filters)
        result = await export_list(
            services,
            fmt,
            out,
            filters,
            language=args.language or settings.i18n.default_language,
            letter_number=args.letter_number,
            now=services.clock.now(),
        )
    print(f"Wrote {result.path} ({result.bytes} bytes)")
    if fmt == "zip":
        print(
            f"  {result.photos} photos of {result.rows} items ({result.problems} problems, "
            f"{result.suggestions} suggestions); {result.listed} items listed"
        )
    else:
        print(
            f"  {result.rows} items: {result.problems} problems, {result.suggestions} suggestions"
        )
    return 0
