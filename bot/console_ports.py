"""The core's ports for the web console: its list, filters and map, and its logins and sessions.

storage/console.py and storage/web_auth.py implement them in SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.console import FilterChoices, ItemPage, ItemQuery, MapPoint


class ConsoleStore(Protocol):
    """The item list (filtered, searched, sorted, paged), its filters' choices, the map's points."""

    async def search(
        self, campaign_id: int, query: ItemQuery, *, now: datetime, zone: ZoneInfo
    ) -> ItemPage: ...

    async def choices(self, campaign_id: int) -> FilterChoices: ...

    async def map_points(
        self, campaign_id: int, group_id: int | None, unit_id: int | None, *, now: datetime
    ) -> list[MapPoint]: ...

    async def overdue_by_unit(
        self, campaign_id: int, group_id: int | None, unit_id: int | None, *, now: datetime
    ) -> list[UnitOverdue]: ...


@dataclass(frozen=True, slots=True)
class WebSession:
    """A signed-in browser: whose, its CSRF token, when it was last used, whether it ended."""

    id: int
    person_id: int
    csrf: str
    last_seen_at: datetime
    ended: bool


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One line of the console's audit trail: who (nobody yet, for a refused login), in which
    session, did what to what, how it ended, and when."""

    person_id: int | None
    session_id: int | None
    action: str
    target: str
    outcome: str
    at: datetime


class WebAuthStore(Protocol):
    """One-time login links and sessions; only SHA-256 digests of their tokens are stored."""

    async def add_link(
        self, person_id: int, token_hash: str, now: datetime, until: datetime
    ) -> None: ...

    async def use_link(self, token_hash: str, now: datetime) -> int | None:
        """The link's person, once: a second use, or a use after it expired, finds nothing."""
        ...

    async def open_session(
        self, person_id: int, token_hash: str, csrf: str, via: str, now: datetime
    ) -> int: ...

    async def session(self, token_hash: str) -> WebSession | None: ...

    async def touch(self, session_id: int, now: datetime) -> None: ...

    async def end_session(self, session_id: int, now: datetime) -> None: ...

    async def audit(self, line: AuditLine) -> None:
        """Every login and every change made in the console, with who made it and how it ended."""
        ...


@dataclass(frozen=True, slots=True)
class UnitOverdue:
    """A unit's items still waiting for its answer, and how many of them are past due."""

    unit_id: int
    unit: str
    waiting: int
    overdue: int
