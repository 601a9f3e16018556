"""Photos on a lead unit's progress report, end to end: the liaison's /progress takes an album
after 确认 (a redelivered photo is stored once) and says "saved" on 完成; /projects <sub-item>
counts them and opens them for whoever may read the report; the console's form takes them and
its sub-item page shows them through a route that asks the report's own reach. And migration
0013 keeps every photo stored before it.

Example catalog facts used: the health unit leads C01-3 (负压救护车 30 辆); project C01 is group
G01's; the unit "edu" leads none of C01.
"""

from __future__ import annotations

import copy
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import aiohttp
import pytest

from bot.people import Role
from bot.records import PhotoTarget
from localapi import BotMessage, SimUser
from storage.db import Database
from tests.conftest import Harness, answer_to, migrate_to, reply_to
from tests.images import make_jpeg, truncated_jpeg
from tests.steps import until
from tests.web_steps import Browser, Desk, desk

__all__ = ["desk"]

FORM_KEY = re.compile(r'name="_key" value="([^"]+)"')
THUMB = re.compile(r'src="(/projects/\d+/reports/(\d+)/photos/(\d+)/thumb)"')


def _photos_shown(events: list[BotMessage]) -> int:
    """How many photos the bot sent: an album is one event with its files."""
    return sum(len(m.files) for m in events if m.kind in ("media_group", "photo"))


async def _report_up_to_photos(liaison: SimUser) -> BotMessage:
    """/progress on C01-3: 12 vehicles, a note, 确认; the bot asks for photos."""
    await liaison.send_text("/progress")
    await liaison.next_message()
    await liaison.press("C01-3")
    await liaison.next_message(edited=True)
    await until(liaison, "请输入目前")
    await liaison.send_text("12")
    await until(liaison, "备注")
    await liaison.send_text("新增负压救护车12辆。")
    await until(liaison, "请核对进展报告")
    await liaison.press("✅ 确认提交")
    prompt = await until(liaison, "可以发送现场照片")
    assert prompt.buttons == ["完成"], prompt.describe()
    return prompt


async def test_a_liaison_reports_with_two_photos_stored_once(bot: Harness) -> None:
    liaison = await bot.join("钱联络", Role.LIAISON, group=None, unit="health")
    prompt = await _report_up_to_photos(liaison)
    report_id = await bot.value("SELECT id FROM progress_reports")
    sent = await liaison.send_album(
        [make_jpeg(800, 600, pattern_seed=61), make_jpeg(800, 600, pattern_seed=62)]
    )
    await liaison.settle()
    assert (
        await bot.value("SELECT COUNT(*) FROM photos WHERE progress_report_id = ?", report_id) == 2
    )
    # Telegram delivers the second photo again (the bot's confirmation was lost): not stored twice.
    bot.api.push_update({"message": copy.deepcopy(sent[1].data)}, chat_id=sent[1].chat_id)
    await liaison.settle()
    assert await bot.value("SELECT COUNT(*) FROM photos") == 2
    # A file that is no image is refused politely, and changes nothing.
    await liaison.send_document(truncated_jpeg(), file_name="broken.jpg")
    refusal = await liaison.next_message()
    assert "损坏或不完整" in (refusal.text or ""), refusal.describe()
    assert "点“完成”" in await reply_to(liaison, "好了")

    await liaison.press("完成")
    saved = await until(liaison, "进展已报告")
    assert "C01-3" in (saved.text or "") and "随报告保存照片 2 张" in (saved.text or "")
    assert await bot.value("SELECT COUNT(*) FROM photos") == 2
    assert await bot.value("SELECT COUNT(*) FROM progress_reports") == 1
    # A second 完成 on the same button: the flow is over.
    again = await liaison.press_data(prompt, prompt.button_data["完成"])
    assert "失效" in await answer_to(liaison, again)

    # Staff open the sub-item: the report with its two photos, and a button that sends them.
    staff = await bot.join("赵工作", Role.STAFF)
    await staff.send_text("/projects c01-3")
    detail = await staff.next_message()
    assert "钱联络" in (detail.text or "") and "📷 2 张" in (detail.text or ""), detail.describe()
    [photos_button] = detail.buttons
    assert "2 张" in photos_button
    await staff.press(photos_button)
    shown = await staff.settle()
    assert _photos_shown(shown) == 2, [m.describe() for m in shown]

    # The board says how to open a sub-item.
    assert "/projects C01-1" in await reply_to(staff, "/projects")

    # A deputy of another group sees neither the sub-item nor, with a forged button, its photos.
    stranger = await bot.join("孙外组", group="G02")
    await stranger.send_text("/projects C01-3")
    refused = await stranger.next_message()
    assert "未找到该子项" in (refused.text or ""), refused.describe()
    forged = await stranger.press_data(refused, f"ph:{report_id}")
    assert "未找到" in await answer_to(stranger, forged)
    assert _photos_shown(await stranger.settle()) == 0
    # G01's deputies may (C01 is their group's project).
    member = await bot.join("王芳")
    await member.send_text("/projects C01-3")
    await member.next_message()
    await member.press(photos_button)
    assert _photos_shown(await member.settle()) == 2


