"""The permissions (bot/people.py): what each role may do, and the menu of commands each role
is offered."""

from __future__ import annotations

import pytest

from bot.errors import Refused
from bot.people import COMMON_COMMANDS, ROLE_COMMANDS, Action, Role, can, commands_for, require_can
from tests import builders

# --- permissions --------------------------------------------------------------------------------

_FIELD = {
    Action.CHECKIN,
    Action.REPORT,
    Action.OWN_ITEMS,
    Action.RATE,
    Action.LOOKBACK,
    Action.PROJECTS,
    Action.OBSERVE,  # the check-in's button (handlers/observe.py)
    Action.TASKS,
    Action.EVALUATE,
}
EXPECTED: dict[Role, set[Action]] = {
    Role.DEPUTY: _FIELD,
    Role.LEADER: _FIELD
    | {
        Action.SUMMARY,
        Action.REVIEW,
        Action.CONSOLE,
        Action.PLAN,
        Action.BULLETIN,
        Action.GROUP_REPORT,
    },
    Role.STAFF: {
        Action.SUMMARY,
        Action.REVIEW,
        Action.TALLY,
        Action.EXPORT,
        Action.FORWARD,
        Action.INVITE,
        Action.MANAGE,
        Action.CONSOLE,
        Action.POSTERS,
        Action.PROJECTS,
        Action.EVALUATION,
        Action.BULLETIN,
        Action.GROUP_REPORT,
    },
    Role.LIAISON: {Action.INBOX, Action.CONSOLE, Action.PROJECTS, Action.PROGRESS},
}
MATRIX = [(role, action) for role in Role for action in Action]


def test_the_matrix_covers_every_role() -> None:
    assert set(EXPECTED) == set(Role)


@pytest.mark.parametrize(("role", "action"), MATRIX, ids=[f"{r}-{a}" for r, a in MATRIX])
def test_can(role: Role, action: Action) -> None:
    allowed = action in EXPECTED[role]
    person = builders.person(1, role=role)
    assert can(person, action) is allowed
    if allowed:
        require_can(person, action)
    else:
        with pytest.raises(Refused) as info:
            require_can(person, action)
        assert info.value.key == "not_allowed"


@pytest.mark.parametrize(("role", "action"), MATRIX, ids=[f"{r}-{a}" for r, a in MATRIX])
def test_inactive_people_may_do_nothing(role: Role, action: Action) -> None:
    person = builders.person(1, role=role, active=False)
    assert can(person, action) is False
    with pytest.raises(Refused) as info:
        require_can(person, action)
    assert info.value.key == "not_registered"


@pytest.mark.parametrize("action", list(Action))
def test_strangers_may_do_nothing(action: Action) -> None:
    assert can(None, action) is False
    with pytest.raises(Refused) as info:
        require_can(None, action)
    assert info.value.key == "not_registered"


# --- menus --------------------------------------------------------------------------------------


def test_commands_for_each_role() -> None:
    common = ("help", "lang", "cancel")
    deputy = (
        "checkin",
        "problem",
        "suggest",
        "mine",
        "tasks",
        "lookback",
        "projects",
        "evaluate",
        *common,
    )
    assert commands_for(Role.DEPUTY) == deputy
    assert set(commands_for(Role.LEADER)) == {
        *deputy,
        "review",
        "summary",
        "plan",
        "groupreport",
        "bulletin",
        "web",
    }
    assert commands_for(Role.STAFF)[:3] == ("tally", "export", "forward")
    assert commands_for(Role.LIAISON) == ("inbox", "progress", "projects", "web", *common)


@pytest.mark.parametrize("role", list(Role))
def test_menus_end_with_the_common_commands_and_have_no_duplicates(role: Role) -> None:
    commands = commands_for(role)
    assert commands[-len(COMMON_COMMANDS) :] == COMMON_COMMANDS
    assert len(set(commands)) == len(commands)
    assert "start" not in commands


_COMMAND_ACTION = {
    "checkin": Action.CHECKIN,
    "problem": Action.REPORT,
    "suggest": Action.REPORT,
    "mine": Action.OWN_ITEMS,
    "invite": Action.INVITE,
    "lookback": Action.LOOKBACK,
    "projects": Action.PROJECTS,
    "progress": Action.PROGRESS,
    "review": Action.REVIEW,
    "summary": Action.SUMMARY,
    "tally": Action.TALLY,
    "export": Action.EXPORT,
    "forward": Action.FORWARD,
    "people": Action.MANAGE,
    "catalog": Action.MANAGE,
    "inbox": Action.INBOX,
    "web": Action.CONSOLE,
    "posters": Action.POSTERS,
    "plan": Action.PLAN,
    "tasks": Action.TASKS,
    "evaluate": Action.EVALUATE,
    "evaluation": Action.EVALUATION,
    "bulletin": Action.BULLETIN,
    "groupreport": Action.GROUP_REPORT,
}
# Reached from the buttons of a notification, not from the menu.
_BY_NOTICE = {Action.RATE, Action.OBSERVE}  # buttons of notices and of the check-in


@pytest.mark.parametrize("role", list(Role))
def test_menus_offer_only_what_the_role_may_do(role: Role) -> None:
    person = builders.person(1, role=role)
    for command in ROLE_COMMANDS[role]:
        assert can(person, _COMMAND_ACTION[command]), (role, command)
    # And every allowed action is reachable from the menu.
    offered = {_COMMAND_ACTION[c] for c in ROLE_COMMANDS[role]}
    assert offered == EXPECTED[role] - _BY_NOTICE
