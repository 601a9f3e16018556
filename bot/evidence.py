"""Evidence photos: validate, keep, derive, flag and record one photo for an item or a visit."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import PhotoSettings
from bot.likeness import Earlier, SignatureIndex
from bot.photos import PhotoFlag, PhotoPolicy, ProcessedPhoto, photo_flags, process_photo
from bot.photostore import PhotoStore
from bot.ports import PhotoRecords
from bot.records import NewPhoto, PhotoTarget, SiteRecord

log = logging.getLogger(__name__)


def policy_from(settings: PhotoSettings) -> PhotoPolicy:
    return PhotoPolicy(
        max_bytes=int(settings.max_file_mb * 1024 * 1024),
        max_pixels=int(settings.max_megapixels * 1_000_000),
        display_max_px=settings.display_max_px,
        thumb_px=settings.thumb_px,
    )


@dataclass(frozen=True, slots=True)
class Ingested:
    count: int  # photos on the record now
    created: bool  # False: this file was already on the record
    flags: tuple[PhotoFlag, ...]


class Evidence:
    def __init__(
        self, repo: PhotoRecords, store: PhotoStore, settings: PhotoSettings, zone: ZoneInfo
    ) -> None:
        self.repo = repo
        self.store = store
        self.settings = settings
        self.policy = policy_from(settings)
        self.zone = zone
        self._index = SignatureIndex()
        self._index_lock = asyncio.Lock()

    async def earlier(self, target: PhotoTarget) -> Earlier:
        """The photos of other records, brought up to date with the database."""
        async with self._index_lock:  # two photos at once must not add the same rows twice
            deletions, added = await self.repo.indexed_after(self._index.last_id)
            if deletions != self._index.deletions:
                if self._index.last_id:  # some of the rows kept may be gone: read all again
                    deletions, added = await self.repo.indexed_after(0)
                self._index.clear(deletions=deletions)
            self._index.add(added)
            return self._index.elsewhere(item_id=target.item_id, visit_id=target.visit_id)

    async def _process(self, data: bytes) -> tuple[ProcessedPhoto, Path]:
        """Decode and derive in one thread while the original is written and fsynced in another.

        Decoding a 12-megapixel JPEG takes tens of milliseconds: never on the event loop. Writing
        the original is mostly the kernel's work (page cache, then the disk), so on a second core
        it costs no time of its own; it is dropped again if the photo is rejected.
        """
        staging = asyncio.ensure_future(asyncio.to_thread(self.store.stage, data))
        try:
            photo = await asyncio.to_thread(process_photo, data, self.policy)
        except BaseException:
            await self._drop(staging)
            raise
        return photo, await staging

    async def _drop(self, staging: asyncio.Future[Path]) -> None:
        try:
            staged = await asyncio.shield(staging)
        except Exception:
            return  # nothing was staged; the photo's own error is the one to report
        await asyncio.to_thread(self.store.discard, staged)

    async def ingest(
        self,
        data: bytes,
        *,
        person_id: int,
        target: PhotoTarget,
        site: SiteRecord | None,
        reference_time: datetime,
        as_file: bool,
        file_unique_id: str,
        now: datetime,
    ) -> Ingested:
        """Raises bot.photos.PhotoRejected for files that are not usable photos."""
        # What the photo is compared with is read while it decodes, and it is compared while
        # its files go to disk; the row is written only when both are done (durable first).
        reading = asyncio.ensure_future(self.earlier(target))
        try:
            photo, staged = await self._process(data)
        except BaseException:
            await asyncio.gather(reading, return_exceptions=True)
            raise
        keeping = asyncio.ensure_future(
            asyncio.to_thread(
                self.store.keep,
                staged,
                photo.sha256,
                photo.extension,
                photo.display_jpeg,
                photo.thumb_jpeg,
            )
        )
        try:
            # One matrix product against every stored signature: milliseconds, off the loop too.
            flags = tuple(
                await asyncio.to_thread(
                    photo_flags,
                    photo,
                    reference_time=reference_time,
                    tz=self.zone,
                    max_age=timedelta(hours=self.settings.max_age_hours),
                    site=(site.lat, site.lon) if site else None,
                    max_distance_m=self.settings.max_distance_m,
                    earlier=await reading,
                    min_likeness=self.settings.duplicate_likeness,
                    legacy_distance=self.settings.duplicate_distance,
                )
            )
        except BaseException:
            await asyncio.gather(keeping, return_exceptions=True)
            raise
        files = await keeping
        count, created = await self.repo.add(
            NewPhoto(
                person_id=person_id,
                target=target,
                facts=photo,
                files=files,
                as_file=as_file,
                flags=tuple(str(f) for f in flags),
                file_unique_id=file_unique_id,
                received_at=now,
            )
        )
        if flags:
            log.info(
                "Photo %s on %s %s flagged: %s",
                photo.sha256[:12],
                target.kind,
                target.value,
                flags,
            )
        return Ingested(count, created, flags)
