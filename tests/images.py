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
from typing import Any, TypedDict, Unpack

import pillow_heif
from PIL import ExifTags, Image, ImageDraw, ImageEnhance, ImageFilter
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


class ExifFields(TypedDict, total=False):
    """What a phone may write in a photo's EXIF, for the builders below to pass on."""

    taken_at: datetime | None
    offset: str | None
    gps: tuple[float, float] | None
    orientation: int | None


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


def jpeg_bytes(img: Image.Image, *, quality: int = 90, **exif: Unpack[ExifFields]) -> bytes:
    """`img` as a JPEG with EXIF; the pixels are stored as given, orientation only tags them."""
    return encode(img, "JPEG", quality=quality, exif=make_exif(**exif))


def make_jpeg(
    width: int = 1600,
    height: int = 1200,
    *,
    color: Color = DEFAULT_COLOR,
    pattern_seed: int = 0,
    quality: int = 90,
    **exif: Unpack[ExifFields],
) -> bytes:
    img = pattern_image(width, height, color=color, pattern_seed=pattern_seed)
    return jpeg_bytes(img, quality=quality, **exif)


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
    **exif: Unpack[ExifFields],
) -> bytes:
    img = pattern_image(width, height, color=color, pattern_seed=pattern_seed)
    return encode(img, "WEBP", quality=90, exif=make_exif(**exif))


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


# --------------------------------------------------------------------------- photo-like scenes


def _mix(a: Color, b: Color, t: float) -> Color:
    return (
        int(a[0] + (b[0] - a[0]) * t),
        int(a[1] + (b[1] - a[1]) * t),
        int(a[2] + (b[2] - a[2]) * t),
    )


def _noise(size: tuple[int, int], sigma: float, seed: float) -> Image.Image:
    # effect_noise draws from C's rand(), seeded from Python's global generator state: seed it, so
    # one scene seed always gives the same picture.
    random.seed(seed)
    return Image.effect_noise(size, sigma)


