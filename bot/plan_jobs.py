"""The plan's morning reminders, run with the other daily jobs (bot/jobs.py run_daily_jobs).

- A deputy whose task's window opens today is told so; one whose window closes tomorrow and has
  not been there yet is reminded.
- The day before a key date of the campaign (a meeting, the supervision week, an inspection),
  every deputy and leader of the campaign is told.

Each notice carries a dedup key per task, person and kind (per key date and person), so a job run
twice, or caught up after a restart, sends nothing twice.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from bot.notices import Notice
from bot.services import Services
from bot.texts import LANGUAGES


async def plan_reminders(services: Services, now: datetime) -> list[Notice]:
    """The notices of today's task and key-date reminders (not yet queued)."""
    today = now.astimezone(services.settings.zone).date()
    tomorrow = today + timedelta(days=1)
    campaign_id = services.campaign.id
    notices: list[Notice] = []
    for due in await services.plan.due(campaign_id, today, tomorrow):
        params = {
            "place": html.escape(due.place),
            "first": due.first.isoformat(),
            "last": due.last.isoformat(),
        }
        # The day the window opens, and the day before it closes: one notice each, once.
        for key, dedup, day, when in (
            ("plan.remind_opens", "task-opens", due.first, today),
            ("plan.remind_closes", "task-closes", due.last, tomorrow),
        ):
            if day == when:
                notices.append(
                    Notice(
                        due.person_id,
                        key,
                        params=params,
                        dedup=f"{dedup}:{due.task_id}:{due.person_id}",
                    )
                )
    calendar = await services.plan.calendar(campaign_id)
    coming = calendar.on(tomorrow)
    if coming:
        default = services.settings.i18n.default_language
        people = await services.plan.reachable_members(campaign_id)
        for key_date in coming:
            for person_id, language in people:
                # The catalog's name in the person's language: the notice is rendered later,
                # but a catalog name is data, not a template.
                name = key_date.label(language if language in LANGUAGES else default)
                notices.append(
                    Notice(
                        person_id,
                        "plan.remind_key_date",
                        params={"name": html.escape(name), "date": key_date.day.isoformat()},
                        localized={"kind": f"plan.kind.{key_date.kind}"},
                        dedup=f"key-date:{key_date.day}:{key_date.name}:{person_id}",
                    )
                )
    return notices
