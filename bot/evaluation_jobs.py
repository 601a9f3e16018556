"""The evaluation's daily job: remind voters who have not finished, close rounds past their
deadline and tell staff.

Safe to run more than once: reminders carry a dedup key per round, person and day, and a round
closes (with its notices) only while it is open.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.evaluation import overdue, remind_today
from bot.notices import Act, Notice, NoticeButton
from bot.rates import percent
from bot.services import Services
from bot.usecases.evaluation import round_results

log = logging.getLogger(__name__)


async def evaluation_jobs(services: Services, now: datetime) -> dict[str, int]:
    """Remind or close the campaign's open round; counts of what was done."""
    store = services.evaluation
    counts = {"evaluation_reminders": 0, "evaluation_closed": 0}
    round_ = await store.open_round_of(services.campaign.id)
    if round_ is None:
        return counts
    day = now.astimezone(services.settings.zone).date()
    if overdue(round_, day):
        turnout = (await round_results(services, round_)).turnout
        notices = [
            Notice(
                person_id,
                "evaluation.notice_closed",
                params={
                    "deadline": round_.deadline.isoformat(),
                    "voters": turnout.voters,
                    "finished": turnout.finished,
                    "percent": percent(
                        turnout.finished / turnout.voters if turnout.voters else None
                    ),
                },
                dedup=f"evaluation:closed:{round_.id}:{person_id}",
            )
            for person_id in await store.staff(services.campaign.id)
        ]
        if await store.close_round(round_.id, now, notices):
            counts["evaluation_closed"] = 1
            log.info("Evaluation round %s closed at its deadline", round_.id)
            services.wake_sender()
        return counts
    if remind_today(round_, day, services.settings.evaluation.remind_days_before):
        button = NoticeButton("evaluation.button_continue", Act.EVALUATE, (round_.id,))
        days_left = (round_.deadline - day).days
        notices = [
            Notice(
                person_id,
                "evaluation.notice_reminder",
                params={"deadline": round_.deadline.isoformat(), "days": days_left},
                buttons=((button,),),
                dedup=f"evaluation:remind:{round_.id}:{person_id}:{day.isoformat()}",
            )
            for person_id in await store.unfinished_voters(round_.id)
        ]
        if notices:
            counts["evaluation_reminders"] = await services.outbox.enqueue(notices, now)
            services.wake_sender()
    return counts
