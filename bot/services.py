"""What the front end works with: the open database, the repositories and the domain services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock, process_clock
from bot.config import Settings
from bot.evidence import Evidence
from bot.lifecycle import Change, Policy
from bot.photostore import PhotoStore
from bot.records import CampaignRecord
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.delivery import DeliveryRepo
from storage.items import ItemRepo
from storage.outbox import OutboxRepo
from storage.people import PeopleRepo
from storage.photos import PhotoRepo
from storage.visits import VisitRepo


class NoCampaignError(Exception):
    """No campaign has been imported yet (or the configured one is missing)."""


@dataclass
class Services:
    settings: Settings
    db: Database
    catalog: CatalogRepo
    people: PeopleRepo
    visits: VisitRepo
    items: ItemRepo
    photos: PhotoRepo
    outbox: OutboxRepo
    delivery: DeliveryRepo
    store: PhotoStore
    evidence: Evidence
    campaign: CampaignRecord
    clock: Clock
    on_queued: Callable[[], None] | None = None

    @classmethod
    async def open(
        cls, settings: Settings, *, clock: Clock | None = None, require_campaign: bool = True
    ) -> Services:
        """Open the database (applying migrations) and load the active campaign."""
        db = Database(
            settings.storage.database_path, busy_timeout_ms=settings.storage.busy_timeout_ms
        )
        await db.open()
        try:
            catalog = CatalogRepo(db)
            campaign = await catalog.campaign(settings.campaign.code)
            if campaign is None:
                if require_campaign:
                    wanted = (
                        f"campaign {settings.campaign.code}"
                        if settings.campaign.code
                        else "campaign"
                    )
                    raise NoCampaignError(
                        f"the database has no {wanted}: import a catalog first "
                        "(deputy-bot import --config CONFIG CATALOG.toml)"
                    )
                campaign = CampaignRecord(0, "", "", 0, settings.campaign.timezone, "")
            photos = PhotoRepo(db)
            store = PhotoStore(settings.storage.photos_dir)
            return cls(
                settings=settings,
                db=db,
                catalog=catalog,
                people=PeopleRepo(db),
                visits=VisitRepo(db),
                items=ItemRepo(db),
                photos=photos,
                outbox=OutboxRepo(db),
                delivery=DeliveryRepo(db),
                store=store,
                evidence=Evidence(photos, store, settings.photos, settings.zone),
                campaign=campaign,
                clock=clock or process_clock(),
            )
        except BaseException:
            await db.close()
            raise

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
        return Policy(self.settings.deadlines, self.settings.zone)

    async def close(self) -> None:
        await self.db.close()
