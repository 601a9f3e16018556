"""Photos on a lead unit's progress report: the liaison sends them with the report (the chat's
/progress after confirming, the console's report form), and whoever may read the report may
look at them (the chat's /projects detail, the console's sub-item page).

The photos go through the same intake as an item's (bot/evidence.py: size limits, real images
only, EXIF facts, near-duplicate flags, one row per record and file); they belong to the report
(photos.progress_report_id, migration 0013). Reading them asks the same reach as the report's
sub-item, so an edited id in a URL or a forged button shows nothing of another's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot import scope
from bot.errors import Refused
from bot.people import Person, Role
from bot.photos import PhotoRejected
from bot.progress import ReportRecord
from bot.records import PhotoSize, PhotoTarget, StoredPhoto
from bot.services import Services
from bot.usecases import progress
from bot.usecases.acting import Caller
from bot.usecases.desk import judge_uploads, keep_uploads, photo_refusal

log = logging.getLogger(__name__)


def _id(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise Refused("progress.photo_not_found")
    return value


async def _report(services: Services, report_id: object) -> ReportRecord:
    report = await services.progress.report(_id(report_id))
    if report is None:
        raise Refused("progress.photo_not_found")
    return report


def target_of(report_id: int) -> PhotoTarget:
    return PhotoTarget(progress_report_id=report_id)


async def own_report(services: Services, person: Person | None, report_id: object) -> PhotoTarget:
    """Where photos of a report go: only a report on a sub-item the caller's unit leads (asked
    again for every photo: a liaison moved to another unit adds nothing more)."""
    report = await _report(services, report_id)
    row = await progress.visible_subitem(services, person, report.subitem_id)
    scope.require_lead_unit(person, row.unit_id)
    return target_of(report.id)


def photo_limit(services: Services) -> int:
    """As many photos as on an item's report."""
    return services.settings.reports.max_photos


async def submit_with_photos(
    services: Services,
    caller: Caller,
    subitem_id: object,
    typed: Mapping[int, str],
    note: str,
    photos: list[bytes],
    *,
    via: str,
) -> tuple[int, bool]:
    """The unit's figures with their photos at once (the console's form).

    Every file is judged before anything is stored, so a bad file leaves neither the report nor
    half its photos; then the report (keyed by the form), then each photo (keyed by its bytes):
    the same form sent again stores nothing twice, and fills in a photo a crash left out.
    """
    await judge_uploads(services, photos)
    report_id, created = await progress.submit_report(
        services, caller, subitem_id, typed, note, via=via
    )
    try:
        await keep_uploads(services, caller, target_of(report_id), photos)
    except PhotoRejected as rejected:  # judged above; kept for a store that disagrees
        raise photo_refusal(services, rejected) from None
    if photos:
        log.info("Progress report %s: %d photo(s) sent", report_id, len(photos))
    return report_id, created


async def report_photos(
    services: Services,
    person: Person | None,
    report_id: object,
    *,
    subitem_id: object | None = None,
    console: bool = False,
) -> tuple[ReportRecord, list[StoredPhoto]]:
    """A report and its photos, for someone who may read the report (`subitem_id`: the one the
    address names, which must be the report's)."""
    report = await _report(services, report_id)
    if subitem_id is not None and subitem_id != report.subitem_id:
        raise Refused("progress.photo_not_found")
    await progress.visible_subitem(services, person, report.subitem_id, console=console)
    return report, await services.photos.of(target_of(report.id))


async def report_photo_file(
    services: Services,
    person: Person | None,
    subitem_id: object,
    report_id: object,
    photo_id: object,
    size: PhotoSize,
) -> str:
    """The stored file of one photo of a report (relative to the photo store), on the console;
    originals, which carry the camera's EXIF and location, for staff only."""
    _report_record, photos = await report_photos(
        services, person, report_id, subitem_id=subitem_id, console=True
    )
    assert person is not None
    if size == "original" and person.role is not Role.STAFF:
        raise Refused("progress.photo_not_found")
    for photo in photos:
        if photo.id == photo_id:
            return photo.file(size)
    raise Refused("progress.photo_not_found")
