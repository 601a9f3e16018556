"""The problem-and-suggestion list (问题与建议清单): which items, which columns, how cells read.

Shared by every export format. The storage layer turns a `ListFilter` into `ListRow`s; the writers
turn rows into cells with `ListLabels.cells`, so an Excel sheet, its CSV twin and the letter's
table say the same thing about each item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo

from bot.clock import to_db
from bot.deadlines import Light, light
from bot.errors import Refused
from bot.items import Kind, Severity, Status
from bot.texts import Texts, catalog_name

Format = Literal["xlsx", "csv", "docx", "zip"]
FORMATS: Final[tuple[Format, ...]] = ("xlsx", "csv", "docx", "zip")

# Not part of the list unless a status filter asks for them: never sent to the government, or
# folded into another item that is listed instead. Drafts have no number and are never listed.
NOT_LISTED_BY_DEFAULT: Final = frozenset(
    {Status.DRAFT, Status.WITHDRAWN, Status.MERGED, Status.DECLINED}
)


@dataclass(frozen=True, slots=True)
class ListFilter:
    """Which items go on the list. Dates are local dates in the campaign's zone, both inclusive."""

    date_from: date | None = None
    date_to: date | None = None
    project: str | None = None  # project code
    group: str | None = None  # supervision group code
    unit: str | None = None  # lead unit code
    statuses: tuple[Status, ...] = ()  # empty: everything but NOT_LISTED_BY_DEFAULT

    def listed_statuses(self) -> tuple[Status, ...]:
        wanted = self.statuses or tuple(s for s in Status if s not in NOT_LISTED_BY_DEFAULT)
        return tuple(s for s in wanted if s is not Status.DRAFT)

    def submitted_between(self, zone: ZoneInfo) -> tuple[str | None, str | None]:
        """The dates as a half-open range of stored (UTC text) submission times."""
        start = end = None
        if self.date_from is not None:
            start = to_db(datetime.combine(self.date_from, time.min, zone))
        if self.date_to is not None:
            end = to_db(datetime.combine(self.date_to + timedelta(days=1), time.min, zone))
        return start, end


@dataclass(frozen=True, slots=True)
class ListRow:
    """One item as the list shows it (names already joined from the catalog)."""

    item_id: int
    number: str  # e.g. 2020-0042
    kind: Kind
    status: Status
    project: str
    subitem: str
    site: str
    district: str
    unit: str  # the lead unit: the item's own if staff re-routed it, else the sub-item's
    category: str
    category_en: str
    severity: Severity | None
    description: str
    raisers: str  # names joined by '、'
    raiser_count: int
    group: str
    submitted_at: datetime | None
    due_at: datetime | None
    response_class: str | None  # A, B or C of the latest answer
    response: str
    rating: str | None  # satisfied, basically, dissatisfied
    lookback: str | None  # held, broken
    thumb_path: str | None  # the first evidence (else more_info) photo's thumbnail, in the store


@dataclass(frozen=True, slots=True)
class ListPhoto:
    """An original photo of a listed item, for the photo archive."""

    photo_id: int
    number: str
    path: str  # relative to the photo store
    sha256: str
    taken_at: str | None
    purpose: str
    size_bytes: int
    kind: Kind  # of the item: the archive counts the problems and suggestions it has photos of


# --- spreadsheet safety ---------------------------------------------------------------------------

# OWASP "CSV injection": a cell starting with one of these is a formula (or DDE call) to Excel,
# LibreOffice or WPS. Full-width forms count because WPS and Excel on Chinese systems may treat
# them as their ASCII twins; tab and CR because some importers strip them and then see the rest.
_FORMULA_START: Final = frozenset("=+-@\t\r＝＋－＠")


def neutralise(text: str) -> str:
    """Text that a spreadsheet can never run: a leading single quote before a formula start."""
    if not text:
        return text
    first = text[0]
    if first in _FORMULA_START:
        return "'" + text
    if first == " ":
        # Some spreadsheets trim the cell before deciding whether it is a formula.
        stripped = text.lstrip(" ")
        if stripped[:1] in _FORMULA_START:
            return "'" + text
    return text


# Characters XML 1.0 (and so .xlsx and .docx) cannot carry at all.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


# --- columns --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    width: float  # in Excel character units
    wrap: bool = False
    problems_only: bool = False  # suggestions have no category and no severity


# The data keys every writer draws from, in this order (see ListLabels.cells). `seq` is the row's
# position in its sheet or file; the thumbnail is not a data cell and lives only in the workbook.
DATA_KEYS: Final = (
    "seq",
    "number",
    "kind",
    "project",
    "subitem",
    "site",
    "district",
    "unit",
    "category",
    "severity",
    "content",
    "raisers",
    "raiser_count",
    "group",
    "date",
    "status",
    "due",
    "light",
    "response_class",
    "response",
    "rating",
    "lookback",
)
PHOTO_KEY: Final = "photo"
LIGHT_INDEX: Final = DATA_KEYS.index("light")


