"""Site posters: staff print a QR code per site; a deputy who scans one checks in at that site."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

import pytest
import zxingcpp
from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Mm
from PIL import Image

from bot.__main__ import main
from bot.bootstrap import database_of
from bot.catalog_file import EXAMPLE_CATALOG, load_catalog
from bot.invitations import looks_like_token, new_token
from bot.people import Role
from bot.posters import place
from bot.records import SiteRecord
from localapi import BotMessage, SimUser
from tests.conftest import BOT_USERNAME, Harness, answer_to, reply_to

CATALOG = load_catalog(EXAMPLE_CATALOG)
# Every site of the example, in the posters' order: projects as listed, each one's sites by code.
SITES_IN_ORDER = [
    site
    for project in CATALOG.projects
    for site in sorted(
        (s for s in CATALOG.sites if s.project == project.code), key=lambda s: s.code
    )
]
NEED_INVITATION = "本机器人仅限受邀人员使用"
UNKNOWN_SITE = "这个二维码对应的点位不存在"
NOT_ALLOWED = "您的角色无权使用此功能"


def link_of(code: str, bot_username: str = BOT_USERNAME) -> str:
    return f"https://t.me/{bot_username}?start=site_{code}"


def the_document(events: list[BotMessage]) -> tuple[str | None, DocxDocument]:
    documents = [e for e in events if e.kind == "document"]
    assert len(documents) == 1, [e.describe() for e in events]
    return documents[0].file_names[0], Document(io.BytesIO(documents[0].files[0]))


def decoded_codes(doc: DocxDocument) -> list[str]:
    """What each picture of the document says when read by a QR decoder, in order."""
    said = []
    for shape in doc.inline_shapes:
        embed = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
        picture = Image.open(io.BytesIO(doc.part.related_parts[embed].blob))
        found = zxingcpp.read_barcodes(picture)
        assert len(found) == 1 and found[0].format == zxingcpp.BarcodeFormat.QRCode, found
        said.append(found[0].text)
    return said


def check_pages(doc: DocxDocument, codes: list[str], bot_username: str = BOT_USERNAME) -> None:
    """One A4 section per site, each with its QR code (read back) and its name, in order."""
    assert len(doc.sections) == len(codes)
    for section in doc.sections:
        sizes = (section.page_width, section.page_height, section.top_margin, section.left_margin)
        assert [round(size.mm) for size in sizes if size is not None] == [210, 297, 37, 28]
    assert decoded_codes(doc) == [link_of(code, bot_username) for code in codes]
    assert [round(shape.width / Mm(1)) for shape in doc.inline_shapes] == [100] * len(codes)
    texts = [p.text for p in doc.paragraphs]
    names = {s.code: s.name for s in CATALOG.sites}
    # Each page names its site (the title line), in the pages' order.
    assert [t for t in texts if t in {names[c] for c in codes}] == [names[c] for c in codes]
    assert texts.count("扫码签到：打开后请共享位置") == len(codes)
    assert texts.count(CATALOG.campaign.name) == len(codes)


async def until_document(user: SimUser) -> list[BotMessage]:
    """What the bot says up to the document it sends. Drawing the codes is quiet work in a
    thread: a quiet chat alone does not say the bot is done."""
    said = [await user.next_message(timeout=60)]
    while said[-1].kind != "document":
        said.append(await user.next_message(timeout=60))
    return said + await user.settle()


async def staff_member(bot: Harness) -> SimUser:
    return await bot.join("赵敏", Role.STAFF)


async def scan(user: SimUser, code: str) -> BotMessage:
    """The phone opened the poster's link: Telegram sends `/start site_<code>`."""
    await user.send_text(f"/start site_{code}")
    return await user.next_message()


async def site_by_code(bot: Harness, code: str) -> SiteRecord:
    site = await bot.services.catalog.site_by_code(bot.services.campaign.id, code)
    assert site is not None
    return site


# --- staff print them -----------------------------------------------------------------------------


