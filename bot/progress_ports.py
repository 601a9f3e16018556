"""The port of sub-items' targets and progress (storage/progress.py implements it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot import progress


class ProgressStore(Protocol):
    async def subitem(self, campaign_id: int, subitem_id: int) -> progress.SubitemRow | None:
        """The campaign's sub-item of this id (None: no such sub-item in the campaign)."""
        ...

    async def subitems(
        self, campaign_id: int, reach: progress.Reach = progress.WHOLE_CAMPAIGN
    ) -> list[progress.SubitemRow]:
        """The campaign's sub-items within `reach`, in catalog order."""
        ...

    async def targets(self, subitem_ids: Sequence[int]) -> list[progress.TargetRecord]:
        """The current (not retired) targets of these sub-items, in catalog order."""
        ...

    async def milestones(self, subitem_id: int) -> list[progress.MilestoneRecord]: ...

    async def latest_reports(
        self, subitem_ids: Sequence[int], *, as_of: datetime | None = None
    ) -> dict[int, progress.ReportRecord]:
        """Each sub-item's latest progress report (the one that counts); `as_of`: the latest
        made at or before then."""
        ...

    async def observation_counts(
        self, subitem_ids: Sequence[int], *, as_of: datetime | None = None
    ) -> dict[int, int]: ...

    async def reports(self, subitem_id: int, limit: int) -> list[progress.ReportRecord]:
        """The sub-item's progress reports, newest first."""
        ...

    async def report(self, report_id: int) -> progress.ReportRecord | None:
        """One progress report (with the ids of its photos), whoever's."""
        ...

    async def observations(self, subitem_id: int, limit: int) -> list[progress.ReportRecord]:
        """Deputies' observations of the sub-item on their visits, newest first."""
        ...

    async def add_report(self, report: progress.NewFigures) -> tuple[int, bool]:
        """Store a unit's report once per source key: (its id, whether it was created now)."""
        ...

    async def add_observation(self, observation: progress.NewFigures) -> tuple[int, bool]:
        """Store a deputy's observation once per source key."""
        ...

    async def liaisons_with_targets(self, campaign_id: int) -> list[tuple[int, int]]:
        """(person id, number of sub-items with targets) of every active liaison whose unit
        leads a sub-item with targets."""
        ...
