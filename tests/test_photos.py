from __future__ import annotations

import dataclasses
import hashlib
import io
import sqlite3
import struct
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import ExifTags, Image, ImageDraw, ImageFile, ImageOps
from PIL.TiffImagePlugin import IFDRational

from bot.geo import distance_m
from bot.likeness import Earlier
from bot.photos import (
    DEFAULT_POLICY,
    PhotoFlag,
    PhotoPolicy,
    PhotoRejected,
    ProcessedPhoto,
    RejectReason,
    hamming,
    photo_flags,
    process_photo,
)
from tests.images import (
    bomb_png,
    encode,
    fake_heic,
    jpeg_bytes,
    jpeg_declaring,
    make_bmp,
    make_exif,
    make_gif,
    make_jpeg,
    make_png,
    make_tiff,
    make_webp,
    pattern_image,
    strip_png,
    truncated_jpeg,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEST_LAKE = (30.2590, 120.1480)

RGB = tuple[int, int, int]


def rejected(data: bytes, policy: PhotoPolicy = DEFAULT_POLICY) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as info:
        process_photo(data, policy)
    return info.value


def pixel(jpeg: bytes, fx: float, fy: float) -> RGB:
    """Colour at a relative position of a JPEG."""
    with Image.open(io.BytesIO(jpeg)) as im:
        rgb = im.convert("RGB")
        x = min(rgb.width - 1, int(fx * rgb.width))
        y = min(rgb.height - 1, int(fy * rgb.height))
        r, g, b = rgb.getpixel((x, y))  # type: ignore[misc]
        return r, g, b


def close(a: RGB, b: RGB, tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def jpeg_markers(jpeg: bytes) -> list[int]:
    """The markers of a JPEG up to its first scan: where all metadata lives."""
    markers, i = [], 2
    while jpeg[i] == 0xFF:
        marker = jpeg[i + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        i += 2 + int.from_bytes(jpeg[i + 2 : i + 4], "big")
    return markers


def flags_for(photo: ProcessedPhoto, **overrides: object) -> list[PhotoFlag]:
    args: dict[str, object] = {
        "reference_time": datetime(2025, 6, 1, tzinfo=UTC),
        "tz": SHANGHAI,
        "max_age": timedelta(days=3),
        "site": None,
        "max_distance_m": 500.0,
        "earlier": Earlier(),
        "min_likeness": 0.77,
        "legacy_distance": 6,
    }
    args.update(overrides)
    return photo_flags(photo, **args)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def base_photo() -> ProcessedPhoto:
    return process_photo(make_jpeg(320, 240))


# --------------------------------------------------------------------------- accepted photos


@pytest.mark.parametrize(
    ("factory", "fmt", "ext"),
    [(make_jpeg, "JPEG", "jpg"), (make_png, "PNG", "png"), (make_webp, "WEBP", "webp")],
)
def test_allowed_formats(factory: Callable[[], bytes], fmt: str, ext: str) -> None:
    data = factory()
    photo = process_photo(data)
    assert (photo.format, photo.extension) == (fmt, ext)
    assert photo.size_bytes == len(data)
    assert photo.sha256 == hashlib.sha256(data).hexdigest()


def test_original_bytes_are_hashed_untouched() -> None:
    data = make_jpeg(taken_at=datetime(2025, 5, 20, 9, 30), gps=WEST_LAKE, orientation=6)
    photo = process_photo(bytearray(data))
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert photo.size_bytes == len(data)


def test_large_jpeg_sizes_display_and_thumbnail() -> None:
    # A 12 MP photo decodes at 1/4 scale straight to 1000 px: within a quarter of the 1280 px
    # display size, so it is not resized again.
    photo = process_photo(make_jpeg(4000, 3000))
    assert (photo.width, photo.height) == (4000, 3000)
    with Image.open(io.BytesIO(photo.display_jpeg)) as display:
        assert (display.format, display.mode, display.size) == ("JPEG", "RGB", (1000, 750))
    with Image.open(io.BytesIO(photo.thumb_jpeg)) as thumb:
        assert (thumb.format, thumb.mode, thumb.size) == ("JPEG", "RGB", (320, 240))


@pytest.mark.parametrize(
    ("size", "display_size", "slack"),
    [
        ((3264, 2448), (1280, 960), 0.75),  # 8 MP: 1/2 scale is too big, 1/4 too small
        ((7680, 4320), (960, 540), 0.75),  # 33 MP: 1/8 scale
        ((2400, 1800), (1200, 900), 0.75),  # 1/2 scale
        ((4000, 3000), (1280, 960), 1.0),  # no slack: always exactly display_max_px
    ],
)
def test_display_size_is_a_decode_scale_within_the_slack(
    size: tuple[int, int], display_size: tuple[int, int], slack: float
) -> None:
    photo = process_photo(make_jpeg(*size), PhotoPolicy(display_slack=slack))
    with Image.open(io.BytesIO(photo.display_jpeg)) as display:
        assert display.size == display_size


def test_odd_sized_jpeg_keeps_its_aspect_ratio_through_draft() -> None:
    photo = process_photo(make_jpeg(4033, 3025))
    with Image.open(io.BytesIO(photo.display_jpeg)) as display:
        # 1/4 scale rounds up: the last column and row hold the partial block (a quarter pixel).
        assert display.size == (1009, 757)
        assert abs(display.size[0] / display.size[1] - 4033 / 3025) < 0.001
    resized = process_photo(make_jpeg(4033, 3025), PhotoPolicy(display_slack=1.0))
    with Image.open(io.BytesIO(resized.display_jpeg)) as display:
        assert display.size == (1280, 960)


def test_small_image_is_not_upscaled() -> None:
    photo = process_photo(make_jpeg(200, 150))
    with Image.open(io.BytesIO(photo.display_jpeg)) as display:
        assert display.size == (200, 150)
    assert photo.thumb_jpeg == photo.display_jpeg


def test_policy_sizes_are_respected() -> None:
    policy = PhotoPolicy(display_max_px=800, thumb_px=100)
    photo = process_photo(make_jpeg(1600, 1200), policy)
    with Image.open(io.BytesIO(photo.display_jpeg)) as display:
        assert display.size == (800, 600)
    with Image.open(io.BytesIO(photo.thumb_jpeg)) as thumb:
        assert thumb.size == (100, 75)


@pytest.mark.parametrize("size", [(2000, 1500), (400, 300)], ids=["resized", "as-decoded"])
def test_display_and_thumbnail_carry_no_metadata(size: tuple[int, int]) -> None:
    img = pattern_image(*size)
    exif = make_exif(taken_at=datetime(2025, 5, 20, 9, 30), offset="+08:00", gps=WEST_LAKE)
    exif[ExifTags.Base.Model] = "Phone X"
    data = encode(
        img,
        "JPEG",
        exif=exif,
        icc_profile=b"not really a profile" * 10,
        comment=b"deputy Zhang",
        xmp=b"<x:xmpmeta>secret</x:xmpmeta>",
    )
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif()
    photo = process_photo(data)
    assert photo.gps_lat is not None
    for copy in (photo.display_jpeg, photo.thumb_jpeg):
        assert not [m for m in jpeg_markers(copy) if 0xE1 <= m <= 0xEF or m == 0xFE]
        for needle in (b"Exif", b"Phone X", b"deputy Zhang", b"secret", b"not really"):
            assert needle not in copy
        with Image.open(io.BytesIO(copy)) as im:
            assert not im.getexif()
            assert not {"exif", "icc_profile", "comment", "xmp"} & set(im.info)


# --------------------------------------------------------------------------- EXIF facts


def test_exif_time_and_offset_are_read() -> None:
    data = make_jpeg(taken_at=datetime(2025, 5, 20, 9, 30, 15), offset="+08:00")
    photo = process_photo(data)
    assert photo.taken_at == datetime(2025, 5, 20, 9, 30, 15)
    assert photo.taken_at.tzinfo is None
    assert photo.taken_offset == "+08:00"


def test_exif_time_without_offset() -> None:
    photo = process_photo(make_jpeg(taken_at=datetime(2024, 12, 31, 23, 59, 59)))
    assert photo.taken_at == datetime(2024, 12, 31, 23, 59, 59)
    assert photo.taken_offset is None


def test_exif_datetime_is_the_fallback() -> None:
    exif = make_exif(taken_at=datetime(2025, 3, 1, 8, 0), offset="-03:00", original=False)
    data = encode(pattern_image(320, 240), "JPEG", exif=exif)
    photo = process_photo(data)
    assert photo.taken_at == datetime(2025, 3, 1, 8, 0)
    assert photo.taken_offset == "-03:00"


def test_date_time_original_wins_over_date_time() -> None:
    exif = make_exif(taken_at=datetime(2025, 3, 1, 8, 0))
    exif[ExifTags.Base.DateTime] = "2025:04:01 10:00:00"  # edited later
    photo = process_photo(encode(pattern_image(320, 240), "JPEG", exif=exif))
    assert photo.taken_at == datetime(2025, 3, 1, 8, 0)


@pytest.mark.parametrize(
    ("stamp", "offset"),
    [
        ("0000:00:00 00:00:00", "+08:00"),
        ("    :  :     :  :  ", "+08:00"),
        ("2025:13:40 25:00:00", "+08:00"),
        ("yesterday", "+08:00"),
    ],
)
def test_malformed_exif_time_is_none(stamp: str, offset: str) -> None:
    exif = Image.Exif()
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.DateTimeOriginal] = stamp
    exif_ifd[ExifTags.Base.OffsetTimeOriginal] = offset
    photo = process_photo(encode(pattern_image(320, 240), "JPEG", exif=exif))
    assert photo.taken_at is None
    assert photo.taken_offset is None


@pytest.mark.parametrize("offset", ["+8", "08:00", "+08:00:00", "+25:00", "UTC"])
def test_malformed_offset_is_none(offset: str) -> None:
    photo = process_photo(make_jpeg(320, 240, taken_at=datetime(2025, 5, 1), offset=offset))
    assert photo.taken_at == datetime(2025, 5, 1)
    assert photo.taken_offset is None


@pytest.mark.parametrize(
    "position",
    [
        (30.274085, 120.155070),  # N/E: Hangzhou
        (-33.868820, 151.209296),  # S/E: Sydney
        (40.712776, -74.005974),  # N/W: New York
        (-22.906847, -43.172897),  # S/W: Rio de Janeiro
    ],
)
def test_gps_is_read_with_hemisphere_signs(position: tuple[float, float]) -> None:
    photo = process_photo(make_jpeg(320, 240, gps=position))
    assert photo.gps_lat == pytest.approx(position[0], abs=1e-6)
    assert photo.gps_lon == pytest.approx(position[1], abs=1e-6)


def test_gps_in_webp_is_read() -> None:
    photo = process_photo(make_webp(taken_at=datetime(2025, 5, 2, 7, 0), gps=WEST_LAKE))
    assert photo.gps_lat == pytest.approx(WEST_LAKE[0], abs=1e-6)
    assert photo.gps_lon == pytest.approx(WEST_LAKE[1], abs=1e-6)
    assert photo.taken_at == datetime(2025, 5, 2, 7, 0)


def test_no_exif_at_all() -> None:
    photo = process_photo(make_png())
    assert (photo.taken_at, photo.taken_offset, photo.gps_lat, photo.gps_lon) == (None,) * 4


def _gps_jpeg(**tags: object) -> bytes:
    exif = make_exif(gps=WEST_LAKE)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    for name, value in tags.items():
        if value is None:
            del gps[ExifTags.GPS[name]]
        else:
            gps[ExifTags.GPS[name]] = value
    return encode(pattern_image(320, 240), "JPEG", exif=exif)


@pytest.mark.parametrize(
    "tags",
    [
        {"GPSLatitudeRef": None},
        {"GPSLongitudeRef": "X"},
        {"GPSLatitude": (IFDRational(30, 0), IFDRational(0, 1), IFDRational(0, 1))},
        {"GPSLatitude": (IFDRational(95, 1), IFDRational(0, 1), IFDRational(0, 1))},
        {"GPSLongitude": None},
        {
            "GPSLatitude": (IFDRational(0, 1),) * 3,
            "GPSLongitude": (IFDRational(0, 1),) * 3,
        },
    ],
    ids=["no-lat-ref", "bad-lon-ref", "zero-denominator", "lat-95", "no-lon", "null-island"],
)
def test_malformed_gps_is_none(tags: dict[str, object]) -> None:
    photo = process_photo(_gps_jpeg(**tags))
    assert (photo.gps_lat, photo.gps_lon) == (None, None)


# --------------------------------------------------------------------------- orientation


def _corner_markers(width: int, height: int) -> Image.Image:
    """Grey picture with a coloured block in each stored corner."""
    img = Image.new("RGB", (width, height), (128, 128, 128))
    draw = ImageDraw.Draw(img)
    bw, bh = width // 4, height // 4
    draw.rectangle((0, 0, bw, bh), fill=(255, 0, 0))
    draw.rectangle((width - bw, 0, width, bh), fill=(0, 255, 0))
    draw.rectangle((0, height - bh, bw, height), fill=(0, 0, 255))
    draw.rectangle((width - bw, height - bh, width, height), fill=(255, 255, 0))
    return img


CORNERS = [(0.08, 0.08), (0.92, 0.08), (0.08, 0.92), (0.92, 0.92)]


@pytest.mark.parametrize(
    ("size", "display_size"),
    [((1600, 1200), (960, 1280)), ((4000, 3000), (750, 1000))],
    ids=["no-draft", "draft"],
)
def test_orientation_6_is_upright(size: tuple[int, int], display_size: tuple[int, int]) -> None:
    data = jpeg_bytes(_corner_markers(*size), orientation=6)
    photo = process_photo(data)
    assert (photo.width, photo.height) == (size[1], size[0])
    with Image.open(io.BytesIO(photo.display_jpeg)) as display:
        assert display.size == display_size
    # Rotating 90 degrees clockwise moves the stored top-left block to the top-right, and the
    # stored bottom-left block to the top-left.
    assert close(pixel(photo.display_jpeg, 0.92, 0.08), (255, 0, 0))
    assert close(pixel(photo.display_jpeg, 0.08, 0.08), (0, 0, 255))
    assert close(pixel(photo.display_jpeg, 0.92, 0.92), (0, 255, 0))
    assert close(pixel(photo.display_jpeg, 0.08, 0.92), (255, 255, 0))
    assert close(pixel(photo.thumb_jpeg, 0.92, 0.08), (255, 0, 0))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_matches_exif_transpose(orientation: int) -> None:
    data = jpeg_bytes(_corner_markers(2400, 1800), orientation=orientation)
    with Image.open(io.BytesIO(data)) as original:
        reference = encode(ImageOps.exif_transpose(original), "JPEG")
    photo = process_photo(data)
    swapped = orientation >= 5
    assert (photo.width, photo.height) == ((1800, 2400) if swapped else (2400, 1800))
    for fx, fy in CORNERS:
        assert close(pixel(photo.display_jpeg, fx, fy), pixel(reference, fx, fy))


def test_phash_is_taken_after_orientation() -> None:
    upright = pattern_image(1200, 1600, pattern_seed=21)
    plain = process_photo(jpeg_bytes(upright))
    tagged = process_photo(jpeg_bytes(upright.transpose(Image.Transpose.ROTATE_90), orientation=6))
    assert hamming(plain.phash, tagged.phash) <= 4


# --------------------------------------------------------------------------- modes


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "LA", "L", "P", "1", "I;16"])
def test_png_modes_become_rgb_jpeg(mode: str) -> None:
    photo = process_photo(make_png(mode=mode))
    with Image.open(io.BytesIO(photo.display_jpeg)) as display:
        assert (display.format, display.mode) == ("JPEG", "RGB")


