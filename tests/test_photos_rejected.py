"""Photos process_photo refuses, and why: size, format, damage, pixel bombs, shape; the
policy's own checks; thread safety of the rejections."""

from __future__ import annotations

import struct
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image, ImageFile

from bot.photos import DEFAULT_POLICY, PhotoPolicy, PhotoRejected, RejectReason, process_photo
from tests.images import (
    bomb_png,
    fake_heic,
    jpeg_declaring,
    make_bmp,
    make_gif,
    make_jpeg,
    make_png,
    make_tiff,
    make_webp,
    strip_png,
    truncated_jpeg,
)


def rejected(data: bytes, policy: PhotoPolicy = DEFAULT_POLICY) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as info:
        process_photo(data, policy)
    return info.value


# --------------------------------------------------------------------------- rejections


def test_too_big() -> None:
    assert rejected(make_jpeg(), PhotoPolicy(max_bytes=1000)).reason is RejectReason.TOO_BIG
    huge = b"\xff\xd8\xff" + bytes(20 * 1024 * 1024)
    assert rejected(huge).reason is RejectReason.TOO_BIG


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"Site visit notes: the canteen was closed.\n" * 20,
        bytes(range(256)) * 8,
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(500),
        struct.pack(">I", 24) + b"ftypisom\x00\x00\x02\x00isomiso2" + bytes(300),  # MP4
    ],
    ids=["empty", "text", "noise", "pdf", "mp4"],
)
def test_not_an_image(data: bytes) -> None:
    assert rejected(data).reason is RejectReason.NOT_IMAGE


@pytest.mark.parametrize(
    "data",
    [
        fake_heic(),
        fake_heic(b"heix", (b"mif1", b"heix")),
        fake_heic(b"mif1", (b"mif1", b"heic")),
        fake_heic(b"hevc", (b"msf1", b"hevc")),
        fake_heic(b"mif1", (b"mif1", b"miaf")),
    ],
    ids=["heic", "heix", "mif1+heic", "hevc", "generic-heif"],
)
def test_damaged_heif_of_any_brand_is_corrupt(data: bytes) -> None:
    # An ftyp box and junk: read as HEIF (tests/test_heic.py has real ones), and damaged.
    assert rejected(data).reason is RejectReason.CORRUPT


def test_avif_is_not_reported_as_heic() -> None:
    error = rejected(fake_heic(b"avif", (b"mif1", b"avif", b"miaf")))
    assert error.reason in (RejectReason.FORMAT, RejectReason.NOT_IMAGE, RejectReason.CORRUPT)


@pytest.mark.parametrize(
    ("factory", "name"), [(make_gif, "GIF"), (make_bmp, "BMP"), (make_tiff, "TIFF")]
)
def test_other_formats(factory: Callable[[], bytes], name: str) -> None:
    error = rejected(factory())
    assert error.reason is RejectReason.FORMAT
    assert error.detail == name


def test_format_outside_policy() -> None:
    policy = PhotoPolicy(allowed_formats=frozenset({"JPEG", "PNG"}))
    assert rejected(make_webp(), policy).reason is RejectReason.FORMAT
    assert process_photo(make_jpeg(320, 240), policy).format == "JPEG"


def _broken_png() -> bytes:
    data = bytearray(make_png(640, 480, pattern_seed=2))
    start = data.index(b"IDAT") + 4 + 20
    data[start : start + 40] = bytes(range(7, 47))
    return bytes(data)


@pytest.mark.parametrize(
    "data",
    [
        truncated_jpeg(),
        make_jpeg(4000, 3000)[:-5000],
        make_jpeg(320, 240)[:300],
        make_png(640, 480)[:-300],
        b"\x89PNG\r\n\x1a\n" + bytes(100),
        _broken_png(),
        make_webp()[:-200],
    ],
    ids=[
        "truncated-jpeg",
        "truncated-draft-jpeg",
        "jpeg-header-only",
        "truncated-png",
        "png-signature-only",
        "garbled-png",
        "truncated-webp",
    ],
)
def test_corrupt(data: bytes) -> None:
    assert rejected(data).reason is RejectReason.CORRUPT
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


