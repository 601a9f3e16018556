"""Coverage: is every deputy given something to do, and is every sub-item looked at?

"人人有任务、事事有监督". Three figures, for a group (its daily summary) or the campaign (the
tally): deputies with neither a task nor a visit, sub-items nobody has visited on site, and parts
of tasks whose window closed without a visit. Counts and names only: deputies are never ranked
or scored (the plan asks that everyone takes part, not that anyone competes).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import to_db
from bot.records import AFTER_ALL, BEFORE_ALL
from bot.texts import Texts

if TYPE_CHECKING:
    from bot.services import Services

# Names listed in a chat message; the rest are counted.
NAMES_SHOWN = 10


@dataclass(frozen=True, slots=True)
class CoverageRange:
    """Whose coverage over which days: a group (None: the campaign), for the local days
    [first, last] (None: open on that side) whose UTC bounds are [start, end); tasks overdue as
    of the local day `today`."""

    group_id: int | None
    first: date | None
    last: date | None
    start: str
    end: str
    today: date


@dataclass(frozen=True, slots=True)
class CoverageFigures:
    deputies: int
    idle: list[str]  # deputies (and leaders) with no task and no visit
    subitems: int
    unvisited: list[str]  # sub-items with no on-site visit
    overdue: int  # deputies' parts of tasks whose window closed without a visit

    def to_json(self) -> dict[str, Any]:
        return {
            "deputies": self.deputies,
            "without_task_or_visit": len(self.idle),
            "subitems": self.subitems,
            "subitems_not_visited": len(self.unvisited),
            "tasks_overdue": self.overdue,
        }


def _names(names: list[str], texts: Texts) -> str:
    shown = [html.escape(n) for n in names[:NAMES_SHOWN]]
    if len(names) > NAMES_SHOWN:
        shown.append(f"… +{len(names) - NAMES_SHOWN}")
    return texts("dailysum.name_separator").join(shown)


def render_coverage(c: CoverageFigures, texts: Texts) -> list[str]:
    """The coverage lines of a summary or tally (HTML), starting with a blank line."""
    lines = ["", texts("coverage.title")]
    lines.append(texts("coverage.idle", count=len(c.idle), total=c.deputies))
    if c.idle:
        lines.append(_names(c.idle, texts))
    lines.append(texts("coverage.unvisited", count=len(c.unvisited), total=c.subitems))
    if c.unvisited:
        lines.append(_names(c.unvisited, texts))
    lines.append(texts("coverage.overdue", count=c.overdue))
    return lines


async def load_coverage(
    services: Services, group_id: int | None, first: date | None, last: date | None, on: date
) -> CoverageFigures:
    """Coverage of a group (None: the campaign) for the local days [first, last] (None: open
    on that side); tasks overdue as of the local day `on`."""
    zone = services.settings.zone
    start = to_db(datetime.combine(first, time.min, zone)) if first else BEFORE_ALL
    end = to_db(datetime.combine(last + timedelta(days=1), time.min, zone)) if last else AFTER_ALL
    span = CoverageRange(group_id, first, last, start, end, on)
    return await services.plan.coverage(services.campaign.id, span)
