"""Items (problems and suggestions): what they are, their drafts, their numbers.

The rules of their later life (review, forwarding, answers, ratings, look-back) are in
bot/lifecycle.py; the full picture is in DOMAIN.md.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot import scope
from bot.errors import require
from bot.people import Person


class Kind(StrEnum):
    PROBLEM = "problem"
    SUGGESTION = "suggestion"


class Severity(StrEnum):
    NORMAL = "normal"  # 一般
    SERIOUS = "serious"  # 较重
    GRAVE = "grave"  # 严重


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"
    MERGED = "merged"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    FORWARDED = "forwarded"
    RETURNED = "returned"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    RATED = "rated"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    campaign_id: int
    kind: Kind
    status: Status
    number: int | None
    year: int
    author_id: int
    visit_id: int | None
    site_id: int | None
    site_name: str | None
    project_id: int | None
    project_title: str | None
    subitem_id: int | None
    subitem_title: str | None
    category_id: int | None
    category_name: str | None
    category_name_en: str | None
    severity: Severity | None
    description: str
    created_at: datetime
    submitted_at: datetime | None
    photo_count: int
    group_id: int | None = None
    unit_id: int | None = None  # the unit it is (to be) forwarded to
    unit_name: str | None = None
    lead_unit_id: int | None = None  # the sub-item's lead unit: where it goes unless re-routed
    merged_into_id: int | None = None
    forwarded_at: datetime | None = None
    due_at: datetime | None = None
    for_letter: bool = False
    round: int = 0
    response_class: str | None = None
    answered_at: datetime | None = None
    rating: str | None = None
    closed_at: datetime | None = None
    lookback_result: str | None = None
    signed_at: datetime | None = None  # when the unit signed for it (签收)
    sign_due_at: datetime | None = None  # by when it had to (bot/unit_deadlines.py)
    # A class-B answer's promised day (its local start), until the follow-up answer; and a
    # class-C answer's reason category (bot/answer_terms.py).
    promised_at: datetime | None = None
    answer_reason: str | None = None

    @property
    def display_number(self) -> str:
        return format_number(self.year, self.number) if self.number is not None else ""


@dataclass(frozen=True, slots=True)
class Transition:
    """A change of status, recorded as an event with who and why."""

    item_id: int
    from_status: Status
    to_status: Status
    actor_id: int | None  # None: the bot itself (a deadline passed)
    note: str = ""


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """Which of a campaign's items (never drafts) a search finds, in which order: "number" or
    "due". Empty or None: no filter on that field."""

    statuses: tuple[Status, ...] = ()
    group_id: int | None = None
    unit_id: int | None = None
    limit: int = 50
    offset: int = 0
    order: str = "number"


def format_number(year: int, number: int) -> str:
    """Numbers read like 2025-0042: per campaign, gap-free, never reused."""
    return f"{year}-{number:04d}"


_TYPED_NUMBER = re.compile(r"^\s*(?:(\d{4})\s*[-－–—]\s*)?(\d{1,6})\s*$")


def parse_number(text: str) -> tuple[int | None, int] | None:
    """A number as people type it: 2025-0042, 0042 or 42 (any dash) -> (year or None, number)."""
    match = _TYPED_NUMBER.match(text)
    if match is None:
        return None
    return (int(match.group(1)) if match.group(1) else None), int(match.group(2))


_INVISIBLE = {"Cf", "Cc", "Cs", "Co", "Cn"}
# Zero-width (non-)joiners are format characters too, but they hold emoji sequences such as
# 👨‍👩‍👧 and Indic and Persian words together.
_JOINERS = {"\u200c", "\u200d"}


def clean_description(text: str) -> str:
    """Drop control, zero-width and bidi-override characters; keep line breaks and all scripts."""
    kept = [
        ch
        for ch in unicodedata.normalize("NFC", text)
        if ch in "\n\t" or ch in _JOINERS or unicodedata.category(ch) not in _INVISIBLE
    ]
    lines = ["".join(line).strip() for line in "".join(kept).split("\n")]
    return "\n".join(lines).strip()


def _meaningful(ch: str) -> bool:
    # Unicode letters (L*: Latin, Cyrillic, Arabic, kana, hangul, and CJK ideographs, which are
    # Lo) and numbers (N*: 3, ３, 〇, ①). Not punctuation, spaces, symbols (emoji are So),
    # combining marks or invisible characters.
    return unicodedata.category(ch)[0] in "LN"


def meaningful_chars(text: str) -> int:
    """How many letters, digits and CJK ideographs `text` has; what a reader actually reads."""
    return sum(1 for ch in text if _meaningful(ch))


def has_words(text: str) -> bool:
    """At least some letters or digits: a row of emoji says nothing staff can act on."""
    return any(_meaningful(ch) for ch in text)


def validate_description(text: str, min_chars: int, max_chars: int) -> str:
    """The cleaned description, or Refused with the rule it breaks.

    The minimum counts meaningful characters only (see meaningful_chars): "路灯！！！！" is two
    characters of report, not six. It is not weighted by script: one Chinese character carries
    about as much as a short English word, so a minimum that fits Chinese (4: "路灯不亮",
    "井盖缺失" are complete reports) is lenient for English, and that is the safe side: the
    minimum only catches accidental sends ("好", "ok", "1"); reviewers judge the rest. A weighted
    count would also be a rule no deputy could check by eye.

    The maximum counts every character after cleaning, as it did: it bounds what is stored,
    shown and exported, and punctuation takes room there too.
    """
    cleaned = clean_description(text)
    require(
        len(cleaned) <= max_chars, "report_description_too_long", max=max_chars, got=len(cleaned)
    )
    # Emoji or punctuation alone: "needs words" says more than "too short" would.
    require(not cleaned or has_words(cleaned), "report_description_no_words")
    got = meaningful_chars(cleaned)
    require(got >= min_chars, "report_description_too_short", min=min_chars, got=got)
    return cleaned


@dataclass(frozen=True, slots=True)
class NewDraft:
    """A deputy's new, empty draft: of which kind, whose, in which campaign and group."""

    campaign_id: int
    kind: Kind
    author_id: int
    group_id: int | None


@dataclass(frozen=True, slots=True)
class DraftFields:
    kind: Kind
    site_id: int | None
    project_id: int | None
    subitem_id: int | None
    category_id: int | None
    severity: Severity | None
    description: str


def check_complete(draft: DraftFields) -> None:
    """A draft can be submitted when it says where, what kind of problem, and what."""
    require(draft.site_id is not None or draft.project_id is not None, "report_missing_place")
    if draft.kind is Kind.PROBLEM:
        require(draft.category_id is not None, "report_missing_category")
        require(draft.severity is not None, "report_missing_severity")
    require(bool(draft.description), "report_missing_description")


def withdraw(item: Item, actor: Person) -> Transition:
    """The author takes an item back while nobody has reviewed it yet."""
    scope.require_author(actor, item)
    require(item.status is Status.SUBMITTED, "withdraw_not_possible")
    return Transition(item.id, item.status, Status.WITHDRAWN, actor.id)


# What a unit sees: items it has to handle, answers waiting for the deputies' rating, and the
# items it returned (until staff re-route them to another unit).
INBOX_STATUSES = (Status.FORWARDED, Status.IN_PROGRESS, Status.ANSWERED, Status.RETURNED)
