"""The rules of an item's life after submission (bot/*_rules.py), one by one, without Telegram.

Every rule: who may (role and scope), in which states, what it changes, whom it tells; and the
refusals when any of these is wrong. The rating aggregation follows DOMAIN.md.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.deadlines import add_months
from bot.errors import Refused
from bot.items import Item, Status
from bot.lifecycle import (
    Change,
    EventKind,
    LookbackResult,
    Parties,
    Rating,
    ResponseClass,
    Step,
    Vote,
)
from bot.notices import NoticeButton
from bot.people import Person, Role
from bot.rating_rules import (
    aggregate,
    conclude_rating,
    look_back,
    rating_buttons,
    satisfaction_rate,
    vote,
)
from bot.review_rules import accept, add_more, ask_more, decline, merge
from bot.unit_rules import (
    answer,
    forward,
    post_progress,
    reroute,
    return_deadline,
    return_item,
    sign_for,
)
from handlers import callbacks
from tests.builders import (
    AUTHOR,
    CO_RAISER,
    GROUP,
    LEADER,
    LIAISON,
    NOW,
    OTHER_DEPUTY,
    OTHER_GROUP,
    OTHER_LEADER,
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

GROUP_DEPUTY = person(8)  # in the item's group, did not raise it


def recipients(change: Change, key: str) -> list[int]:
    return [n.person_id for n in change.notices if n.key == key]


ALL_STATUSES = list(Status)


# --- review: accept, merge, decline, ask for more ------------------------------------------------


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
        lambda: merge(item(), item(id=8), actor, PARTIES),
    ):
        assert refused(rule) == key


@pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s is not Status.SUBMITTED])
def test_review_only_applies_to_submitted_items(status: Status) -> None:
    it = item(status)
    for rule in (
        lambda: accept(it, LEADER, PARTIES, NOW),
        lambda: decline(it, LEADER, "重复反映", PARTIES),
        lambda: ask_more(it, LEADER, "请补充照片", PARTIES),
        lambda: merge(it, item(Status.SUBMITTED, id=8), LEADER, PARTIES),
    ):
        assert refused(rule) == "item_state_changed"


def notice_data(button: NoticeButton) -> str:
    """The callback data the Telegram door gives the button."""
    return callbacks.notice_data(button.act, button.args)


def test_the_leaders_own_item_does_not_notify_the_leader() -> None:
    change = accept(item(author_id=3), LEADER, Parties(raisers=(3,)), NOW)
    assert change.notices == ()


def test_merge_joins_the_raisers_to_the_target() -> None:
    target = item(Status.FORWARDED, id=8, number=40)
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
        (item(id=8, campaign_id=2), "merge_target_gone"),
        (item(Status.DECLINED, id=8), "merge_target_gone"),
        (item(Status.WITHDRAWN, id=8), "merge_target_gone"),
        (item(Status.MERGED, id=8), "merge_target_gone"),
        (item(Status.DRAFT, id=8), "merge_target_gone"),
        (item(Status.SUBMITTED, id=8, merged_into_id=9), "merge_target_gone"),
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
    assert merge(item(), item(status, id=8), LEADER, PARTIES).merge_raisers_into == 8


@pytest.mark.parametrize("status", [Status.ANSWERED, Status.RATED, Status.CLOSED])
def test_an_answered_or_closed_item_takes_no_new_raisers(status: Status) -> None:
    """New raisers would vote on an answer already given (a formal satisfaction figure)."""
    with pytest.raises(Refused) as info:
        merge(item(), item(status, id=8, number=40), LEADER, PARTIES)
    assert (info.value.key, info.value.params) == ("merge_target_closed", {"number": "2025-0040"})
    assert refused(lambda: merge(item(), item(status, id=8), STAFF, PARTIES)) == (
        "merge_target_closed"
    )


def test_a_leader_merges_only_into_their_own_groups_items_and_staff_anywhere() -> None:
    theirs = item(Status.FORWARDED, id=8, number=40, group_id=OTHER_GROUP)
    with pytest.raises(Refused) as info:
        merge(item(), theirs, LEADER, PARTIES)
    assert (info.value.key, info.value.params) == (
        "merge_target_not_your_group",
        {"number": "2025-0040"},
    )
    # Scope is checked before state: another group's closed item says nothing of its state.
    closed = item(Status.CLOSED, id=8, group_id=OTHER_GROUP)
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
    change = forward(item(Status.REVIEWED, round=2), STAFF, UNIT, PARTIES, NOW, POLICY)
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
    limit = return_deadline(item(Status.FORWARDED, forwarded_at=forwarded_at), POLICY)
    assert limit is not None
    # 7 working days after Friday: Mon..Fri, Mon, Tue -> Tuesday 17 June, end of day local.
    assert limit.astimezone(ZONE).strftime("%Y-%m-%d %H:%M") == "2025-06-17 23:59"


def test_a_unit_gives_back_within_the_window_and_staff_are_told() -> None:
    it = item(Status.FORWARDED, forwarded_at=NOW, unit_name="市卫健委")
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


# --- rating ----------------------------------------------------------------------------------------


def test_a_raiser_votes_on_the_current_round() -> None:
    answered = item(Status.ANSWERED, round=2)
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
    answered = item(Status.ANSWERED, round=2)
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
    answered = item(Status.ANSWERED, round=2)
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
    closed = item(Status.CLOSED, rating="satisfied")
    change = look_back(closed, actor, 1, LookbackResult.HELD, " 效果良好 ", PARTIES, NOW, POLICY)
    assert change.steps == (Step(Status.CLOSED, EventKind.LOOKBACK, "效果良好"),)
    assert change.fields == {"lookback_result": "held"}
    assert change.lookback_done is not None
    assert (change.lookback_done.round, change.lookback_done.result) == (1, LookbackResult.HELD)
    assert recipients(change, "notice.lookback_held") == [r for r in (1, 2) if r != actor.id]


def test_a_broken_fix_reopens_the_item_with_its_unit() -> None:
    closed = item(Status.CLOSED, rating="basically", closed_at=NOW)
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


# --- the pieces ------------------------------------------------------------------------------------


def test_a_change_without_steps_ends_where_it_began() -> None:
    change = Change(7, None, Status.ANSWERED, 1, ())
    assert change.final_status is Status.ANSWERED


def test_policy_days_are_local() -> None:
    late_evening_utc = datetime(2025, 6, 3, 17, 0, tzinfo=UTC)  # 01:00 on the 4th in Hangzhou
    assert POLICY.day(late_evening_utc) == "2025-06-04"


def test_the_actor_is_not_told_of_their_own_action_and_nobody_twice() -> None:
    parties = Parties(raisers=(3, 1, 1, 2))
    change = accept(item(), LEADER, parties, NOW)
    assert recipients(change, "notice.reviewed") == [1, 2]