def test_transparency_is_flattened_on_white() -> None:
    img = Image.new("RGBA", (200, 100), (0, 255, 0, 0))
    img.paste((255, 0, 0, 255), (0, 0, 100, 100))
    photo = process_photo(encode(img, "PNG"))
    assert close(pixel(photo.display_jpeg, 0.25, 0.5), (255, 0, 0))
    assert close(pixel(photo.display_jpeg, 0.75, 0.5), (255, 255, 255))


def test_half_transparency_blends_with_white() -> None:
    photo = process_photo(encode(Image.new("RGBA", (64, 64), (0, 0, 0, 128)), "PNG"))
    assert close(pixel(photo.display_jpeg, 0.5, 0.5), (127, 127, 127), 6)


def test_la_transparency_is_white() -> None:
    photo = process_photo(encode(Image.new("LA", (64, 64), (0, 0)), "PNG"))
    assert close(pixel(photo.display_jpeg, 0.5, 0.5), (255, 255, 255), 4)


def test_palette_transparency_is_white() -> None:
    img = Image.new("P", (64, 64), 0)
    img.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    img.paste(1, (0, 0, 32, 64))
    photo = process_photo(encode(img, "PNG", transparency=0))
    assert close(pixel(photo.display_jpeg, 0.25, 0.5), (255, 0, 0))
    assert close(pixel(photo.display_jpeg, 0.75, 0.5), (255, 255, 255))


