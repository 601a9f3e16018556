"""The figures staff and leaders ask for: the tally, the numbered list as a file, a group's daily
summary. Each checks the caller's role and reach, then computes through the core's read ports
(bot/tally.py, bot/exports.py, bot/summary.py).

The command line runs the same computations for the operator, who has the database itself and
so is not checked here (bot/tally_cli.py, bot/export_cli.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot import scope
from bot.errors import Refused
from bot.exports import ExportResult, Progress, export_list
from bot.listing import BATCH_ROWS, Format, ListFilter
from bot.people import Action, require_can
from bot.services import Services
from bot.summary import GroupSummary, group_summary
from bot.tally import Tally, compute_tally
from bot.tally_period import Period
from bot.usecases.acting import Caller


async def tally(services: Services, caller: Caller, period: Period) -> Tally:
    """Headline figures and breakdowns of the campaign for the period."""
    require_can(caller.person, Action.TALLY)
    return await compute_tally(services, period, now=caller.now)


async def export(
    services: Services,
    caller: Caller,
    fmt: Format,
    out: Path,
    filters: ListFilter,
    *,
    language: str,
    progress: Progress | None = None,
    batch: int = BATCH_ROWS,
) -> ExportResult:
    """Write the numbered list (XLSX, CSV, the letter, or the photos as a ZIP) to `out`."""
    require_can(caller.person, Action.EXPORT)
    return await export_list(
        services,
        fmt,
        out,
        filters,
        language=language,
        progress=progress,
        batch=batch,
        now=caller.now,
    )


async def summary(services: Services, caller: Caller, group_id: int, day: date) -> GroupSummary:
    """What the group did on `day` (a local date), and what it still owes; a group of another
    campaign, or a forged id, names nothing."""
    group = await services.reports.group(group_id)
    if group is None or group[2] != services.campaign.id:
        raise Refused("button_expired")
    scope.require_group_summary(caller.person, group_id)
    return await group_summary(services, group_id, day, now=caller.now)
