"""What the storage tests (tests/test_storage_*.py) share: the example catalog imported once into a
template database, a World of repositories with two deputies of one group, and drafts by them."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest

from bot.catalog import Catalog
from bot.catalog_file import EXAMPLE_CATALOG, load_catalog
from bot.invitations import NewInvitation, hash_token, new_token
from bot.items import Kind, NewDraft, Severity
from bot.people import Role
from bot.records import SiteRecord
from storage.catalog import CatalogRepo, import_catalog
from storage.db import Database
from storage.items import ItemRepo
from storage.people import PeopleRepo
from storage.photos import PhotoRepo
from storage.visits import VisitRepo

NOW = datetime(2025, 6, 3, 1, 30, tzinfo=UTC)
DESCRIPTION = "外墙脱落, 存在安全隐患"
# What a group covers: an import replaces a group's list whole (storage/catalog.py _replace_links).
LINK_TABLES = ("group_projects", "group_units")
# Every table a catalog import writes (storage/catalog.py import_catalog).
CATALOG_TABLES = (
    "campaigns",
    "units",
    "projects",
    "subitems",
    "targets",
    "sites",
    "groups",
    "categories",
    "campaign_phases",
    "campaign_key_dates",
    *LINK_TABLES,
)


@cache
def example_catalog() -> Catalog:
    return load_catalog(EXAMPLE_CATALOG)


async def _counts(db: Database, tables: tuple[str, ...] = CATALOG_TABLES) -> dict[str, int]:
    return {t: int(await db.fetch_value(f"SELECT COUNT(*) FROM {t}")) for t in tables}


@dataclass
class World:
    """An imported campaign with a few people, and the repositories."""

    db: Database
    catalog: CatalogRepo
    people: PeopleRepo
    items: ItemRepo
    visits: VisitRepo
    photos: PhotoRepo
    campaign_id: int
    year: int
    group_id: int
    site: SiteRecord
    category_id: int
    deputy_id: int
    other_id: int


async def _invite(
    people: PeopleRepo,
    campaign_id: int,
    name: str,
    *,
    role: Role = Role.DEPUTY,
    group_id: int | None = None,
    token: str | None = None,
    expires_at: datetime | None = None,
) -> int:
    invitation = NewInvitation(
        campaign_id=campaign_id,
        name=name,
        role=role,
        group_id=group_id,
        unit_id=None,
        token_hash=hash_token(token or new_token()),
        created_by=None,
        expires_at=expires_at or NOW + timedelta(days=7),
    )
    person_id = await people.invite(invitation, NOW)
    assert person_id is not None  # None only for an input seen before (source_key); none here
    return person_id


async def _build_template(path: Path) -> None:
    database = Database(path)
    await database.open()
    try:
        await import_catalog(database, example_catalog(), now=NOW)
    finally:
        await database.close()


@pytest.fixture(scope="module")
def imported_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the example catalog imported, built once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "imported.sqlite3"
    asyncio.run(_build_template(path))
    assert not path.with_name(path.name + "-wal").exists()  # closed cleanly: one file
    return path


@pytest.fixture
async def world(tmp_path: Path, imported_template: Path) -> AsyncIterator[World]:
    path = tmp_path / "world.sqlite3"
    shutil.copyfile(imported_template, path)
    db = Database(path)
    await db.open()
    try:
        yield await _world(db)
    finally:
        await db.close()


async def _world(db: Database) -> World:
    catalog = CatalogRepo(db)
    campaign = await catalog.campaign()
    assert campaign is not None
    group = await catalog.group_by_code(campaign.id, "G01")
    assert group is not None
    project_id = min(await catalog.group_project_ids(group.id))
    sites = await catalog.sites_of_project(campaign.id, project_id)
    categories = await catalog.categories(campaign.id)
    people = PeopleRepo(db)
    deputy = await _invite(people, campaign.id, "王伟", group_id=group.id)
    other = await _invite(people, campaign.id, "李娜", group_id=group.id)
    return World(
        db=db,
        catalog=catalog,
        people=people,
        items=ItemRepo(db),
        visits=VisitRepo(db),
        photos=PhotoRepo(db),
        campaign_id=campaign.id,
        year=campaign.year,
        group_id=group.id,
        site=sites[0],
        category_id=categories[0].id,
        deputy_id=deputy,
        other_id=other,
    )


async def _draft(w: World, kind: Kind = Kind.PROBLEM, author: int | None = None) -> int:
    """An empty draft in the world's group, by its deputy unless told."""
    return await w.items.create_draft(
        NewDraft(w.campaign_id, kind, author or w.deputy_id, w.group_id), NOW
    )


async def _complete_draft(w: World, kind: Kind = Kind.PROBLEM, author: int | None = None) -> int:
    author_id = author or w.deputy_id
    item_id = await _draft(w, kind, author_id)
    fields: dict[str, object] = {"site_id": w.site.id, "description": DESCRIPTION}
    if kind is Kind.PROBLEM:
        fields.update(category_id=w.category_id, severity=Severity.SERIOUS)
    assert await w.items.update_draft(item_id, author_id, NOW, **fields)
    return item_id
