"""The rules of an item at the units (bot/unit_rules.py), one by one, without Telegram: staff
forward and re-route; the unit's liaisons take an item on, give it back, post progress and
answer. Each rule is tried with the right and the wrong people and states, and what it changes
and whom it tells is checked.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.deadlines import add_months
from bot.items import Status
from bot.lifecycle import EventKind, Parties, ResponseClass, Step
from bot.people import Person, Role
from bot.rating_rules import rating_buttons
from bot.unit_rules import (
    answer,
    forward,
    post_progress,
    reroute,
    return_deadline,
    return_item,
    sign_for,
)
from tests.builders import (
    AUTHOR,
    LEADER,
    LIAISON,
    NOW,
    OTHER_LIAISON,
    OTHER_UNIT,
    PARTIES,
    POLICY,
    STAFF,
    UNIT,
    ZONE,
    item,
    person,
    refused,
)
from tests.lifecycle_helpers import ALL_STATUSES, notice_data, recipients

# --- staff: forward, re-route --------------------------------------------------------------------


def test_staff_forward_a_reviewed_item_to_a_unit_with_a_due_date() -> None:
    change = forward(item(Status.REVIEWED), STAFF, UNIT, PARTIES, NOW, POLICY)
    due = add_months(NOW, 3)
    assert change.final_status is Status.FORWARDED
    assert change.fields == {
        "unit_id": UNIT,
        "forwarded_at": NOW,
        "due_at": due,
        "for_letter": False,
        "round": 1,
        "signed_at": None,
        # Signed for within two working days: Wednesday and Thursday (NOW is a Tuesday).
        "sign_due_at": datetime(2025, 6, 5, 15, 59, 59, tzinfo=UTC),
    }
    assert recipients(change, "notice.forwarded") == [1, 2]
    assert recipients(change, "notice.forwarded_unit") == [6]
    unit_notice = next(n for n in change.notices if n.key == "notice.forwarded_unit")
    assert unit_notice.params["due"] == "2025-09-03"
    assert notice_data(unit_notice.buttons[0][0]) == "ib:7"


def test_forward_to_a_unit_without_liaisons_goes_by_letter() -> None:
    change = forward(item(Status.REVIEWED), STAFF, OTHER_UNIT, Parties(raisers=(1,)), NOW, POLICY)
    assert change.fields["for_letter"] is True
    assert recipients(change, "notice.forwarded_unit") == []


def test_forwarding_again_keeps_the_round() -> None:
    change = forward(replace(item(Status.REVIEWED), round=2), STAFF, UNIT, PARTIES, NOW, POLICY)
    assert change.fields["round"] == 2


@pytest.mark.parametrize("actor", [LEADER, AUTHOR, LIAISON], ids=["leader", "deputy", "liaison"])
def test_only_staff_forward_and_reroute(actor: Person) -> None:
    forwarding = item(Status.REVIEWED)
    assert refused(lambda: forward(forwarding, actor, UNIT, PARTIES, NOW, POLICY)) == "not_allowed"
    returned = item(Status.RETURNED)
    assert refused(lambda: reroute(returned, actor, OTHER_UNIT, PARTIES)) == "not_allowed"


@pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s is not Status.REVIEWED])
def test_only_reviewed_items_are_forwarded(status: Status) -> None:
    key = refused(lambda: forward(item(status), STAFF, UNIT, PARTIES, NOW, POLICY))
    assert key == "item_state_changed"


def test_staff_reroute_a_returned_item_to_another_unit() -> None:
    change = reroute(item(Status.RETURNED), STAFF, OTHER_UNIT, PARTIES)
    assert change.final_status is Status.REVIEWED
    assert change.fields == {"unit_id": OTHER_UNIT, "due_at": None, "for_letter": False}
    assert change.notices == ()
    same = item(Status.RETURNED)
    assert refused(lambda: reroute(same, STAFF, UNIT, PARTIES)) == "reroute_same_unit"
    forwarded = item(Status.FORWARDED)
    assert refused(lambda: reroute(forwarded, STAFF, OTHER_UNIT, PARTIES)) == "item_state_changed"
    inactive = person(5, Role.STAFF, active=False)
    assert refused(lambda: reroute(same, inactive, OTHER_UNIT, PARTIES)) == "not_registered"


# --- liaisons: take on, give back, progress, answer ------------------------------------------------


def test_the_units_liaison_takes_on_a_forwarded_item() -> None:
    change = sign_for(item(Status.FORWARDED), LIAISON, PARTIES, NOW)
    assert change.final_status is Status.IN_PROGRESS
    assert recipients(change, "notice.in_progress") == [1, 2]
    assert change.fields == {"signed_at": NOW}  # 签收: timed, to count signing on time


@pytest.mark.parametrize(
    ("actor", "key"),
    [
        (OTHER_LIAISON, "item_not_your_unit"),
        (STAFF, "not_allowed"),
        (LEADER, "not_allowed"),
        (person(6, Role.LIAISON, unit_id=UNIT, active=False), "not_registered"),
    ],
    ids=["other-unit", "staff", "leader", "inactive"],
)
def test_unit_actions_refuse_everyone_but_the_units_liaison(actor: Person, key: str) -> None:
    forwarded = item(Status.FORWARDED)
    for rule in (
        lambda: sign_for(forwarded, actor, PARTIES),
        lambda: return_item(forwarded, actor, "不属于本单位", PARTIES, NOW, POLICY),
        lambda: post_progress(forwarded, actor, "已开工", PARTIES),
        lambda: answer(forwarded, actor, ResponseClass.A, "已整改", PARTIES, NOW),
    ):
        assert refused(rule) == key


@pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s is not Status.FORWARDED])
def test_only_forwarded_items_are_taken_on_or_given_back(status: Status) -> None:
    it = item(status)
    assert refused(lambda: sign_for(it, LIAISON, PARTIES)) == "item_state_changed"
    key = refused(lambda: return_item(it, LIAISON, "不属于本单位", PARTIES, NOW, POLICY))
    assert key == "item_state_changed"


def test_return_deadline_counts_working_days_in_the_campaigns_zone() -> None:
    assert return_deadline(item(Status.REVIEWED), POLICY) is None
    forwarded_at = datetime(2025, 6, 6, 2, 0, tzinfo=UTC)  # Friday 10:00 local
    limit = return_deadline(replace(item(Status.FORWARDED), forwarded_at=forwarded_at), POLICY)
    assert limit is not None
    # 7 working days after Friday: Mon..Fri, Mon, Tue -> Tuesday 17 June, end of day local.
    assert limit.astimezone(ZONE).strftime("%Y-%m-%d %H:%M") == "2025-06-17 23:59"


def test_a_unit_gives_back_within_the_window_and_staff_are_told() -> None:
    it = replace(item(Status.FORWARDED), forwarded_at=NOW, unit_name="市卫健委")
    change = return_item(it, LIAISON, "不属于本单位职责", PARTIES, NOW + timedelta(days=3), POLICY)
    assert change.final_status is Status.RETURNED
    assert change.steps[0].note == "不属于本单位职责"
    assert recipients(change, "notice.returned") == [5]
    assert change.notices[0].params["unit"] == "市卫健委"
    late = NOW + timedelta(days=30)
    key = refused(lambda: return_item(it, LIAISON, "不属于本单位", PARTIES, late, POLICY))
    assert key == "return_too_late"
    key = refused(lambda: return_item(it, LIAISON, "", PARTIES, NOW, POLICY))
    assert key == "lifecycle_reason_missing"


def test_progress_takes_the_item_on_when_needed() -> None:
    change = post_progress(item(Status.FORWARDED), LIAISON, "已开工", PARTIES)
    assert change.steps == (
        Step(Status.IN_PROGRESS),
        Step(Status.IN_PROGRESS, EventKind.PROGRESS, "已开工"),
    )
    change = post_progress(item(Status.IN_PROGRESS), LIAISON, "进度过半", PARTIES)
    assert change.steps == (Step(Status.IN_PROGRESS, EventKind.PROGRESS, "进度过半"),)
    assert recipients(change, "notice.progress") == [1, 2]


@pytest.mark.parametrize(
    "status", [s for s in ALL_STATUSES if s not in (Status.FORWARDED, Status.IN_PROGRESS)]
)
def test_progress_and_answers_only_while_the_unit_has_the_item(status: Status) -> None:
    it = item(status)
    assert refused(lambda: post_progress(it, LIAISON, "已开工", PARTIES)) == "item_state_changed"
    key = refused(lambda: answer(it, LIAISON, ResponseClass.A, "已整改", PARTIES, NOW))
    assert key == "item_state_changed"


def test_an_answer_asks_every_raiser_to_rate_it() -> None:
    change = answer(item(Status.IN_PROGRESS), LIAISON, ResponseClass.A, "已整改完毕", PARTIES, NOW)
    assert change.final_status is Status.ANSWERED
    assert change.fields == {
        "response_class": "A",
        "answered_at": NOW,
        "round": 1,
        "promised_at": None,  # class B's promise (tests/test_answer_terms.py)
        "answer_reason": None,  # class C's reason
    }
    assert change.response is not None
    assert (change.response.round, change.response.unit_id, change.response.on_paper) == (
        1,
        UNIT,
        False,
    )
    assert recipients(change, "notice.answered") == [1, 2]
    notice = change.notices[0]
    assert notice.localized["cls"] == "response_class.A"
    assert notice.buttons == rating_buttons(item(Status.IN_PROGRESS), 1)
    assert (
        refused(
            lambda: answer(item(Status.IN_PROGRESS), LIAISON, ResponseClass.A, "", PARTIES, NOW)
        )
        == "lifecycle_text_missing"
    )


def test_staff_record_a_paper_answer_on_the_units_behalf() -> None:
    it = item(Status.FORWARDED)
    change = answer(it, STAFF, ResponseClass.A, "纸质答复：已解决", PARTIES, NOW, on_paper=True)
    assert change.response is not None and change.response.on_paper
    key = refused(
        lambda: answer(it, LIAISON, ResponseClass.A, "已解决", PARTIES, NOW, on_paper=True)
    )
    assert key == "not_allowed"


def test_rating_buttons_carry_item_round_and_value() -> None:
    rows = rating_buttons(item(Status.ANSWERED), 2)
    data = [notice_data(b) for row in rows for b in row]
    assert data == ["rt:7:2:satisfied", "rt:7:2:basically", "rt:7:2:dissatisfied", "rt:7:2:abstain"]
    assert [b.label_key for row in rows for b in row] == [
        "rating.satisfied",
        "rating.basically",
        "rating.dissatisfied",
        "rating.abstain",
    ]
