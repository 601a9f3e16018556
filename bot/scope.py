"""Who may see and act on what: the one definition of each role's reach.

A leader reaches their own group's items, a liaison the items forwarded to their unit, a deputy
their own items and their group's look-backs; staff reach the whole campaign. The role says which
actions (bot/people.py); this module says on which items and groups.

Screens ask on every update, with the Person the gate has just loaded from the database: someone
moved to another group or unit while a screen is open sees nothing more of the old one. The
lifecycle rules ask the same functions, so a forged or stale press changes nothing either.

Pure: no Telegram, no storage. `may_*` answer yes or no; `require_*` and the functions that
return a group or unit raise Refused with the catalog key that tells the person why.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from bot.errors import Refused, require
from bot.people import Action, Person, Role, can

if TYPE_CHECKING:  # bot.items uses this module; at run time only attributes are read
    from bot.items import Item


def require_active(person: Person | None) -> Person:
    require(person is not None and person.active, "not_registered")
    assert person is not None
    return person


def _allowed(person: Person | None, action: Action) -> Person:
    """The active person, whose role may take `action` at all (on what, the caller checks)."""
    person = require_active(person)
    require(can(person, action), "not_allowed")
    return person


def _in_campaign(person: Person, item: Item) -> bool:
    return item.campaign_id == person.campaign_id


def _of_own_group(person: Person, group_id: int | None) -> bool:
    return person.group_id is not None and person.group_id == group_id


# The person's own place a flow starts from and stays in: their unit (a liaison's inbox and
# progress reports) or their group (a deputy's look-backs).
_Place = Callable[[Person], int | None]


def _unit(person: Person) -> int | None:
    return person.unit_id


def _group(person: Person) -> int | None:
    return person.group_id


def _own_place(person: Person | None, action: Action, place: _Place, missing: str) -> int:
    """Where a flow for `action` starts: the person's own unit or group (`missing` if none)."""
    own = place(_allowed(person, action))
    require(own is not None, missing)
    assert own is not None
    return own


def _still_own(
    person: Person | None, action: Action, place: _Place, opened: int | None, lost: str
) -> int:
    """The unit or group an open flow shows, while the person may still take `action` there."""
    person = require_active(person)
    require(can(person, action) and opened is not None and place(person) == opened, lost)
    assert opened is not None
    return opened


# --- review and merging (leaders: their group; staff: the campaign) ------------------------------


def may_review(person: Person, item: Item) -> bool:
    """The item is within the person's review: their group's (a leader), the campaign's (staff)."""
    if not (can(person, Action.REVIEW) and _in_campaign(person, item)):
        return False
    return person.role is Role.STAFF or _of_own_group(person, item.group_id)


def require_review(person: Person | None, item: Item) -> None:
    require(may_review(_allowed(person, Action.REVIEW), item), "item_not_your_group")


def review_reach(person: Person) -> int | None:
    """The one group whose items a reviewer reaches (as duplicates too); None: the campaign."""
    return None if person.role is Role.STAFF else person.group_id


def may_merge_into(person: Person, item: Item, target: Item) -> bool:
    """Merging makes the item's raisers raisers of the target: they are told of its progress and
    vote on its answer. So the target must be as much within the person's review as the item."""
    return may_review(person, item) and may_review(person, target)


def require_merge_target(person: Person, item: Item, target: Item) -> None:
    require(
        may_merge_into(person, item, target),
        "merge_target_not_your_group",
        number=target.display_number,
    )


def own_review_group(person: Person | None) -> int | None:
    """Where /review starts: a leader's own group; None for staff, who choose a group or all."""
    person = _allowed(person, Action.REVIEW)
    if person.role is Role.STAFF:
        return None
    require(person.group_id is not None, "review.no_group")
    return person.group_id


