"""iPhone originals (HEIC) sent as files: kept byte for byte, shown as JPEG, EXIF read."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime

import pillow_heif
import pytest
from PIL import Image, ImageDraw

from bot.bootstrap import database_of
from bot.photos import PhotoPolicy, PhotoRejected, RejectReason, process_photo
from tests.conftest import Harness
from tests.images import make_heic
from tests.steps import checked_in, describe_problem

WEST_LAKE = (30.2590, 120.1480)


def test_heic_is_taken_with_its_exif_and_shown_as_jpeg() -> None:
    data = make_heic(
        640, 480, taken_at=datetime(2025, 5, 20, 9, 30), offset="+08:00", gps=WEST_LAKE
    )
    assert data[4:12] == b"ftypheic"
    photo = process_photo(data)
    assert (photo.format, photo.extension) == ("HEIF", "heic")
    assert photo.sha256 == hashlib.sha256(data).hexdigest() and photo.size_bytes == len(data)
    assert (photo.width, photo.height) == (640, 480)
    assert photo.taken_at == datetime(2025, 5, 20, 9, 30) and photo.taken_offset == "+08:00"
    assert photo.gps_lat == pytest.approx(WEST_LAKE[0], abs=1e-5)
    assert photo.gps_lon == pytest.approx(WEST_LAKE[1], abs=1e-5)
    for copy in (photo.display_jpeg, photo.thumb_jpeg):
        assert copy[:2] == b"\xff\xd8" and b"Exif" not in copy
        with Image.open(io.BytesIO(copy)) as im:
            assert im.format == "JPEG" and not im.getexif()


def test_heic_orientation_is_applied_once() -> None:
    # A red block in the stored top-left corner; orientation 6 turns it to the top-right.
    img = Image.new("RGB", (320, 240), (128, 128, 128))
    ImageDraw.Draw(img).rectangle((0, 0, 80, 60), fill=(255, 0, 0))
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6
    pillow_heif.from_pillow(img).save(buffer, quality=90, exif=exif.tobytes())
    photo = process_photo(buffer.getvalue())
    assert (photo.width, photo.height) == (240, 320)
    with Image.open(io.BytesIO(photo.display_jpeg)) as display:
        rgb = display.convert("RGB")
        r, g, b = rgb.getpixel((int(0.9 * rgb.width), int(0.05 * rgb.height)))  # type: ignore[misc]
        assert r > 200 and g < 60 and b < 60


def test_heic_pixels_are_checked_before_decoding() -> None:
    with pytest.raises(PhotoRejected) as error:
        process_photo(make_heic(), PhotoPolicy(max_pixels=1000))
    assert error.value.reason is RejectReason.TOO_MANY_PIXELS


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_heic_is_corrupt(cut: float) -> None:
    data = make_heic(pattern_seed=3)
    with pytest.raises(PhotoRejected) as error:
        process_photo(data[: int(len(data) * cut)])
    assert error.value.reason is RejectReason.CORRUPT


def test_heic_outside_the_policy_is_another_format() -> None:
    policy = PhotoPolicy(allowed_formats=frozenset({"JPEG", "PNG"}))
    with pytest.raises(PhotoRejected) as error:
        process_photo(make_heic(), policy)
    assert error.value.reason is RejectReason.FORMAT


async def test_a_deputy_sends_an_iphone_original_as_a_file(bot: Harness) -> None:
    deputy = await checked_in(bot)
    await describe_problem(deputy, "外立面脚手架已停工两周，现场无施工人员。")
    site = await bot.site_of_group("G01")
    data = make_heic(800, 600, pattern_seed=8, gps=(site.lat, site.lon))
    await deputy.send_document(data, file_name="IMG_4821.HEIC", mime_type="image/heic")
    saved = (await deputy.next_message()).text or ""
    assert "已保存照片" in saved, saved
    row = await database_of(bot.services).fetch_one("SELECT * FROM photos")
    assert row is not None and row["format"] == "HEIF" and row["as_file"] == 1
    assert row["sha256"] == hashlib.sha256(data).hexdigest()
    assert abs(row["gps_lat"] - site.lat) < 1e-5
    photos_dir = bot.settings.storage.photos_dir
    assert row["original_path"].endswith(".heic")
    assert (photos_dir / row["original_path"]).read_bytes() == data
    for path in (row["display_path"], row["thumb_path"]):
        with Image.open(photos_dir / path) as im:
            assert im.format == "JPEG" and not im.getexif()
