"""What the doors work with: the core's ports, its settings, clock and campaign."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from bot.answer_ports import AnswerStore
from bot.bulletin_ports import BulletinStore
from bot.campaign_ports import MembershipStore
from bot.clock import Clock
from bot.config import Settings
from bot.console_ports import ConsoleStore, WebAuthStore
from bot.deadline_ports import DeadlineStore
from bot.evaluation_ports import EvaluationStore
from bot.evidence import Evidence
from bot.lifecycle import Change, Policy
from bot.photostore import PhotoStore
from bot.picture_pool import PicturePool
from bot.plan_ports import PlanStore
from bot.ports import (
    CatalogStore,
    DeliveryStore,
    IntakeStore,
    ItemStore,
    ManageStore,
    OutboxStore,
    PeopleStore,
    PhotoRecords,
    RatingStore,
    VisitStore,
)
from bot.progress_ports import ProgressStore
from bot.query_ports import (
    ForwardingStore,
    InboxStore,
    JobStore,
    ListStore,
    LookbackStore,
    ReportStore,
    ReviewStore,
    SatisfactionStore,
)
from bot.records import CampaignRecord


class NoCampaignError(Exception):
    """No campaign has been imported yet (or the configured one is missing)."""


# The campaign the code running now acts in: set per update from the acting membership (the gate,
# handlers/campaigns.py), per request in the web console, per campaign by the daily jobs. Unset:
# the deployment's home campaign. A context variable, so each update's task has its own.
_ACTING: ContextVar[CampaignRecord | None] = ContextVar("acting_campaign", default=None)


@dataclass
class Services:
    """The core as the doors see it: settings, the clock, the active campaign and the ports.

    Built by the composition root (bot/bootstrap.py), which alone knows which store implements
    the ports; `close` releases whatever the store holds open.
    """

    settings: Settings
    clock: Clock
    # Every campaign served side by side: the home one first ([campaign] code, or the latest
    # imported: where nothing else says), then [campaign] also.
    served: tuple[CampaignRecord, ...]
    catalog: CatalogStore
    people: PeopleStore
    visits: VisitStore
    items: ItemStore
    photos: PhotoRecords
    outbox: OutboxStore
    delivery: DeliveryStore
    intake: IntakeStore
    inbox: InboxStore
    review: ReviewStore
    forwarding: ForwardingStore
    reports: ReportStore
    lists: ListStore
    jobs: JobStore
    lookbacks: LookbackStore
    ratings: RatingStore
    satisfaction: SatisfactionStore
    manage: ManageStore
    console: ConsoleStore
    web_auth: WebAuthStore
    progress: ProgressStore  # sub-items' targets, progress reports, observations
    plan: PlanStore
    evaluation: EvaluationStore
    bulletin: BulletinStore  # the bulletin's and group report's counts
    deadlines: DeadlineStore  # extensions, escalations, per-unit figures (bot/unit_deadlines.py)
    answers: AnswerStore  # promises followed up, comments shown to units, C reasons
    store: PhotoStore
    evidence: Evidence
    memberships: MembershipStore  # who acts in which campaign; joint visits and items
    closer: Callable[[], Awaitable[None]]
    on_queued: Callable[[], None] | None = None
    city_id: int | None = None  # the city's campaign ([campaign] city), if any

    # Processes for drawing the summaries' pictures (None: drawn in a thread).
    pictures: PicturePool | None = None

    @property
    def home(self) -> CampaignRecord:
        return self.served[0]

    @property
    def campaign(self) -> CampaignRecord:
        """The campaign of the update, request or job being handled (home outside of them)."""
        return _ACTING.get() or self.home

    @campaign.setter
    def campaign(self, record: CampaignRecord) -> None:
        # A (re-)imported catalog replaces the record where it is kept.
        old = self.campaign
        self.served = tuple(record if c.id == old.id else c for c in self.served)
        if _ACTING.get() is not None:
            _ACTING.set(record)

    def served_campaign(self, campaign_id: int) -> CampaignRecord | None:
        return next((c for c in self.served if c.id == campaign_id), None)

    def act_in(self, record: CampaignRecord) -> None:
        """From here on in this update (or request), the code acts in `record`."""
        _ACTING.set(record)

    @contextmanager
    def acting_in(self, record: CampaignRecord) -> Iterator[None]:
        """The block acts in `record` (a daily job's run per campaign, a CLI over all)."""
        token = _ACTING.set(record)
        try:
            yield
        finally:
            _ACTING.reset(token)

    def wake_sender(self) -> None:
        """Tell the outbox sender new notices are queued (set by the running bot)."""
        if self.on_queued is not None:
            self.on_queued()

    async def apply(self, change: Change, now: datetime, key: str | None = None) -> bool:
        """Apply a lifecycle change (see bot/lifecycle.py); False if the item had moved on."""
        applied = await self.items.commit(change, now, key)
        if applied and change.notices:
            self.wake_sender()
        return applied

    @property
    def policy(self) -> Policy:
        return Policy(self.settings.deadlines, self.settings.zone, self.settings.answers)

    async def close(self) -> None:
        await self.closer()
