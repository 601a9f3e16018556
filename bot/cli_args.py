"""What the command line's modules (bot/*_cli.py) share: how a sub-command is declared (and the
hook that adds the config options), the --lang and --from/--to options (and the period they give)
and the check of the file to write.

No store and no entry point is imported here, so any CLI module may use it (tests/test_layers.py).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.errors import CliError
from bot.tally_period import Period, PeriodError, parse_day
from bot.texts import LANGUAGES

# bot/__main__.py's hook: it adds --config to a command's parser.
WithConfig = Callable[[argparse.ArgumentParser], None]
# A sub-command's own options, added to its parser.
Options = Callable[[argparse.ArgumentParser], None]


@dataclass(frozen=True, slots=True)
class Command:
    """A sub-command's parser: its name, its line in `deputy-bot --help`, and the function that
    adds its own options, whose docstring is what `deputy-bot NAME --help` describes it with."""

    name: str
    help: str
    options: Options

    def add_to(self, sub: Any, with_config: WithConfig) -> None:
        """Add the sub-command to `sub`: --config and --campaign first, then its own options."""
        parser = sub.add_parser(self.name, help=self.help, description=self.options.__doc__)
        with_config(parser)
        self.options(parser)


def command(name: str, help: str) -> Callable[[Options], Command]:
    """`@command(name, help=...)` over the function that adds a sub-command's options declares
    the sub-command (bot/__main__.py adds it to the parser)."""
    return lambda options: Command(name, help, options)


def add_lang(parser: argparse.ArgumentParser, of: str) -> None:
    """--lang for a document written in Chinese unless told (args.lang)."""
    parser.add_argument(
        "--lang", choices=LANGUAGES, default="zh", help=f"language of the {of} (default: zh)"
    )


def add_language(parser: argparse.ArgumentParser, of: str) -> None:
    """--lang/--language for a file in the configured language unless told (args.language)."""
    parser.add_argument(
        "--lang",
        "--language",
        dest="language",
        choices=LANGUAGES,
        default=None,
        help=f"language of the {of} (default: the configured one)",
    )


def add_days(parser: argparse.ArgumentParser) -> None:
    """--from/--to, the period's first and last day (args.first, args.last; either may be left
    open)."""
    parser.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help="first day")
    parser.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help="last day")


def period_of(args: argparse.Namespace) -> Period:
    """add_days' --from/--to as a Period (either end may be left open: the whole campaign when
    both are), each bad day and a reversed pair told apart."""
    first, last = _day(args.first, "--from"), _day(args.last, "--to")
    try:
        return Period(first, last)
    except PeriodError as exc:
        raise CliError(f"--from {first} is after --to {last}") from exc


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return parse_day(text)
    except PeriodError as exc:
        raise CliError(f"{option} {text!r}: expected a date like 2025-06-01") from exc


def out_file(path: Path) -> Path:
    """--out names a file in a folder that exists: told before the database is opened."""
    if path.is_dir():
        raise CliError(
            f"--out {path} is a folder; name the file to write, e.g. {path / 'list.xlsx'}"
        )
    if not path.parent.is_dir():
        raise CliError(f"--out {path}: the folder {path.parent} does not exist")
    return path
