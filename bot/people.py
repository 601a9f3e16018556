"""People, their roles, and what each role may do. Checked on the server for every action."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.errors import require


class Role(StrEnum):
    DEPUTY = "deputy"
    LEADER = "leader"
    STAFF = "staff"
    LIAISON = "liaison"


class Action(StrEnum):
    CHECKIN = "checkin"
    REPORT = "report"
    OWN_ITEMS = "own_items"
    RATE = "rate"  # rate a unit's answer to an item one raised
    LOOKBACK = "lookback"  # re-check a closed item of one's group
    SUMMARY = "summary"  # a group's daily summary
    REVIEW = "review"  # accept, merge, decline, ask for more
    TALLY = "tally"
    EXPORT = "export"
    FORWARD = "forward"  # forward to units, re-route returned items, record paper answers
    INVITE = "invite"
    MANAGE = "manage"  # change people's roles and groups, upload the catalog
    INBOX = "inbox"  # a liaison's items: accept, return, progress, answer
    CONSOLE = "console"  # the web console for desk work (bot/scope.py console_reach)
    POSTERS = "posters"  # print the sites' check-in QR codes (bot/posters.py)
    PROJECTS = "projects"  # the projects' progress board (bot/scope.py progress_reach)
    PROGRESS = "progress"  # a lead unit reports its sub-items' figures
    OBSERVE = "observe"  # a deputy records what they saw of a target on a visit
    PLAN = "plan"  # assign visits to the group's deputies (bot/usecases/plan.py)
    TASKS = "tasks"  # one's own visits to make
    EVALUATE = "evaluate"  # rate the projects in a satisfaction evaluation one is a voter of
    EVALUATION = "evaluation"  # open and close evaluation rounds, see their turnout and results
    BULLETIN = "bulletin"  # the monthly bulletin of the whole campaign (bot/usecases/bulletin.py)
    GROUP_REPORT = "group_report"  # a group's written supervision report (scope: bot/scope.py)


_DEPUTY = frozenset(
    {
        Action.CHECKIN,
        Action.REPORT,
        Action.OWN_ITEMS,
        Action.RATE,
        Action.LOOKBACK,
        Action.PROJECTS,
        Action.OBSERVE,
        Action.TASKS,
        Action.EVALUATE,
    }
)

# Leaders are deputies too: they visit sites and raise items like everyone in their group.
# Scope is checked with the action: a leader reviews and summarises only their own group, a
# liaison sees only their unit's items; staff see the whole campaign.
_ALLOWED: dict[Role, frozenset[Action]] = {
    Role.DEPUTY: _DEPUTY,
    Role.LEADER: _DEPUTY
    | {
        Action.SUMMARY,
        Action.REVIEW,
        Action.CONSOLE,
        Action.PLAN,
        Action.BULLETIN,
        Action.GROUP_REPORT,
    },
    Role.STAFF: frozenset(
        {
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
        }
    ),
    Role.LIAISON: frozenset({Action.INBOX, Action.CONSOLE, Action.PROJECTS, Action.PROGRESS}),
}

# Which commands each role's menu shows, in order. /start, /help, /lang and /cancel are for all.
ROLE_COMMANDS: dict[Role, tuple[str, ...]] = {
    Role.DEPUTY: (
        "checkin",
        "problem",
        "suggest",
        "mine",
        "tasks",
        "lookback",
        "projects",
        "evaluate",
    ),
    Role.LEADER: (
        "checkin",
        "problem",
        "suggest",
        "mine",
        "tasks",
        "review",
        "summary",
        "plan",
        "groupreport",
        "bulletin",
        "lookback",
        "projects",
        "evaluate",
        "web",
    ),
    Role.STAFF: (
        "tally",
        "export",
        "forward",
        "review",
        "summary",
        "invite",
        "people",
        "catalog",
        "posters",
        "projects",
        "evaluation",
        "bulletin",
        "groupreport",
        "web",
    ),
    Role.LIAISON: ("inbox", "progress", "projects", "web"),
}
COMMON_COMMANDS: tuple[str, ...] = ("help", "lang", "cancel")


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    campaign_id: int
    name: str
    role: Role
    group_id: int | None
    unit_id: int | None
    telegram_user_id: int | None
    language: str | None
    active: bool
    blocked: bool = False  # Telegram said they blocked the bot (persons.blocked_at)


def can(person: Person | None, action: Action) -> bool:
    return person is not None and person.active and action in _ALLOWED[person.role]


def require_can(person: Person | None, action: Action) -> None:
    require(person is not None and person.active, "not_registered")
    require(can(person, action), "not_allowed")


def commands_for(role: Role) -> tuple[str, ...]:
    return (*ROLE_COMMANDS[role], *COMMON_COMMANDS)


@dataclass(frozen=True, slots=True)
class PersonCard:
    """A person as staff see them when managing: role, scope, whether they joined."""

    id: int
    campaign_id: int
    name: str
    role: Role
    group_id: int | None
    group_name: str | None
    unit_id: int | None
    unit_name: str | None
    telegram_user_id: int | None
    language: str | None
    active: bool
    joined: bool
    blocked: bool


@dataclass(frozen=True, slots=True)
class PersonChange:
    role: Role
    group_id: int | None
    unit_id: int | None
    active: bool


@dataclass(frozen=True, slots=True)
class PersonEdit:
    """A change staff make to a person as they saw them: it applies only while the person is still
    as `seen` (someone else may have changed them meanwhile)."""

    seen: PersonCard
    change: PersonChange
    actor_id: int
