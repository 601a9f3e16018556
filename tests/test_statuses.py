"""storage/statuses.py spells the rules' status sets as SQL by hand (a partial index is used only
where a query repeats its condition word for word): held here to the rules and to the indexes."""

from __future__ import annotations

import re

from bot.deadlines import WAITING_FOR_UNIT
from bot.items import Status
from bot.tally import STATUS_ORDER
from storage.db import _migrations
from storage.statuses import NOT_COUNTED, WAITING


def _listed(sql: str) -> set[str]:
    return set(re.findall(r"'([a-z_]+)'", sql))


def test_waiting_is_the_rule_and_the_partial_indexes_condition() -> None:
    assert _listed(WAITING) == {status.value for status in WAITING_FOR_UNIT}
    conditions = re.findall(r"WHERE status IN (\([^)]*\))", dict(_migrations())[17])
    assert len(conditions) >= 2 and set(conditions) == {WAITING}


def test_not_counted_is_what_the_tally_leaves_out() -> None:
    assert _listed(NOT_COUNTED) == {s.value for s in Status} - {s.value for s in STATUS_ORDER}
