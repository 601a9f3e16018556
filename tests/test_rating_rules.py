"""The rating rules (bot/rating_rules.py), one by one, without Telegram: the raisers' votes,
their aggregation (which follows DOMAIN.md), the conclusion of a rating, and the look-back at a
closed item; who may, when, with what effect and notices, and the refusals otherwise.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.deadlines import add_months
from bot.items import Status
from bot.lifecycle import EventKind, LookbackResult, Rating, Step, Vote
from bot.people import Person
from bot.rating_rules import aggregate, conclude_rating, look_back, satisfaction_rate, vote
from tests.builders import (
    AUTHOR,
    CO_RAISER,
    GROUP,
    LEADER,
    LIAISON,
    NOW,
    OTHER_DEPUTY,
    OTHER_LEADER,
    PARTIES,
    POLICY,
    STAFF,
    item,
    person,
    refused,
)
from tests.lifecycle_helpers import ALL_STATUSES, recipients

GROUP_DEPUTY = person(8)  # in the item's group, did not raise it


# --- rating ----------------------------------------------------------------------------------------


def test_a_raiser_votes_on_the_current_round() -> None:
    answered = replace(item(Status.ANSWERED), round=2)
    assert vote(answered, CO_RAISER, 2, Rating.BASICALLY, "  基本解决  ", PARTIES) == Vote(
        7, 2, 2, Rating.BASICALLY, "基本解决"
    )


@pytest.mark.parametrize(
    ("actor", "key"),
    [
        (GROUP_DEPUTY, "rating_not_a_raiser"),
        (LEADER, "rating_not_a_raiser"),
        (STAFF, "rating_not_a_raiser"),
        (person(1, active=False), "not_registered"),
    ],
    ids=["group-deputy", "leader", "staff", "inactive-raiser"],
)
def test_only_raisers_vote(actor: Person, key: str) -> None:
    answered = item(Status.ANSWERED)
    assert refused(lambda: vote(answered, actor, 1, Rating.SATISFIED, "", PARTIES)) == key


@pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s is not Status.ANSWERED])
def test_votes_only_while_answered(status: Status) -> None:
    it = item(status)
    assert refused(lambda: vote(it, AUTHOR, it.round, Rating.SATISFIED, "", PARTIES)) == (
        "rating_closed"
    )


def test_a_vote_of_another_round_is_refused_and_long_comments_too() -> None:
    answered = replace(item(Status.ANSWERED), round=2)
    assert refused(lambda: vote(answered, AUTHOR, 1, Rating.SATISFIED, "", PARTIES)) == (
        "rating_closed"
    )
    long = "很" * 1001
    assert refused(lambda: vote(answered, AUTHOR, 2, Rating.SATISFIED, long, PARTIES)) == (
        "lifecycle_text_too_long"
    )


S, B, D, A = Rating.SATISFIED, Rating.BASICALLY, Rating.DISSATISFIED, Rating.ABSTAIN


@pytest.mark.parametrize(
    ("votes", "expected"),
    [
        ([S], S),
        ([B], B),
        ([D], D),
        ([S, S, B], S),  # more than half 满意
        ([S, B], B),  # 1:1 is not more than half 满意; 满意+基本满意 are
        ([S, D], D),  # 1:1: neither more than half 满意 nor more than half 满意+基本满意
        ([B, D], D),
        ([S, B, D], B),
        ([S, B, D, D], D),  # exactly half 满意+基本满意 is not more than half
        ([S, S, D, D], D),
        ([S, S, S, D, D], S),
        ([S, A], S),  # abstentions are not valid votes
        ([D, A, A], D),
        ([S, D, A], D),
        ([A], None),  # all abstain: no rating
        ([A, A], None),
        ([], None),
    ],
)
def test_aggregate_follows_the_domain_rule(votes: list[Rating], expected: Rating | None) -> None:
    assert aggregate(votes) is expected


def test_satisfaction_rate_counts_valid_votes_only() -> None:
    assert satisfaction_rate([S, B, D, A]) == pytest.approx(2 / 3)
    assert satisfaction_rate([D, D]) == 0
    assert satisfaction_rate([A]) is None
    assert satisfaction_rate([]) is None


def votes(*values: Rating, round_: int = 1) -> list[Vote]:
    return [Vote(7, round_, person_id, v, "") for person_id, v in enumerate(values, start=1)]


def test_rating_waits_for_every_raiser_until_the_window_is_over() -> None:
    answered = item(Status.ANSWERED)
    assert conclude_rating(answered, votes(S), PARTIES, NOW, POLICY, window_over=False) is None
    change = conclude_rating(answered, votes(S), PARTIES, NOW, POLICY, window_over=True)
    assert change is not None and change.final_status is Status.CLOSED


def test_votes_of_earlier_rounds_do_not_count() -> None:
    answered = replace(item(Status.ANSWERED), round=2)
    old = votes(S, S, round_=1)
    assert conclude_rating(answered, old, PARTIES, NOW, POLICY, window_over=False) is None


def test_satisfied_closes_and_schedules_the_look_back() -> None:
    answered = item(Status.ANSWERED)
    change = conclude_rating(answered, votes(S, B), PARTIES, NOW, POLICY, window_over=False)
    assert change is not None
    assert change.actor_id is None
    assert [s.to for s in change.steps] == [Status.RATED, Status.CLOSED]
    assert change.steps[0].note == "basically"
    assert change.fields == {"rating": "basically", "closed_at": NOW}
    assert change.lookback is not None
    assert change.lookback.group_id == GROUP and change.lookback.round == 1
    assert change.lookback.due_at == NOW + timedelta(days=90)
    assert recipients(change, "notice.closed") == [1, 2]
    assert change.notices[0].localized["rating"] == "rating.basically"


def test_dissatisfied_sends_the_item_back_for_a_month() -> None:
    answered = item(Status.ANSWERED)
    change = conclude_rating(answered, votes(D, D), PARTIES, NOW, POLICY, window_over=False)
    assert change is not None
    assert [s.to for s in change.steps] == [Status.RATED, Status.IN_PROGRESS]
    assert change.fields == {"rating": "dissatisfied", "due_at": add_months(NOW, 1), "round": 2}
    assert change.lookback is None
    assert recipients(change, "notice.rehandle") == [1, 2]
    assert recipients(change, "notice.rehandle_unit") == [6]


def test_no_valid_vote_closes_without_a_rating() -> None:
    answered = item(Status.ANSWERED)
    change = conclude_rating(answered, votes(A, A), PARTIES, NOW, POLICY, window_over=False)
    assert change is not None and change.final_status is Status.CLOSED
    assert change.fields["rating"] is None
    assert change.notices[0].localized["rating"] == "rating.none"
    silent = conclude_rating(answered, [], PARTIES, NOW, POLICY, window_over=True)
    assert silent is not None and silent.fields["rating"] is None


@pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s is not Status.ANSWERED])
def test_only_answered_items_are_concluded(status: Status) -> None:
    it = item(status)
    assert conclude_rating(it, votes(S, S), PARTIES, NOW, POLICY, window_over=True) is None


# --- look-back -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "actor", [GROUP_DEPUTY, LEADER, AUTHOR], ids=["deputy", "leader", "author"]
)
def test_a_group_member_finds_the_fix_held(actor: Person) -> None:
    closed = replace(item(Status.CLOSED), rating="satisfied")
    change = look_back(closed, actor, 1, LookbackResult.HELD, " 效果良好 ", PARTIES, NOW, POLICY)
    assert change.steps == (Step(Status.CLOSED, EventKind.LOOKBACK, "效果良好"),)
    assert change.fields == {"lookback_result": "held"}
    assert change.lookback_done is not None
    assert (change.lookback_done.round, change.lookback_done.result) == (1, LookbackResult.HELD)
    assert recipients(change, "notice.lookback_held") == [r for r in (1, 2) if r != actor.id]


def test_a_broken_fix_reopens_the_item_with_its_unit() -> None:
    closed = replace(item(Status.CLOSED), rating="basically", closed_at=NOW)
    change = look_back(
        closed, GROUP_DEPUTY, 1, LookbackResult.BROKEN, "又漏水了", PARTIES, NOW, POLICY
    )
    assert change.final_status is Status.IN_PROGRESS
    assert change.fields == {
        "lookback_result": "broken",
        "due_at": add_months(NOW, 1),
        "round": 2,
        "closed_at": None,
        "rating": None,
    }
    assert recipients(change, "notice.reopened_unit") == [6]
    assert recipients(change, "notice.reopened") == [5, 1, 2]
    key = refused(
        lambda: look_back(closed, GROUP_DEPUTY, 1, LookbackResult.BROKEN, "", PARTIES, NOW, POLICY)
    )
    assert key == "lifecycle_reason_missing"


@pytest.mark.parametrize(
    ("actor", "key"),
    [
        (OTHER_DEPUTY, "item_not_your_group"),
        (OTHER_LEADER, "item_not_your_group"),
        (person(8, group_id=None), "item_not_your_group"),
        (STAFF, "not_allowed"),
        (LIAISON, "not_allowed"),
        (person(8, active=False), "not_registered"),
    ],
    ids=["other-deputy", "other-leader", "no-group", "staff", "liaison", "inactive"],
)
def test_look_back_is_for_the_items_group(actor: Person, key: str) -> None:
    closed = item(Status.CLOSED)
    assert (
        refused(lambda: look_back(closed, actor, 1, LookbackResult.HELD, "", PARTIES, NOW, POLICY))
        == key
    )


@pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s is not Status.CLOSED])
def test_look_back_only_at_closed_items(status: Status) -> None:
    it = item(status)
    assert (
        refused(
            lambda: look_back(it, GROUP_DEPUTY, 1, LookbackResult.HELD, "", PARTIES, NOW, POLICY)
        )
        == "item_state_changed"
    )
