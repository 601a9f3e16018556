"""The listed items' original photos in one ZIP, with a manifest mapping files to item numbers.

Originals are kept byte for byte (EXIF is evidence), so each file is copied in chunks straight
into the archive and hashed on the way: the manifest's SHA-256 is that of the bytes in the ZIP,
and a file whose bytes no longer match its recorded hash is marked, not silently passed on.
Photos are already compressed: they are stored, not deflated. Nothing is held in memory but one
chunk; the manifest itself goes to a temporary file until the end.

Runs in a worker thread (see bot/exports.py).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from bot.items import Kind
from bot.listing import ListPhoto

log = logging.getLogger(__name__)

MANIFEST = "manifest.csv"
MANIFEST_FIELDS = ("file", "item", "sha256", "taken_at", "purpose", "check")
_CHUNK = 1 << 20


class PhotoZipWriter:
    def __init__(self, path: Path, photos_root: Path) -> None:
        self.path = path
        self.root = photos_root
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True)
        # Open until close() or abort(): the manifest grows with every batch.
        self._manifest_raw = tempfile.TemporaryFile(suffix=".csv")  # noqa: SIM115
        # utf-8-sig: the BOM lets Excel and WPS on Chinese Windows read the manifest as UTF-8.
        self._manifest_text = io.TextIOWrapper(self._manifest_raw, encoding="utf-8-sig", newline="")
        self._manifest = csv.writer(self._manifest_text)
        self._manifest.writerow(MANIFEST_FIELDS)
        self._number = ""
        self._index = 0
        # Items with at least one photo in the archive, by kind: what the archive is "of" (the
        # list it was made from may have many items without photos).
        self.items = dict.fromkeys(Kind, 0)
        self._counted = ""
        self.written = 0
        self.missing = 0
        self.mismatched = 0

    def _copy(self, source: Path, name: str) -> str:
        info = zipfile.ZipInfo.from_file(source, name)
        info.compress_type = zipfile.ZIP_STORED
        digest = hashlib.sha256()
        with source.open("rb") as src, self.zip.open(info, "w") as dest:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                dest.write(chunk)
        return digest.hexdigest()

    def add(self, photos: list[ListPhoto]) -> None:
        for photo in photos:
            if photo.number != self._number:
                self._number, self._index = photo.number, 0
            self._index += 1
            name = f"{photo.number}_{self._index}{Path(photo.path).suffix.lower() or '.jpg'}"
            try:
                digest = self._copy(self.root / photo.path, name)
            except FileNotFoundError:
                self.missing += 1
                self._manifest.writerow(
                    ("", photo.number, photo.sha256, photo.taken_at or "", photo.purpose, "missing")
                )
                continue
            check = "ok" if digest == photo.sha256 else "differs from record"
            if digest != photo.sha256:
                self.mismatched += 1
            self.written += 1
            if photo.number != self._counted:
                self._counted = photo.number
                self.items[photo.kind] += 1
            self._manifest.writerow(
                (name, photo.number, digest, photo.taken_at or "", photo.purpose, check)
            )

    def close(self) -> None:
        try:
            self._manifest_text.flush()
            self._manifest_raw.seek(0)
            info = zipfile.ZipInfo(MANIFEST, date_time=time.localtime()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with self.zip.open(info, "w") as dest:
                shutil.copyfileobj(self._manifest_raw, dest, _CHUNK)
        finally:
            self._manifest_text.close()
            self.zip.close()
        if self.missing or self.mismatched:
            log.warning(
                "Photo archive: %d files missing, %d not matching their hash",
                self.missing,
                self.mismatched,
            )

    def abort(self) -> None:
        self._manifest_text.close()
        self.zip.close()
