"""A consistent copy of the live database, made while the bot keeps running.

SQLite's online backup API copies the database page by page from a read-only connection. If
another connection writes between two steps, SQLite starts the copy again, so what ends up in
the file is always the database as it was at one instant: no half-written item, no event
without its item. Small steps keep each read short, so the bot's writes are never held up for
long (with WAL they are not blocked at all; the steps only bound the work done per lock).

Photos are files beside the database, not rows in it; they are listed here but copied by the
operator (rsync), after the database, so every photo the copy refers to already exists.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bot.photostore import TMP_PREFIX

log = logging.getLogger(__name__)

PAGES_PER_STEP = 1024
# A bot writing without pause could make the copy restart forever; past this, give up clearly.
DEFAULT_TIMEOUT_SECONDS = 600.0
COUNTED_TABLES = ("items", "persons", "photos")


class BackupError(Exception):
    """The copy cannot be made (or is not sound); the message says why, for the operator."""


@dataclass(frozen=True, slots=True)
class BackupReport:
    path: Path
    size_bytes: int
    page_size: int
    page_count: int
    integrity: str
    counts: dict[str, int]
    seconds: float
    steps: int
    restarts: int


@dataclass(frozen=True, slots=True)
class PhotoFiles:
    root: Path
    files: int
    size_bytes: int


Progress = Callable[[int, int], None]


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot change the live database, whatever goes wrong in the copy."""
    if not path.is_file():
        raise BackupError(f"no database at {path}")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot read the database {path}: {exc}") from exc
    return conn


def _partial(target: Path) -> Path:
    return target.with_name(f".{target.name}.partial")


def check_target(target: Path, *, force: bool) -> None:
    """Refuse what would lose data or fail half-way: an existing file, a missing folder."""
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give a file name")
    if target.exists() and not force:
        raise BackupError(f"{target} already exists (use --force to overwrite it)")


def backup_database(
    source: Path,
    target: Path,
    *,
    force: bool = False,
    pages_per_step: int = PAGES_PER_STEP,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    progress: Progress | None = None,
) -> BackupReport:
    """Copy `source` (in use by the bot) to `target`, check the copy, and describe it.

    The copy is written beside the target under a hidden name and renamed only once it passed
    `PRAGMA integrity_check`, so `target` is either the old file or a complete, sound copy.
    """
    if pages_per_step < 1:
        raise ValueError("pages_per_step must be at least 1")
    if target.resolve() == source.resolve():
        raise BackupError(f"{target} is the live database itself; choose another file")
    check_target(target, force=force)
    partial = _partial(target)
    partial.unlink(missing_ok=True)
    started = time.monotonic()
    steps = restarts = 0
    last_remaining: int | None = None

    def on_step(status: int, remaining: int, total: int) -> None:
        nonlocal steps, restarts, last_remaining
        steps += 1
        # A step that went through copies pages, so the remaining count only stops falling when
        # a write made SQLite start over (a busy step copies nothing and is no restart).
        if (
            status == sqlite3.SQLITE_OK
            and last_remaining is not None
            and remaining >= last_remaining
        ):
            restarts += 1
        last_remaining = remaining
        if progress is not None:
            progress(total - remaining, total)
        if time.monotonic() - started > timeout_seconds:
            # Raising here makes sqlite3 abandon the backup.
            raise BackupError(
                f"the database kept changing for {timeout_seconds:g} s ({restarts} restarts); "
                "try again at a quieter moment"
            )

    try:
        with closing(_read_only(source)) as src, closing(sqlite3.connect(partial)) as dst:
            try:
                src.backup(dst, pages=pages_per_step, progress=on_step)
            except sqlite3.Error as exc:
                raise BackupError(f"the copy failed: {exc}") from exc
            # The live database is in WAL mode; a backup is easier to move around as one file.
            dst.execute("PRAGMA journal_mode = DELETE")
            integrity = str(dst.execute("PRAGMA integrity_check").fetchone()[0])
            if integrity != "ok":
                raise BackupError(f"the copy failed its integrity check: {integrity}")
            page_size = int(dst.execute("PRAGMA page_size").fetchone()[0])
            page_count = int(dst.execute("PRAGMA page_count").fetchone()[0])
            counts = _counts(dst)
        _fsync(partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    seconds = time.monotonic() - started
    log.info(
        "Backup written: %s pages in %s steps, %s restarts, %.2f s",
        page_count,
        steps,
        restarts,
        seconds,
    )
    return BackupReport(
        path=target,
        size_bytes=target.stat().st_size,
        page_size=page_size,
        page_count=page_count,
        integrity=integrity,
        counts=counts,
        seconds=seconds,
        steps=steps,
        restarts=restarts,
    )


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    present = {
        str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    return {
        table: int(conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])
        for table in COUNTED_TABLES
        if table in present
    }


def _fsync(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def photo_files(root: Path) -> PhotoFiles:
    """How many photo files (and bytes) the operator has to copy besides the database."""
    files = size = 0
    if root.is_dir():
        for folder, _dirs, names in os.walk(root):
            for name in names:
                if name.startswith(TMP_PREFIX):
                    continue  # a photo being written right now
                try:
                    size += (Path(folder) / name).stat().st_size
                except FileNotFoundError:
                    continue
                files += 1
    return PhotoFiles(root, files, size)