def test_16_bit_grey_is_scaled_not_clipped() -> None:
    img = Image.new("I;16", (64, 64), 32768)
    photo = process_photo(encode(img, "PNG"))
    assert close(pixel(photo.display_jpeg, 0.5, 0.5), (128, 128, 128), 4)


def test_cmyk_jpeg_colours() -> None:
    data = encode(Image.new("CMYK", (64, 64), (0, 255, 255, 0)), "JPEG", quality=95)
    photo = process_photo(data)
    assert close(pixel(photo.display_jpeg, 0.5, 0.5), (255, 0, 0))


def test_grey_jpeg() -> None:
    photo = process_photo(encode(Image.new("L", (2000, 1000), 90), "JPEG"))
    with Image.open(io.BytesIO(photo.display_jpeg)) as display:
        assert (display.mode, display.size) == ("RGB", (1000, 500))  # 1/2 scale
    assert close(pixel(photo.display_jpeg, 0.5, 0.5), (90, 90, 90), 4)


@pytest.mark.parametrize("fmt", ["WEBP", "PNG"])
def test_animation_uses_the_first_frame(fmt: str) -> None:
    frames = [Image.new("RGB", (64, 64), c) for c in ((255, 0, 0), (0, 0, 255))]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100)
    photo = process_photo(data)
    assert close(pixel(photo.display_jpeg, 0.5, 0.5), (255, 0, 0))


