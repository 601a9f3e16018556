"""The core's ports for records it keeps: items, people, the catalog, visits, photos, the outbox,
the update journal, votes and people management. storage/ implements them (SQLite today); the
composition root (bot/bootstrap.py) wires them; nothing in the core knows which store it talks to."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.catalog import Catalog
from bot.invitations import NewInvitation
from bot.items import Item, ItemFilter, NewDraft, Transition
from bot.lifecycle import Change, Parties, Vote
from bot.likeness import IndexedPhoto
from bot.notices import Notice
from bot.people import Person, PersonCard, PersonEdit
from bot.readmodels import (
    Inbound,
    OutboxStats,
    ResponseRecord,
    TimelineEvent,
)
from bot.records import (
    CampaignRecord,
    CategoryRecord,
    Conversation,
    DueRow,
    Finished,
    GroupRecord,
    ImportReport,
    NewPhoto,
    PhotoTarget,
    ProjectRecord,
    SiteRecord,
    StoredPhoto,
    SubitemRecord,
    UnitRecord,
)
from bot.visits import NewVisit, Visit


class CatalogStore(Protocol):
    """The campaign's catalog: projects, sub-items, sites, groups, units and categories.

    In SQLite: storage/catalog.py.
    """

    async def import_catalog(self, catalog: Catalog, *, now: datetime) -> ImportReport:
        """Create or update the campaign from `catalog`, all or nothing."""
        ...

    async def campaign(self, code: str = "") -> CampaignRecord | None: ...

    async def campaign_by_id(self, campaign_id: int) -> CampaignRecord | None: ...

    async def sites_within_box(
        self, campaign_id: int, lat: float, lon: float, radius_m: float
    ) -> list[SiteRecord]: ...

    async def site(self, campaign_id: int, site_id: int) -> SiteRecord | None: ...

    async def site_by_code(self, campaign_id: int, code: str) -> SiteRecord | None:
        """The site a poster's link names (its catalog code, which survives re-imports)."""
        ...

    async def sites_of_project(self, campaign_id: int, project_id: int) -> list[SiteRecord]: ...

    async def projects(self, campaign_id: int) -> list[ProjectRecord]: ...

    async def project(self, campaign_id: int, project_id: int) -> ProjectRecord | None: ...

    async def subitems_of_project(
        self, campaign_id: int, project_id: int
    ) -> list[SubitemRecord]: ...

    async def subitem(self, campaign_id: int, subitem_id: int) -> SubitemRecord | None: ...

    async def categories(self, campaign_id: int) -> list[CategoryRecord]: ...

    async def category(self, campaign_id: int, category_id: int) -> CategoryRecord | None: ...

    async def groups(self, campaign_id: int) -> list[GroupRecord]: ...

    async def units(self, campaign_id: int) -> list[UnitRecord]: ...

    async def group_by_code(self, campaign_id: int, code: str) -> GroupRecord | None: ...

    async def unit_by_code(self, campaign_id: int, code: str) -> UnitRecord | None: ...

    async def group_project_ids(self, group_id: int) -> set[int]: ...


class DeliveryStore(Protocol):
    """The outbox as the sender works it: rows due, sent, retried, given up.

    In SQLite: storage/delivery.py.
    """

    async def due(
        self, now: datetime, limit: int, *, exclude_persons: Collection[int] = ()
    ) -> list[DueRow]: ...

    async def mark_sent(self, outbox_id: int, message_id: int, now: datetime) -> None: ...

    async def reschedule(
        self, outbox_id: int, attempts: int, next_attempt_at: datetime, error: str
    ) -> None: ...

    async def give_up(
        self, outbox_id: int, now: datetime, error: str, *, attempts: int | None = None
    ) -> None: ...

    async def mark_blocked(self, person_id: int, now: datetime) -> int: ...

    async def park_if_blocked(self, outbox_id: int, now: datetime) -> bool: ...

    async def unblock(
        self, person_id: int, now: datetime, *, revive_within: timedelta = timedelta(days=7)
    ) -> int: ...

    async def pending_count(self) -> int: ...

    async def stats(self, now: datetime) -> OutboxStats: ...


class IntakeStore(Protocol):
    """The journal of incoming updates and the open conversations, saved with each step.

    In SQLite: storage/intake.py.
    """

    async def record(
        self, updates: Sequence[tuple[int, str | None, dict[str, Any]]], now: datetime
    ) -> list[int]: ...

    async def next_offset(self) -> int | None: ...

    async def pending(self) -> list[Inbound]: ...

    async def finish(self, finished: Finished, now: datetime) -> None: ...

    async def conversations(self) -> dict[str, Conversation]: ...

    async def prune(self, before: datetime) -> int: ...


