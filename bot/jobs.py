"""The daily jobs: remind units of what is overdue, tell staff, close rating windows, and ask
groups for their look-backs.

Staff's digest also carries the campaign's satisfaction figures to date (the whole campaign, as
`/tally` without dates counts them: bot/satisfaction.py), so it goes out whenever anything is
overdue, returned or waiting for the letter, or any answer has been given.

Each job is safe to run more than once: reminders carry a dedup key per person and local day,
announcements one per look-back and person, and a rating window closes through a lifecycle change
that applies only while the item is still answered. So a restart, a second scheduler or an operator
running the jobs by hand sends nothing twice.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.deadline_jobs import deadline_jobs
from bot.deadlines import WAITING_FOR_UNIT
from bot.evaluation_jobs import evaluation_jobs
from bot.items import Item, ItemFilter
from bot.notice_queue import queue_notices
from bot.notices import Notice
from bot.plan_jobs import plan_reminders
from bot.promise_jobs import follow_up_promises
from bot.rating_rules import conclude_rating
from bot.satisfaction import load_satisfaction
from bot.services import Services
from bot.tally_period import Period

log = logging.getLogger(__name__)

# A reminder lists this many items per section; the rest are counted ("… +12").
LIST_LIMIT = 20
# Items a unit can hold at once, as far as one reminder is concerned.
UNIT_ITEMS_LIMIT = 500


def _lines(items: Sequence[Item], services: Services) -> str:
    """One line per item: number, project, due date (local). Language-neutral on purpose: the
    notice is rendered in its recipient's language later, and these lines hold no words."""
    policy = services.policy
    shown = [
        f"• <b>{item.display_number}</b> {html.escape(item.project_title or '')} · "
        f"{policy.day(item.due_at) if item.due_at else ''}"
        for item in items[:LIST_LIMIT]
    ]
    if len(items) > LIST_LIMIT:
        shown.append(f"… +{len(items) - LIST_LIMIT}")
    return "\n".join(shown) if shown else "—"


async def daily_reminders(services: Services, now: datetime) -> int:
    """Each liaison: their unit's overdue and due-soon items; each staff member: a digest.

    Returns how many notices were newly queued (0 when today's were queued already).
    """
    campaign_id = services.campaign.id
    day = services.policy.day(now)
    soon = now + timedelta(days=services.settings.deadlines.due_soon_days)
    notices: list[Notice] = []

    units = await services.jobs.units_with_due_items(campaign_id, soon)
    by_unit: dict[int, tuple[list[Item], list[Item]]] = {}
    for unit_id in units:
        items = await services.items.find(
            campaign_id,
            ItemFilter(
                statuses=tuple(WAITING_FOR_UNIT),
                unit_id=unit_id,
                order="due",
                limit=UNIT_ITEMS_LIMIT,
            ),
        )
        overdue = [i for i in items if i.due_at is not None and i.due_at < now]
        due_soon = [i for i in items if i.due_at is not None and now <= i.due_at <= soon]
        by_unit[unit_id] = (overdue, due_soon)
    for liaison in await services.jobs.liaisons(campaign_id):
        if liaison.unit_id not in by_unit:
            continue
        overdue, due_soon = by_unit[liaison.unit_id]
        notices.append(
            Notice(
                liaison.person_id,
                "jobs.remind_liaison",
                params={
                    "overdue": len(overdue),
                    "soon": len(due_soon),
                    "overdue_list": _lines(overdue, services),
                    "soon_list": _lines(due_soon, services),
                },
                dedup=f"remind:{liaison.person_id}:{day}",
            )
        )

    by_unit_overdue = await services.jobs.overdue_by_unit(campaign_id, now)
    returned = await services.jobs.count_returned(campaign_id)
    for_letter = await services.jobs.count_for_letter(campaign_id)
    start, end = Period().bounds(services.settings.zone)
    figures = await load_satisfaction(services.satisfaction, campaign_id, start, end)
    if by_unit_overdue or returned or for_letter or figures.answered or figures.valid:
        unit_lines = "\n".join(
            f"• {html.escape(u.unit_name) or '—'}: {u.count}" for u in by_unit_overdue
        )
        for person_id in await services.jobs.staff(campaign_id):
            notices.append(
                Notice(
                    person_id,
                    "jobs.staff_digest",
                    params={
                        "overdue": sum(u.count for u in by_unit_overdue),
                        "by_unit": unit_lines or "—",
                        "returned": returned,
                        "for_letter": for_letter,
                        **figures.params(),
                    },
                    dedup=f"digest:{person_id}:{day}",
                )
            )
    return await queue_notices(services, notices, now)


async def close_expired_ratings(services: Services, now: datetime) -> int:
    """Answered items whose rating window is over: the votes cast so far decide.

    Returns how many items were concluded.
    """
    window = timedelta(days=services.settings.deadlines.rating_window_days)
    concluded = 0
    for item_id in await services.jobs.expired_answered(services.campaign.id, now - window):
        item = await services.items.get(item_id)
        if item is None:
            continue
        change = conclude_rating(
            item,
            await services.items.votes(item.id),
            await services.items.parties(item),
            now,
            services.policy,
            window_over=True,
        )
        if change is not None and await services.apply(change, now):
            concluded += 1
            log.info("Rating window of item %s closed", item.id)
    return concluded


async def announce_due_lookbacks(services: Services, now: datetime) -> int:
    """Tell each deputy and leader of a group that a look-back of theirs is due (once each).

    Returns how many notices were newly queued.
    """
    notices: list[Notice] = []
    members: dict[int, list[int]] = {}
    for due in await services.jobs.due_lookbacks(services.campaign.id, now):
        item = await services.items.get(due.item_id)
        if item is None:
            continue
        if due.group_id not in members:
            members[due.group_id] = await services.jobs.group_members(due.group_id)
        closed = services.policy.day(item.closed_at) if item.closed_at else ""
        for person_id in members[due.group_id]:
            notices.append(
                Notice(
                    person_id,
                    "jobs.lookback_due",
                    params={
                        "number": item.display_number,
                        "project": html.escape(item.project_title or ""),
                        "closed": closed,
                    },
                    localized={"kind": f"kind.{item.kind}"},
                    dedup=f"lookback:{due.id}:{person_id}",
                )
            )
    return await queue_notices(services, notices, now)


async def run_daily_jobs(services: Services, now: datetime) -> dict[str, int]:
    """All daily jobs, in the order that lets one feed the next: a rating window that closes
    today schedules its look-back before look-backs are announced and reminders counted."""
    counts: dict[str, int] = {}
    counts["ratings_closed"] = await close_expired_ratings(services, now)
    counts["lookbacks_announced"] = await announce_due_lookbacks(services, now)
    counts["promises_due"] = await follow_up_promises(services, now)
    counts["reminders"] = await daily_reminders(services, now)
    counts["plan_reminders"] = await queue_notices(
        services, await plan_reminders(services, now), now
    )
    counts.update(await evaluation_jobs(services, now))
    counts.update(await deadline_jobs(services, now))
    log.info(
        "Daily jobs: %s ratings closed, %s look-back notices, %s reminders",
        counts["ratings_closed"],
        counts["lookbacks_announced"],
        counts["reminders"],
    )
    return counts
