"""`deputy-bot backup`: a consistent online copy of the database while the bot runs."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli_args import command
from bot.config import Settings
from bot.errors import CliError
from storage.backup import BackupError, PhotoFiles, backup_database, photo_files


@command("backup", help="copy the database consistently while the bot runs")
def backup_command(parser: argparse.ArgumentParser) -> None:
    """Copy the database with SQLite's online backup API, from a read-only connection, while the
    bot keeps running; the copy is checked with PRAGMA integrity_check. Photos are files in the
    data folder: copy them as well, afterwards."""
    parser.add_argument("--out", type=Path, required=True, metavar="FILE", help="the copy to write")
    parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists already")


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


async def run(settings: Settings, args: argparse.Namespace) -> int:
    out: Path = args.out
    source = settings.storage.database_path
    try:
        # sqlite3 blocks while it copies; a thread keeps the event loop free (nothing else runs
        # in this process, but the same function is called by tests next to a running bot).
        report = await asyncio.to_thread(backup_database, source, out, force=args.force)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    photos: PhotoFiles = await asyncio.to_thread(photo_files, settings.storage.photos_dir)
    counts = report.counts
    print(f"Backup of {source} written to {out}")
    print(
        f"  size {_size(report.size_bytes)} ({report.page_count} pages of {report.page_size} "
        f"bytes), integrity {report.integrity}, {report.seconds:.2f} s"
    )
    print(
        f"  items {counts.get('items', 0)}, persons {counts.get('persons', 0)}, "
        f"photos {counts.get('photos', 0)}"
    )
    print(
        f"Photos are files: copy {photos.root} as well, e.g. rsync -a {photos.root}/ "
        f"<backup folder>/photos/ ({photos.files} files, {_size(photos.size_bytes)}); copying it "
        "after the database keeps every photo the copy refers to."
    )
    return 0