async def test_staff_get_every_sites_poster_in_the_chat(bot: Harness) -> None:
    staff = await staff_member(bot)
    await staff.send_text("/posters")
    choose = await staff.next_message()
    assert "点位签到二维码" in (choose.text or "")
    assert choose.buttons[0] == f"全部点位（{len(SITES_IN_ORDER)} 个）", choose.buttons
    assert any(b.startswith("C01 ") and "个点位" in b for b in choose.buttons)
    await staff.press(choose.buttons[0])
    events = await until_document(staff)
    assert any(f"已生成 {len(SITES_IN_ORDER)} 个点位" in (e.text or "") for e in events)
    name, doc = the_document(events)
    assert name == "点位签到二维码.docx"
    check_pages(doc, [s.code for s in SITES_IN_ORDER])
    texts = [p.text for p in doc.paragraphs]
    first = SITES_IN_ORDER[0]
    assert f"项目：C01 {CATALOG.projects[0].title}" in texts
    subitem = next(s for s in CATALOG.subitems if s.code == first.subitem)
    assert f"子项：{subitem.code} {subitem.title}" in texts
    # The district is not said twice when the address begins with it.
    assert first.address.startswith(first.district)
    assert f"地址：{first.address}" in texts
    # The file made for sending is not kept on the server.
    assert not list(bot.settings.storage.files_dir.glob("posters-*")), "temporary file left"


async def test_one_projects_posters_by_code_and_a_code_that_names_nothing(bot: Harness) -> None:
    staff = await staff_member(bot)
    await staff.send_text("/posters c01")  # codes in any case
    name, doc = the_document(await until_document(staff))
    assert name == "点位签到二维码-C01.docx"
    check_pages(doc, [s.code for s in SITES_IN_ORDER if s.project == "C01"])
    await staff.send_text("/posters <X99>")
    said = await staff.next_message()
    assert "没有代码为 &lt;X99&gt; 的项目" in (said.text or "")
    assert not [e for e in await staff.settle() if e.kind == "document"]


async def test_posters_are_for_staff_only_and_forged_buttons_name_nothing(bot: Harness) -> None:
    deputy = await bot.join("王芳")
    await deputy.send_text("/posters")
    refused = await deputy.next_message()
    assert NOT_ALLOWED in (refused.text or "")
    # Staff's button, sent by a deputy's client: refused on the press as well.
    press = await deputy.press_data(refused.message_id, "pst:all")
    assert NOT_ALLOWED in await answer_to(deputy, press)
    assert not [e for e in await deputy.settle() if e.kind == "document"]
    staff = await staff_member(bot)
    await staff.send_text("/posters")
    choose = await staff.next_message()
    forged = await staff.press_data(choose.message_id, "pst:99999")
    assert "按钮已失效" in await answer_to(staff, forged)
    assert not [e for e in await staff.settle() if e.kind == "document"]


def test_cli_writes_the_posters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[storage]\ndata_dir = "data"\n\n[telegram]\nbot_username = "@x_bot"\n', encoding="utf-8"
    )
    assert main(["import", "--config", str(config), str(EXAMPLE_CATALOG)]) == 0
    out = tmp_path / "posters.docx"
    args = ["posters", "--config", str(config), "--out", str(out)]
    assert main([*args, "--project", "C02"]) == 0
    c02 = [s.code for s in SITES_IN_ORDER if s.project == "C02"]
    assert f"{len(c02)} sites, one page each" in capsys.readouterr().out
    check_pages(Document(str(out)), c02, "x_bot")
    assert main([*args, "--lang", "en"]) == 0
    english = [p.text for p in Document(str(out)).paragraphs]
    assert english.count("Scan to check in, then share your location") == len(SITES_IN_ORDER)
    assert main([*args, "--project", "nope"]) == 1
    assert "--project 'nope': no such project" in capsys.readouterr().err


# --- a deputy scans one ---------------------------------------------------------------------------


