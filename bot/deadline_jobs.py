"""The units' deadlines, every morning: sign-for reminders, chasing (催办), escalation (通报) and
staff's deadline digest.

- An item not signed for (签收) is reminded to its unit's liaisons on the last day of the
  window (or the first run after it), once per forwarding; past the window staff see it as
  签收超时 in the digest and in the console.
- On its due date (or the first run after it) an unanswered item is chased: its liaisons get
  a notice, once per due date.
- `escalate_after_working_days` working days after the due date, still unanswered: staff and
  the raisers' group leaders get an escalation notice; the escalation is recorded once per item,
  round and due date (an extension gives a new due date, and so a new chance to be late).

Every notice carries a dedup key and the escalation a UNIQUE row, so a job run twice (a restart,
a second scheduler) sends nothing twice.
"""

from __future__ import annotations

import html
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.clock import to_db
from bot.deadline_ports import NewEscalation
from bot.deadlines import WAITING_FOR_UNIT
from bot.items import Item, ItemFilter, Status
from bot.lifecycle import notify
from bot.notice_queue import queue_notices
from bot.notices import Notice
from bot.services import Services
from bot.unit_deadlines import escalation_moment, sign_deadline, sign_overdue

log = logging.getLogger(__name__)

# Items the jobs look at, at most: far above the open items a campaign has.
ITEMS_LIMIT = 5000
# A digest lists this many items per section; the rest are counted.
LIST_LIMIT = 20
# Each unit's reachable liaisons, by unit id.
Liaisons = dict[int, tuple[int, ...]]


def _stamp(moment: datetime) -> str:
    return to_db(moment).replace(":", "")


async def _waiting_items(services: Services) -> list[Item]:
    """The items a unit still owes something, read once per run: every step below looks at
    them (the forwarded ones among them are those not signed for)."""
    return await services.items.find(
        services.campaign.id,
        ItemFilter(statuses=tuple(WAITING_FOR_UNIT), order="due", limit=ITEMS_LIMIT),
    )


async def _liaisons_by_unit(services: Services) -> Liaisons:
    """Each unit's reachable liaisons (the `liaisons` of an item's parties), in one read for all
    the items a run reminds or chases."""
    by_unit: dict[int, list[int]] = defaultdict(list)
    for liaison in await services.jobs.liaisons(services.campaign.id):
        by_unit[liaison.unit_id].append(liaison.person_id)
    return {unit_id: tuple(ids) for unit_id, ids in by_unit.items()}


def _liaisons_of(item: Item, liaisons: Liaisons) -> tuple[int, ...]:
    return liaisons.get(item.unit_id, ()) if item.unit_id is not None else ()


def liaison_notices(
    services: Services, now: datetime, items: Sequence[Item], liaisons: Liaisons
) -> tuple[list[Notice], list[Notice]]:
    """The liaisons' notices of the morning, in one pass over the waiting items: the sign-for
    reminders (the signing window ends today or has ended, unsigned; once per forwarding) and
    催办 (the due date has come, unanswered; once per due date)."""
    policy = services.policy
    today = policy.day(now)
    reminders: list[Notice] = []
    chases: list[Notice] = []
    for item in items:
        to = _liaisons_of(item, liaisons)
        limit = sign_deadline(item, policy) if item.status is Status.FORWARDED else None
        if limit is not None and item.forwarded_at is not None and policy.day(limit) <= today:
            reminders += _keyed(
                notify(
                    to,
                    "deadline.notice_sign_for",
                    item,
                    date=policy.day(limit),
                    days=policy.deadlines.sign_for_working_days,
                ),
                f"signfor:{item.id}:{_stamp(item.forwarded_at)}",
            )
        if item.due_at is not None and policy.day(item.due_at) <= today:
            chases += _keyed(
                notify(to, "deadline.notice_chase", item, due=policy.day(item.due_at)),
                f"chase:{item.id}:{item.round}:{_stamp(item.due_at)}",
            )
    return reminders, chases


