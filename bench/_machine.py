"""Where the benchmarks run and how they report: the machine, headers, goals, medians, a cold
page cache."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import PIL

ROOT = Path(__file__).resolve().parent.parent
ZONE = ZoneInfo("Asia/Shanghai")
YEAR = 2020  # the example catalog's year

# --- the machine -----------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    """One line saying where a figure was measured (load average included: 2 cores are shared)."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} CPUs ({cpu_model()}), Linux {platform.release()}, "
        f"Python {platform.python_version()}, Pillow {PIL.__version__}, "
        f"SQLite {sqlite3.sqlite_version}; load average {load}"
    )


def header(title: str) -> None:
    """Title, machine and the command that produced what follows."""
    print(f"== {title}")
    print(machine())
    module = f"bench.{Path(sys.argv[0]).stem}"
    print(f"command: .venv/bin/python -m {' '.join([module, *sys.argv[1:]])}", flush=True)


def campaign_parser(module: str, doc: str) -> argparse.ArgumentParser:
    """The command line of a benchmark on a built campaign: --quick for CI, --items to size it."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds (CI)")
    parser.add_argument("--items", type=int, default=0, help="items in the campaign")
    return parser


def run_main(
    parser: argparse.ArgumentParser,
    run: Callable[[argparse.Namespace], Coroutine[object, object, None]],
    argv: list[str] | None,
) -> int:
    """A benchmark's command line: its arguments read, the run on its own event loop, 0."""
    asyncio.run(run(parser.parse_args(argv)))
    return 0


def api_parser(module: str, doc: str, quick: str) -> argparse.ArgumentParser:
    """The command line of a benchmark against the local Bot API: --quick (what it does, in
    `quick`) for CI, --delay for the API's latency."""
    parser = argparse.ArgumentParser(prog=module, description=doc.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds per API call (0.1)")
    return parser


def sized_args(
    parser: argparse.ArgumentParser, argv: list[str] | None, **sizes: tuple[int, int]
) -> argparse.Namespace:
    """The arguments of an api_parser, each size not given set to its (quick, full) default;
    sizes below 1 and a negative delay are refused."""
    args = parser.parse_args(argv)
    for name, (quick, full) in sizes.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if any(getattr(args, name) < 1 for name in sizes) or args.delay < 0:
        parser.error(f"{' and '.join(sizes)} must be positive, delay not negative")
    return args


def goal(met: bool, text: str) -> None:
    print(f"{'GOAL MET' if met else 'GOAL MISSED'}: {text}", flush=True)


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def evict(path: Path) -> bool:
    """Drop a file's pages from the page cache (cold-cache figures without touching others').

    Only this file's clean pages go; nothing system-wide like drop_caches. False where the OS
    has no posix_fadvise.
    """
    if not hasattr(os, "posix_fadvise") or not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    return True