def columns(texts: Texts) -> dict[str, Column]:
    """Every column with its header in the texts' language, in the workbook's order."""
    return {
        c.key: c
        for c in (
            Column("seq", texts("export.col.seq"), 6),
            Column("number", texts("export.col.number"), 11),
            Column("kind", texts("export.col.kind"), 6),
            Column("project", texts("export.col.project"), 22, wrap=True),
            Column("subitem", texts("export.col.subitem"), 22, wrap=True),
            Column("site", texts("export.col.site"), 20, wrap=True),
            Column("district", texts("export.col.district"), 9),
            Column("unit", texts("export.col.unit"), 14, wrap=True),
            Column("category", texts("export.col.category"), 12, problems_only=True),
            Column("severity", texts("export.col.severity"), 8, problems_only=True),
            Column("content", texts("export.col.content"), 48, wrap=True),
            Column(PHOTO_KEY, texts("export.col.photo"), 15),
            Column("raisers", texts("export.col.raisers"), 14, wrap=True),
            Column("raiser_count", texts("export.col.raiser_count"), 6),
            Column("group", texts("export.col.group"), 14, wrap=True),
            Column("date", texts("export.col.date"), 11),
            Column("status", texts("export.col.status"), 8),
            Column("due", texts("export.col.due"), 11),
            Column("light", texts("export.col.light"), 6),
            Column("response_class", texts("export.col.response_class"), 14),
            Column("response", texts("export.col.response"), 40, wrap=True),
            Column("rating", texts("export.col.rating"), 9),
            Column("lookback", texts("export.col.lookback"), 9),
        )
    }


Cell = str | int | date | None


class ListLabels:
    """Everything a writer needs to turn rows into cells, prepared once per export."""

    def __init__(self, texts: Texts, zone: ZoneInfo, now: datetime, due_soon_days: int) -> None:
        self.texts = texts
        self.language = texts.language
        self.zone = zone
        self.now = now
        self.due_soon_days = due_soon_days
        self.columns = columns(texts)
        self.kinds = {k: texts(f"kind.{k}") for k in Kind}
        self.statuses = {s: texts(f"status.{s}") for s in Status}
        self.severities = {s: texts(f"severity.{s}") for s in Severity}
        self.classes = {
            "A": texts("export.class.a"),
            "B": texts("export.class.b"),
            "C": texts("export.class.c"),
        }
        self.ratings = {
            "satisfied": texts("export.rating.satisfied"),
            "basically": texts("export.rating.basically"),
            "dissatisfied": texts("export.rating.dissatisfied"),
        }
        self.lookbacks = {
            "held": texts("export.lookback.held"),
            "broken": texts("export.lookback.broken"),
        }
        self.lights = {
            Light.GREEN: texts("export.light.green"),
            Light.YELLOW: texts("export.light.yellow"),
            Light.RED: texts("export.light.red"),
        }

    def light_of(self, row: ListRow) -> Light | None:
        return light(row.status, row.due_at, self.now, self.due_soon_days)

    def local_date(self, moment: datetime | None) -> date | None:
        return None if moment is None else moment.astimezone(self.zone).date()

    def cells(self, row: ListRow, seq: int, colour: Light | None) -> tuple[Cell, ...]:
        """The row's cells in DATA_KEYS order; text is neutralised for spreadsheets."""
        category = catalog_name(row.category, row.category_en, self.language)
        response_class = row.response_class
        return (
            seq,
            row.number,
            self.kinds[row.kind],
            neutralise(row.project),
            neutralise(row.subitem),
            neutralise(row.site),
            neutralise(row.district),
            neutralise(row.unit),
            neutralise(category),
            self.severities[row.severity] if row.severity is not None else "",
            neutralise(row.description),
            neutralise(row.raisers),
            row.raiser_count,
            neutralise(row.group),
            self.local_date(row.submitted_at),
            self.statuses[row.status],
            self.local_date(row.due_at),
            self.lights[colour] if colour is not None else "",
            self.classes.get(response_class, response_class) if response_class else "",
            neutralise(row.response),
            self.ratings.get(row.rating, row.rating) if row.rating else "",
            self.lookbacks.get(row.lookback, row.lookback) if row.lookback else "",
        )


# --- periods staff pick in the chat ---------------------------------------------------------------

PERIODS: Final = ("all", "this_month", "last_month", "this_week")


def period_dates(choice: str, today: date) -> tuple[date | None, date | None]:
    """A named period as inclusive local dates; "all" has no bounds."""
    if choice == "this_month":
        return today.replace(day=1), today
    if choice == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if choice == "this_week":
        return today - timedelta(days=today.weekday()), today
    return None, None


_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_RANGE = re.compile(rf"^\s*{_DATE}\s*(?:[-~～至到—,，]+|\s)\s*{_DATE}\s*$")


def parse_period(text: str) -> tuple[date, date]:
    """Two dates typed as `2020-05-01 2020-06-30` (or 2020/5/1~2020/6/30, 2020年5月1日至6月…)."""
    match = _RANGE.match(text)
    if match is None:
        raise Refused("export.bad_period")
    numbers = [int(g) for g in match.groups()]
    try:
        start = date(numbers[0], numbers[1], numbers[2])
        end = date(numbers[3], numbers[4], numbers[5])
    except ValueError as exc:
        raise Refused("export.bad_period") from exc
    if start > end:
        raise Refused("export.period_reversed")
    return start, end


def local_today(zone: ZoneInfo, now: datetime) -> date:
    """Today's date where the campaign is."""
    return now.astimezone(zone).date()


BATCH_ROWS = 2000
