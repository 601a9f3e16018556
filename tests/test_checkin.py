"""A deputy checks in at a site: location, nearest sites, on-site verdict, photos."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from zoneinfo import ZoneInfo

from PIL import Image

from bot.bootstrap import database_of
from bot.geo import distance_m
from bot.records import SiteRecord
from localapi import BotMessage, SimUser
from tests.conftest import Harness, reply_to
from tests.images import make_jpeg

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def _start_checkin(deputy: SimUser) -> None:
    await deputy.send_text("/checkin")
    ask = await deputy.next_message()
    assert ask.location_buttons == ["📍 发送我的当前位置"], ask.describe()


async def _asked_for_location(bot: Harness) -> tuple[SimUser, SiteRecord]:
    """王芳 has begun /checkin and is asked where she is; the site she will check in at."""
    deputy = await bot.join("王芳")
    site = await bot.site_of_group("G01")
    await _start_checkin(deputy)
    return deputy, site


async def _sites_offered(deputy: SimUser, lat: float, lon: float, accuracy: float) -> BotMessage:
    """Send the location; returns the sites the bot offers, after its receipt."""
    await deputy.send_location(lat, lon, horizontal_accuracy=accuracy)
    await deputy.next_message()
    return await deputy.next_message()


async def test_on_site_checkin_with_evidence_photo_as_file(bot: Harness) -> None:
    deputy, site = await _asked_for_location(bot)
    lat, lon = site.lat + 0.0002, site.lon  # about 22 m north of the site
    await deputy.send_location(lat, lon, horizontal_accuracy=15)
    received = await deputy.next_message()
    assert received.removes_keyboard and "精度约 15 米" in (received.text or "")
    choose = await deputy.next_message()
    first = choose.buttons[0]
    assert first.startswith("★ ") and site.name in first and "22 m" in first, choose.buttons
    await deputy.press(site.name)
    recorded = await deputy.next_message(edited=True)
    assert "已签到" in (recorded.text or "") and "在现场" in (recorded.text or "")
    assert "完成" in (await deputy.next_message()).buttons

    taken = bot.now().astimezone(SHANGHAI).replace(tzinfo=None) - timedelta(minutes=3)
    photo = make_jpeg(1200, 900, pattern_seed=11, taken_at=taken, offset="+08:00", gps=(lat, lon))
    await deputy.send_document(photo, file_name="IMG_2001.jpg", mime_type="image/jpeg")
    saved = await deputy.next_message()
    assert "已保存照片" in (saved.text or "") and "⚠️" not in (saved.text or "")
    await deputy.press("完成")
    finished = await deputy.settle()
    assert any("签到完成，共保存 1 张照片" in (m.text or "") for m in finished)

    row = await database_of(bot.services).fetch_one("SELECT * FROM visits")
    assert row is not None
    assert row["site_id"] == site.id and row["on_site"] == 1 and row["reason"] == "within_radius"
    assert (
        row["accuracy_m"] == 15
        and abs(row["distance_m"] - distance_m(lat, lon, site.lat, site.lon)) < 0.01
    )
    stored = await database_of(bot.services).fetch_one(
        "SELECT * FROM photos WHERE visit_id = ?", (row["id"],)
    )
    assert stored is not None and stored["as_file"] == 1 and stored["flags"] == ""
    assert stored["sha256"] == hashlib.sha256(photo).hexdigest()
    assert stored["gps_lat"] is not None and abs(stored["gps_lat"] - lat) < 1e-5
    # The original is kept byte for byte; the display copy carries no EXIF.
    photos_dir = bot.settings.storage.photos_dir
    assert (photos_dir / stored["original_path"]).read_bytes() == photo
    with Image.open(photos_dir / stored["display_path"]) as display:
        assert display.format == "JPEG" and max(display.size) <= 1600
        assert not display.getexif() and "exif" not in display.info
    with Image.open(photos_dir / stored["thumb_path"]) as thumb:
        assert max(thumb.size) <= 320 and not thumb.getexif()


async def test_forwarded_location_is_refused_and_live_location_accepted(bot: Harness) -> None:
    deputy, site = await _asked_for_location(bot)
    await deputy.send_location(site.lat, site.lon, horizontal_accuracy=5, forwarded=True)
    assert "不能使用转发的位置" in ((await deputy.next_message()).text or "")
    assert "发送我的当前位置" in await reply_to(deputy, "我在这里")
    await deputy.send_location(site.lat, site.lon, horizontal_accuracy=5, live_period=900)
    await deputy.next_message()
    assert site.name in " ".join((await deputy.next_message()).buttons)
    await deputy.press(site.name)
    await deputy.settle()
    assert await bot.value("SELECT live FROM visits") == 1


async def test_far_away_deputy_chooses_from_list_and_is_marked_off_site(bot: Harness) -> None:
    deputy, site = await _asked_for_location(bot)
    listing = await _sites_offered(deputy, 29.0, 119.0, 10)  # far from every Hangzhou site
    assert "没有登记的点位" in (listing.text or "") and "非现场" in (listing.text or "")
    project_button = next(b for b in listing.buttons if b.startswith("C01 "))
    await deputy.press(project_button)
    sites = await deputy.next_message(edited=True)
    await deputy.press(next(b for b in sites.buttons if b.startswith(site.name)))
    recorded = await deputy.next_message(edited=True)
    assert "不在点位范围内" in (recorded.text or "")
    row = await database_of(bot.services).fetch_one(
        "SELECT on_site, reason, distance_m FROM visits"
    )
    assert row is not None and row["on_site"] == 0 and row["reason"] == "too_far"
    assert row["distance_m"] > 50_000


async def test_imprecise_location_cannot_prove_presence(bot: Harness) -> None:
    deputy, site = await _asked_for_location(bot)
    await _sites_offered(deputy, site.lat, site.lon, 1500)
    await deputy.press(site.name)
    recorded = await deputy.next_message(edited=True)
    assert "定位精度不足" in (recorded.text or "")
    assert await bot.value("SELECT reason FROM visits") == "low_accuracy"


async def test_double_tap_on_a_site_records_one_visit(bot: Harness) -> None:
    deputy, site = await _asked_for_location(bot)
    listing = await _sites_offered(deputy, site.lat, site.lon, 8)
    data = listing.button_data[next(b for b in listing.buttons if site.name in b)]
    await deputy.press_data(listing.message_id, data)
    await deputy.press_data(listing.message_id, data)
    await deputy.settle()
    assert await bot.value("SELECT COUNT(*) FROM visits") == 1


async def test_cancel_leaves_nothing_behind(bot: Harness) -> None:
    deputy = await bot.join("王芳")
    await _start_checkin(deputy)
    await deputy.send_text("取消")
    cancelled = await deputy.next_message()
    assert "已取消" in (cancelled.text or "") and cancelled.removes_keyboard
    assert "没有进行中的操作" in await reply_to(deputy, "/cancel")
    assert await bot.value("SELECT COUNT(*) FROM visits") == 0


async def test_impossible_coordinates_are_refused_and_the_step_stays_open(bot: Harness) -> None:
    deputy, site = await _asked_for_location(bot)
    for lat, lon in [(91.0, 120.15), (-90.5, 120.15), (30.25, 181.0), (30.25, -180.01)]:
        await deputy.send_location(lat, lon, horizontal_accuracy=10)
        refused = await deputy.next_message()
        assert "位置坐标无效" in (refused.text or ""), (lat, lon, refused.describe())
        assert not refused.buttons
    assert await bot.value("SELECT COUNT(*) FROM visits") == 0
    # Still waiting for a location: a real one goes on as usual.
    await _sites_offered(deputy, site.lat, site.lon, 10)
    await deputy.press(site.name)
    await deputy.settle()
    row = await database_of(bot.services).fetch_one("SELECT * FROM visits")
    assert row is not None and row["on_site"] == 1
    assert await bot.value("SELECT COUNT(*) FROM visits") == 1
