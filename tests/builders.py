"""Domain objects for unit tests of the rules: an item and people, with sensible defaults; the
cast the rule tests share, and how they read a refusal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.config import DeadlineSettings
from bot.errors import Refused
from bot.items import Item, Kind, Severity, Status
from bot.lifecycle import Parties, Policy
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


def item(status: Status = Status.SUBMITTED) -> Item:
    """An item in `status`; tests change its other fields with dataclasses.replace, whose names
    and types mypy checks against Item itself."""
    return Item(
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


# --- the cast of the rule tests (tests/test_lifecycle_rules.py, test_extension_rules.py,
# test_scope.py): the default item() is AUTHOR's, in GROUP, forwarded (or to be) to UNIT.

ZONE = ZoneInfo("Asia/Shanghai")
POLICY = Policy(DeadlineSettings(), ZONE)

AUTHOR = person(1)
CO_RAISER = person(2)
LEADER = person(3, Role.LEADER)
OTHER_LEADER = person(4, Role.LEADER, group_id=OTHER_GROUP)
STAFF = person(5, Role.STAFF)
LIAISON = person(6, Role.LIAISON, unit_id=UNIT)
OTHER_LIAISON = person(7, Role.LIAISON, unit_id=OTHER_UNIT)
OTHER_DEPUTY = person(9, group_id=OTHER_GROUP)
# Who the default item's notices go to.
PARTIES = Parties(
    raisers=(AUTHOR.id, CO_RAISER.id),
    liaisons=(LIAISON.id,),
    staff=(STAFF.id,),
    leaders=(LEADER.id,),
)


def refusal(call: Callable[[], object]) -> tuple[str, dict[str, object]]:
    """The key and parameters of the Refused that `call` must raise."""
    with pytest.raises(Refused) as info:
        call()
    return info.value.key, info.value.params


def refused(call: Callable[[], object]) -> str:
    """The key of the Refused that `call` must raise."""
    return refusal(call)[0]