class ItemStore(Protocol):
    """Items: drafts, numbering, and every change a rule decides, committed with its events
    and notices only if the item is still where the rule saw it.

    In SQLite: storage/items.py.
    """

    async def get(self, item_id: int) -> Item | None: ...

    async def create_draft(
        self, draft: NewDraft, now: datetime, *, discard_unfinished: bool = False
    ) -> int: ...

    async def update_draft(
        self, item_id: int, author_id: int, now: datetime, **fields: Any
    ) -> bool: ...

    async def delete_draft(self, item_id: int, author_id: int) -> None: ...

    async def submit(self, item_id: int, author_id: int, now: datetime) -> tuple[Item, bool]: ...

    async def apply(self, transition: Transition, now: datetime) -> bool: ...

    async def count_own(self, author_id: int) -> int: ...

    async def list_own(self, author_id: int, *, offset: int, limit: int) -> list[Item]: ...

    async def events(self, item_id: int) -> list[tuple[str | None, str, datetime]]: ...

    async def commit(self, change: Change, now: datetime, key: str | None = None) -> bool: ...

    async def record_vote(self, vote: Vote, now: datetime) -> bool:
        """One vote per raiser and round; False when this raiser has voted already."""
        ...

    async def votes(self, item_id: int) -> list[Vote]: ...

    async def parties(self, item: Item, unit_id: int | None = None) -> Parties: ...

    async def raiser_names(self, item_id: int) -> list[str]: ...

    async def find(self, campaign_id: int, which: ItemFilter) -> list[Item]: ...

    async def get_by_number(self, campaign_id: int, number: int) -> Item | None: ...

    async def timeline(self, item_id: int) -> list[TimelineEvent]: ...


class ManageStore(Protocol):
    """People as staff manage them, and catalog imports rehearsed before they are made."""

    async def find_people(
        self, campaign_id: int, fragment: str, *, limit: int = 10
    ) -> list[PersonCard]: ...

    async def person_card(self, person_id: int) -> PersonCard | None: ...

    async def change_person(
        self, edit: PersonEdit, *, now: datetime, notices: Iterable[Notice] = ()
    ) -> int | None: ...

    async def rehearse_import(self, catalog: Catalog, *, now: datetime) -> ImportReport: ...


class OutboxStore(Protocol):
    """Queue notices outside any other change (summaries, reminders)."""

    async def enqueue(self, notices: Iterable[Notice], now: datetime) -> int: ...


class PeopleStore(Protocol):
    """People: invitations, joining, language and blocking.

    In SQLite: storage/people.py.
    """

    async def by_telegram_id(
        self, telegram_user_id: int, campaign_id: int | None = None
    ) -> Person | None: ...

    async def by_id(self, person_id: int) -> Person | None: ...

    async def invite(self, invitation: NewInvitation, now: datetime) -> int | None: ...

    async def redeem(
        self, token_hash: str, telegram_user_id: int, now: datetime
    ) -> tuple[Person, bool]: ...

    async def set_language(self, person_id: int, language: str) -> None: ...


class PhotoRecords(Protocol):
    """Photo records (the files are in the photo store): one per record and Telegram file.

    In SQLite: storage/photos.py.
    """

    async def exists(self, target: PhotoTarget, file_unique_id: str) -> bool: ...

    async def add(self, photo: NewPhoto) -> tuple[int, bool]: ...

    async def count(self, target: PhotoTarget) -> int: ...

    async def of(self, target: PhotoTarget) -> list[StoredPhoto]: ...

    async def of_item(self, item_id: int) -> list[tuple[str, StoredPhoto]]:
        """Every photo of the item with its purpose, in the order received: one query for a
        page that shows them all."""
        ...

    async def indexed_after(self, last_id: int) -> tuple[int, list[IndexedPhoto]]: ...


class RatingStore(Protocol):
    """Votes on answers: a deputy's vote and comment, the counts, the answer rated."""

    async def set_comment(
        self, item_id: int, round_: int, person_id: int, comment: str
    ) -> bool: ...

    async def vote_of(self, item_id: int, round_: int, person_id: int) -> str | None: ...

    async def counts(self, item_id: int, round_: int) -> dict[str, int]: ...

    async def response(self, item_id: int, round_: int | None = None) -> ResponseRecord | None: ...


class VisitStore(Protocol):
    """Check-ins at sites, once per shared location.

    In SQLite: storage/visits.py.
    """

    async def record(self, visit: NewVisit) -> tuple[Visit, bool]: ...

    async def get(self, visit_id: int) -> Visit | None: ...

    async def recent(self, person_id: int, since: datetime, limit: int = 3) -> list[Visit]: ...
