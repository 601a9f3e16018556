"""What the doors work with: the core's ports, its settings, clock and campaign."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.answer_ports import AnswerStore
from bot.bulletin_ports import BulletinStore
from bot.clock import Clock
from bot.config import Settings
from bot.console_ports import ConsoleStore, WebAuthStore
from bot.evaluation_ports import EvaluationStore
from bot.evidence import Evidence
from bot.lifecycle import Change, Policy
from bot.photostore import PhotoStore
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


@dataclass
class Services:
    """The core as the doors see it: settings, the clock, the active campaign and the ports.

    Built by the composition root (bot/bootstrap.py), which alone knows which store implements
    the ports; `close` releases whatever the store holds open.
    """

    settings: Settings
    clock: Clock
    campaign: CampaignRecord
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
    answers: AnswerStore  # promises followed up, comments shown to units, C reasons
    store: PhotoStore
    evidence: Evidence
    closer: Callable[[], Awaitable[None]]
    on_queued: Callable[[], None] | None = None

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
