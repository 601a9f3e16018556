"""The composition root: the one place that knows the core's ports are SQLite stores.

Every door (the bot, the command line, the demonstration, the tests and benchmarks) opens the
core through `open_services`; a different store (PostgreSQL, say) would be wired here alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.clock import Clock, process_clock
from bot.config import Settings
from bot.evidence import Evidence
from bot.photostore import PhotoStore
from bot.picture_pool import PicturePool
from bot.records import CampaignRecord
from bot.services import NoCampaignError, Services
from storage.answers import AnswerRepo
from storage.bulletin import BulletinRepo
from storage.catalog import CatalogRepo
from storage.console import ConsoleRepo
from storage.db import Database
from storage.deadlines import DeadlineRepo
from storage.delivery import DeliveryRepo
from storage.evaluation import EvaluationRepo
from storage.forwarding import ForwardingRepo
from storage.inbox import InboxRepo
from storage.intake import IntakeRepo
from storage.items import ItemRepo
from storage.jobs import JobsRepo
from storage.lists import ListRepo
from storage.lookbacks import LookbackRepo
from storage.manage import ManageRepo
from storage.memberships import MembershipRepo
from storage.outbox import OutboxRepo
from storage.people import PeopleRepo
from storage.photos import PhotoRepo
from storage.plan import PlanRepo
from storage.progress import ProgressRepo
from storage.ratings import RatingRepo
from storage.reports import ReportsRepo
from storage.review import ReviewRepo
from storage.satisfaction import SatisfactionRepo
from storage.visits import VisitRepo
from storage.web_auth import WebAuthRepo


async def open_services(
    settings: Settings, *, clock: Clock | None = None, require_campaign: bool = True
) -> Services:
    """Open the database (applying migrations), load the active campaign and wire the ports."""
    db = Database(settings.storage.database_path, busy_timeout_ms=settings.storage.busy_timeout_ms)
    await db.open()
    try:
        catalog = CatalogRepo(db)
        campaign = await catalog.campaign(settings.campaign.code)
        if campaign is None:
            if require_campaign:
                wanted = (
                    f"campaign {settings.campaign.code}" if settings.campaign.code else "campaign"
                )
                raise NoCampaignError(
                    f"the database has no {wanted}: import a catalog first "
                    "(deputy-bot import --config CONFIG CATALOG.toml)"
                )
            campaign = CampaignRecord(0, "", "", 0, settings.campaign.timezone, "")
        served = [campaign]
        for code in settings.campaign.also:
            also = await catalog.campaign(code)
            if also is None:
                if require_campaign:
                    raise NoCampaignError(
                        f"the database has no campaign {code} ([campaign] also): import its "
                        "catalog first (deputy-bot import --config CONFIG CATALOG.toml)"
                    )
                continue
            if all(c.id != also.id for c in served):
                served.append(also)
        city = next((c for c in served if c.code == settings.campaign.city), None)
        if settings.campaign.city and city is None and require_campaign:
            raise NoCampaignError(
                f"[campaign] city = {settings.campaign.city!r} is not a served campaign"
            )
        photos = PhotoRepo(db)
        store = PhotoStore(settings.storage.photos_dir)
        # One pool for the process's life; its workers start with the first picture.
        pictures = PicturePool(preload=("bot.summary_pictures",))

        async def close() -> None:
            try:
                await pictures.close()
            finally:
                await db.close()

        return Services(
            settings=settings,
            clock=clock or process_clock(),
            served=tuple(served),
            city_id=city.id if city else None,
            catalog=catalog,
            people=PeopleRepo(db),
            visits=VisitRepo(db),
            items=ItemRepo(db),
            photos=photos,
            outbox=OutboxRepo(db),
            delivery=DeliveryRepo(db),
            intake=IntakeRepo(db),
            inbox=InboxRepo(db),
            review=ReviewRepo(db),
            forwarding=ForwardingRepo(db),
            reports=ReportsRepo(db),
            lists=ListRepo(db, busy_timeout_ms=settings.storage.busy_timeout_ms),
            jobs=JobsRepo(db),
            lookbacks=LookbackRepo(db),
            ratings=RatingRepo(db),
            satisfaction=SatisfactionRepo(db),
            manage=ManageRepo(db),
            console=ConsoleRepo(db),
            web_auth=WebAuthRepo(db),
            progress=ProgressRepo(db),
            plan=PlanRepo(db),
            evaluation=EvaluationRepo(db),
            bulletin=BulletinRepo(db),
            deadlines=DeadlineRepo(db),
            answers=AnswerRepo(db),
            store=store,
            evidence=Evidence(photos, store, settings.photos, settings.zone),
            memberships=MembershipRepo(db),
            closer=close,
            pictures=pictures,
        )
    except BaseException:
        await db.close()
        raise


@asynccontextmanager
async def opened_services(
    settings: Settings, *, clock: Clock | None = None, require_campaign: bool = True
) -> AsyncIterator[Services]:
    """`open_services` for one piece of work (a command, the demo's steps): the services, closed
    when the block ends, however it ends."""
    services = await open_services(settings, clock=clock, require_campaign=require_campaign)
    try:
        yield services
    finally:
        await services.close()


def database_of(services: Services) -> Database:
    """The SQLite database behind the ports, for tests, benchmarks and backups that read it."""
    items = services.items
    assert isinstance(items, ItemRepo), "the core is not wired to the SQLite store"
    return items.db