# --- the console --------------------------------------------------------------------------------


async def _fetch(browser: Browser, path: str) -> tuple[int, bytes, str]:
    async with browser.http.get(path) as response:
        return response.status, await response.read(), response.content_type


def _form(browser: Browser, key: str, target_id: int, *photos: bytes) -> aiohttp.FormData:
    form = aiohttp.FormData({"_csrf": browser.csrf, "_key": key, f"v{target_id}": "12"})
    form.add_field("note", "新增负压救护车12辆。")
    for n, data in enumerate(photos):
        form.add_field("photos", data, filename=f"IMG_{n}.jpg", content_type="image/jpeg")
    return form


async def test_the_console_takes_and_shows_a_reports_photos_within_its_reach(desk: Desk) -> None:
    bot = desk.bot
    liaison = await desk.signed_in("钱联络", Role.LIAISON, group=None, unit="health")
    staff = await desk.signed_in("赵工作", Role.STAFF, group=None)
    leader = await desk.signed_in("李组长", Role.LEADER, group="G01")
    other_leader = await desk.signed_in("周组长", Role.LEADER, group="G02")
    other_liaison = await desk.signed_in("吴联络", Role.LIAISON, group=None, unit="edu")
    c013 = await bot.value("SELECT id FROM subitems WHERE code = 'C01-3'")
    target_id = await bot.value("SELECT id FROM targets WHERE subitem_id = ?", c013)
    photos = (make_jpeg(900, 700, pattern_seed=71), make_jpeg(900, 700, pattern_seed=72))
    try:
        status, page = await liaison.get(f"/projects/{c013}")
        assert 'enctype="multipart/form-data"' in page and 'name="photos"' in page
        found = FORM_KEY.search(page)
        assert found is not None
        key = found.group(1)
        # A bad file: a polite page, neither the report nor the good photo stored.
        status, page = await liaison.post(
            f"/projects/{c013}/report", data=_form(liaison, key, target_id, photos[0], b"no")
        )
        assert status == 403 and "照片" in page
        assert await bot.value("SELECT COUNT(*) FROM progress_reports") == 0
        assert await bot.value("SELECT COUNT(*) FROM photos") == 0

        for _ in range(2):  # the same form sent twice: one report, two photos
            status, page = await liaison.post(
                f"/projects/{c013}/report", data=_form(liaison, key, target_id, *photos)
            )
            assert status == 200 and 'id="saved"' in page
        assert await bot.value("SELECT COUNT(*) FROM progress_reports") == 1
        report_id = await bot.value("SELECT id FROM progress_reports")
        assert (
            await bot.value("SELECT COUNT(*) FROM photos WHERE progress_report_id = ?", report_id)
            == 2
        )

        status, page = await staff.get(f"/projects/{c013}")
        thumbs = THUMB.findall(page)
        assert status == 200 and len(thumbs) == 2 and 'data-photos="2"' in page
        thumb, _report, photo_id = thumbs[0]
        stored = {
            p.id: p for p in await bot.services.photos.of(PhotoTarget(progress_report_id=report_id))
        }
        thumb_file = (bot.services.store.root / stored[int(photo_id)].thumb_path).read_bytes()
        for browser in (staff, leader, liaison):
            status, data, kind = await _fetch(browser, thumb)
            assert status == 200 and kind == "image/jpeg" and data == thumb_file
        display = thumb.replace("/thumb", "/display")
        display_file = (bot.services.store.root / stored[int(photo_id)].display_path).read_bytes()
        assert display_file != thumb_file
        assert (await _fetch(leader, display))[1] == display_file
        original = thumb.replace("/thumb", "/original")
        assert (await _fetch(staff, original))[0] == 200
        assert (await _fetch(leader, original))[0] == 404  # EXIF and location: staff only

        # Outside the report's reach, or an id edited in the address: a polite not-found page.
        for browser in (other_leader, other_liaison):
            status, page = await browser.get(thumb)
            assert status == 404 and "未找到" in page
        other_c = await bot.value("SELECT id FROM subitems WHERE code = 'C01-1'")
        edited = (
            thumb.replace(f"/projects/{c013}/", f"/projects/{other_c}/"),
            thumb.replace(f"/photos/{photo_id}/", "/photos/999999/"),
            thumb.replace(f"/reports/{report_id}/", "/reports/999999/"),
            thumb.replace("/thumb", "/exif"),
        )
        for path in edited:
            status, page = await staff.get(path)
            assert status == 404, path
    finally:
        for browser in (liaison, staff, leader, other_leader, other_liaison):
            await browser.close()


