"""A large list: written in batches with progress from a worker thread while the event loop
stays free, and no file left behind when the export fails or is cancelled.

Items are made through the same repository calls the conversations use. Statuses beyond
"submitted", answers, ratings and look-backs are written straight into the database here (the
state machine that makes them is built elsewhere); each such shortcut says so where it is taken.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import openpyxl
import pytest

from bot import exports
from bot.bootstrap import database_of
from bot.listing import ListRow
from bot.services import Services
from tests.export_helpers import export, item, person

# A worker thread's pause: time.sleep fails with EINVAL under faketime (clock_nanosleep), and the
# suite must pass whatever the clock says.
_PAUSE = threading.Event()


# --- a large list: batches, progress, and a free event loop ---------------------------------------


async def test_large_export_goes_in_batches_with_progress_and_never_blocks_the_loop(
    services: Services, tmp_path: Path
) -> None:
    author = await person(services, "王芳")
    template = await item(services, author, "模板问题：道路破损需要修复。")
    # Shortcut: 3,000 submitted items in one statement, numbered like submissions would be.
    async with database_of(services).transaction() as conn:
        await conn.executemany(
            "INSERT INTO items (campaign_id, kind, status, number, author_id, group_id, site_id, "
            "project_id, subitem_id, category_id, severity, description, created_at, submitted_at, "
            "updated_at) SELECT campaign_id, kind, status, ?, author_id, group_id, site_id, "
            "project_id, subitem_id, category_id, severity, ?, created_at, submitted_at, updated_at "
            "FROM items WHERE id = ?",
            [(n, f"第 {n} 条：道路破损", template) for n in range(2, 3002)],
        )
        await conn.execute("UPDATE campaigns SET next_number = 3002")
    calls: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        calls.append((done, total))

    gaps: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.005)
            now_ = time.perf_counter()
            gaps.append(now_ - last)
            last = now_

    ticking = asyncio.create_task(ticker())
    result = await export(services, "xlsx", tmp_path, progress=progress, batch=500)
    stop.set()
    await ticking
    assert result.rows == 3001
    # Progress is relayed from the worker thread: in order, ending with the whole count.
    assert len(calls) >= 2 and calls[-1] == (3001, 3001)
    assert all(total == 3001 for _, total in calls)
    assert [done for done, _ in calls] == sorted({done for done, _ in calls})
    assert max(gaps) < 0.25, f"the event loop stalled for {max(gaps):.3f}s"
    ws = openpyxl.load_workbook(result.path, read_only=True)["问题"]
    numbers = [r[1] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert numbers == [f"2020-{n:04d}" for n in range(1, 3002)]


async def test_a_failed_or_cancelled_export_leaves_no_file(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    author = await person(services, "王芳")
    for n in range(5):
        await item(services, author, f"第 {n} 条：道路破损需要修复。")
    original = exports.CsvListWriter.add
    seen: list[int] = []

    def failing(self: exports.CsvListWriter, rows: list[ListRow]) -> None:
        seen.append(len(rows))
        if len(seen) == 2:
            raise OSError("disk full")
        original(self, rows)

    monkeypatch.setattr(exports.CsvListWriter, "add", failing)
    with pytest.raises(OSError, match="disk full"):
        await export(services, "csv", tmp_path, batch=2)
    assert sorted(os.listdir(tmp_path)) == ["data"]

    def slow(self: exports.CsvListWriter, rows: list[ListRow]) -> None:
        _PAUSE.wait(0.1)
        original(self, rows)

    monkeypatch.setattr(exports.CsvListWriter, "add", slow)
    task = asyncio.create_task(export(services, "csv", tmp_path, batch=1))
    await asyncio.sleep(0.15)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.3)  # the worker thread stops after its batch and cleans up
    assert sorted(os.listdir(tmp_path)) == ["data"]
