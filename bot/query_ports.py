"""The core's ports for what screens, summaries, exports and daily jobs read. storage/ implements
them; see bot/ports.py for the records the core writes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.items import Item, Kind
from bot.listing import BATCH_ROWS, ListFilter, ListPhoto, ListRow
from bot.readmodels import (
    AskState,
    DeadlineCounts,
    DueLookback,
    GroupCount,
    GroupQueue,
    InboxCounts,
    ItemRow,
    Labels,
    Liaison,
    Overdue,
    PhotoRow,
    PlaceCount,
    ResponseRecord,
    StaleSite,
    UnitBacklog,
    UnitInbox,
    UnitOverdue,
    VisitRow,
)
from bot.records import (
    Leader,
    LookbackRecord,
    UnitRecord,
)


class ForwardingStore(Protocol):
    """What staff need to forward: reviewed items by unit, returned items and their reasons.

    In SQLite: storage/forwarding.py.
    """

    async def backlog(self, campaign_id: int) -> list[UnitBacklog]: ...

    async def reviewed_ids(self, campaign_id: int, unit_id: int | None) -> list[int]: ...

    async def count(self, campaign_id: int, status: str) -> int: ...

    async def returned_ids(self, campaign_id: int) -> list[int]: ...

    async def return_reason(self, item_id: int) -> str: ...

    async def unit(self, campaign_id: int, unit_id: int) -> UnitRecord | None: ...

    async def liaison_count(self, campaign_id: int, unit_id: int) -> int: ...


class InboxStore(Protocol):
    """A unit's inbox: its items in handling order, counts by light, answers and their photos.

    In SQLite: storage/inbox.py.
    """

    async def page(self, inbox: UnitInbox, *, limit: int, offset: int) -> list[int]: ...

    async def counts(self, inbox: UnitInbox) -> InboxCounts: ...

    async def unit_name(self, unit_id: int) -> str | None: ...

    async def latest_response(self, item_id: int) -> ResponseRecord | None: ...

    async def pending_response_photos(self, item_id: int, person_id: int) -> int: ...

    async def discard_pending_response_photos(self, item_id: int, person_id: int) -> int: ...


class JobStore(Protocol):
    """What the daily jobs read: who to remind, what is overdue, which look-backs are due."""

    async def liaisons(self, campaign_id: int) -> list[Liaison]: ...

    async def staff(self, campaign_id: int) -> list[int]: ...

    async def group_members(self, group_id: int) -> list[int]: ...

    async def units_with_due_items(self, campaign_id: int, until: datetime) -> set[int]: ...

    async def overdue_by_unit(self, campaign_id: int, now: datetime) -> list[UnitOverdue]: ...

    async def count_returned(self, campaign_id: int) -> int: ...

    async def count_for_letter(self, campaign_id: int) -> int: ...

    async def expired_answered(self, campaign_id: int, answered_before: datetime) -> list[int]: ...

    async def due_lookbacks(self, campaign_id: int, now: datetime) -> list[DueLookback]: ...


class ListStore(Protocol):
    """Counts for the chat and the command line, on the shared (async) connection."""

    async def count(
        self, campaign_id: int, filters: ListFilter, zone: ZoneInfo
    ) -> dict[Kind, int]: ...

    async def count_photos(self, campaign_id: int, filters: ListFilter, zone: ZoneInfo) -> int: ...

    def reader(self) -> ListRows:
        """A reader for the calling (worker) thread."""
        ...


class ListRows(Protocol):
    """The list's rows for a worker thread, through a connection of its own."""

    def close(self) -> None: ...

    def __enter__(self) -> ListRows: ...

    def __exit__(self, *exc: object) -> None: ...

    def rows(
        self, campaign_id: int, filters: ListFilter, zone: ZoneInfo, *, batch: int = BATCH_ROWS
    ) -> Iterator[list[ListRow]]: ...

    def photos(
        self, campaign_id: int, filters: ListFilter, zone: ZoneInfo, *, batch: int = BATCH_ROWS
    ) -> Iterator[list[ListPhoto]]: ...


class LookbackStore(Protocol):
    """Look-backs as a group sees them: due now, coming up, one by id."""

    async def get(self, lookback_id: int) -> LookbackRecord | None: ...

    async def due_for_group(
        self, group_id: int, now: datetime, *, limit: int = 20
    ) -> list[LookbackRecord]: ...

    async def upcoming_for_group(
        self, group_id: int, now: datetime, *, limit: int = 10
    ) -> list[LookbackRecord]: ...


class ReportStore(Protocol):
    """The tally's and the daily summaries' counts.

    In SQLite: storage/reports.py.
    """

    async def labels(self, campaign_id: int) -> Labels: ...

    async def place_counts(self, campaign_id: int, start: str, end: str) -> list[PlaceCount]: ...

    async def group_counts(self, campaign_id: int, start: str, end: str) -> list[GroupCount]: ...

    async def deadline_counts(
        self, campaign_id: int, start: str, end: str, now: str, soon: str
    ) -> DeadlineCounts: ...

    async def participation(self, campaign_id: int, start: str, end: str) -> tuple[int, int]: ...

    async def group(self, group_id: int) -> tuple[str, str, int] | None: ...

    async def group_visits(self, group_id: int, start: str, end: str) -> list[VisitRow]: ...

    async def group_items(self, group_id: int, start: str, end: str) -> list[ItemRow]: ...

    async def stale_sites(self, group_id: int, cutoff: str, end: str) -> list[StaleSite]: ...

    async def members(self, group_id: int) -> int: ...

    async def idle_members(self, group_id: int, start: str, end: str) -> list[str]: ...

    async def group_deadlines(
        self, group_id: int, now: str, soon: str, worst: int = 5
    ) -> tuple[int, int, list[Overdue]]: ...

    async def group_photos(self, group_id: int, start: str, end: str) -> list[PhotoRow]: ...

    async def item_counts(
        self, group_id: int, start: str, end: str
    ) -> list[tuple[int | None, int | None, str, int]]: ...

    async def leaders(self, campaign_id: int) -> list[Leader]: ...

    async def queued(self, dedup_keys: Iterable[str]) -> set[str]: ...


class ReviewStore(Protocol):
    """A group's review queue, duplicate candidates and open questions to authors.

    In SQLite: storage/review.py.
    """

    async def next_submitted(
        self, campaign_id: int, group_id: int | None, after_number: int = 0
    ) -> Item | None: ...

    async def count_submitted(self, campaign_id: int, group_id: int | None) -> int: ...

    async def queues(self, campaign_id: int) -> list[GroupQueue]: ...

    async def duplicate_candidates(
        self, item: Item, *, group_id: int | None = None, limit: int = ...
    ) -> list[Item]: ...

    async def ask_state(self, item_id: int) -> AskState | None: ...


class SatisfactionStore(Protocol):
    """The votes and answer classes behind the satisfaction figure."""

    async def vote_counts(self, campaign_id: int, start: str, end: str) -> dict[str, int]: ...

    async def answer_counts(self, campaign_id: int, start: str, end: str) -> dict[str, int]: ...

    async def reason_counts(self, campaign_id: int, start: str, end: str) -> dict[str, int]:
        """Items answered C (their latest answer), by reason category."""
        ...
