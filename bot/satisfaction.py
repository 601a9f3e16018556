"""The satisfaction figures staff report: how deputies rated the units' answers, and what the
units answered.

Which votes count: the `ratings` rows (one per raiser and handling round) of the items the tally
counts for the period, i.e. items submitted in it that are not drafts, withdrawn or merged (a
merged item's raisers vote on the item it joined). Of each item only the round most recently voted
on counts: an item rated 不满意 and answered again is judged on its new answer, and until anyone
votes on that, its last verdict stands. Votes still being cast (the rating window is open) count
as cast. The headline rate is (满意 + 基本满意) / valid votes; 弃权 is not a valid vote
(DOMAIN.md, bot.rating_rules.satisfaction_rate).

Which answers count: of the same items, each item's latest answer (items.response_class, set by
every answer, whether sent in the bot or recorded by staff from paper), by class: A 已解决,
B 列入计划, C 暂缓/留作参考. So the classes add up to the items answered, not to answers sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.answer_terms import REASONS
from bot.lifecycle import Rating, ResponseClass
from bot.query_ports import SatisfactionStore
from bot.texts import Texts

VALID = (Rating.SATISFIED, Rating.BASICALLY, Rating.DISSATISFIED)


@dataclass(frozen=True, slots=True)
class Satisfaction:
    votes: dict[Rating, int]  # every Rating, zeros included
    answers: dict[ResponseClass, int]  # every class, zeros included
    # Items answered C, by reason category (bot/answer_terms.py REASONS, zeros included).
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def valid(self) -> int:
        return sum(self.votes[r] for r in VALID)

    @property
    def satisfied(self) -> int:
        """满意 + 基本满意."""
        return self.votes[Rating.SATISFIED] + self.votes[Rating.BASICALLY]

    @property
    def rate(self) -> float | None:
        """(满意 + 基本满意) / valid votes; None without any valid vote."""
        return self.satisfied / self.valid if self.valid else None

    @property
    def answered(self) -> int:
        return sum(self.answers.values())

    def percent(self) -> str:
        """The rate as people read it (85.7%); a dash without valid votes."""
        rate = self.rate
        return "—" if rate is None else f"{rate:.1%}"

    def params(self) -> dict[str, int | str]:
        """Every figure as message parameters, the same names in every catalog text that uses
        them (the tally, the staff digest); language-neutral, so a notice can carry them."""
        return {
            "rate": self.percent(),
            "valid": self.valid,
            "good": self.satisfied,
            "satisfied": self.votes[Rating.SATISFIED],
            "basically": self.votes[Rating.BASICALLY],
            "dissatisfied": self.votes[Rating.DISSATISFIED],
            "abstain": self.votes[Rating.ABSTAIN],
            "answers": self.answered,
            "a": self.answers[ResponseClass.A],
            "b": self.answers[ResponseClass.B],
            "c": self.answers[ResponseClass.C],
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "valid_votes": self.valid,
            "votes": {str(r): n for r, n in self.votes.items()},
            "answers": {str(c): n for c, n in self.answers.items()},
            "reasons": dict(self.reasons),
        }


def satisfaction_of(
    votes: dict[str, int], answers: dict[str, int], reasons: dict[str, int] | None = None
) -> Satisfaction:
    reasons = reasons or {}
    return Satisfaction(
        votes={r: votes.get(r.value, 0) for r in Rating},
        answers={c: answers.get(c.value, 0) for c in ResponseClass},
        reasons={code: reasons.get(code, 0) for code in REASONS},
    )


async def load_satisfaction(
    store: SatisfactionStore, campaign_id: int, start: str, end: str
) -> Satisfaction:
    """The figures of the items submitted in [start, end) (stored UTC bounds, see bot.tally_period)."""
    return satisfaction_of(
        await store.vote_counts(campaign_id, start, end),
        await store.answer_counts(campaign_id, start, end),
        await store.reason_counts(campaign_id, start, end),
    )


def render_satisfaction(figures: Satisfaction, texts: Texts) -> list[str]:
    """The sections of the tally message (HTML lines): votes by rating, answers by class."""
    lines = ["", texts("tally.by_rating")]
    lines += [
        texts("tally.rating_row", rating=texts(f"rating.{r}"), count=figures.votes[r])
        for r in VALID
    ]
    lines.append(texts("tally.abstain_row", count=figures.votes[Rating.ABSTAIN]))
    lines += ["", texts("tally.by_answer", count=figures.answered)]
    lines += [
        texts("tally.answer_row", cls=texts(f"response_class.{c}"), count=figures.answers[c])
        for c in ResponseClass
    ]
    if any(figures.reasons.values()):
        lines.append(texts("answers.tally_by_reason"))
        lines += [
            texts("answers.tally_reason_row", reason=texts(f"answer_reason.{code}"), count=n)
            for code, n in figures.reasons.items()
        ]
    return lines


def satisfaction_headline(figures: Satisfaction, texts: Texts) -> str:
    if not figures.valid:
        return texts("tally.satisfaction_none")
    return texts("tally.satisfaction", **figures.params())