async def escalate(services: Services, now: datetime, items: Sequence[Item]) -> int:
    """通报: staff and the group's leaders, for items unanswered N working days past due."""
    policy = services.policy
    days = policy.deadlines.escalate_after_working_days
    escalated = 0
    done = await services.deadlines.escalated(services.campaign.id)
    for item in items:
        if item.due_at is None or now <= escalation_moment(item.due_at, policy):
            continue
        if (item.id, item.round, item.due_at) in done:
            continue
        parties = await services.items.parties(item)
        notices = notify(
            (*parties.staff, *parties.leaders),
            "deadline.notice_escalated",
            item,
            unit=item.unit_name or "",
            due=policy.day(item.due_at),
            days=days,
        )
        escalation = NewEscalation(item.id, item.round, item.unit_id, item.due_at)
        if await services.deadlines.record_escalation(escalation, notices, now):
            escalated += 1
            log.info("Item %s escalated (unit %s)", item.id, item.unit_id)
    return escalated


def _keyed(notices: Iterable[Notice], once: str) -> list[Notice]:
    """Each notice unique in the outbox by `once` and its person: a second run queues none."""
    return [replace(notice, dedup=f"{once}:{notice.person_id}") for notice in notices]


def _line(item: Item, when: str) -> str:
    return f"• <b>{item.display_number}</b> {html.escape(item.unit_name or '')} · {when}"


def _listed(lines: list[str]) -> str:
    shown = lines[:LIST_LIMIT]
    if len(lines) > LIST_LIMIT:
        shown.append(f"… +{len(lines) - LIST_LIMIT}")
    return "\n".join(shown) if shown else "—"


async def staff_digest(services: Services, now: datetime, items: Sequence[Item]) -> list[Notice]:
    """Staff's deadline digest: 签收超时, extensions to decide, escalations of the last day."""
    policy = services.policy
    campaign_id = services.campaign.id
    unsigned = [
        _line(item, policy.day(limit))
        for item in items
        if sign_overdue(item, now, policy) and (limit := sign_deadline(item, policy))
    ]
    pending = await services.deadlines.pending_extensions(campaign_id)
    pending_lines = []
    # A request is asked while its unit holds the item, so it is among `items`; one whose item
    # moved on since is still listed, read on its own.
    waiting = {item.id: item for item in items}
    for extension in pending:
        item = waiting.get(extension.item_id) or await services.items.get(extension.item_id)
        if item is not None:
            pending_lines.append(_line(item, extension.proposed_day.isoformat()))
    escalated = await services.deadlines.escalations(
        campaign_id, to_db(now - timedelta(days=1)), to_db(now + timedelta(seconds=1))
    )
    escalated_lines = [
        f"• <b>{e.number}</b> {html.escape(e.unit_name)} · {policy.day(e.due_at)}"
        for e in escalated
    ]
    if not (unsigned or pending_lines or escalated_lines):
        return []
    day = policy.day(now)
    return [
        Notice(
            person_id,
            "deadline.staff_digest",
            params={
                "unsigned": len(unsigned),
                "unsigned_list": _listed(unsigned),
                "pending": len(pending_lines),
                "pending_list": _listed(pending_lines),
                "escalated": len(escalated_lines),
                "escalated_list": _listed(escalated_lines),
            },
            dedup=f"deadlinedigest:{person_id}:{day}",
        )
        for person_id in await services.jobs.staff(campaign_id)
    ]


async def deadline_jobs(services: Services, now: datetime) -> dict[str, int]:
    """The morning's deadline work, in order: remind, chase, escalate, then tell staff.

    Reminding and chasing queue notices only (the items stay as they are), and an escalation
    changes no item either, so the items read once serve every step."""
    items = await _waiting_items(services)
    liaisons = await _liaisons_by_unit(services)
    reminders, chases = liaison_notices(services, now, items, liaisons)
    counts = {
        "sign_reminders": await queue_notices(services, reminders, now),
        "chased": await queue_notices(services, chases, now),
        "escalated": await escalate(services, now, items),
    }
    counts["deadline_digest"] = await queue_notices(
        services, await staff_digest(services, now, items), now
    )
    if counts["escalated"]:
        services.wake_sender()
    return counts
