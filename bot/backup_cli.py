"""`deputy-bot backup`: a consistent online copy of the database while the bot runs."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from bot.config import Settings
from bot.errors import CliError

WithConfig = Callable[[argparse.ArgumentParser], None]


def add_parser(sub: Any, with_config: WithConfig) -> None:
    parser = sub.add_parser("backup", help="copy the database consistently while the bot runs")
    with_config(parser)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    raise CliError("not implemented yet")
