"""Photo records. The files themselves live on disk, content-addressed (see bot/photostore.py)."""

from __future__ import annotations

from bot.clock import to_db
from bot.likeness import IndexedPhoto
from bot.records import NewPhoto, PhotoTarget, StoredPhoto
from storage.db import Repo, Row, changed_one, select_one


def _column(target: PhotoTarget) -> str:
    return f"{target.kind}_id"


def _where(target: PhotoTarget) -> str:
    """The condition selecting the target's photos of its purpose; parameters: `_params`."""
    return f"{_column(target)} = ? AND purpose = ?"


def _params(target: PhotoTarget) -> tuple[int, str]:
    return target.value, target.purpose


_STORED = "id, display_path, thumb_path, flags, original_path"


def _stored(r: Row) -> StoredPhoto:
    """A photo from the columns `_STORED` names, in their order."""
    return StoredPhoto(r[0], r[1], r[2], tuple(f for f in r[3].split(",") if f), r[4])


class PhotoRepo(Repo):
    async def exists(self, target: PhotoTarget, file_unique_id: str) -> bool:
        row = await self.db.fetch_one(
            f"SELECT 1 FROM photos WHERE {_column(target)} = ? AND file_unique_id = ?",
            (target.value, file_unique_id),
        )
        return row is not None

    async def add(self, photo: NewPhoto) -> tuple[int, bool]:
        """Store a photo once per record and Telegram file. Returns (count on record, created)."""
        t, facts, files = photo.target, photo.facts, photo.files
        async with self.db.transaction() as conn:
            created = await changed_one(
                conn,
                "INSERT INTO photos (person_id, item_id, visit_id, progress_report_id, sha256, "
                "format, width, height, size_bytes, original_path, display_path, thumb_path, "
                "phash, signature, taken_at, gps_lat, gps_lon, as_file, flags, file_unique_id, "
                "received_at, purpose) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (
                    photo.person_id,
                    t.item_id,
                    t.visit_id,
                    t.progress_report_id,
                    facts.sha256,
                    facts.format,
                    facts.width,
                    facts.height,
                    facts.size_bytes,
                    files.original,
                    files.display,
                    files.thumb,
                    facts.phash,
                    facts.signature,
                    facts.taken_at.isoformat() if facts.taken_at else None,
                    facts.gps_lat,
                    facts.gps_lon,
                    int(photo.as_file),
                    ",".join(photo.flags),
                    photo.file_unique_id,
                    to_db(photo.received_at),
                    t.purpose,
                ),
            )
            row = await select_one(
                conn, f"SELECT COUNT(*) FROM photos WHERE {_where(t)}", _params(t)
            )
        return (int(row[0]) if row else 0), created

    async def count(self, target: PhotoTarget) -> int:
        return await self.db.fetch_int(
            f"SELECT COUNT(*) FROM photos WHERE {_where(target)}", _params(target)
        )

    async def of(self, target: PhotoTarget) -> list[StoredPhoto]:
        rows = await self.db.fetch_all(
            f"SELECT {_STORED} FROM photos WHERE {_where(target)} ORDER BY id", _params(target)
        )
        return [_stored(r) for r in rows]

    async def of_item(self, item_id: int) -> list[tuple[str, StoredPhoto]]:
        rows = await self.db.fetch_all(
            f"SELECT {_STORED}, purpose FROM photos WHERE item_id = ? ORDER BY id", (item_id,)
        )
        return [(r[5], _stored(r)) for r in rows]

    async def indexed_after(self, last_id: int) -> tuple[int, list[IndexedPhoto]]:
        """How many photos were ever deleted, and the photos stored after `last_id`, as the
        near-duplicate index keeps them; in one query, as it runs for every new photo."""
        rows = await self.db.fetch_all(
            "SELECT d.n, p.id, p.item_id, p.visit_id, p.phash, p.signature "
            "FROM photo_deletions AS d LEFT JOIN photos AS p ON p.id > ? ORDER BY p.id",
            (last_id,),
        )
        photos = [
            IndexedPhoto(r[1], r[2], r[3], int(r[4]), None if r[5] is None else bytes(r[5]))
            for r in rows
            if r[1] is not None
        ]
        return int(rows[0][0]), photos
