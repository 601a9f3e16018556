"""What the web console asks for and shows: the item list's query and rows, and map points.

Plain data, shared by the console's use cases (bot/usecases/console.py), the store that answers
them (storage/console.py) and the pages (web/). A query is parsed from a URL by the web door and
held to the caller's reach by the use case, never by the page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Final, Literal, NamedTuple

from bot.items import Kind, Status, format_number

Sort = Literal["number", "-number", "due", "submitted", "-submitted"]
SORTS: Final[tuple[Sort, ...]] = ("-number", "number", "due", "submitted", "-submitted")
PAGE_SIZES: Final = (25, 50, 100)
MAX_TEXT = 100  # a search longer than this is a paste, not a search


@dataclass(frozen=True, slots=True)
class ItemQuery:
    """Which items the list shows, in which order, which page. None: no filter on that field."""

    statuses: tuple[Status, ...] = ()
    kind: Kind | None = None
    project_id: int | None = None
    subitem_id: int | None = None
    unit_id: int | None = None
    group_id: int | None = None
    category_id: int | None = None
    date_from: date | None = None  # submitted on or after (a local date)
    date_to: date | None = None  # submitted on or before (a local date)
    overdue: bool = False
    sign_overdue: bool = False  # 签收超时: forwarded, not signed for by its sign-for deadline
    text: str = ""  # words of the description, or an item number such as 2020-0042 or 42
    sort: Sort = "-number"
    page: int = 1
    per_page: int = 50

    def held_to(self, group_id: int | None, unit_id: int | None) -> ItemQuery:
        """The query within a reach: a leader's list is their group's whatever the URL says."""
        return replace(
            self,
            group_id=group_id if group_id is not None else self.group_id,
            unit_id=unit_id if unit_id is not None else self.unit_id,
        )

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True, slots=True)
class ConsoleRow:
    """One item in the console's list."""

    item_id: int
    number: int | None
    year: int
    kind: Kind
    status: Status
    project: str
    subitem: str
    site: str
    unit: str
    unit_id: int | None  # where it goes: the unit staff set, else the sub-item's lead unit
    group: str
    category: str
    category_en: str
    description: str
    submitted_at: datetime | None
    due_at: datetime | None
    raisers: int
    sign_due_at: datetime | None = None  # while forwarded: by when the unit signs for it

    def sign_overdue(self, now: datetime) -> bool:
        return (
            self.status is Status.FORWARDED
            and self.sign_due_at is not None
            and (now > self.sign_due_at)
        )

    @property
    def display_number(self) -> str:
        return format_number(self.year, self.number) if self.number is not None else ""


@dataclass(frozen=True, slots=True)
class ItemPage:
    rows: list[ConsoleRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class MapPoint(NamedTuple):
    """A point on the console's map (WGS-84): a site with its open items, or a check-in.

    A named tuple, not a frozen dataclass: the map makes 12,000 of them a request at 10,000
    sites, and a frozen dataclass's __init__ took 23 ms of that against 9 (bench/console.py)."""

    kind: Literal["site", "checkin"]
    lat: float
    lon: float
    label: str
    open_items: int
    overdue_items: int
    item_id: int | None = None  # the worst open item at a site, for its link


@dataclass(frozen=True, slots=True)
class Choice:
    """An option of a filter: its id and its name as the catalog has it."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class FilterChoices:
    projects: list[Choice]
    subitems: list[Choice]
    units: list[Choice]
    groups: list[Choice]
    categories: list[Choice]