# --- migration 0013 -----------------------------------------------------------------------------


async def test_migration_0013_keeps_every_photo_and_allows_exactly_one_owner(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v12.sqlite3"
    with closing(sqlite3.connect(path)) as conn:
        migrate_to(conn, 12)
        conn.executescript(
            """
            INSERT INTO campaigns (id, code, name, year, timezone, imported_at)
                VALUES (1, 'c', 'c', 2020, 'Asia/Shanghai', 't');
            INSERT INTO persons (id, campaign_id, name, role, created_at)
                VALUES (1, 1, '王芳', 'deputy', 't');
            INSERT INTO visits (id, campaign_id, person_id, site_id, at, on_site, reason, source_key)
                VALUES (5, 1, 1, 1, 't', 1, 'inside', 'k');
            INSERT INTO photos (id, person_id, visit_id, sha256, format, width, height,
                size_bytes, original_path, display_path, thumb_path, phash, as_file,
                file_unique_id, received_at, signature)
                VALUES (7, 1, 5, 'ab', 'JPEG', 4, 3, 9, 'o', 'd', 't', -3, 1, 'u1', 'r', x'01');
            PRAGMA user_version = 12;
            """
        )
    db = Database(path)
    await db.open()
    try:
        assert await db.fetch_value("PRAGMA user_version") >= 13
        row = await db.fetch_one("SELECT * FROM photos WHERE id = 7")
        assert row is not None and row["visit_id"] == 5 and row["phash"] == -3
        assert row["progress_report_id"] is None and bytes(row["signature"]) == b"\x01"
        names = {r[0] for r in await db.fetch_all("SELECT name FROM sqlite_master")}
        assert {"photos_item_file", "photos_visit_file", "photos_progress_file"} <= names
        assert "photos_deleted" in names and "photos_new" not in names
        columns = "person_id, sha256, format, width, height, size_bytes, original_path, "
        columns += "display_path, thumb_path, phash, as_file, file_unique_id, received_at"
        values = "1, 'x', 'JPEG', 1, 1, 1, 'o', 'd', 't', 0, 1, 'u2', 'r'"
        async with db.transaction() as conn:
            # Two owners, or none: refused by the CHECK (before any foreign key is looked at).
            for owners in ("visit_id, progress_report_id", ""):
                given = f"{owners}, " if owners else ""
                params = "5, 1, " if owners else ""
                with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
                    await conn.execute(
                        f"INSERT INTO photos ({given}{columns}) VALUES ({params}{values})"
                    )
            # The deletion counter's trigger came back with the table.
            await conn.execute("DELETE FROM photos WHERE id = 7")
        assert await db.fetch_value("SELECT n FROM photo_deletions") == 1
    finally:
        await db.close()
