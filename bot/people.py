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
    INVITE = "invite"


# Leaders are deputies too: they visit sites and raise items like everyone in their group.
_ALLOWED: dict[Role, frozenset[Action]] = {
    Role.DEPUTY: frozenset({Action.CHECKIN, Action.REPORT, Action.OWN_ITEMS}),
    Role.LEADER: frozenset({Action.CHECKIN, Action.REPORT, Action.OWN_ITEMS}),
    Role.STAFF: frozenset({Action.INVITE}),
    Role.LIAISON: frozenset(),
}

# Which commands each role's menu shows, in order. /start, /help, /lang and /cancel are for all.
ROLE_COMMANDS: dict[Role, tuple[str, ...]] = {
    Role.DEPUTY: ("checkin", "problem", "suggest", "mine"),
    Role.LEADER: ("checkin", "problem", "suggest", "mine"),
    Role.STAFF: ("invite",),
    Role.LIAISON: (),
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


def can(person: Person | None, action: Action) -> bool:
    return person is not None and person.active and action in _ALLOWED[person.role]


def require_can(person: Person | None, action: Action) -> None:
    require(person is not None and person.active, "not_registered")
    require(can(person, action), "not_allowed")


def commands_for(role: Role) -> tuple[str, ...]:
    return (*ROLE_COMMANDS[role], *COMMON_COMMANDS)