# --------------------------------------------------------------------------- hashes


def test_hamming_on_signed_values() -> None:
    assert hamming(0, 0) == 0
    assert hamming(0, 1) == 1
    assert hamming(-1, 0) == 64
    assert hamming(-1, (1 << 64) - 1) == 0  # the same 64 bits, signed and unsigned
    assert hamming(-(1 << 63), 0) == 1
    assert hamming(5, -6) == hamming(-6, 5) == 64


def test_phash_is_signed_64_bit_and_fits_sqlite() -> None:
    # Brightness rising left to right sets every dHash bit: unsigned it would be 2**64 - 1.
    ramp = Image.frombytes("L", (256, 1), bytes(range(256))).resize((640, 480))
    photo = process_photo(encode(ramp, "PNG"))
    assert photo.phash == -1
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE p (h INTEGER)")
    for value in (photo.phash, process_photo(make_jpeg()).phash):
        assert -(1 << 63) <= value < 1 << 63
        db.execute("INSERT INTO p VALUES (?)", (value,))
    stored = [row[0] for row in db.execute("SELECT h FROM p")]
    assert stored[0] == -1


def test_same_picture_reencoded_hashes_nearly_equal() -> None:
    first = process_photo(make_jpeg(1600, 1200, pattern_seed=11))
    again = process_photo(make_jpeg(4000, 3000, pattern_seed=11, quality=60))
    small = process_photo(make_png(640, 480, pattern_seed=11))
    assert hamming(first.phash, again.phash) <= 3
    assert hamming(first.phash, small.phash) <= 3


