"""Photo files on disk, content-addressed by the SHA-256 of the original bytes.

The original is kept byte for byte (EXIF is evidence); display copies and thumbnails are stripped.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class StoredFiles:
    original: str  # paths relative to the store's root
    display: str
    thumb: str


def write_atomically(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write then rename, so no reader (and no crash) ever sees a half-written file under the final
    name. durable: on disk before the rename, for files that are evidence (photo originals)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class PhotoStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _write(self, relative: str, data: bytes) -> None:
        path = self.root / relative
        if path.exists():
            return  # same content, same name: nothing to do
        write_atomically(path, data, durable=True)

    def save(
        self, sha256: str, extension: str, original: bytes, display: bytes, thumb: bytes
    ) -> StoredFiles:
        shard = sha256[:2]
        files = StoredFiles(
            original=f"originals/{shard}/{sha256}.{extension}",
            display=f"display/{shard}/{sha256}.jpg",
            thumb=f"thumbs/{shard}/{sha256}.jpg",
        )
        self._write(files.original, original)
        self._write(files.display, display)
        self._write(files.thumb, thumb)
        return files

    def read(self, relative: str) -> bytes:
        return (self.root / relative).read_bytes()
