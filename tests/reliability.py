"""What the reliability tests (tests/test_crash.py, tests/test_faults.py, tests/test_flood.py)
share besides their machinery: how long a run is, its seed, and a known bug they report.

The machinery, by job: tests/faulty_api.py (the local Bot API server with dropped connections,
and a seeded schedule of faults), tests/bot_process.py (the bot as an OS process that can be
SIGKILLed), tests/bot_says.py (what the bot says, as catalog text) and tests/deputy.py (a
deputy's phone that does not give up).

The long version of each test runs with DEPUTY_BOT_SOAK=1; DEPUTY_BOT_SEED=<n> repeats a run.
"""

from __future__ import annotations

import os
import random

SOAK = os.environ.get("DEPUTY_BOT_SOAK", "").strip() not in ("", "0")


def seed_for(test: str) -> int:
    """A fresh seed for each run (more schedules tried over time), printed so a failure can be
    repeated with DEPUTY_BOT_SEED."""
    chosen = os.environ.get("DEPUTY_BOT_SEED", "").strip()
    seed = int(chosen) if chosen else random.SystemRandom().randrange(1, 2**31)
    print(f"{test}: seed {seed} (repeat with DEPUTY_BOT_SEED={seed}); soak={SOAK}", flush=True)
    return seed


# Known bug, reported with issue 4: storage/db.py serves every read through one shared
# connection, so a query that starts while another's cursor is still open joins that cursor's
# read transaction and sees the database as it was before commits made in between. The outbox
# sender then picks a row it has just marked sent and sends it again. Reading with
# `execute_fetchall` (each statement finished before the next starts) makes this vanish.
STALE_READ_BUG = (
    "notices sent twice by the sender although it had marked them sent: stale reads of the "
    "shared reader connection in storage/db.py (see tests/reliability.py STALE_READ_BUG)"
)
