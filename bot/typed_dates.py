"""A day as people type it in a chat: 2025-10-20, 2025/10/20, 2025.10.20, 2025年10月20日 (in
full-width characters too), and, where the day is meant to come after a known one, 10-20 or
10月20日. The one reader of typed dates: a liaison's proposed due date (bot/unit_deadlines.py)
and a class-B answer's promised date (bot/answer_terms.py). Commands and the CLI take ISO days
and months instead (bot/tally_period.py)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_FULL_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_SHORT_DATE = re.compile(r"^\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def typed_day(text: str, after: date | None = None) -> date | None:
    """The day typed, or None when it is no date. With `after`, a month and day alone is the
    first such day after it."""
    text = unicodedata.normalize("NFKC", text)
    try:
        if full := _FULL_DATE.match(text):
            return date(int(full[1]), int(full[2]), int(full[3]))
        if after is not None and (short := _SHORT_DATE.match(text)):
            month, day = int(short[1]), int(short[2])
            this_year = date(after.year, month, day)
            return this_year if this_year > after else date(after.year + 1, month, day)
    except ValueError:
        return None
    return None
