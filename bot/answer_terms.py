"""The terms an answer must carry beyond its class and text, as 12345 hotlines require them:

- a class-B answer (列入计划) promises a date; on that day the item comes back to the unit for a
  follow-up answer (bot/promises.py), which the raisers rate again;
- a class-C answer (暂缓 / 留作参考) names a reason category from one fixed list (REASONS), so the
  tally can count why items were not solved.

Pure: the doors pass what people typed or picked as an AnswerGiven, the use case turns it into
AnswerTerms through `answer_terms`, and the rule (bot/unit_rules.py answer) checks the terms fit the
class.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Final

from bot.deadlines import add_months
from bot.errors import Refused, require
from bot.lifecycle import Policy, ResponseClass
from bot.typed_dates import typed_day

# The reason categories of a class-C answer, in the order they are offered; their labels are
# catalog keys answer_reason.<code> (bot/locales/*/answers.toml).
REASONS: Final = ("policy", "funding", "not_our_duty", "conditions", "other")


@dataclass(frozen=True, slots=True)
class AnswerTerms:
    """What an answer carries besides class and text: built by `answer_terms`, checked there."""

    promised_at: datetime | None = None  # class B: the local start of the promised day
    reason: str | None = None  # class C: one of REASONS


NO_TERMS: Final = AnswerTerms()


def parse_day(text: str) -> date:
    """A promised date as people type it (bot/typed_dates.py), refused when it is none."""
    day = typed_day(text)
    if day is None:
        raise Refused("answers.promise_unreadable")
    return day


def check_promise(day: date, now: datetime, policy: Policy) -> datetime:
    """The promised day's local start, if it is after today and within the configured months."""
    today = now.astimezone(policy.zone).date()
    months = policy.answers.promise_max_months
    latest = add_months(datetime.combine(today, time()), months).date()
    require(day > today, "answers.promise_not_future", today=today.isoformat())
    require(day <= latest, "answers.promise_too_far", months=months, latest=latest.isoformat())
    return datetime.combine(day, time(), tzinfo=policy.zone)


def answer_terms(
    cls: ResponseClass,
    promised: date | None,
    reason: str | None,
    now: datetime,
    policy: Policy,
) -> AnswerTerms:
    """The terms for an answer of this class: B a promised date, C a reason, A neither (a
    date or reason sent with another class is ignored, as a form may keep a field filled)."""
    if cls is ResponseClass.B:
        require(promised is not None, "answers.promise_missing")
        assert promised is not None
        return AnswerTerms(promised_at=check_promise(promised, now, policy))
    if cls is ResponseClass.C:
        require(reason in REASONS, "answers.reason_missing")
        return AnswerTerms(reason=reason)
    return NO_TERMS


@dataclass(frozen=True, slots=True)
class AnswerGiven:
    """An answer as a door took it in: its class and text, and the promised date (B) or reason
    category (C) as typed or picked, not yet checked (`terms` checks them)."""

    cls: ResponseClass
    text: str
    promised: date | None = None
    reason: str | None = None

    def terms(self, now: datetime, policy: Policy) -> AnswerTerms:
        return answer_terms(self.cls, self.promised, self.reason, now, policy)


def fits(cls: ResponseClass, terms: AnswerTerms) -> bool:
    """Do the terms belong to the class (the rule's check)?"""
    if cls is ResponseClass.B:
        return terms.promised_at is not None and terms.reason is None
    if cls is ResponseClass.C:
        return terms.reason in REASONS and terms.promised_at is None
    return terms == NO_TERMS
