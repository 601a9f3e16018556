"""What an accepted photo becomes: its formats, display and thumbnail sizes, metadata stripped,
orientation applied and colour modes made RGB (bot/photos.py process_photo)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from datetime import datetime

import pytest
from PIL import ExifTags, Image, ImageDraw, ImageOps

from bot.photos import PhotoPolicy, hamming, process_photo
from tests.images import (
    encode,
    jpeg_bytes,
    make_exif,
    make_jpeg,
    make_png,
    make_webp,
    pattern_image,
)
from tests.photo_helpers import WEST_LAKE

RGB = tuple[int, int, int]


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