def street_scene(
    width: int = 800,
    height: int = 600,
    *,
    seed: int = 0,
    layout: int | None = None,
    light: float = 1.0,
    pan: float = 0.0,
    car: bool = False,
) -> Image.Image:
    """A photo-like street: sky with clouds, textured ground, a road, buildings with windows,
    trees, cars and lamp posts, softened and grained like a phone photo.

    Every scene shares that composition (sky above, ground below, buildings on the horizon), so
    two layouts are two different photos of similar scenes. `layout` fixes the street while
    `seed` changes clouds and grain; `light`, `pan` (a fraction of the width the camera turned)
    and `car` (one more car) make another shot of the same street.
    """
    street = random.Random(seed if layout is None else layout)
    shot = random.Random(seed * 7919 + 1)
    full_width = int(width * (1 + abs(pan)))
    img = Image.new("RGB", (full_width, height))
    horizon = int(height * street.uniform(0.35, 0.6))
    zenith = (street.randrange(60, 140), street.randrange(120, 190), street.randrange(190, 255))
    haze = _mix(zenith, (235, 235, 230), street.uniform(0.4, 0.8))
    strip = Image.new("RGB", (1, 64))
    for y in range(64):
        strip.putpixel((0, y), _mix(zenith, haze, y / 63))
    sky = strip.resize((full_width, horizon), Image.Resampling.BILINEAR)
    clouds = _noise((max(2, full_width // 60), max(2, horizon // 40)), 80, shot.random())
    clouds = clouds.resize(sky.size, Image.Resampling.BICUBIC).point(lambda v: max(0, v - 140) * 2)
    img.paste(Image.composite(Image.new("RGB", sky.size, (245, 245, 245)), sky, clouds))
    ground_color = street.choice([(90, 90, 95), (70, 110, 60), (120, 100, 80), (150, 140, 120)])
    ground = Image.new("RGB", (full_width, height - horizon), ground_color)
    blots = _noise((max(2, full_width // 25), max(2, ground.height // 25)), 70, street.random())
    blots = blots.resize(ground.size, Image.Resampling.BICUBIC).point(lambda v: max(0, v - 128))
    dark = Image.new("RGB", ground.size, _mix(ground_color, (30, 30, 30), 0.5))
    img.paste(Image.composite(dark, ground, blots), (0, horizon))
    draw = ImageDraw.Draw(img)
    depth = height - horizon
    if street.random() < 0.7:
        cx = full_width * street.uniform(0.3, 0.7)
        road = _mix(ground_color, (60, 60, 65), 0.7)
        half_near, half_far = full_width * 0.6, full_width * 0.05
        draw.polygon(
            [(cx - half_far, horizon), (cx + half_far, horizon), (cx + half_near, height),
             (cx - half_near, height)],
            fill=road,
        )  # fmt: skip
        for k in range(6):
            near = k / 6 + 0.06
            y0, y1 = horizon + depth * (k / 6) ** 1.5, horizon + depth * near**1.5
            draw.line([(cx, y0), (cx, y1)], fill=(230, 230, 200), width=max(1, int(2 + 10 * near)))
    x = -street.uniform(0, 0.1) * full_width
    while x < full_width:
        w = full_width * street.uniform(0.06, 0.22)
        h = horizon * street.uniform(0.25, 0.95)
        wall = (street.randrange(90, 220), street.randrange(80, 210), street.randrange(70, 200))
        if street.random() < 0.8:
            draw.rectangle([x, horizon - h, x + w, horizon], fill=wall)
            glass = _mix(wall, (40, 50, 70), 0.6)
            rows, cols = street.randrange(3, 12), street.randrange(2, 7)
            for r in range(rows):
                for c in range(cols):
                    wx, wy = x + w * (c + 0.25) / cols, horizon - h + h * (r + 0.2) / rows
                    lit = street.random() < 0.15
                    draw.rectangle(
                        [wx, wy, wx + w * 0.5 / cols, wy + h * 0.55 / rows],
                        fill=(240, 220, 150) if lit else glass,
                    )
        else:
            leaves = (street.randrange(30, 80), street.randrange(90, 150), street.randrange(30, 70))
            draw.ellipse([x, horizon - h * 0.6, x + w, horizon + h * 0.05], fill=leaves)
        x += w + full_width * street.uniform(0, 0.05)
    things = [(street.random(), street.uniform(0.2, 0.9), street.random() < 0.5) for _ in range(5)]
    if car:
        things.append((shot.uniform(0.2, 0.8), shot.uniform(0.3, 0.8), True))
    for fx, fy, is_car in things:
        ox, oy = full_width * fx, horizon + depth * fy
        s = fy * full_width * 0.12
        paint = (street.randrange(256), street.randrange(256), street.randrange(256))
        if is_car:
            draw.rounded_rectangle(
                [ox, oy - s * 0.5, ox + s * 1.6, oy], radius=max(1, int(s * 0.15)), fill=paint
            )
        else:
            draw.rectangle([ox, oy - s * 1.5, ox + s * 0.1, oy], fill=(80, 80, 80))
            draw.ellipse([ox - s * 0.2, oy - s * 1.8, ox + s * 0.3, oy - s * 1.3], fill=paint)
    img = img.filter(ImageFilter.GaussianBlur(width / 1300))
    grain = _noise((full_width, height), 40, shot.random()).convert("RGB")
    img = Image.blend(img, grain, 0.08)
    if light != 1.0:
        img = ImageEnhance.Brightness(img).enhance(light)
    left = round((full_width - width) * (1 if pan > 0 else 0))
    return img.crop((left, 0, left + width, height))


def derived_copy(img: Image.Image, rng: random.Random) -> tuple[bytes, str]:
    """A copy of `img` as people make them, and what was done: a crop of 1-5% (of each side's
    share drawn at random), sometimes a horizontal shift of 1-3% (a screenshot's margin), a
    resize to 50-150%, sometimes a brightness change of up to 10%, JPEG quality 50-95."""
    width, height = img.size
    cut_x, cut_y = rng.uniform(0.01, 0.05), rng.uniform(0.01, 0.05)
    left, top = rng.random(), rng.random()
    box = (
        round(width * cut_x * left),
        round(height * cut_y * top),
        round(width - width * cut_x * (1 - left)),
        round(height - height * cut_y * (1 - top)),
    )
    out = img.crop(box)
    done = [f"crop {cut_x:.1%}x{cut_y:.1%}"]
    if rng.random() < 0.3:
        shift = max(1, round(out.width * rng.uniform(0.01, 0.03)))
        moved = Image.new("RGB", out.size, (0, 0, 0))
        moved.paste(out.crop((shift, 0, out.width, out.height)))
        out = moved
        done.append(f"shift {shift}px")
    scale = rng.uniform(0.5, 1.5)
    out = out.resize(
        (round(out.width * scale), round(out.height * scale)), Image.Resampling.LANCZOS
    )
    done.append(f"resize {scale:.0%}")
    if rng.random() < 0.5:
        factor = rng.uniform(0.9, 1.1)
        out = ImageEnhance.Brightness(out).enhance(factor)
        done.append(f"brightness {factor:.2f}")
    quality = rng.randrange(50, 96)
    done.append(f"quality {quality}")
    return encode(out, "JPEG", quality=quality), ", ".join(done)


def make_heic(
    width: int = 640,
    height: int = 480,
    *,
    pattern_seed: int = 0,
    quality: int = 60,
    **exif: Unpack[ExifFields],
) -> bytes:
    """An iPhone-style HEIC (HEVC in HEIF) with EXIF, written by pillow-heif. Keep it small:
    the HEVC encoder takes about a second per megapixel."""
    img = pattern_image(width, height, pattern_seed=pattern_seed)
    buffer = io.BytesIO()
    pillow_heif.from_pillow(img).save(buffer, quality=quality, exif=make_exif(**exif).tobytes())
    return buffer.getvalue()