async def test_scanning_a_poster_checks_in_at_that_site_once_the_location_is_shared(
    bot: Harness,
) -> None:
    deputy = await bot.join("王芳")
    site = await bot.site_of_group("G01")
    ask = await scan(deputy, site.code)
    assert site.name in (ask.text or "") and "当前位置" in (ask.text or ""), ask.describe()
    assert place(site.district, site.address) in (ask.text or "")
    assert ask.location_buttons == ["📍 发送我的当前位置"]
    assert await bot.value("SELECT count(*) FROM visits") == 0  # not before the location
    assert "发送我的当前位置" in await reply_to(deputy, "我到了")
    await deputy.send_location(site.lat + 0.0002, site.lon, horizontal_accuracy=15)
    received = await deputy.next_message()
    assert received.removes_keyboard and "精度约 15 米" in (received.text or "")
    recorded = await deputy.next_message()
    text = recorded.text or ""
    assert "已签到" in text and site.name in text and "在现场" in text, recorded.describe()
    assert "完成" in (await deputy.next_message()).buttons
    await deputy.press("完成")
    assert any("签到完成" in (m.text or "") for m in await deputy.settle())
    row = await database_of(bot.services).fetch_one("SELECT * FROM visits")
    assert row is not None and row["site_id"] == site.id
    assert row["on_site"] == 1 and row["reason"] == "within_radius" and row["accuracy_m"] == 15


async def test_presence_is_judged_against_the_scanned_site_not_the_nearest(bot: Harness) -> None:
    # A deputy of another group may check in anywhere, as with /checkin: sites are public.
    deputy = await bot.join("李明", group="G02")
    scanned, elsewhere = SITES_IN_ORDER[0], SITES_IN_ORDER[-1]
    site = await site_by_code(bot, scanned.code)
    other = await site_by_code(bot, elsewhere.code)
    await scan(deputy, site.code)
    # Standing at another site: the visit is still the scanned site's, and not on site.
    await deputy.send_location(other.lat, other.lon, horizontal_accuracy=10)
    await deputy.next_message()
    recorded = await deputy.next_message()
    assert site.name in (recorded.text or "") and "不在点位范围内" in (recorded.text or "")
    await deputy.settle()
    row = await database_of(bot.services).fetch_one("SELECT site_id, on_site, reason FROM visits")
    assert row is not None and (row["site_id"], row["on_site"], row["reason"]) == (
        site.id,
        0,
        "too_far",
    )


async def test_an_unknown_or_malformed_site_is_refused_and_changes_nothing(bot: Harness) -> None:
    deputy = await bot.join("王芳")
    await deputy.send_text("/checkin")
    await deputy.next_message()
    before = bot.flow(deputy)
    assert before["kind"] == "checkin" and "site_id" not in before
    for payload in ("site_NO-SUCH-SITE", "site_", "site_a.b"):
        await deputy.send_text(f"/start {payload}")
        said = await deputy.next_message()
        assert UNKNOWN_SITE in (said.text or ""), said.describe()
    # The check-in the deputy had open is as it was, and nothing was recorded.
    assert bot.flow(deputy) == before
    assert await bot.value("SELECT count(*) FROM visits") == 0


async def test_strangers_and_staff_who_scan_are_told_politely(bot: Harness) -> None:
    site = SITES_IN_ORDER[0]
    stranger = bot.api.user(990_001, "路人")
    said = await scan(stranger, site.code)
    assert NEED_INVITATION in (said.text or "")
    assert await bot.value("SELECT count(*) FROM persons WHERE telegram_user_id = 990001") == 0
    staff = await staff_member(bot)
    assert NOT_ALLOWED in ((await scan(staff, site.code)).text or "")
    assert bot.flow(staff) == {}
    assert await bot.value("SELECT count(*) FROM visits") == 0


# --- invitations keep working ---------------------------------------------------------------------


async def test_an_invitation_link_still_joins_and_a_joined_deputy_scans(bot: Harness) -> None:
    # bot.join opens a fresh invitation link through /start; then the same phone scans a poster.
    deputy = await bot.join("王芳")
    assert (await bot.person(deputy)).role is Role.DEPUTY
    ask = await scan(deputy, SITES_IN_ORDER[0].code)
    assert ask.location_buttons, ask.describe()


def test_a_place_names_the_district_once() -> None:
    assert place("江干区", "江干区明石路") == "江干区明石路"
    assert place("江干区", "明石路 8 号") == "江干区 明石路 8 号"
    assert place("", "明石路") == "明石路" and place("江干区", "") == "江干区"


def test_tokens_never_read_as_a_site(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = iter(["site_" + "A" * 38, "x" * 43])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: next(drawn))
    assert new_token() == "x" * 43
    assert not looks_like_token("site_" + "A" * 38)
    assert looks_like_token("x" * 43)
