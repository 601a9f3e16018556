"""Exporting the problem-and-suggestion list: Excel, CSV, the formal letter, the photo archive.

One entry point for the chat and the command line. A worker thread reads the rows in batches
through its own read-only connection and writes each batch before reading the next, so a
100,000-row export holds one batch in memory and never blocks the event loop (other users' updates
go on). The file is written under a temporary name and renamed at the end: a failed or cancelled
export never leaves a half-written file under the name asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import functools
import logging
import os
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.items import Kind
from bot.letter import LetterFacts, LetterWriter
from bot.listing import (
    BATCH_ROWS,
    DATA_KEYS,
    FORMATS,
    PHOTO_KEY,
    Format,
    ListFilter,
    ListLabels,
    ListRow,
    local_today,
)
from bot.photo_zip import PhotoZipWriter
from bot.query_ports import ListRows
from bot.services import Services
from bot.tally_period import Period
from bot.texts import Texts
from bot.unit_figures import load_unit_figures
from bot.xlsx_export import XlsxListWriter

log = logging.getLogger(__name__)

Progress = Callable[[int, int], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    rows: int  # items in the file: on the list, or (zip) with photos in the archive
    problems: int
    suggestions: int
    photos: int  # photos in the archive (zip), thumbnails are not counted
    bytes: int
    listed: int  # items on the list the filters chose (a zip holds those of them with photos)


class _Writer(Protocol):
    def add(self, batch: list[Any]) -> None: ...

    def close(self) -> None: ...


class CsvListWriter:
    """The workbook's columns (without the thumbnail, with the kind) as UTF-8 CSV with a BOM."""

    def __init__(self, path: Path, labels: ListLabels) -> None:
        self.labels = labels
        columns = [c for c in labels.columns.values() if c.key != PHOTO_KEY]
        self.sources = [DATA_KEYS.index(c.key) for c in columns]
        # utf-8-sig: without the BOM, Excel and WPS on Chinese Windows show UTF-8 as mojibake.
        self.file = path.open("w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.file)
        self.writer.writerow([c.header for c in columns])
        self.seq = 0

    def add(self, rows: list[ListRow]) -> None:
        labels = self.labels
        sources = self.sources
        out = []
        for row in rows:
            self.seq += 1
            cells = labels.cells(row, self.seq, labels.light_of(row))
            out.append([_csv_text(cells[i]) for i in sources])
        self.writer.writerows(out)

    def close(self) -> None:
        self.file.close()

    def abort(self) -> None:
        self.file.close()


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def file_title(texts: Texts) -> str:
    return texts("export.file_title")


def suggested_name(texts: Texts, fmt: Format, today: date) -> str:
    """What the file is called for the person who receives it."""
    stem = texts("export.photos_title") if fmt == "zip" else file_title(texts)
    return f"{stem}-{today.isoformat()}.{fmt}"


class _Progress:
    """Progress from the worker thread, reported on the event loop: in order, never piling up.

    The thread only posts the latest count; one task on the loop awaits the callback (a chat
    message edit, say) and then reports whatever count is latest by then. A slow callback
    therefore skips counts instead of queueing them, and never slows the writing.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop, callback: Progress | None, total: int
    ) -> None:
        self.loop = loop
        self.callback = callback
        self.total = total
        self.latest = 0
        self.reported = 0
        self.task: asyncio.Task[None] | None = None

    def post(self, done: int) -> None:
        """Called from the worker thread after each batch."""
        if self.callback is not None:
            self.loop.call_soon_threadsafe(self._update, done)

    def _update(self, done: int) -> None:
        self.latest = max(self.latest, done)
        if self.task is None or self.task.done():
            self.task = self.loop.create_task(self._report())

    async def _report(self) -> None:
        assert self.callback is not None
        while self.reported < self.latest:
            self.reported = self.latest
            try:
                await self.callback(self.reported, max(self.total, self.reported))
            except Exception:
                # Progress is a courtesy: a failed message edit must not fail the export.
                log.warning("Export progress report failed", exc_info=True)
                return

    async def drain(self) -> None:
        if self.task is not None:
            await self.task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()


@dataclass(frozen=True, slots=True)
class _Job:
    """Everything the worker thread needs; nothing in it belongs to the event loop."""

    fmt: Format
    open_reader: Callable[[], ListRows]
    campaign_id: int
    filters: ListFilter
    zone: ZoneInfo
    batch: int
    partial: Path
    out: Path
    make_writer: Callable[[], _Writer]


@dataclass(frozen=True, slots=True)
class _Written:
    kinds: dict[Kind, int]  # items written (zip: items with photos written)
    photos: int
    bytes: int


class _Stopped(Exception):
    """The export was cancelled; the worker thread cleans up and leaves."""


def _write(job: _Job, progress: _Progress, stop: threading.Event) -> _Written:
    """In the worker thread: read batches, write them, close, rename into place."""
    kinds = dict.fromkeys(Kind, 0)
    done = 0
    writer: _Writer | None = None
    try:
        writer = job.make_writer()
        with job.open_reader() as reader:
            batches: Iterator[list[Any]]
            if job.fmt == "zip":
                batches = reader.photos(job.campaign_id, job.filters, job.zone, batch=job.batch)
            else:
                batches = reader.rows(job.campaign_id, job.filters, job.zone, batch=job.batch)
            for found in batches:
                if stop.is_set():
                    raise _Stopped
                writer.add(found)
                done += len(found)
                for row in found:
                    if isinstance(row, ListRow):
                        kinds[row.kind] += 1
                progress.post(done)
        writer.close()
        os.replace(job.partial, job.out)
        size = job.out.stat().st_size
    except BaseException:
        abort = getattr(writer, "abort", None) if writer is not None else None
        if abort is not None:
            with contextlib.suppress(Exception):
                abort()
        job.partial.unlink(missing_ok=True)
        raise
    if isinstance(writer, PhotoZipWriter):
        return _Written(writer.items, writer.written, size)
    return _Written(kinds, 0, size)


async def export_list(
    services: Services,
    fmt: Format,
    out: Path,
    filters: ListFilter,
    *,
    language: str = "zh",
    progress: Progress | None = None,
    letter_number: int = 1,
    now: datetime,
    batch: int = BATCH_ROWS,
) -> ExportResult:
    """Write the list as `fmt` to `out`; `progress(done, total)` is awaited as batches are written.

    Reading and writing both happen in one worker thread; the event loop only counts beforehand
    and relays progress, so other users' updates go on undisturbed.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    settings = services.settings
    zone = settings.zone
    texts = Texts(language)
    labels = ListLabels(texts, zone, now, settings.deadlines.due_soon_days)
    repo = services.lists
    campaign_id = services.campaign.id
    counts = await repo.count(campaign_id, filters, zone)
    items = sum(counts.values())
    photos_root = services.store.root
    partial = out.with_name(f".{out.name}.part")

    make_writer: Callable[[], _Writer]
    if fmt == "zip":
        total = await repo.count_photos(campaign_id, filters, zone)
        make_writer = functools.partial(PhotoZipWriter, partial, photos_root)
    else:
        total = items
        if fmt == "xlsx":
            make_writer = functools.partial(
                XlsxListWriter,
                partial,
                labels,
                photos_root=photos_root,
                title=file_title(texts),
                # The list's title as the letter's attachment names it, on every printed page.
                print_title=texts("export.letter.annex_title", campaign=services.campaign.name),
                # Each lead unit's figures over the list's dates (README: per-unit figures).
                units=tuple(
                    await load_unit_figures(
                        services, *Period(filters.date_from, filters.date_to).bounds(zone), now
                    )
                ),
            )
        elif fmt == "csv":
            make_writer = functools.partial(CsvListWriter, partial, labels)
        else:
            issued_on = local_today(zone, now)
            letter = settings.letter
            facts = LetterFacts(
                issuer=letter.issuer,
                recipient=letter.recipient,
                signature=letter.signature,
                contact=letter.contact,
                number=texts(
                    "export.letter.number",
                    prefix=letter.number_prefix,
                    year=issued_on.year,
                    n=letter_number,
                ),
                campaign=services.campaign.name,
                answer_months=settings.deadlines.answer_months,
                issued_on=issued_on,
            )
            make_writer = functools.partial(
                LetterWriter, partial, labels, facts, title=file_title(texts)
            )

    job = _Job(
        fmt=fmt,
        open_reader=repo.reader,
        campaign_id=campaign_id,
        filters=filters,
        zone=zone,
        batch=batch,
        partial=partial,
        out=out,
        make_writer=make_writer,
    )
    reporter = _Progress(asyncio.get_running_loop(), progress, total)
    stop = threading.Event()
    try:
        written = await asyncio.to_thread(_write, job, reporter, stop)
    except asyncio.CancelledError:
        # The thread cannot be interrupted; it stops after its batch and removes its file.
        stop.set()
        reporter.cancel()
        raise
    await reporter.drain()

    problems, suggestions = written.kinds[Kind.PROBLEM], written.kinds[Kind.SUGGESTION]
    result = ExportResult(
        path=out,
        rows=problems + suggestions,
        problems=problems,
        suggestions=suggestions,
        photos=written.photos,
        bytes=written.bytes,
        # The count taken before writing; rows written may differ if items came or went since.
        listed=items if fmt == "zip" else problems + suggestions,
    )
    log.info(
        "Exported %s: %d items, %d photos, %d bytes", fmt, result.rows, result.photos, result.bytes
    )
    return result
