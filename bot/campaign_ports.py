"""The port of several campaigns in one deployment: memberships, the campaign a person acts in,
joint inspections. In SQLite: storage/memberships.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from bot.people import Person

# What a notice's button names, whose campaign decides the membership that acts on it.
Named = Literal["item", "visit", "round"]


@dataclass(frozen=True, slots=True)
class JointCounts:
    """A campaign's joint inspections (联合视察) in a period: visits of its own or of a partner
    shared with one of its groups; items shared in from partners (counted in its tally)."""

    visits: int = 0
    problems_in: int = 0
    suggestions_in: int = 0
    items_out: int = 0

    @property
    def any(self) -> bool:
        return bool(self.visits or self.problems_in or self.suggestions_in or self.items_out)


@dataclass(frozen=True, slots=True)
class PartnerGroup:
    """A group of another served campaign that a visit or an item may be shared with."""

    id: int
    campaign_id: int
    campaign_code: str
    campaign_name: str
    code: str
    name: str


class MembershipStore(Protocol):
    async def memberships(self, telegram_user_id: int) -> list[Person]:
        """Every person row bound to the account (one per campaign), oldest first."""
        ...

    async def chosen_campaign(self, telegram_user_id: int) -> int | None: ...

    async def choose_campaign(
        self, telegram_user_id: int, campaign_id: int, now: datetime
    ) -> None: ...

    async def campaign_of(self, named: Named, record_id: int) -> int | None: ...

    async def partner_groups(
        self, campaign_ids: tuple[int, ...], exclude_campaign: int
    ) -> list[PartnerGroup]: ...

    async def share_visit(
        self, visit_id: int, group: PartnerGroup, by: int, now: datetime
    ) -> bool: ...

    async def share_item(
        self, item_id: int, group: PartnerGroup, by: int, now: datetime
    ) -> bool: ...

    async def partners_of_item(self, item_id: int) -> list[PartnerGroup]:
        """The partner groups an item is shared with: its own or its visit's sharing."""
        ...

    async def joint_counts(self, campaign_id: int, start: str, end: str) -> JointCounts: ...