def test_different_pictures_hash_apart() -> None:
    hashes = [process_photo(make_jpeg(640, 480, pattern_seed=s)).phash for s in range(8)]
    for i, a in enumerate(hashes):
        for b in hashes[i + 1 :]:
            assert hamming(a, b) > 12


# --------------------------------------------------------------------------- flags


def test_near_duplicate_flagged_for_reencoded_picture() -> None:
    earlier = process_photo(make_jpeg(1600, 1200, pattern_seed=5)).signature
    other = process_photo(make_jpeg(1600, 1200, pattern_seed=6)).signature
    resent = process_photo(make_jpeg(3000, 2250, pattern_seed=5, quality=70))
    both = Earlier([other, earlier])
    assert flags_for(resent, earlier=both) == [PhotoFlag.NEAR_DUPLICATE]
    assert flags_for(resent, earlier=Earlier([other])) == []
    assert flags_for(resent, earlier=Earlier()) == []


def test_photos_stored_before_signatures_are_compared_by_their_hash(
    base_photo: ProcessedPhoto,
) -> None:
    three_bits_off = base_photo.phash ^ 0b111
    legacy = Earlier(legacy_hashes=[three_bits_off])
    assert flags_for(base_photo, earlier=legacy, legacy_distance=3)
    assert not flags_for(base_photo, earlier=legacy, legacy_distance=2)


def test_far_from_site(base_photo: ProcessedPhoto) -> None:
    photo = dataclasses.replace(base_photo, gps_lat=WEST_LAKE[0], gps_lon=WEST_LAKE[1])
    site = (WEST_LAKE[0] + 0.01, WEST_LAKE[1])  # about 1.1 km north
    gap = distance_m(*WEST_LAKE, *site)
    assert 1000 < gap < 1200
    assert flags_for(photo, site=site, max_distance_m=500) == [PhotoFlag.FAR_FROM_SITE]
    assert flags_for(photo, site=site, max_distance_m=gap + 1) == []
    assert flags_for(photo, site=None) == []
    no_gps = dataclasses.replace(photo, gps_lat=None, gps_lon=None)
    assert flags_for(no_gps, site=site, max_distance_m=500) == []


