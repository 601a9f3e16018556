"""The evening push: each group's daily summary queued through the outbox to its leaders.

Every part carries a dedup key, so a push run twice for the same day (or after a crash) queues
nothing new.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.notices import Notice
from bot.photostore import write_atomically
from bot.picture_pool import machine_workers
from bot.records import Leader
from bot.summary import group_summary
from bot.summary_pictures import pictures_in
from bot.summary_render import render_summary
from bot.texts import LANGUAGES, Texts

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

# Groups summarised at the same time, per process drawing: enough for the next group's queries to
# run while the pool draws, few enough to bound the memory of images not yet written.
GROUPS_PER_WORKER = 2


def summary_dir(services: Services, day: date) -> Path:
    return (services.settings.storage.files_dir / "summaries" / day.isoformat()).absolute()


def dedup_key(person_id: int, day: date, part: str) -> str:
    return f"summary:{person_id}:{day.isoformat()}:{part}"


def _write_all(files: list[tuple[Path, bytes]]) -> None:
    for path, data in files:
        write_atomically(path, data)


async def _queue_group(
    services: Services, group_id: int, leaders: list[Leader], day: date, now: datetime
) -> int:
    summary = await group_summary(services, group_id, day, now=now)
    default = services.settings.i18n.default_language
    languages = {
        leader.person_id: leader.language if leader.language in LANGUAGES else default
        for leader in leaders
    }
    notices: list[Notice] = []
    rendered: dict[str, tuple[list[str], list[tuple[str, str, str]]]] = {}
    # The pictures of every language the leaders read, in one task of the picture pool.
    wanted = sorted(set(languages.values()))
    drawn = await pictures_in(summary, wanted, services.pictures)
    writes: list[tuple[Path, bytes]] = []
    for language in wanted:
        parts = render_summary(summary, Texts(language))
        files = []
        for picture in drawn[language]:
            path = (
                summary_dir(services, day)
                / f"g{group_id}-{language}-{picture.name}.{picture.suffix}"
            )
            writes.append((path, picture.data))
            files.append((picture.name, str(path), picture.caption))
        rendered[language] = (parts, files)
    await asyncio.to_thread(_write_all, writes)
    for leader in leaders:
        parts, files = rendered[languages[leader.person_id]]
        for n, text in enumerate(parts, start=1):
            notices.append(
                Notice(
                    leader.person_id, text=text, dedup=dedup_key(leader.person_id, day, f"text{n}")
                )
            )
        for name, file_path, caption in files:
            notices.append(
                Notice(
                    leader.person_id,
                    text=caption,
                    file_path=file_path,
                    file_kind="photo",
                    dedup=dedup_key(leader.person_id, day, name),
                )
            )
    # One transaction per group: its leaders get the whole summary or, after a crash, none of it.
    return await services.outbox.enqueue(notices, now)


async def queue_daily_summaries(services: Services, day: date, now: datetime) -> int:
    """Queue `day`'s summary of every group to each of its active leaders; returns new rows.

    Run twice for the same day, it queues nothing new: every part has its dedup key, and a
    group whose leaders all have the summary already is not even summarised again.
    """
    repo = services.reports
    by_group: dict[int, list[Leader]] = defaultdict(list)
    for leader in await repo.leaders(services.campaign.id):
        by_group[leader.group_id].append(leader)
    if services.pictures is not None:
        # The processes start while the first groups' queries run.
        services.pictures.warm_up()
    workers = services.pictures.workers if services.pictures is not None else machine_workers()
    limit = asyncio.Semaphore(GROUPS_PER_WORKER * workers)

    async def one(group_id: int, leaders: list[Leader]) -> int:
        firsts = {dedup_key(leader.person_id, day, "text1"): leader for leader in leaders}
        # A leader's parts are queued in one transaction: with the first, all of them. Only
        # the others' summary (and their languages' pictures) is made.
        have = await repo.queued(list(firsts))
        waiting = [leader for key, leader in firsts.items() if key not in have]
        if not waiting:
            return 0
        async with limit:
            try:
                return await _queue_group(services, group_id, waiting, day, now)
            except Exception:
                # One group's failure must not keep the other groups' leaders uninformed.
                log.exception("Daily summary of group %s for %s failed", group_id, day)
                return 0

    counts = await asyncio.gather(*(one(g, ls) for g, ls in sorted(by_group.items())))
    added = sum(counts)
    log.info("Daily summaries for %s: %d groups, %d new outbox rows", day, len(by_group), added)
    return added
