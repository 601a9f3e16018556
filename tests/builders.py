"""Domain objects for unit tests of the rules: an item and people, with sensible defaults."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from bot.items import Item, Kind, Severity, Status
from bot.people import Person, Role

NOW = datetime(2025, 6, 3, 1, 30, tzinfo=UTC)  # Tuesday 09:30 in Hangzhou

GROUP, OTHER_GROUP = 10, 20
UNIT, OTHER_UNIT = 100, 200


def person(
    person_id: int,
    role: Role = Role.DEPUTY,
    *,
    group_id: int | None = GROUP,
    unit_id: int | None = None,
    active: bool = True,
) -> Person:
    return Person(
        id=person_id,
        campaign_id=1,
        name=f"person {person_id}",
        role=role,
        group_id=group_id if role in (Role.DEPUTY, Role.LEADER) else None,
        unit_id=unit_id if role is Role.LIAISON else None,
        telegram_user_id=1000 + person_id,
        language=None,
        active=active,
    )


def item(status: Status = Status.SUBMITTED, **fields: object) -> Item:
    base = Item(
        id=7,
        campaign_id=1,
        kind=Kind.PROBLEM,
        status=status,
        number=42,
        year=2025,
        author_id=1,
        visit_id=None,
        site_id=1,
        site_name="site",
        project_id=1,
        project_title="project",
        subitem_id=None,
        subitem_title=None,
        category_id=1,
        category_name="进度滞后",
        category_name_en="Behind schedule",
        severity=Severity.NORMAL,
        description="描述",
        created_at=NOW,
        submitted_at=NOW,
        photo_count=0,
        group_id=GROUP,
        unit_id=UNIT,
        round=1 if status not in (Status.SUBMITTED, Status.REVIEWED) else 0,
    )
    return dataclasses.replace(base, **fields)
