"""Evidence photos: validation, EXIF facts, display copies, perceptual hashes and flags.

The original bytes are kept untouched and are hashed as they are: a photo sent "as a file" is the
deputy's evidence, and its EXIF (capture time, GPS) is exactly what proves when and where it was
taken, so re-encoding it would destroy the proof. Everything anyone *looks at* in chats, exports and
lists is a re-encoded display copy with no metadata at all, because the same EXIF also carries the
deputy's exact position, phone model and serial numbers, which must not travel further than needed.

Everything here is synchronous and CPU-bound; callers run it with ``asyncio.to_thread``. Nothing
touches Pillow's process-wide settings (``MAX_IMAGE_PIXELS``, ``LOAD_TRUNCATED_IMAGES``, warning
filters), so it is safe to run in several threads at once.
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

import pillow_heif
from PIL import Image, ImageFile, UnidentifiedImageError

from bot.exif import TRANSPOSE, offset_tz, parse_offset, read_exif
from bot.geo import distance_m
from bot.likeness import Earlier, dhash, hamming, probes, signature
from bot.photo_formats import EXTENSIONS, heif_brand, sniff
from bot.records import PhotoFacts

__all__ = [
    "DEFAULT_POLICY",
    "PhotoFlag",
    "PhotoPolicy",
    "PhotoRejected",
    "ProcessedPhoto",
    "RejectReason",
    "hamming",
    "photo_flags",
    "process_photo",
]


@dataclass(frozen=True, slots=True)
class PhotoPolicy:
    max_bytes: int = 20 * 1024 * 1024  # the Bot API will not let a bot download more anyway
    max_pixels: int = 40_000_000  # decompression-bomb guard, checked from the header
    # HEIF: iPhone originals sent as files (HEVC-coded, read with pillow-heif).
    allowed_formats: frozenset[str] = frozenset({"JPEG", "PNG", "WEBP", "HEIF"})
    # Telegram's own largest standard photo size: what its clients show full-screen (bigger
    # uploads are re-encoded down to it; chat bubbles show its 800 px size).
    display_max_px: int = 1280
    # A JPEG decodes at 1/2, 1/4 or 1/8 scale for little more than its entropy decoding costs,
    # while a resize after that costs as much again. So the display copy may be smaller than
    # display_max_px, down to this share of it, when a decode scale lands there: 12 MP phone
    # photos (4000-4096 px wide) decode straight to 1000-1024 px (README "Performance").
    display_slack: float = 0.75
    thumb_px: int = 320
    min_side_px: int = 16
    max_aspect: float = 20.0  # 1x50000 strips are not photos
    jpeg_quality: int = 85

    def __post_init__(self) -> None:
        if min(self.max_bytes, self.max_pixels, self.display_max_px, self.thumb_px) <= 0:
            raise ValueError("photo policy sizes must be positive")
        if self.min_side_px < 1 or self.max_aspect < 1.0:
            raise ValueError("min_side_px must be >= 1 and max_aspect >= 1")
        if not 0 < self.display_slack <= 1:
            raise ValueError("display_slack must be within (0, 1]")
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError("jpeg_quality must be within 1..100")
        if any(name != name.upper() for name in self.allowed_formats):
            raise ValueError("allowed_formats are Pillow's upper-case names, e.g. 'JPEG'")


DEFAULT_POLICY = PhotoPolicy()


class RejectReason(StrEnum):
    TOO_BIG = "too_big"
    NOT_IMAGE = "not_image"
    FORMAT = "format"
    CORRUPT = "corrupt"
    TOO_MANY_PIXELS = "too_many_pixels"
    BAD_SHAPE = "bad_shape"


class PhotoRejected(Exception):
    """The upload cannot be used; `reason` picks the message shown to the deputy.

    `detail` is for logs only and never contains personal data (no EXIF values, no file names).
    """

    def __init__(self, reason: RejectReason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ProcessedPhoto(PhotoFacts):
    """What process_photo makes of a file: its facts, which the photo's row keeps, and the
    copies and probes derived from it."""

    extension: str
    display_jpeg: bytes = field(repr=False)
    thumb_jpeg: bytes = field(repr=False)
    probes: bytes = field(repr=False)  # what this photo is compared through
    taken_offset: str | None


class PhotoFlag(StrEnum):
    TAKEN_LONG_BEFORE = "taken_long_before"
    FAR_FROM_SITE = "far_from_site"
    NEAR_DUPLICATE = "near_duplicate"


# --------------------------------------------------------------------------- guards


def _pixel_limit(policy: PhotoPolicy) -> int:
    # Above Pillow's own limit it would warn or raise; rejecting first keeps that from happening.
    pillow_limit = Image.MAX_IMAGE_PIXELS
    return policy.max_pixels if pillow_limit is None else min(policy.max_pixels, pillow_limit)


def _check_pixels(size: tuple[int, int], policy: PhotoPolicy) -> None:
    pixels = max(1, size[0]) * max(1, size[1])
    limit = _pixel_limit(policy)
    if pixels > limit:
        raise PhotoRejected(
            RejectReason.TOO_MANY_PIXELS, f"{size[0]}x{size[1]} = {pixels} px > {limit}"
        )


def _check_shape(size: tuple[int, int], policy: PhotoPolicy) -> None:
    short, long = sorted(size)
    if short < policy.min_side_px or long / short > policy.max_aspect:
        raise PhotoRejected(RejectReason.BAD_SHAPE, f"{size[0]}x{size[1]}")


def _classify_unopenable(prefix: bytes, policy: PhotoPolicy) -> PhotoRejected:
    """Tell a damaged allowed image from another format from something that is no image at all.

    Only the plugins' magic-number checks run here: a format we will not accept never reaches a
    Pillow parser, which keeps the attack surface to the three decoders we actually need.
    """
    Image.init()
    other: str | None = None
    for name in Image.ID:
        _factory, accept = Image.OPEN[name]
        if accept is None:
            continue
        try:
            matched = bool(accept(prefix))
        except Exception:  # a plugin's sniffing bug must not hide the verdict
            continue
        if not matched:
            continue
        if name in policy.allowed_formats or (name == "MPO" and "JPEG" in policy.allowed_formats):
            return PhotoRejected(RejectReason.CORRUPT, f"unreadable {name} header")
        other = other or name
    if other is not None:
        return PhotoRejected(RejectReason.FORMAT, other)
    return PhotoRejected(RejectReason.NOT_IMAGE, "no image signature")


# --------------------------------------------------------------------------- pixels

_WHITE = (255, 255, 255)
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})


def _to_rgb(im: Image.Image) -> Image.Image:
    mode = im.mode
    if mode == "RGB":
        return im
    if mode == "I" or mode.startswith("I;16"):
        # 16-bit greys: a plain convert("L") clips everything above 255 to white.
        return im.point(lambda v: v / 256).convert("L").convert("RGB")
    if mode in _ALPHA_MODES or "transparency" in im.info:
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, _WHITE)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return im.convert("RGB")


def _fit(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    width, height = size
    if max(width, height) <= long_edge:
        return size
    scale = long_edge / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _encode_jpeg(im: Image.Image, quality: int) -> bytes:
    # Pillow's JPEG writer falls back to im.info for some metadata (the comment, for one).
    im.info = {}
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


_HASHING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="photo-sha256")

# What Pillow raises for damaged data while parsing headers or decoding.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    KeyError,
    struct.error,
    zlib.error,
)


def process_photo(data: bytes | bytearray, policy: PhotoPolicy = DEFAULT_POLICY) -> ProcessedPhoto:
    """Validate an uploaded photo and derive everything the bot stores and shows about it.

    Raises PhotoRejected. Decodes at most once, at reduced scale for JPEG, and only after the
    declared size has passed the pixel guard.
    """
    if isinstance(data, bytearray):
        data = bytes(data)
    if len(data) > policy.max_bytes:
        raise PhotoRejected(RejectReason.TOO_BIG, f"{len(data)} bytes > {policy.max_bytes}")
    if not data:
        raise PhotoRejected(RejectReason.NOT_IMAGE, "empty")
    brand = heif_brand(data)
    if brand is not None:
        if "HEIF" not in policy.allowed_formats:
            raise PhotoRejected(RejectReason.FORMAT, f"HEIF, ftyp brand {brand}")
        return _process_heif(data, policy)

    sniffed = sniff(data)
    if sniffed is not None:
        sniffed_format, declared = sniffed
        if sniffed_format not in policy.allowed_formats:
            raise PhotoRejected(RejectReason.FORMAT, sniffed_format)
        if declared is not None:
            _check_pixels(declared, policy)

    try:
        # HEIF came here only without its ftyp box, and Pillow has no reader of that name.
        pillow_formats = sorted(policy.allowed_formats - {"HEIF"})
        with Image.open(io.BytesIO(data), formats=pillow_formats) as im:
            return _process_open(im, data, policy)
    except UnidentifiedImageError:
        raise _classify_unopenable(data[:16], policy) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # The warning only arrives as an exception when the caller's filters escalate it.
        raise PhotoRejected(RejectReason.TOO_MANY_PIXELS, type(exc).__name__) from None
    except _DECODE_ERRORS as exc:
        raise PhotoRejected(RejectReason.CORRUPT, f"{type(exc).__name__}: {exc}"[:200]) from None


def _process_heif(data: bytes, policy: PhotoPolicy) -> ProcessedPhoto:
    """HEIF through pillow-heif's own reader: its Pillow plugin would be registered process-wide.

    Opening reads the boxes only, so the pixel guard runs before the decode. libheif applies the
    rotation and mirroring the file declares, and pillow-heif sets EXIF's orientation to 1 to
    match, so the picture is not turned twice. EXIF (time, GPS) comes along in info["exif"].
    """
    try:
        heif = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
        _check_pixels(heif.size, policy)
        _check_shape(heif.size, policy)
        im = heif.to_pillow()
    except (*_DECODE_ERRORS, RuntimeError) as exc:
        raise PhotoRejected(RejectReason.CORRUPT, f"{type(exc).__name__}: {exc}"[:200]) from None
    return _process_open(im, data, policy, "HEIF")


def _process_open(
    im: Image.Image, data: bytes, policy: PhotoPolicy, decoded_as: str | None = None
) -> ProcessedPhoto:
    # MPO is how Pillow names JPEGs with extra frames (depth maps, previews) that phones write.
    fmt = decoded_as or ("JPEG" if im.format == "MPO" else (im.format or ""))
    if fmt not in policy.allowed_formats:
        raise PhotoRejected(RejectReason.FORMAT, fmt or "unknown")
    size = im.size
    _check_pixels(size, policy)
    _check_shape(size, policy)

    # hashlib lets go of the GIL: the 5 MB of a phone photo are hashed beside the decode.
    digest = _HASHING.submit(lambda: hashlib.sha256(data).hexdigest())
    target = _fit(size, policy.display_max_px)
    box: tuple[float, float, float, float] | None = None
    if target != size:
        # For JPEG this makes libjpeg decode at 1/2, 1/4 or 1/8 scale, the largest reduction
        # that keeps the smallest display copy allowed. When that lands within the allowance the
        # decoder has done the whole reduction; otherwise the returned box keeps the resize
        # exact when the scale does not divide the size.
        smallest = _fit(size, math.ceil(policy.display_max_px * policy.display_slack))
        drafted = im.draft("RGB", smallest)
        if drafted is not None:
            box = drafted[1]
            if max(im.size) <= policy.display_max_px:
                target = im.size
    if isinstance(im, ImageFile.ImageFile):
        # One decoder call for the whole file. Pillow hands the decoder 64 KB at a time and
        # takes the GIL back between blocks, so with the event loop busy (the week's peak) each
        # of a 5 MB JPEG's 76 blocks waited its turn: 464 ms instead of 60 beside a thread
        # running Python (bench.photo_ingest).
        im.decodermaxblock = max(im.decodermaxblock, len(data))
    im.load()  # the one decode; first frame only for animations
    facts = read_exif(im)

    display = _to_rgb(im)
    if display.size != target:
        display = display.resize(target, Image.Resampling.BICUBIC, box=box, reducing_gap=2.0)
    method = TRANSPOSE.get(facts.orientation)
    if method is not None:
        # Same result as ImageOps.exif_transpose on the full image, done on fewer pixels.
        display = display.transpose(method)
        size = (size[1], size[0]) if facts.orientation >= 5 else size

    display_jpeg = _encode_jpeg(display, policy.jpeg_quality)
    thumb_size = _fit(display.size, policy.thumb_px)
    if thumb_size == display.size:
        thumb, thumb_jpeg = display, display_jpeg
    else:
        # reducing_gap=1 box-averages by the whole factor first: a quarter of the cost of the
        # default, and at thumbnail size the difference does not show.
        thumb = display.resize(thumb_size, Image.Resampling.BICUBIC, reducing_gap=1.0)
        thumb_jpeg = _encode_jpeg(thumb, policy.jpeg_quality)

    return ProcessedPhoto(
        sha256=digest.result(),
        format=fmt,
        extension=EXTENSIONS.get(fmt, fmt.lower()),
        width=size[0],
        height=size[1],
        size_bytes=len(data),
        display_jpeg=display_jpeg,
        thumb_jpeg=thumb_jpeg,
        # The thumbnail is the display copy averaged down: the same grids for a twentieth of
        # the work.
        phash=dhash(thumb),
        signature=signature(thumb),
        probes=probes(thumb),
        taken_at=facts.taken_at,
        taken_offset=facts.taken_offset,
        gps_lat=facts.gps_lat,
        gps_lon=facts.gps_lon,
    )


# --------------------------------------------------------------------------- flags


def photo_flags(
    photo: ProcessedPhoto,
    *,
    reference_time: datetime,
    tz: tzinfo,
    max_age: timedelta,
    site: tuple[float, float] | None,
    max_distance_m: float,
    earlier: Earlier,
    min_likeness: float,
    legacy_distance: int,
) -> list[PhotoFlag]:
    """Reasons a reviewer should look twice at a photo; they never reject it.

    A camera writes local wall-clock time: `taken_offset` says which zone when the phone recorded
    it, otherwise the campaign's `tz` is the best guess. `site` and EXIF GPS are both WGS-84.
    A near-duplicate repeats a photo of `earlier` (see bot/likeness.py).
    """
    if reference_time.tzinfo is None or reference_time.utcoffset() is None:
        raise ValueError("reference_time must be timezone-aware")
    flags: list[PhotoFlag] = []
    if photo.taken_at is not None:
        # Re-validated because a ProcessedPhoto may come back from storage rather than from here.
        offset = parse_offset(photo.taken_offset)
        zone = offset_tz(offset) if offset else tz
        if reference_time - photo.taken_at.replace(tzinfo=zone) > max_age:
            flags.append(PhotoFlag.TAKEN_LONG_BEFORE)
    if (
        site is not None
        and photo.gps_lat is not None
        and photo.gps_lon is not None
        and distance_m(photo.gps_lat, photo.gps_lon, site[0], site[1]) > max_distance_m
    ):
        flags.append(PhotoFlag.FAR_FROM_SITE)
    if earlier.repeated_by(
        photo.probes, photo.phash, min_likeness=min_likeness, legacy_distance=legacy_distance
    ):
        flags.append(PhotoFlag.NEAR_DUPLICATE)
    return flags
