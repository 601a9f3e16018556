"""What the plan's use cases, jobs and figures ask of a store (storage/plan.py implements it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from bot.coverage import CoverageFigures, CoverageRange
from bot.notices import Notice
from bot.plan import Calendar, Due, NewTask, TaskQuery, TaskRow


class PlanStore(Protocol):
    async def calendar(self, campaign_id: int) -> Calendar:
        """The campaign's phases and key dates, in date order."""
        ...

    async def group_members(self, group_id: int) -> list[tuple[int, str]]:
        """(id, name) of the active deputies and leaders of a group, by name."""
        ...

    async def create_task(
        self, task: NewTask, notices: Sequence[Notice], now: datetime
    ) -> tuple[int, bool]:
        """Store the task, its deputies and the notices (their dedup keys made unique by the
        task) in one transaction; (task id, created). The same source key again: the first."""
        ...

    async def rows(self, campaign_id: int, query: TaskQuery) -> list[TaskRow]:
        """Deputies' parts of tasks, the latest windows first."""
        ...

    async def fulfil(
        self, person_id: int, site_id: int, visit_id: int, day: date, now: datetime
    ) -> list[int]:
        """Mark done the person's open tasks that this on-site visit (on local `day`) fulfils:
        its site, or a site of its sub-item, within the window. Returns the task ids newly done;
        a second call for the same visit finds them done and returns nothing."""
        ...

    async def due(self, campaign_id: int, opens_on: date, closes_on: date) -> list[Due]:
        """Open parts of tasks, of people who can be told, whose window opens on `opens_on` or
        closes on `closes_on`."""
        ...

    async def reachable_members(self, campaign_id: int) -> list[tuple[int, str | None]]:
        """(id, language) of the campaign's deputies and leaders who joined and are active."""
        ...

    async def coverage(self, campaign_id: int, span: CoverageRange) -> CoverageFigures:
        """Deputies with no task and no visit, sub-items with no on-site visit, overdue parts of
        tasks, in the span."""
        ...