def review_queue_group(person: Person | None, requested_group: int | None) -> int | None:
    """The group whose submitted items the person may page through now (None: all, staff only).

    Asked on every screen of an open review: a leader moved to another group (or no longer a
    leader) is refused, whatever the open screen was showing.
    """
    person = require_active(person)
    require(can(person, Action.REVIEW), "review.scope_lost")
    if person.role is not Role.STAFF:
        require(_of_own_group(person, requested_group), "review.scope_lost")
    return requested_group


# --- units (liaisons: their unit's items) --------------------------------------------------------


def may_see_item_as_liaison(person: Person, item: Item) -> bool:
    return (
        can(person, Action.INBOX)
        and person.unit_id is not None
        and person.unit_id == item.unit_id
        and _in_campaign(person, item)
    )


def require_unit_item(person: Person | None, item: Item) -> None:
    require(may_see_item_as_liaison(_allowed(person, Action.INBOX), item), "item_not_your_unit")


def own_unit(person: Person | None) -> int:
    """Where /inbox starts: the liaison's unit."""
    return _own_place(person, Action.INBOX, _unit, "inbox.no_unit")


def inbox_unit(person: Person | None, opened_unit: int | None) -> int:
    """The unit an open inbox shows, while the person still handles that unit's items."""
    return _still_own(person, Action.INBOX, _unit, opened_unit, "inbox.scope_lost")


# --- look-backs (deputies and leaders: their group's closed items) -------------------------------


def may_lookback(person: Person, item: Item) -> bool:
    return (
        can(person, Action.LOOKBACK)
        and _of_own_group(person, item.group_id)
        and _in_campaign(person, item)
    )


def require_lookback(person: Person | None, item: Item) -> None:
    require(may_lookback(_allowed(person, Action.LOOKBACK), item), "item_not_your_group")


def own_lookback_group(person: Person | None) -> int:
    """Where /lookback starts: the deputy's group."""
    return _own_place(person, Action.LOOKBACK, _group, "lookback.no_group")


def lookback_group(person: Person | None, opened_group: int | None) -> int:
    """The group whose look-backs an open /lookback shows, while the person is still in it."""
    return _still_own(person, Action.LOOKBACK, _group, opened_group, "lookback.scope_lost")


# --- summaries (leaders: their group; staff: any group) -----------------------------------------


def may_see_group_summaries(person: Person) -> bool:
    """Staff see every group's summary (and choose from the list of groups)."""
    return can(person, Action.SUMMARY) and person.role is Role.STAFF


def may_see_group_summary(person: Person, group_id: int) -> bool:
    return may_see_group_summaries(person) or (
        can(person, Action.SUMMARY) and _of_own_group(person, group_id)
    )


def require_group_summary(person: Person | None, group_id: int) -> None:
    require(
        may_see_group_summary(_allowed(person, Action.SUMMARY), group_id),
        "dailysum.not_your_group",
    )


def summary_group(person: Person | None, requested_group: int | None) -> int | None:
    """Whose summary the person gets: staff the group they name (None: they choose from a list);
    a leader their own group, whether they name it or not."""
    person = _allowed(person, Action.SUMMARY)
    if may_see_group_summaries(person):
        return requested_group
    require(person.group_id is not None, "dailysum.no_group")
    if requested_group is not None:
        require_group_summary(person, requested_group)
    return person.group_id


def group_report_group(person: Person | None, requested_group: int | None) -> int:
    """Whose supervision report: staff the group they name (they must name one); a leader their
    own group, and no other."""
    person = _allowed(person, Action.GROUP_REPORT)
    if person.role is Role.STAFF:
        require(requested_group is not None, "groupreport.name_group")
        assert requested_group is not None
        return requested_group
    require(person.group_id is not None, "groupreport.no_group")
    require(
        requested_group is None or _of_own_group(person, requested_group),
        "groupreport.not_your_group",
    )
    assert person.group_id is not None
    return person.group_id


# --- staff's work on the campaign: forwarding, re-routing, paper answers -------------------------


def may_forward(person: Person, item: Item | None = None) -> bool:
    return can(person, Action.FORWARD) and (item is None or _in_campaign(person, item))


