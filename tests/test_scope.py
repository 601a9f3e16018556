"""Who may see and act on what (bot/scope.py), role by role, without Telegram.

The screens ask these functions with the person as stored now; so the cases below include people
whose group, unit or role changed after a screen was opened for the old one.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest

from bot import scope
from bot.items import Item
from bot.people import Person, Role
from bot.texts import LANGUAGES, Texts
from tests.builders import (
    AUTHOR,
    GROUP,
    LEADER,
    LIAISON,
    OTHER_DEPUTY,
    OTHER_GROUP,
    OTHER_LEADER,
    OTHER_LIAISON,
    OTHER_UNIT,
    STAFF,
    UNIT,
    item,
    person,
    refusal,
)

DEPUTY = AUTHOR  # a deputy of GROUP, who raised the default item
GROUPLESS_LEADER = person(10, Role.LEADER, group_id=None)
UNITLESS_LIAISON = person(11, Role.LIAISON, unit_id=None)

OURS = item()  # of GROUP, forwarded (or to be) to UNIT
THEIRS = replace(item(), id=8, number=40, group_id=OTHER_GROUP, unit_id=OTHER_UNIT)
ELSEWHERE = replace(item(), id=9, campaign_id=2)  # another campaign's


def inactive(who: Person) -> Person:
    return replace(who, active=False)


# --- review and merging --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "target", "allowed"),
    [
        (LEADER, OURS, True),
        (LEADER, THEIRS, False),
        (OTHER_LEADER, THEIRS, True),
        (GROUPLESS_LEADER, replace(item(), group_id=None), False),
        (STAFF, OURS, True),
        (STAFF, THEIRS, True),
        (STAFF, ELSEWHERE, False),
        (LEADER, ELSEWHERE, False),
        (DEPUTY, OURS, False),
        (LIAISON, OURS, False),
        (inactive(LEADER), OURS, False),
        (inactive(STAFF), OURS, False),
        (replace(LEADER, group_id=OTHER_GROUP), OURS, False),
        (replace(LEADER, role=Role.DEPUTY), OURS, False),
    ],
)
def test_may_review(who: Person, target: Item, allowed: bool) -> None:
    assert scope.may_review(who, target) is allowed


@pytest.mark.parametrize(
    ("who", "key"),
    [
        (OTHER_LEADER, "item_not_your_group"),
        (GROUPLESS_LEADER, "item_not_your_group"),
        (DEPUTY, "not_allowed"),
        (LIAISON, "not_allowed"),
        (inactive(LEADER), "not_registered"),
        (None, "not_registered"),
    ],
)
def test_require_review_says_why(who: Person | None, key: str) -> None:
    assert refusal(lambda: scope.require_review(who, OURS))[0] == key


def test_where_review_starts() -> None:
    assert scope.own_review_group(LEADER) == GROUP
    assert scope.own_review_group(STAFF) is None  # staff choose a group, or all
    assert refusal(lambda: scope.own_review_group(GROUPLESS_LEADER))[0] == "review.no_group"
    assert refusal(lambda: scope.own_review_group(DEPUTY))[0] == "not_allowed"


def test_an_open_review_holds_only_while_its_group_is_the_reviewers() -> None:
    assert scope.review_queue_group(LEADER, GROUP) == GROUP
    assert scope.review_queue_group(STAFF, OTHER_GROUP) == OTHER_GROUP
    assert scope.review_queue_group(STAFF, None) is None  # all groups
    for now in (
        replace(LEADER, group_id=OTHER_GROUP),  # moved to another group
        replace(LEADER, group_id=None),
        replace(LEADER, role=Role.DEPUTY),  # no longer a leader
        replace(LEADER, role=Role.LIAISON, group_id=None, unit_id=UNIT),
    ):
        assert refusal(partial(scope.review_queue_group, now, GROUP))[0] == "review.scope_lost"
    # A leader never pages through all groups, e.g. staff made leader with "all groups" open.
    assert refusal(lambda: scope.review_queue_group(LEADER, None))[0] == "review.scope_lost"
    assert refusal(lambda: scope.review_queue_group(inactive(LEADER), GROUP))[0] == (
        "not_registered"
    )


def test_duplicates_and_merges_stay_within_reach() -> None:
    ours_too = replace(item(), id=12, number=41)
    assert scope.review_reach(LEADER) == GROUP
    assert scope.review_reach(STAFF) is None
    assert scope.may_merge_into(LEADER, OURS, ours_too)
    assert not scope.may_merge_into(LEADER, OURS, THEIRS)
    assert not scope.may_merge_into(OTHER_LEADER, OURS, THEIRS)  # the item is not theirs either
    assert scope.may_merge_into(STAFF, OURS, THEIRS)  # staff: the whole campaign
    assert not scope.may_merge_into(STAFF, OURS, ELSEWHERE)
    assert refusal(lambda: scope.require_merge_target(LEADER, OURS, THEIRS)) == (
        "merge_target_not_your_group",
        {"number": "2025-0040"},
    )
    scope.require_merge_target(LEADER, OURS, ours_too)


# --- units ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "target", "allowed"),
    [
        (LIAISON, OURS, True),
        (OTHER_LIAISON, OURS, False),
        (OTHER_LIAISON, THEIRS, True),
        (UNITLESS_LIAISON, replace(item(), unit_id=None), False),
        (LIAISON, replace(item(), unit_id=None), False),
        (LIAISON, replace(item(), campaign_id=2), False),
        (STAFF, OURS, False),
        (LEADER, OURS, False),
        (inactive(LIAISON), OURS, False),
        (replace(LIAISON, unit_id=OTHER_UNIT), OURS, False),
    ],
)
def test_may_see_item_as_liaison(who: Person, target: Item, allowed: bool) -> None:
    assert scope.may_see_item_as_liaison(who, target) is allowed


def test_require_unit_item_says_why() -> None:
    scope.require_unit_item(LIAISON, OURS)
    assert refusal(lambda: scope.require_unit_item(OTHER_LIAISON, OURS))[0] == "item_not_your_unit"
    assert refusal(lambda: scope.require_unit_item(STAFF, OURS))[0] == "not_allowed"
    assert refusal(lambda: scope.require_unit_item(inactive(LIAISON), OURS))[0] == (
        "not_registered"
    )


def test_an_open_inbox_holds_only_while_its_unit_is_the_liaisons() -> None:
    assert scope.own_unit(LIAISON) == UNIT
    assert refusal(lambda: scope.own_unit(UNITLESS_LIAISON))[0] == "inbox.no_unit"
    assert refusal(lambda: scope.own_unit(DEPUTY))[0] == "not_allowed"
    assert scope.inbox_unit(LIAISON, UNIT) == UNIT
    for now in (
        replace(LIAISON, unit_id=OTHER_UNIT),
        replace(LIAISON, unit_id=None),
        replace(LIAISON, role=Role.DEPUTY, unit_id=None, group_id=GROUP),
    ):
        assert refusal(partial(scope.inbox_unit, now, UNIT))[0] == "inbox.scope_lost"
    # An inbox opened before it kept its unit knows of none: it is closed, not guessed.
    assert refusal(lambda: scope.inbox_unit(LIAISON, None))[0] == "inbox.scope_lost"


# --- look-backs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (DEPUTY, True),
        (LEADER, True),
        (OTHER_DEPUTY, False),
        (OTHER_LEADER, False),
        (person(12, group_id=None), False),
        (STAFF, False),
        (LIAISON, False),
        (inactive(DEPUTY), False),
    ],
)
def test_may_lookback(who: Person, allowed: bool) -> None:
    closed = replace(item(), group_id=GROUP)
    assert scope.may_lookback(who, closed) is allowed


def test_an_open_lookback_holds_only_while_the_deputy_is_in_its_group() -> None:
    assert scope.own_lookback_group(DEPUTY) == GROUP
    assert refusal(lambda: scope.own_lookback_group(person(12, group_id=None)))[0] == (
        "lookback.no_group"
    )
    assert refusal(lambda: scope.own_lookback_group(STAFF))[0] == "not_allowed"
    assert scope.lookback_group(DEPUTY, GROUP) == GROUP
    for now in (
        replace(DEPUTY, group_id=OTHER_GROUP),
        replace(DEPUTY, role=Role.STAFF, group_id=None),
    ):
        assert refusal(partial(scope.lookback_group, now, GROUP))[0] == "lookback.scope_lost"
    assert refusal(lambda: scope.require_lookback(OTHER_DEPUTY, OURS))[0] == "item_not_your_group"


# --- summaries -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "group_id", "allowed"),
    [
        (STAFF, GROUP, True),
        (STAFF, OTHER_GROUP, True),
        (LEADER, GROUP, True),
        (LEADER, OTHER_GROUP, False),
        (GROUPLESS_LEADER, GROUP, False),
        (DEPUTY, GROUP, False),  # deputies get no summaries, not even their group's
        (LIAISON, GROUP, False),
        (replace(LEADER, group_id=OTHER_GROUP), GROUP, False),
    ],
)
def test_may_see_group_summary(who: Person, group_id: int, allowed: bool) -> None:
    assert scope.may_see_group_summary(who, group_id) is allowed


def test_whose_summary() -> None:
    assert scope.summary_group(STAFF, None) is None  # staff choose from the list
    assert scope.summary_group(STAFF, OTHER_GROUP) == OTHER_GROUP
    assert scope.summary_group(LEADER, None) == GROUP
    assert scope.summary_group(LEADER, GROUP) == GROUP
    assert refusal(lambda: scope.summary_group(LEADER, OTHER_GROUP))[0] == (
        "dailysum.not_your_group"
    )
    assert refusal(lambda: scope.summary_group(GROUPLESS_LEADER, None))[0] == "dailysum.no_group"
    assert refusal(lambda: scope.summary_group(DEPUTY, None))[0] == "not_allowed"
    assert refusal(lambda: scope.require_group_summary(LEADER, OTHER_GROUP))[0] == (
        "dailysum.not_your_group"
    )


# --- staff, authors, raisers ---------------------------------------------------------------------


def test_forwarding_is_for_staff_of_the_campaign() -> None:
    assert scope.may_forward(STAFF) and scope.may_forward(STAFF, THEIRS)
    assert not scope.may_forward(STAFF, ELSEWHERE)
    assert not scope.may_forward(LEADER) and not scope.may_forward(inactive(STAFF))
    scope.forwarding(STAFF)
    assert refusal(lambda: scope.forwarding(replace(STAFF, role=Role.DEPUTY)))[0] == (
        "forward.scope_lost"
    )
    assert refusal(lambda: scope.require_staff(LIAISON))[0] == "not_allowed"


def test_own_items_and_votes() -> None:
    mine = replace(item(), author_id=DEPUTY.id)
    assert scope.may_see_own_item(DEPUTY, mine)
    assert not scope.may_see_own_item(OTHER_DEPUTY, mine)
    assert not scope.may_see_own_item(
        LIAISON, replace(item(), author_id=LIAISON.id)
    )  # liaisons raise none
    assert refusal(lambda: scope.require_author(LEADER, mine))[0] == "item_not_yours"
    scope.require_raiser(DEPUTY, (1, 2))
    assert refusal(lambda: scope.require_raiser(LEADER, (1, 2)))[0] == "rating_not_a_raiser"
    assert refusal(lambda: scope.require_raiser(inactive(DEPUTY), (1,)))[0] == "not_registered"


def _refusal_keys(tree: ast.Module) -> set[str]:
    """The literal catalog key of every refusal in the module: of each require(...) and
    Refused(...) call, and of each call to a helper that passes one of its parameters on as such a
    key (scope.py's _own_place(..., missing)); a key given any other way fails here."""
    key_at = {"require": 1, "Refused": 0}  # which positional argument is the key
    calls = [
        (function, call)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef)
        for call in ast.walk(function)
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
    ]

    def key_of(call: ast.Call) -> ast.expr | None:
        assert isinstance(call.func, ast.Name)
        at = key_at.get(call.func.id)
        return None if at is None else call.args[at]

    grown = True
    while grown:  # a helper that passes a parameter on as the key refuses with it too
        grown = False
        for function, call in calls:
            key, params = key_of(call), [a.arg for a in function.args.args]
            if isinstance(key, ast.Name) and key.id in params and function.name not in key_at:
                key_at[function.name] = params.index(key.id)
                grown = True
    keys = set()
    for function, call in calls:
        key = key_of(call)
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            keys.add(key.value)
        elif key is not None:
            params = [a.arg for a in function.args.args]
            passed_on = (
                isinstance(key, ast.Name)
                and key.id in params
                and params.index(key.id) == key_at.get(function.name)
            )
            assert passed_on, f"{function.name}: a refusal key that is not a literal"
    return keys


def test_every_refusal_is_in_both_catalogs() -> None:
    keys = _refusal_keys(ast.parse(Path(scope.__file__).read_text(encoding="utf-8")))
    assert {"review.scope_lost", "inbox.scope_lost", "merge_target_not_your_group"} <= keys
    assert {"inbox.no_unit", "lookback.scope_lost", "web.not_for_role"} <= keys
    for language in LANGUAGES:
        assert [k for k in sorted(keys) if not Texts(language).has(k)] == [], language
