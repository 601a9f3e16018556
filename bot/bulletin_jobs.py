"""The monthly bulletin, pushed: from `[bulletin] day` of each month on, the past month's bulletin
goes to every staff member and leader as a Word document through the outbox.

Runs with the daily jobs (bot/schedule.py). Each notice's dedup key is per person and month, so a
month's bulletin is queued once, also when the bot was down on the day itself (it goes out on the
first run after); once everyone has it, later runs do not even make it again. The document is
written under files_dir/bulletins/ before the notices are queued, in each recipient's language.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from bot.bulletin_docx import cjk_font, file_name, render_bulletin
from bot.notice_queue import queue_notices
from bot.notices import Notice
from bot.photostore import write_atomically
from bot.services import Services
from bot.texts import LANGUAGES, Texts
from bot.usecases.bulletin import gather, previous_month

log = logging.getLogger(__name__)


def dedup_key(person_id: int, month: str) -> str:
    return f"bulletin:{person_id}:{month}"


async def monthly_bulletin(services: Services, now: datetime) -> int:
    """Queue the past month's bulletin for staff and leaders; returns the notices newly queued
    (0 before the day, with the bulletin off, or when everyone has this month's already)."""
    settings = services.settings
    day = settings.bulletin.day
    local = now.astimezone(settings.zone)
    if day == 0 or local.day < day:
        return 0
    period = previous_month(local.date())
    assert period.first is not None
    month = f"{period.first:%Y-%m}"
    campaign_id = services.campaign.id
    recipients = sorted(
        {*await services.jobs.staff(campaign_id)}
        | {leader.person_id for leader in await services.reports.leaders(campaign_id)}
    )
    keys = {person_id: dedup_key(person_id, month) for person_id in recipients}
    if not recipients or set(keys.values()) <= await services.reports.queued(keys.values()):
        return 0
    default = settings.i18n.default_language
    languages: dict[int, str] = {}
    for person_id in recipients:
        person = await services.people.by_id(person_id)
        language = person.language if person is not None else None
        languages[person_id] = language if language in LANGUAGES else default
    bulletin = await gather(services, period, now=now)
    font = cjk_font()
    folder = (settings.storage.files_dir / "bulletins" / month).absolute()
    paths: dict[str, str] = {}
    for language in sorted(set(languages.values())):
        texts = Texts(language)
        data = await asyncio.to_thread(render_bulletin, bulletin, texts, font)
        path = folder / language / file_name(bulletin, texts)
        await asyncio.to_thread(write_atomically, path, data)
        paths[language] = str(path)
    notices = [
        Notice(
            person_id,
            "bulletin.scheduled",
            params={"month": month},
            file_path=paths[languages[person_id]],
            file_kind="document",
            dedup=keys[person_id],
        )
        for person_id in recipients
    ]
    added = await queue_notices(services, notices, now)
    log.info("Bulletin for %s: %d notices queued", month, added)
    return added
