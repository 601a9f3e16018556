"""Photos like a phone's for the benchmarks: seeded scenes, EXIF with time and GPS, thumbnails."""

from __future__ import annotations

import io
import random
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageDraw

from bench._machine import YEAR
from bot.likeness import SIGNATURE_BYTES

# --- photos ----------------------------------------------------------------------------------


def noise(width: int, height: int) -> Image.Image:
    """Sensor-like grain; the expensive part of a scene, so it can be made once and shared."""
    return Image.effect_noise((width, height), 48).convert("RGB")


def scene(width: int, height: int, seed: int, grain: Image.Image | None = None) -> Image.Image:
    """Big shapes under grain: compresses like a photo, not like a drawing.

    Different seeds give clearly different pictures (and perceptual hashes).
    """
    rng = random.Random(seed)
    img = Image.new("RGB", (width, height), (rng.randrange(256), rng.randrange(256), 180))
    draw = ImageDraw.Draw(img)
    for _ in range(24):
        x0, y0 = rng.random() * 0.8 * width, rng.random() * 0.8 * height
        x1, y1 = x0 + (0.1 + rng.random() * 0.4) * width, y0 + (0.1 + rng.random() * 0.4) * height
        fill = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        (draw.rectangle if rng.random() < 0.6 else draw.ellipse)((x0, y0, x1, y1), fill=fill)
    return Image.blend(img, grain or noise(width, height), 0.22)


def photo_exif(taken_at: datetime, lat: float, lon: float) -> Image.Exif:
    """What a phone writes: make, model, time with offset, GPS, orientation."""

    def dms(value: float) -> tuple[float, float, float]:
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        return (float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4))

    exif = Image.Exif()
    stamp = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    exif[ExifTags.Base.Make] = "Bench"
    exif[ExifTags.Base.Model] = "Phone 12MP"
    exif[ExifTags.Base.Orientation] = 1
    exif[ExifTags.Base.DateTime] = stamp
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.DateTimeOriginal] = stamp
    exif_ifd[ExifTags.Base.DateTimeDigitized] = stamp
    exif_ifd[ExifTags.Base.OffsetTimeOriginal] = "+08:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
    gps[ExifTags.GPS.GPSLatitude] = dms(lat)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
    gps[ExifTags.GPS.GPSLongitude] = dms(lon)
    return exif


def photo_jpeg(
    seed: int,
    *,
    width: int = 4000,
    height: int = 3000,
    taken_at: datetime = datetime(YEAR, 6, 1, 10, 30),
    lat: float = 30.2741,
    lon: float = 120.1551,
    quality: int = 92,
    grain: Image.Image | None = None,
) -> bytes:
    """A phone-sized JPEG (4000x3000 = 12 MP, about 5 MB, 4:2:0) with EXIF time and GPS; pass
    `grain` (noise of the same size) to share the expensive part between photos."""
    out = io.BytesIO()
    scene(width, height, seed, grain).save(
        out, "JPEG", quality=quality, exif=photo_exif(taken_at, lat, lon)
    )
    return out.getvalue()


def thumbnails(root: Path, count: int, *, seed: int = 0, prefix: str = "thumbs/bench") -> list[str]:
    """`count` different 320x240 JPEG thumbnails under `root`; their paths relative to it.

    Every file differs (a stamped corner), so nothing downstream can share one copy.
    """
    # Drawn at 4x and scaled down, like a thumbnail of a photo: noise averaged out.
    base = [
        scene(1280, 960, seed * 1000 + n).resize((320, 240), Image.Resampling.BICUBIC)
        for n in range(min(count, 32))
    ]
    paths = []
    folder = root / prefix
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        img = base[n % len(base)].copy()
        stamp = ImageDraw.Draw(img)
        for bit in range(20):
            shade = 255 if (n >> bit) & 1 else 0
            stamp.rectangle((bit * 4, 0, bit * 4 + 3, 3), fill=(shade, shade, shade))
        relative = f"{prefix}/{n:06d}.jpg"
        img.save(root / relative, "JPEG", quality=85)
        paths.append(relative)
    return paths


def add_photo_rows(db_path: Path, count: int, *, seed: int = 1) -> int:
    """`count` stored photos (rows only, random hashes and signatures) over the campaign's items."""
    rng = random.Random(seed)
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        items = [r[0] for r in conn.execute("SELECT id, author_id FROM items")]
        authors = dict(conn.execute("SELECT id, author_id FROM items").fetchall())
        rows: list[tuple[Any, ...]] = []
        for k in range(count):
            item_id = items[k % len(items)]
            sha = f"{rng.getrandbits(256):064x}"
            rows.append(
                (authors[item_id], item_id, sha, f"originals/{sha[:2]}/{sha}.jpg",
                 f"display/{sha[:2]}/{sha}.jpg", f"thumbs/{sha[:2]}/{sha}.jpg",
                 rng.getrandbits(64) - (1 << 63), rng.randbytes(SIGNATURE_BYTES),
                 f"stored-{k}", "2020-06-01T02:00:00+00:00")
            )  # fmt: skip
        conn.executemany(
            "INSERT INTO photos (person_id, item_id, sha256, format, width, height, size_bytes, "
            "original_path, display_path, thumb_path, phash, signature, as_file, file_unique_id, "
            "received_at) VALUES (?,?,?,'JPEG',4000,3000,4000000,?,?,?,?,?,1,?,?)",
            rows,
        )
        conn.execute("COMMIT")
        # Into the database file now, or the bot's first writes would pay for the checkpoint.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return count
    finally:
        conn.close()
