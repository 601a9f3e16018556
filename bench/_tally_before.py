"""bench.tally's same-run "before": the tally's counts as they were made before migration 0017.

Until the summary tables, the tally counted a period's items through the covering indexes of
migrations 0003 and 0007 (the indexes are still there). These are those statements, run through
a bare sqlite3 connection, first with the file evicted from the page cache, then warm; and how
much of the file the page cache holds, to show that "cold" means cold.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench._machine import ZONE, evict
from bot.clock import to_db
from bot.tally_period import Period

_COUNTED_OUT = "('draft', 'withdrawn', 'merged')"
_COUNTED = (
    "('submitted', 'reviewed', 'declined', 'forwarded', 'returned', 'in_progress', 'answered', "
    "'rated', 'closed')"
)
_PERIOD = "submitted_at >= ? AND submitted_at < ?"
_BEFORE = (
    "SELECT project_id, subitem_id, unit_id, category_id, kind, status, COUNT(*) "
    "FROM items INDEXED BY items_tally_place "
    f"WHERE campaign_id = ? AND status NOT IN {_COUNTED_OUT} AND {_PERIOD} "
    "GROUP BY project_id, subitem_id, unit_id, category_id, kind, status",
    "SELECT group_id, kind, status, COUNT(*) FROM items INDEXED BY items_tally_group "
    f"WHERE campaign_id = ? AND status NOT IN {_COUNTED_OUT} AND {_PERIOD} "
    "GROUP BY group_id, kind, status",
    "SELECT r.value, COUNT(*) FROM items i INDEXED BY items_tally_answer "
    "CROSS JOIN ratings r INDEXED BY ratings_tally ON r.item_id = i.id AND r.round = "
    "(SELECT MAX(l.round) FROM ratings l INDEXED BY ratings_tally WHERE l.item_id = i.id) "
    f"WHERE i.campaign_id = ? AND i.response_class IN ('A', 'B', 'C') AND i.status IN {_COUNTED} "
    f"AND i.{_PERIOD} GROUP BY r.value",
    "SELECT i.response_class, COUNT(*) FROM items i INDEXED BY items_tally_answer "
    f"WHERE i.campaign_id = ? AND i.response_class IN ('A', 'B', 'C') AND i.status IN {_COUNTED} "
    f"AND i.{_PERIOD} GROUP BY i.response_class",
)
_DEADLINES = (
    "SELECT COALESCE(SUM(due_at < ?), 0), COALESCE(SUM(due_at >= ? AND due_at <= ?), 0), "
    "COUNT(*) FROM items WHERE campaign_id = ? AND status IN ('forwarded', 'in_progress') "
    f"AND {_PERIOD} AND due_at IS NOT NULL"
)


def _run(conn: sqlite3.Connection, campaign_id: int, period: Period, now: datetime) -> float:
    start, end = period.bounds(ZONE)
    started = time.perf_counter()
    for sql in _BEFORE:
        conn.execute(sql, (campaign_id, start, end)).fetchall()
    soon = to_db(now + timedelta(days=14))
    conn.execute(_DEADLINES, (to_db(now), to_db(now), soon, campaign_id, start, end)).fetchall()
    return time.perf_counter() - started


def before_tally(
    db_path: Path, campaign_id: int, period: Period, now: datetime, repeats: int
) -> tuple[float, list[float]]:
    """(cold seconds, warm seconds of each run) of the old statements (participation, labels
    and coverage are unchanged and left out)."""
    evict(db_path)
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("PRAGMA query_only = ON")
        cold = _run(conn, campaign_id, period, now)
        return cold, [_run(conn, campaign_id, period, now) for _ in range(repeats)]
    finally:
        conn.close()


def resident_mb(path: Path) -> str:
    """How much of the file the page cache holds (util-linux fincore), as text."""
    if shutil.which("fincore") is None:
        return "unknown (no fincore)"
    with contextlib.suppress(OSError, subprocess.SubprocessError, ValueError):
        out = subprocess.run(
            ["fincore", "--bytes", "--noheadings", "--output", "RES", str(path)],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
        return f"{int(out.split()[0]) / 1e6:.1f} MB of {path.stat().st_size / 1e6:.0f} MB"
    return "unknown"
