"""Photo files on disk, content-addressed by the SHA-256 of the original bytes.

The original is kept byte for byte (EXIF is evidence); display copies and thumbnails are stripped.

All three files are on disk before the database row that points at them is written ("durable
first"): each is written under a temporary name and fsynced, then renamed into place, and the
folders that gained a name are fsynced once. The fsyncs of one photo run together, so they
share the file system journal's commits instead of waiting for one each. The original is staged
while the photo is still being decoded (Evidence.ingest runs both at once), so its write and fsync
cost no time of their own; a photo that turns out unusable leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

TMP_PREFIX = ".tmp-"  # storage/backup.py skips files being written
# Waits on the disk, not the CPU: the fsyncs of one photo's files and folders run together.
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="photostore")


@dataclass(frozen=True, slots=True)
class StoredFiles:
    original: str  # paths relative to the store's root
    display: str
    thumb: str


def _temporary(folder: Path, data: bytes, *, durable: bool = True) -> Path:
    """`data` in a new temporary file in `folder` (fsynced if durable)."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=TMP_PREFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_atomically(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write then rename, so no reader (and no crash) ever sees a half-written file under the final
    name. durable: on disk before the rename, for files that are evidence (photo originals)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(path.parent, data, durable=durable)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class PhotoStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def paths(sha256: str, extension: str) -> StoredFiles:
        shard = sha256[:2]
        return StoredFiles(
            original=f"originals/{shard}/{sha256}.{extension}",
            display=f"display/{shard}/{sha256}.jpg",
            thumb=f"thumbs/{shard}/{sha256}.jpg",
        )

    def _temporaries(self, pending: list[tuple[Path, bytes]]) -> list[Path]:
        """Several temporary files at once: fsyncs waiting together share the journal's commits
        (keep() took 15-20 ms with one fsync after the other, 3 ms with them together, on the
        development machine under load)."""
        done = [_POOL.submit(_temporary, folder, data) for folder, data in pending]
        made, failed = [], None
        for future in done:
            try:
                made.append(future.result())
            except BaseException as exc:
                failed = failed or exc
        if failed is not None:
            for tmp in made:
                tmp.unlink(missing_ok=True)
            raise failed
        return made

    def stage(self, original: bytes) -> Path:
        """The original on disk under a temporary name, before anyone knows what it is.

        Pass the result to keep() or discard(); until then the file is not part of the store.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        return _temporary(self.root, original)

    def discard(self, staged: Path) -> None:
        staged.unlink(missing_ok=True)

    def keep(
        self, staged: Path, sha256: str, extension: str, display: bytes, thumb: bytes
    ) -> StoredFiles:
        """Move a staged original into place beside its display copy and thumbnail, durably."""
        files = self.paths(sha256, extension)
        moves: list[tuple[Path, Path]] = []
        synced: set[Path] = set()  # folders to fsync: each gained a name
        try:
            derived: list[tuple[Path, bytes]] = []
            for relative, data in (
                (files.original, b""),
                (files.display, display),
                (files.thumb, thumb),
            ):
                path = self.root / relative
                if path.exists():
                    continue  # same content, same name: nothing to do
                if not path.parent.is_dir():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    synced.update({path.parent.parent, path.parent.parent.parent})
                if relative == files.original:
                    moves.append((staged, path))
                else:
                    derived.append((path, data))
            made = self._temporaries([(path.parent, data) for path, data in derived])
            moves += [(tmp, path) for tmp, (path, _data) in zip(made, derived, strict=True)]
            for tmp, path in moves:
                os.replace(tmp, path)
                synced.add(path.parent)
        finally:
            self.discard(staged)  # gone already unless the original was there before
            for tmp, _path in moves:
                tmp.unlink(missing_ok=True)
        for _done in _POOL.map(_fsync_dir, synced):
            pass
        return files

    def save(
        self, sha256: str, extension: str, original: bytes, display: bytes, thumb: bytes
    ) -> StoredFiles:
        """The three files at once (what Evidence does in two steps, around the decode)."""
        return self.keep(self.stage(original), sha256, extension, display, thumb)

    def read(self, relative: str) -> bytes:
        return (self.root / relative).read_bytes()
