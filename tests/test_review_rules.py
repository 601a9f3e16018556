"""The review rules (bot/review_rules.py), one by one, without Telegram: the group's leader or
staff accept, merge, decline or ask for more, and the author adds more. For each: who may (role
and scope), in which states, what it changes, whom it tells, and the refusals when any is wrong.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.errors import Refused
from bot.items import Item, Status
from bot.lifecycle import EventKind, Parties, Step
from bot.people import Person, Role
from bot.review_rules import accept, add_more, ask_more, decline, merge
from tests.builders import (
    AUTHOR,
    CO_RAISER,
    LEADER,
    LIAISON,
    NOW,
    OTHER_GROUP,
    OTHER_LEADER,
    PARTIES,
    STAFF,
    item,
    person,
    refused,
)
from tests.lifecycle_helpers import ALL_STATUSES, notice_data, recipients


@pytest.mark.parametrize("actor", [LEADER, STAFF], ids=["leader", "staff"])
def test_the_groups_leader_or_staff_accept_a_submitted_item(actor: Person) -> None:
    change = accept(item(), actor, PARTIES, NOW)
    assert (change.expect, change.final_status, change.actor_id) == (
        Status.SUBMITTED,
        Status.REVIEWED,
        actor.id,
    )
    assert change.fields == {"reviewed_at": NOW}
    assert recipients(change, "notice.reviewed") == [1, 2]
    assert change.notices[0].params["number"] == "2025-0042"


@pytest.mark.parametrize(
    ("actor", "key"),
    [
        (OTHER_LEADER, "item_not_your_group"),
        (AUTHOR, "not_allowed"),
        (LIAISON, "not_allowed"),
        (person(3, Role.LEADER, active=False), "not_registered"),
        (person(3, Role.LEADER, group_id=None), "item_not_your_group"),
    ],
    ids=["other-group-leader", "deputy", "liaison", "inactive", "leader-without-group"],
)
def test_review_refuses_the_wrong_people(actor: Person, key: str) -> None:
    for rule in (
        lambda: accept(item(), actor, PARTIES, NOW),
        lambda: decline(item(), actor, "重复反映", PARTIES),
        lambda: ask_more(item(), actor, "请补充照片", PARTIES),
        lambda: merge(item(), replace(item(), id=8), actor, PARTIES),
    ):
        assert refused(rule) == key


@pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s is not Status.SUBMITTED])
def test_review_only_applies_to_submitted_items(status: Status) -> None:
    it = item(status)
    for rule in (
        lambda: accept(it, LEADER, PARTIES, NOW),
        lambda: decline(it, LEADER, "重复反映", PARTIES),
        lambda: ask_more(it, LEADER, "请补充照片", PARTIES),
        lambda: merge(it, replace(item(Status.SUBMITTED), id=8), LEADER, PARTIES),
    ):
        assert refused(rule) == "item_state_changed"


def test_the_leaders_own_item_does_not_notify_the_leader() -> None:
    change = accept(replace(item(), author_id=3), LEADER, Parties(raisers=(3,)), NOW)
    assert change.notices == ()


def test_merge_joins_the_raisers_to_the_target() -> None:
    target = replace(item(Status.FORWARDED), id=8, number=40)
    change = merge(item(), target, LEADER, PARTIES)
    assert change.final_status is Status.MERGED
    assert change.steps == (Step(Status.MERGED, note="2025-0040"),)
    assert change.fields == {"merged_into_id": 8}
    assert change.merge_raisers_into == 8
    assert recipients(change, "notice.merged") == [1, 2]
    assert change.notices[0].params["target"] == "2025-0040"


@pytest.mark.parametrize(
    ("target", "key"),
    [
        (item(), "merge_into_itself"),
        (replace(item(), id=8, campaign_id=2), "merge_target_gone"),
        (replace(item(Status.DECLINED), id=8), "merge_target_gone"),
        (replace(item(Status.WITHDRAWN), id=8), "merge_target_gone"),
        (replace(item(Status.MERGED), id=8), "merge_target_gone"),
        (replace(item(Status.DRAFT), id=8), "merge_target_gone"),
        (replace(item(Status.SUBMITTED), id=8, merged_into_id=9), "merge_target_gone"),
    ],
    ids=["itself", "other-campaign", "declined", "withdrawn", "merged", "draft", "merged-away"],
)
def test_merge_needs_a_live_other_target(target: Item, key: str) -> None:
    assert refused(lambda: merge(item(), target, LEADER, PARTIES)) == key


@pytest.mark.parametrize(
    "status",
    [Status.SUBMITTED, Status.REVIEWED, Status.FORWARDED, Status.RETURNED, Status.IN_PROGRESS],
)
def test_merge_targets_are_items_whose_answer_is_still_ahead(status: Status) -> None:
    assert merge(item(), replace(item(status), id=8), LEADER, PARTIES).merge_raisers_into == 8


@pytest.mark.parametrize("status", [Status.ANSWERED, Status.RATED, Status.CLOSED])
def test_an_answered_or_closed_item_takes_no_new_raisers(status: Status) -> None:
    """New raisers would vote on an answer already given (a formal satisfaction figure)."""
    with pytest.raises(Refused) as info:
        merge(item(), replace(item(status), id=8, number=40), LEADER, PARTIES)
    assert (info.value.key, info.value.params) == ("merge_target_closed", {"number": "2025-0040"})
    assert refused(lambda: merge(item(), replace(item(status), id=8), STAFF, PARTIES)) == (
        "merge_target_closed"
    )


def test_a_leader_merges_only_into_their_own_groups_items_and_staff_anywhere() -> None:
    theirs = replace(item(Status.FORWARDED), id=8, number=40, group_id=OTHER_GROUP)
    with pytest.raises(Refused) as info:
        merge(item(), theirs, LEADER, PARTIES)
    assert (info.value.key, info.value.params) == (
        "merge_target_not_your_group",
        {"number": "2025-0040"},
    )
    # Scope is checked before state: another group's closed item says nothing of its state.
    closed = replace(item(Status.CLOSED), id=8, group_id=OTHER_GROUP)
    assert refused(lambda: merge(item(), closed, LEADER, PARTIES)) == "merge_target_not_your_group"
    assert merge(item(), theirs, STAFF, PARTIES).merge_raisers_into == 8


def test_decline_needs_a_reason_and_tells_the_raisers() -> None:
    change = decline(item(), LEADER, "  与项目无关  ", PARTIES)
    assert change.steps == (Step(Status.DECLINED, note="与项目无关"),)
    assert recipients(change, "notice.declined") == [1, 2]
    assert change.notices[0].params["reason"] == "与项目无关"
    assert refused(lambda: decline(item(), LEADER, " 无 ", PARTIES)) == "lifecycle_reason_missing"
    too_long = "很" * 2001
    assert refused(lambda: decline(item(), LEADER, too_long, PARTIES)) == "lifecycle_text_too_long"


def test_ask_more_keeps_the_item_in_review_and_asks_the_author_only() -> None:
    change = ask_more(item(), LEADER, "请补充现场照片", PARTIES)
    assert change.steps == (Step(Status.SUBMITTED, EventKind.ASK_MORE, "请补充现场照片"),)
    assert change.final_status is Status.SUBMITTED
    assert recipients(change, "notice.ask_more") == [1]
    assert notice_data(change.notices[0].buttons[0][0]) == "am:7"
    assert refused(lambda: ask_more(item(), LEADER, "?", PARTIES)) == "lifecycle_text_missing"


def test_the_author_adds_more_and_the_leaders_are_told() -> None:
    change = add_more(item(), AUTHOR, "已补充照片", PARTIES)
    assert change.steps == (Step(Status.SUBMITTED, EventKind.MORE_INFO, "已补充照片"),)
    assert recipients(change, "notice.more_info") == [3]


def test_add_more_is_for_the_author_of_an_item_in_review() -> None:
    assert refused(lambda: add_more(item(), CO_RAISER, "补充", PARTIES)) == "item_not_yours"
    assert refused(lambda: add_more(item(), LEADER, "补充", PARTIES)) == "item_not_yours"
    inactive = person(1, active=False)
    assert refused(lambda: add_more(item(), inactive, "补充", PARTIES)) == "not_registered"
    reviewed = item(Status.REVIEWED)
    assert refused(lambda: add_more(reviewed, AUTHOR, "补充", PARTIES)) == "item_state_changed"
    assert refused(lambda: add_more(item(), AUTHOR, " ", PARTIES)) == "lifecycle_text_missing"
