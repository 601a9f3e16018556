"""What a desk front end (the web console) does in one step that the chat spreads over several.

The chat takes an answer's photos one message at a time (handlers/inbox_answer.py); a browser
sends the class, the text and every photo in one form. The order keeps a refusal harmless: the
answer is checked first, then every photo, and only then is anything stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

from bot.answer_terms import AnswerGiven
from bot.errors import Refused, require
from bot.photos import PhotoRejected, process_photo
from bot.records import PhotoTarget
from bot.services import Services
from bot.usecases import unit
from bot.usecases.acting import Acted, Caller

log = logging.getLogger(__name__)


def photo_refusal(services: Services, rejected: PhotoRejected) -> Refused:
    """The chat's own sentence for an unusable photo (bot/locales photo.*)."""
    photos = services.settings.photos
    return Refused(
        f"photo.{rejected.reason}",
        max_mb=int(photos.max_file_mb),
        max_mp=int(photos.max_megapixels),
    )


def upload_id(data: bytes) -> str:
    """A stable stand-in for Telegram's file_unique_id: the same file sent again is stored once."""
    return f"web-{hashlib.sha256(data).hexdigest()[:40]}"


async def judge_uploads(services: Services, photos: list[bytes]) -> None:
    """As many files as a report may carry, each a usable photo; judged before any is kept, so
    one bad file leaves nothing half-stored."""
    limit = services.settings.reports.max_photos
    require(len(photos) <= limit, "photo_limit", max=limit)
    policy = services.evidence.policy
    for data in photos:
        try:
            await asyncio.to_thread(process_photo, data, policy)
        except PhotoRejected as rejected:
            log.info("Uploaded photo rejected: %s", rejected.reason)
            raise photo_refusal(services, rejected) from None


async def keep_uploads(
    services: Services, caller: Caller, target: PhotoTarget, photos: list[bytes]
) -> None:
    """The judged files on their record, each keyed by its bytes: the same form sent again stores
    nothing twice. PhotoRejected here is a store disagreeing with `judge_uploads`."""
    for data in photos:
        await services.evidence.ingest(
            data,
            person_id=caller.person.id,
            target=target,
            site=None,
            reference_time=caller.now,
            as_file=True,
            file_unique_id=upload_id(data),
            now=caller.now,
        )


async def answer_with_photos(
    services: Services,
    caller: Caller,
    item_id: object,
    given: AnswerGiven,
    photos: list[bytes],
) -> Acted:
    """The unit's answer with its photos (purpose "response"), as the chat would record it."""
    item = await unit.check_answer(services, caller, item_id, given)
    await judge_uploads(services, photos)
    try:
        await keep_uploads(
            services, caller, PhotoTarget(item_id=item.id, purpose="response"), photos
        )
    except PhotoRejected as rejected:  # judged above; kept for a store that disagrees
        await services.inbox.discard_pending_response_photos(item.id, caller.person.id)
        raise photo_refusal(services, rejected) from None
    acted = await unit.answer_item(services, caller, item.id, given)
    if not acted.applied:
        # The item moved on meanwhile: photos waiting for an answer would join a later one.
        await services.inbox.discard_pending_response_photos(item.id, caller.person.id)
    else:
        log.info(
            "Person %s answered item %s with %d photo(s)", caller.person.id, item.id, len(photos)
        )
    return acted
