"""The pure rules of extensions (延期申请) and the sign-for deadline (bot/unit_deadlines.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import partial

import pytest

from bot.answer_terms import parse_day
from bot.errors import Refused
from bot.items import Status
from bot.typed_dates import typed_day
from bot.unit_deadlines import (
    Decision,
    Extension,
    ask_extension,
    decide_extension,
    sign_deadline,
    sign_overdue,
)
from tests.builders import (
    LIAISON,
    NOW,
    OTHER_LIAISON,
    PARTIES,
    POLICY,
    STAFF,
    UNIT,
    ZONE,
    item,
    refused,
)

DUE = datetime(2025, 9, 3, 1, 30, tzinfo=ZONE)  # due 2025-09-03 local


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2025-10-20", date(2025, 10, 20)),
        ("2025/10/20", date(2025, 10, 20)),
        ("2025年10月20日", date(2025, 10, 20)),
        ("１０－２０", date(2025, 10, 20)),
        ("10月20日", date(2025, 10, 20)),
        ("1-15", date(2026, 1, 15)),  # the first such day after the due date: next year
        ("2025-02-30", None),
        ("next week", None),
        ("", None),
    ],
)
def test_dates_as_liaisons_type_them(typed: str, day: date | None) -> None:
    assert typed_day(typed, date(2025, 9, 3)) == day


@pytest.mark.parametrize(
    "typed", ["2025-10-20", "2025/10/20", "2025.10.20", "2025年10月20日", "２０２５－１０－２０"]
)
def test_a_promised_date_is_read_as_an_extension_date(typed: str) -> None:
    """The promised date of a class-B answer is typed the same ways (one reader for both);
    a month and day alone has no known day to follow, so it is refused there."""
    assert parse_day(typed) == typed_day(typed, date(2025, 9, 3)) == date(2025, 10, 20)
    for unreadable in ("10-20", "2025-02-30", "next week"):
        with pytest.raises(Refused) as caught:
            parse_day(unreadable)
        assert caught.value.key == "answers.promise_unreadable"


def test_an_extension_is_after_the_due_date_and_not_absurdly_far() -> None:
    it = replace(item(Status.IN_PROGRESS), due_at=DUE)
    new = ask_extension(it, LIAISON, "需要协调资金", date(2025, 10, 20), POLICY)
    assert (new.proposed_day, new.due_before, new.unit_id) == (date(2025, 10, 20), DUE, UNIT)
    for day, key in (
        (date(2025, 9, 3), "extension.date_not_later"),
        (date(2025, 12, 3), "extension.date_too_far"),  # 91 days on; 90 at most
        (None, "extension.bad_date"),
    ):
        assert refused(partial(ask_extension, it, LIAISON, "理由", day, POLICY)) == key
    assert ask_extension(it, LIAISON, "理由", date(2025, 12, 2), POLICY).proposed_day


def test_only_the_units_liaison_asks_while_it_handles_the_item() -> None:
    it = replace(item(Status.FORWARDED), due_at=DUE)
    day = date(2025, 10, 1)
    assert refused(lambda: ask_extension(it, OTHER_LIAISON, "理由", day, POLICY)) == (
        "item_not_your_unit"
    )
    assert refused(lambda: ask_extension(it, STAFF, "理由", day, POLICY)) == "not_allowed"
    answered = replace(item(Status.ANSWERED), due_at=DUE)
    key = refused(lambda: ask_extension(answered, LIAISON, "理由", day, POLICY))
    assert key == "item_state_changed"
    assert refused(lambda: ask_extension(it, LIAISON, "！", day, POLICY)) == (
        "lifecycle_reason_missing"
    )


def _request(**changes: object) -> Extension:
    fields: dict[str, object] = {
        "id": 3,
        "item_id": 7,
        "round": 1,
        "unit_id": UNIT,
        "asked_by": 6,
        "asked_at": NOW,
        "reason": "需要协调资金",
        "due_before": DUE,
        "proposed_day": date(2025, 10, 20),
    }
    fields.update(changes)
    return Extension(**fields)  # type: ignore[arg-type]


def test_staff_approve_the_date_moves_and_everyone_concerned_is_told() -> None:
    it = replace(item(Status.IN_PROGRESS), due_at=DUE)
    decided = decide_extension(_request(), it, STAFF, True, PARTIES, POLICY)
    assert decided.decision is Decision.APPROVED
    assert decided.new_due == datetime(2025, 10, 20, 23, 59, 59, tzinfo=ZONE)
    assert sorted((n.person_id, n.key) for n in decided.notices) == [
        (1, "extension.notice_raisers"),
        (2, "extension.notice_raisers"),
        (6, "extension.notice_approved"),
    ]
    declined = decide_extension(_request(), it, STAFF, False, PARTIES, POLICY)
    assert declined.new_due is None
    assert [(n.person_id, n.key) for n in declined.notices] == [(6, "extension.notice_declined")]


def test_a_decided_or_stale_request_and_a_non_staff_caller_are_refused() -> None:
    it = replace(item(Status.IN_PROGRESS), due_at=DUE)
    done = _request(decision=Decision.APPROVED)
    assert refused(lambda: decide_extension(done, it, STAFF, True, PARTIES, POLICY)) == (
        "extension.already_decided"
    )
    for moved in (
        replace(item(Status.ANSWERED), due_at=DUE),
        replace(item(Status.IN_PROGRESS), due_at=DUE + timedelta(days=30)),  # extended meanwhile
        replace(item(Status.IN_PROGRESS), due_at=DUE, round=2),  # rated 不满意: a new round
    ):
        stale = partial(decide_extension, _request(), moved, STAFF, True, PARTIES, POLICY)
        assert refused(stale) == "extension.stale"
    assert refused(lambda: decide_extension(_request(), it, LIAISON, True, PARTIES, POLICY)) == (
        "not_allowed"
    )


def test_the_sign_for_deadline_as_set_on_forwarding_else_counted() -> None:
    forwarded = datetime(2025, 9, 30, 10, 0, tzinfo=ZONE)  # before National Day
    it = replace(item(Status.FORWARDED), forwarded_at=forwarded)
    limit = sign_deadline(it, POLICY)
    assert limit == datetime(2025, 10, 10, 23, 59, 59, tzinfo=ZONE)  # Oct 9 and 10
    assert not sign_overdue(it, limit, POLICY) and sign_overdue(
        it, limit + timedelta(seconds=1), POLICY
    )
    kept = replace(item(Status.FORWARDED), forwarded_at=forwarded, sign_due_at=NOW)
    assert sign_deadline(kept, POLICY) == NOW
    signed = replace(item(Status.IN_PROGRESS), forwarded_at=forwarded)
    assert not sign_overdue(signed, limit + timedelta(days=5), POLICY)
