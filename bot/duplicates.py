"""Likely duplicates of an item: what a leader may want to merge it into.

Deputies of one group often visit the same site and write up the same problem in their own words.
A candidate scores for sharing the place (the same site most, the same sub-item or project less)
and for how alike the descriptions read. Chinese has no spaces between words, so texts are
compared as sets of character bigrams, not words.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from bot.items import Item, Status

# Statuses of items nobody should merge into: unfinished, taken back, turned down, or merged away.
GONE = frozenset({Status.DRAFT, Status.WITHDRAWN, Status.DECLINED, Status.MERGED})

SAME_SITE = 0.3
SAME_SUBITEM = 0.2
SAME_PROJECT = 0.1
TEXT_WEIGHT = 0.7
# Two different problems found at one site score 0.3 from the place alone; they need shared
# wording too (a fifth of their bigrams or so). Reworded text in the same project passes, and so
# do identical texts anywhere in the campaign.
THRESHOLD = 0.45


def normalise(text: str) -> str:
    """Letters and digits only, case- and width-folded (full-width "ＡＢ１" reads as "ab1")."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def shingles(text: str) -> frozenset[str]:
    """Character bigrams of the normalised text (single characters for a one-letter text)."""
    cleaned = normalise(text)
    if len(cleaned) < 2:
        return frozenset(cleaned)
    return frozenset(cleaned[i : i + 2] for i in range(len(cleaned) - 1))


def text_similarity(a: str, b: str) -> float:
    """Dice coefficient of the bigram sets: 1.0 for the same wording, near 0 for unrelated text."""
    left, right = shingles(a), shingles(b)
    if not left or not right:
        return 0.0
    return 2 * len(left & right) / (len(left) + len(right))


def place_score(item: Item, other: Item) -> float:
    """How strongly two items point at the same place."""
    if item.site_id is not None and item.site_id == other.site_id:
        return SAME_SITE
    if item.subitem_id is not None and item.subitem_id == other.subitem_id:
        return SAME_SUBITEM
    if item.project_id is not None and item.project_id == other.project_id:
        return SAME_PROJECT
    return 0.0


def duplicate_score(item: Item, other: Item) -> float:
    return place_score(item, other) + TEXT_WEIGHT * text_similarity(
        item.description, other.description
    )


def likely_duplicates(
    item: Item, candidates: Iterable[Item], limit: int = 3
) -> list[tuple[Item, float]]:
    """The best few alive items of the same campaign that `item` may repeat, best first."""
    scored = [
        (other, duplicate_score(item, other))
        for other in candidates
        if other.id != item.id
        and other.campaign_id == item.campaign_id
        and other.status not in GONE
        and other.merged_into_id is None
    ]
    # Ties go to the earlier item: merging into the first report keeps the list's order.
    scored.sort(key=lambda pair: (-pair[1], pair[0].number or 0, pair[0].id))
    return [(other, score) for other, score in scored if score >= THRESHOLD][:limit]
