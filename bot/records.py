"""Plain records the core and its stores exchange: the catalog as stored (ids are database ids),
photos, imports, look-backs, outbox rows and conversations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeGuard, get_args

from bot.photostore import StoredFiles
from bot.texts import catalog_name

# Bounds for code ranges in tallies: every catalog code sorts after the first and before the second.
BEFORE_ALL = ""
AFTER_ALL = "9999"


class CatalogNamed:
    """A catalog entry named in Chinese and, where the catalog gives one, in English: `label` is
    the name in the reader's language. The dataclasses that mix it in declare both fields."""

    __slots__ = ()
    name: str
    name_en: str

    def label(self, language: str) -> str:
        return catalog_name(self.name, self.name_en, language)


@dataclass(frozen=True, slots=True)
class CampaignRecord:
    id: int
    code: str
    name: str
    year: int
    timezone: str
    authority: str


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    id: int
    code: str
    title: str
    level: str
    district: str


@dataclass(frozen=True, slots=True)
class SubitemRecord:
    id: int
    project_id: int
    code: str
    title: str
    target: str
    unit_id: int


@dataclass(frozen=True, slots=True)
class SiteRecord:
    id: int
    project_id: int
    subitem_id: int | None
    code: str
    name: str
    district: str
    address: str
    lat: float
    lon: float
    radius_m: float


@dataclass(frozen=True, slots=True)
class CategoryRecord(CatalogNamed):
    id: int
    code: str
    name: str
    name_en: str


@dataclass(frozen=True, slots=True)
class GroupRecord:
    id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class UnitRecord:
    id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class PhotoTarget:
    """A photo belongs to exactly one record: an item, a visit or a unit's progress report.

    An item's photos have a purpose: the deputy's evidence, information added on the leader's
    request, the unit's answer, or a look-back; each purpose is counted on its own.
    """

    item_id: int | None = None
    visit_id: int | None = None
    purpose: str = "evidence"
    progress_report_id: int | None = None

    def __post_init__(self) -> None:
        owners = (self.item_id, self.visit_id, self.progress_report_id)
        if sum(owner is not None for owner in owners) != 1:
            raise ValueError("a photo belongs to exactly one item, visit or progress report")

    @property
    def kind(self) -> str:
        """ "item", "visit" or "progress_report": which record the photo belongs to (the
        column `<kind>_id` of photos names it)."""
        if self.item_id is not None:
            return "item"
        return "visit" if self.visit_id is not None else "progress_report"

    @property
    def value(self) -> int:
        for value in (self.item_id, self.visit_id, self.progress_report_id):
            if value is not None:
                return value
        raise AssertionError("a photo target without a record")


@dataclass(frozen=True, slots=True)
class PhotoFacts:
    """What a received photo file is, as its row keeps it; bot.photos.ProcessedPhoto adds the
    copies and probes derived from it."""

    sha256: str
    format: str
    width: int
    height: int
    size_bytes: int
    phash: int  # the legacy 64-bit difference hash, still kept (see bot/likeness.py)
    signature: bytes = field(repr=False)  # what later photos are compared with
    taken_at: datetime | None
    gps_lat: float | None
    gps_lon: float | None


@dataclass(frozen=True, slots=True)
class NewPhoto:
    person_id: int
    target: PhotoTarget
    facts: PhotoFacts
    files: StoredFiles
    as_file: bool
    flags: tuple[str, ...]
    file_unique_id: str
    received_at: datetime


# The sizes a photo is kept in; the console's photo addresses name one.
PhotoSize = Literal["thumb", "display", "original"]


def is_photo_size(text: str) -> TypeGuard[PhotoSize]:
    return text in get_args(PhotoSize)


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    id: int
    display_path: str
    thumb_path: str
    flags: tuple[str, ...]
    original_path: str = ""  # as received, EXIF included: for staff only

    def file(self, size: PhotoSize) -> str:
        """The stored file of this size (relative to the photo store)."""
        if size == "thumb":
            return self.thumb_path
        return self.display_path if size == "display" else self.original_path


@dataclass
class ImportReport:
    campaign_code: str
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())

    def count(self, table: str, outcome: str) -> None:
        bucket = getattr(self, outcome)
        bucket[table] = bucket.get(table, 0) + 1


@dataclass(frozen=True, slots=True)
class LookbackRecord:
    id: int
    item_id: int
    group_id: int | None
    round: int
    due_at: datetime
    done_at: datetime | None
    result: str | None

    @property
    def open(self) -> bool:
        return self.done_at is None


@dataclass(frozen=True, slots=True)
class Leader:
    person_id: int
    group_id: int
    language: str | None


@dataclass(frozen=True, slots=True)
class DueRow:
    """One outbox row ready to be sent, with what the sender needs to know of its recipient."""

    id: int
    person_id: int
    payload: str
    attempts: int
    dedup_key: str
    # NULL until the person redeems their invitation.
    telegram_user_id: int | None
    language: str | None
    blocked: bool
    active: bool


@dataclass(frozen=True, slots=True)
class Conversation:
    """Where a person is in a multi-step flow, and the flow's scratch data."""

    state: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Finished:
    """What one processed update leaves: its journal rows done, and the conversation of its
    sender (None: no open conversation any more)."""

    seqs: tuple[int, ...]
    address: str | None = None
    conversation: Conversation | None = None
    touched: bool = False  # False: the update did not concern a conversation; leave it