def require_staff(person: Person | None, item: Item | None = None) -> None:
    person = require_active(person)
    require(may_forward(person, item), "not_allowed")


def forwarding(person: Person | None) -> None:
    """An open /forward goes on only while the person is still staff."""
    person = require_active(person)
    require(may_forward(person), "forward.scope_lost")


# --- a deputy's own items and votes ------------------------------------------------------------


def is_author(person: Person, item: Item) -> bool:
    return person.active and item.author_id == person.id


def require_author(person: Person | None, item: Item) -> None:
    person = require_active(person)
    require(is_author(person, item), "item_not_yours")


def may_see_own_item(person: Person, item: Item) -> bool:
    """/mine shows the person's own items and nobody else's."""
    return can(person, Action.OWN_ITEMS) and is_author(person, item)


def require_raiser(person: Person | None, raisers: Collection[int]) -> None:
    """Only those who raised an item (themselves or through a merged one) rate its answer."""
    person = require_active(person)
    require(person.id in raisers, "rating_not_a_raiser")


# --- the web console (staff: the campaign; leaders: their group; liaisons: their unit) ----------


def console_reach(person: Person | None) -> tuple[int | None, int | None]:
    """The (group, unit) the person's console is held to; (None, None) is the whole campaign.

    Deputies work in the chat: the console is for desk work, and refuses them.
    """
    person = require_active(person)
    require(can(person, Action.CONSOLE), "web.not_for_role")
    if person.role is Role.STAFF:
        return None, None
    if person.role is Role.LEADER and person.group_id is not None:
        return person.group_id, None
    if person.role is Role.LIAISON and person.unit_id is not None:
        return None, person.unit_id
    raise Refused("web.not_for_role")


def may_see_in_console(person: Person, item: Item) -> bool:
    """The item is within the person's console: a forged id in a URL reveals nothing."""
    try:
        group_id, unit_id = console_reach(person)
    except Refused:
        return False
    return (
        _in_campaign(person, item)
        and (group_id is None or item.group_id == group_id)
        and (unit_id is None or item.unit_id == unit_id)
    )


# --- targets and progress (bot/usecases/progress.py) --------------------------------------------


def progress_reach(person: Person | None) -> tuple[int | None, int | None]:
    """The (group, unit) whose projects' progress the person sees; (None, None): the campaign.

    Staff see every project; leaders and deputies their group's projects; liaisons their unit's
    sub-items.
    """
    person = _allowed(person, Action.PROJECTS)
    if person.role is Role.STAFF:
        return None, None
    if person.role is Role.LIAISON:
        require(person.unit_id is not None, "progress.no_unit")
        return None, person.unit_id
    require(person.group_id is not None, "progress.no_group")
    return person.group_id, None


def progress_unit(person: Person | None) -> int:
    """Where /progress starts: the liaison's unit, which reports on the sub-items it leads."""
    return _own_place(person, Action.PROGRESS, _unit, "progress.no_unit")


def require_lead_unit(person: Person | None, subitem_unit_id: int) -> None:
    """Only the sub-item's lead unit reports its figures."""
    unit_id = progress_unit(person)
    require(unit_id == subitem_unit_id, "progress.not_your_subitem")


def require_own_visit(person: Person | None, visit_person_id: int) -> Person:
    """A deputy records observations on their own visits only."""
    person = _allowed(person, Action.OBSERVE)
    require(person.id == visit_person_id, "progress.not_your_visit")
    return person


# --- the plan (leaders: their group's tasks; staff: the campaign's) ------------------------------


def plan_reach(person: Person | None) -> int | None:
    """The one group whose tasks and coverage the person sees on the console; None: the
    campaign (staff). Liaisons have the console but no part in the groups' plan."""
    person = _allowed(person, Action.CONSOLE)
    if person.role is Role.STAFF:
        return None
    require(person.role is Role.LEADER, "not_allowed")
    require(person.group_id is not None, "plan.no_group")
    return person.group_id
