"""Test images built with Pillow: real EXIF, real formats, and hostile files the bot must refuse.

Pictures are seeded patterns of large shapes drawn at coordinates relative to the image size, so
one seed gives the same picture (and nearly the same dHash) at any size or JPEG quality, while
different seeds give clearly different pictures.
"""

from __future__ import annotations

import functools
import io
import random
import struct
import zlib
from datetime import datetime
from typing import Any

from PIL import ExifTags, Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational

Color = tuple[int, int, int]

DEFAULT_COLOR: Color = (70, 130, 180)


def pattern_image(
    width: int = 1600,
    height: int = 1200,
    *,
    color: Color = DEFAULT_COLOR,
    pattern_seed: int = 0,
) -> Image.Image:
    """An RGB picture: `color` background under a seeded set of big rectangles and ellipses."""
    img = Image.new("RGB", (width, height), color)
    draw = ImageDraw.Draw(img)
    rng = random.Random(pattern_seed)
    for _ in range(16):
        x0, y0 = rng.random() * 0.8, rng.random() * 0.8
        x1, y1 = x0 + 0.1 + rng.random() * 0.4, y0 + 0.1 + rng.random() * 0.4
        fill = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        shape = draw.rectangle if rng.random() < 0.6 else draw.ellipse
        shape((x0 * width, y0 * height, x1 * width, y1 * height), fill=fill)
    return img


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return (
        IFDRational(degrees, 1),
        IFDRational(minutes, 1),
        IFDRational(round(seconds * 1e4), 10**4),
    )


def make_exif(
    *,
    taken_at: datetime | None = None,
    offset: str | None = None,
    gps: tuple[float, float] | None = None,
    orientation: int | None = None,
    original: bool = True,
) -> Image.Exif:
    """EXIF as a phone writes it. `original=False` leaves out DateTimeOriginal (and its offset),
    keeping only IFD0 DateTime with OffsetTime, like edited or scanned files."""
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if taken_at is not None:
        stamp = taken_at.strftime("%Y:%m:%d %H:%M:%S")
        exif[ExifTags.Base.DateTime] = stamp
        exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
        if original:
            exif_ifd[ExifTags.Base.DateTimeOriginal] = stamp
            exif_ifd[ExifTags.Base.DateTimeDigitized] = stamp
        if offset is not None:
            tag = ExifTags.Base.OffsetTimeOriginal if original else ExifTags.Base.OffsetTime
            exif_ifd[tag] = offset
    if gps is not None:
        lat, lon = gps
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps_ifd[ExifTags.GPS.GPSVersionID] = b"\x02\x02\x00\x00"
        gps_ifd[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        gps_ifd[ExifTags.GPS.GPSLatitude] = _dms(lat)
        gps_ifd[ExifTags.GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        gps_ifd[ExifTags.GPS.GPSLongitude] = _dms(lon)
    return exif


def encode(img: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **params)
    return buffer.getvalue()


def jpeg_bytes(
    img: Image.Image,
    *,
    taken_at: datetime | None = None,
    offset: str | None = None,
    gps: tuple[float, float] | None = None,
    orientation: int | None = None,
    quality: int = 90,
) -> bytes:
    """`img` as a JPEG with EXIF; the pixels are stored as given, orientation only tags them."""
    exif = make_exif(taken_at=taken_at, offset=offset, gps=gps, orientation=orientation)
    return encode(img, "JPEG", quality=quality, exif=exif)


def make_jpeg(
    width: int = 1600,
    height: int = 1200,
    *,
    color: Color = DEFAULT_COLOR,
    pattern_seed: int = 0,
    taken_at: datetime | None = None,
    offset: str | None = None,
    gps: tuple[float, float] | None = None,
    orientation: int | None = None,
    quality: int = 90,
) -> bytes:
    img = pattern_image(width, height, color=color, pattern_seed=pattern_seed)
    return jpeg_bytes(
        img, taken_at=taken_at, offset=offset, gps=gps, orientation=orientation, quality=quality
    )


def make_png(
    width: int = 640,
    height: int = 480,
    *,
    mode: str = "RGB",
    color: Color = DEFAULT_COLOR,
    pattern_seed: int = 0,
) -> bytes:
    """The seeded pattern as a PNG in `mode` (RGB, RGBA, LA, L, P, 1 or I;16; alpha is opaque)."""
    img = pattern_image(width, height, color=color, pattern_seed=pattern_seed)
    if mode == "I;16":
        grey = img.convert("L")
        return encode(grey.point(lambda v: v * 257).convert("I;16"), "PNG")
    if mode == "P":
        return encode(img.quantize(64), "PNG")
    return encode(img.convert(mode), "PNG")


def make_webp(
    width: int = 640,
    height: int = 480,
    *,
    color: Color = DEFAULT_COLOR,
    pattern_seed: int = 0,
    taken_at: datetime | None = None,
    gps: tuple[float, float] | None = None,
) -> bytes:
    img = pattern_image(width, height, color=color, pattern_seed=pattern_seed)
    return encode(img, "WEBP", quality=90, exif=make_exif(taken_at=taken_at, gps=gps))


def make_gif(width: int = 64, height: int = 48) -> bytes:
    """A two-frame animated GIF."""
    frames = [Image.new("P", (width, height), i) for i in (1, 2)]
    frames[0].putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255] + [0] * (253 * 3))
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)


def make_bmp(width: int = 64, height: int = 48) -> bytes:
    return encode(pattern_image(width, height), "BMP")


def make_tiff(width: int = 64, height: int = 48) -> bytes:
    return encode(pattern_image(width, height), "TIFF")


def fake_heic(brand: bytes = b"heic", compatible: tuple[bytes, ...] = (b"mif1", b"heic")) -> bytes:
    """An iPhone-style HEIF start: an `ftyp` box with its brands, then a box of junk."""
    ftyp_body = brand + b"\x00\x00\x00\x00" + b"".join(compatible)
    ftyp = struct.pack(">I", 8 + len(ftyp_body)) + b"ftyp" + ftyp_body
    junk = bytes(random.Random(7).randrange(256) for _ in range(512))
    return ftyp + struct.pack(">I", 8 + len(junk)) + b"meta" + junk


def truncated_jpeg() -> bytes:
    """A real JPEG cut in the middle of its image data."""
    data = make_jpeg(640, 480, pattern_seed=3)
    return data[: len(data) // 2]


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@functools.cache
def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A valid 1-bit PNG of `width` x `height` zeros: ~110 KB on disk, gigapixels when decoded."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    parts = []
    rows_per_block = max(1, (1 << 20) // len(row))
    for start in range(0, height, rows_per_block):
        parts.append(compressor.compress(row * min(rows_per_block, height - start)))
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


def strip_png(width: int = 1, height: int = 50000) -> bytes:
    return encode(Image.new("L", (width, height), 128), "PNG")


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header is patched to claim `width` x `height`."""
    data = bytearray(make_jpeg(64, 48))
    i = 2
    while data[i + 1] not in (0xC0, 0xC1, 0xC2):
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    data[i + 5 : i + 9] = struct.pack(">HH", height, width)
    return bytes(data)