def test_far_from_site_from_real_exif() -> None:
    photo = process_photo(make_jpeg(320, 240, gps=(-33.868820, 151.209296)))
    assert flags_for(photo, site=WEST_LAKE, max_distance_m=500) == [PhotoFlag.FAR_FROM_SITE]
    assert flags_for(photo, site=(-33.8690, 151.2095), max_distance_m=500) == []


@pytest.mark.parametrize(
    ("offset", "tz", "flagged"),
    [
        # Shot at 06:00 wall-clock; the reference is 00:00 UTC = 08:00 in Shanghai; max age 1 h.
        (None, SHANGHAI, True),  # 06:00+08 = 22:00 UTC the day before: 2 h old
        (None, ZoneInfo("UTC"), False),  # 06:00 UTC: in the future
        ("+08:00", ZoneInfo("UTC"), True),  # the phone's offset beats the campaign zone
        ("-04:00", SHANGHAI, False),  # 10:00 UTC: in the future
        ("+05:30", ZoneInfo("UTC"), False),  # 00:30 UTC: 30 min in the future
    ],
)
def test_taken_long_before_with_time_zones(
    base_photo: ProcessedPhoto, offset: str | None, tz: ZoneInfo, flagged: bool
) -> None:
    photo = dataclasses.replace(
        base_photo, taken_at=datetime(2025, 6, 1, 6, 0), taken_offset=offset
    )
    flags = flags_for(
        photo,
        reference_time=datetime(2025, 6, 1, 0, 0, tzinfo=UTC),
        tz=tz,
        max_age=timedelta(hours=1),
    )
    assert flags == ([PhotoFlag.TAKEN_LONG_BEFORE] if flagged else [])


def test_unreadable_stored_offset_falls_back_to_campaign_zone(base_photo: ProcessedPhoto) -> None:
    photo = dataclasses.replace(
        base_photo, taken_at=datetime(2025, 6, 1, 6, 0), taken_offset="garbage"
    )
    reference = datetime(2025, 6, 1, 0, 0, tzinfo=UTC)
    assert flags_for(photo, reference_time=reference, max_age=timedelta(hours=1)) == [
        PhotoFlag.TAKEN_LONG_BEFORE
    ]


def test_taken_long_before_from_real_exif() -> None:
    data = make_jpeg(320, 240, taken_at=datetime(2025, 5, 1, 9, 0), offset="+08:00")
    photo = process_photo(data)
    reference = datetime(2025, 5, 3, 9, 0, tzinfo=SHANGHAI)
    assert flags_for(photo, reference_time=reference, max_age=timedelta(days=1)) == [
        PhotoFlag.TAKEN_LONG_BEFORE
    ]
    assert flags_for(photo, reference_time=reference, max_age=timedelta(days=2)) == []


def test_max_age_boundary_is_not_flagged(base_photo: ProcessedPhoto) -> None:
    photo = dataclasses.replace(base_photo, taken_at=datetime(2025, 6, 1, 7, 0))
    reference = datetime(2025, 6, 1, 8, 0, tzinfo=SHANGHAI)
    assert flags_for(photo, reference_time=reference, max_age=timedelta(hours=1)) == []


def test_no_time_no_time_flag(base_photo: ProcessedPhoto) -> None:
    assert base_photo.taken_at is None
    assert flags_for(base_photo, max_age=timedelta(0)) == []


def test_all_flags_together(base_photo: ProcessedPhoto) -> None:
    photo = dataclasses.replace(base_photo, taken_at=datetime(2020, 1, 1), gps_lat=0.5, gps_lon=0.5)
    flags = flags_for(photo, site=WEST_LAKE, earlier=Earlier([base_photo.signature]))
    assert flags == [
        PhotoFlag.TAKEN_LONG_BEFORE,
        PhotoFlag.FAR_FROM_SITE,
        PhotoFlag.NEAR_DUPLICATE,
    ]


def test_reference_time_must_be_aware(base_photo: ProcessedPhoto) -> None:
    with pytest.raises(ValueError, match="aware"):
        flags_for(base_photo, reference_time=datetime(2025, 6, 1))


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
