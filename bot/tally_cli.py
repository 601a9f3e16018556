"""`deputy-bot tally`: headline figures and breakdowns for a period."""

from __future__ import annotations

import argparse
import html
import json
import re

from bot.bootstrap import opened_services
from bot.cli_args import add_days, add_lang, command, period_of
from bot.config import Settings
from bot.overview import all_campaigns, overview_json, render_overview
from bot.tally import compute_tally, render_tally, tally_json
from bot.texts import Texts

_TAG = re.compile(r"</?(?:b|i|code|a)(?:\s[^<>]*)?>")


@command("tally", help="headline figures and breakdowns for a period")
def tally_command(parser: argparse.ArgumentParser) -> None:
    """Headline figures (groups, deputies, problems, suggestions, the satisfaction rate of the
    units' answers) and breakdowns by project, sub-item, lead unit, category, group and status,
    the deputies' votes by rating, the answers by class (A/B/C) and each lead unit's figures
    (received, signed and answered on time, closed, satisfaction, extensions, escalations,
    returns; README defines them). Dates are local dates in the campaign's time zone, both
    included; without them, the whole campaign."""
    add_days(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of the report")
    parser.add_argument(
        "--all-campaigns",
        action="store_true",
        help="the city overview: every served campaign's counts, rates and overdue items",
    )
    add_lang(parser, "report")


def plain(message: str) -> str:
    """A Telegram HTML message as terminal text."""
    return html.unescape(_TAG.sub("", message))


async def run(settings: Settings, args: argparse.Namespace) -> int:
    period = period_of(args)
    async with opened_services(settings) as services:
        if args.all_campaigns:
            rows = await all_campaigns(services, period, now=services.clock.now())
        else:
            tally = await compute_tally(services, period, now=services.clock.now())
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
