"""`deputy-bot tally`: headline figures and breakdowns for a period."""

from __future__ import annotations

import argparse
import html
import json
import re
from datetime import date
from typing import Any

from bot.bootstrap import open_services
from bot.cli_args import WithConfig, add_days, add_lang
from bot.config import Settings
from bot.errors import CliError
from bot.overview import all_campaigns, overview_json, render_overview
from bot.tally import Period, PeriodError, compute_tally, parse_day, render_tally, tally_json
from bot.texts import Texts

_TAG = re.compile(r"</?(?:b|i|code|a)(?:\s[^<>]*)?>")


def add_parser(sub: Any, with_config: WithConfig) -> None:
    parser = sub.add_parser(
        "tally",
        help="headline figures and breakdowns for a period",
        description="Headline figures (groups, deputies, problems, suggestions, the satisfaction "
        "rate of the units' answers) and breakdowns by project, sub-item, lead unit, category, "
        "group and status, the deputies' votes by rating, the answers by class (A/B/C) and each lead "
        "unit's figures (received, signed and answered on time, closed, satisfaction, extensions, "
        "escalations, returns; README defines them). Dates "
        "are local dates in the campaign's time zone, both included; without them, the whole "
        "campaign.",
    )
    with_config(parser)
    add_days(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of the report")
    parser.add_argument(
        "--all-campaigns",
        action="store_true",
        help="the city overview: every served campaign's counts, rates and overdue items",
    )
    add_lang(parser, "report")


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return parse_day(text)
    except PeriodError as exc:
        raise CliError(f"{option} {text!r}: expected a date like 2025-06-01") from exc


def plain(message: str) -> str:
    """A Telegram HTML message as terminal text."""
    return html.unescape(_TAG.sub("", message))


async def run(settings: Settings, args: argparse.Namespace) -> int:
    first, last = _day(args.first, "--from"), _day(args.last, "--to")
    try:
        period = Period(first, last)
    except PeriodError as exc:
        raise CliError(f"--from {first} is after --to {last}") from exc
    services = await open_services(settings)
    try:
        if args.all_campaigns:
            rows = await all_campaigns(services, period, now=services.clock.now())
        else:
            tally = await compute_tally(services, period, now=services.clock.now())
    finally:
        await services.close()
    if args.all_campaigns:
        if args.json:
            print(json.dumps(overview_json(rows), ensure_ascii=False, indent=2))
        else:
            print(plain("\n".join(render_overview(rows, Texts(args.lang)))))
        return 0
    if args.json:
        print(json.dumps(tally_json(tally), ensure_ascii=False, indent=2))
    else:
        print("\n".join(plain(part) for part in render_tally(tally, Texts(args.lang))))
    return 0