@pytest.mark.parametrize(
    ("data", "policy"),
    [
        (bomb_png(), DEFAULT_POLICY),
        (bomb_png(10000, 10000), DEFAULT_POLICY),
        (jpeg_declaring(9000, 9000), DEFAULT_POLICY),
        (make_jpeg(320, 240), PhotoPolicy(max_pixels=320 * 240 - 1)),
        # Pillow's own limit binds even when the policy is looser.
        (bomb_png(10000, 10000), PhotoPolicy(max_pixels=10**12)),
        (bomb_png(), PhotoPolicy(max_pixels=10**12)),
    ],
    ids=["30k-png", "10k-png", "9k-jpeg", "policy", "pillow-warn-range", "pillow-error-range"],
)
def test_too_many_pixels_without_decoding_or_warnings(data: bytes, policy: PhotoPolicy) -> None:
    limit = Image.MAX_IMAGE_PIXELS
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert rejected(data, policy).reason is RejectReason.TOO_MANY_PIXELS
    assert caught == []
    assert limit == Image.MAX_IMAGE_PIXELS


def _gif_declaring(width: int, height: int) -> bytes:
    data = bytearray(make_gif())
    data[6:10] = struct.pack("<HH", width, height)
    return bytes(data)


def test_pillow_decompression_bomb_error_is_converted() -> None:
    # GIF is not sniffed, so only Pillow's own check stands between it and the decoder.
    policy = PhotoPolicy(allowed_formats=frozenset({"GIF"}), max_pixels=10**12)
    assert rejected(_gif_declaring(30000, 30000), policy).reason is RejectReason.TOO_MANY_PIXELS


def test_pillow_decompression_bomb_warning_is_converted() -> None:
    policy = PhotoPolicy(allowed_formats=frozenset({"GIF"}), max_pixels=10**12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        error = rejected(_gif_declaring(10000, 10000), policy)
    assert error.reason is RejectReason.TOO_MANY_PIXELS


@pytest.mark.parametrize(
    "data",
    [strip_png(1, 50000), strip_png(15, 400), strip_png(20, 500), strip_png(5000, 200)],
    ids=["1x50000", "narrow-side", "aspect-25", "aspect-25-wide"],
)
def test_bad_shape(data: bytes) -> None:
    assert rejected(data).reason is RejectReason.BAD_SHAPE


@pytest.mark.parametrize("size", [(16, 16), (20, 400), (4000, 200)])
def test_shape_limits_are_inclusive(size: tuple[int, int]) -> None:
    assert process_photo(strip_png(*size)).width == size[0]


def test_rejection_carries_reason_and_detail() -> None:
    error = rejected(make_gif())
    assert isinstance(error, Exception)
    assert str(error) == "format: GIF"
    assert str(RejectReason.FORMAT) == "format"


@pytest.mark.parametrize("factory", [make_jpeg, make_png, make_webp])
def test_any_cut_either_processes_or_is_rejected(factory: Callable[[], bytes]) -> None:
    data = factory()
    for cut in range(0, len(data), max(1, len(data) // 40)):
        try:
            process_photo(data[:cut])
        except PhotoRejected as error:
            assert error.reason in (
                RejectReason.NOT_IMAGE,
                RejectReason.CORRUPT,
            ), f"cut at {cut}: {error}"


def test_threads_do_not_disturb_each_other() -> None:
    jobs = [make_jpeg(1600, 1200, pattern_seed=s) for s in range(4)]
    jobs += [bomb_png(10000, 10000), truncated_jpeg()]
    filters_before = list(warnings.filters)
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            outcomes = list(pool.map(_outcome, jobs))
            assert outcomes[:4] == [_outcome(job) for job in jobs[:4]]
            assert outcomes[4:] == [RejectReason.TOO_MANY_PIXELS, RejectReason.CORRUPT]
    assert warnings.filters == filters_before


def _outcome(data: bytes) -> int | RejectReason:
    try:
        return process_photo(data).phash
    except PhotoRejected as error:
        return error.reason


def test_policy_is_validated() -> None:
    with pytest.raises(ValueError):
        PhotoPolicy(thumb_px=0)
    with pytest.raises(ValueError):
        PhotoPolicy(max_aspect=0.5)
    with pytest.raises(ValueError):
        PhotoPolicy(jpeg_quality=0)
    for slack in (0.0, 1.5):
        with pytest.raises(ValueError):
            PhotoPolicy(display_slack=slack)
    with pytest.raises(ValueError):
        PhotoPolicy(allowed_formats=frozenset({"jpeg"}))
