"""/export in the chat: staff pick a format and a period, watch the progress, get the file.

A deputy checks in, sends a photo with a problem; staff export the list and open what they got
the way their office would (openpyxl, csv, python-docx).
"""

from __future__ import annotations

import csv
import io
import os
import re
import threading
import time
import zipfile

import openpyxl
import pytest
from docx import Document

import handlers.export
from bot import exports
from bot.listing import FORMATS, PERIODS, ListRow
from bot.people import Role
from bot.texts import LANGUAGES, Texts
from localapi import BotMessage, SimUser
from tests.conftest import Harness, reply_to
from tests.steps import DESCRIPTION, reported_with_photo, submitted_suggestions

# A worker thread's pause: time.sleep fails with EINVAL under faketime (clock_nanosleep), and the
# suite must pass whatever the clock says.
_PAUSE = threading.Event()


def files_left(bot: Harness) -> list[str]:
    folder = bot.settings.storage.files_dir
    return sorted(os.listdir(folder)) if folder.exists() else []


async def suggested_and_staff(bot: Harness, count: int) -> tuple[SimUser, SimUser]:
    """王芳 with `count` suggestions, and 赵工作 of the staff to export them."""
    deputy = await bot.join("王芳")
    await submitted_suggestions(bot, deputy, count)
    return deputy, await bot.join("赵工作", Role.STAFF, group=None)


async def choose_format(staff: SimUser, fmt_label: str) -> BotMessage:
    """/export and a format; returns the question for the period."""
    await staff.send_text("/export")
    formats = await staff.next_message()
    assert formats.buttons[:4] == ["Excel 表格", "CSV 表格", "公函 Word", "照片包 ZIP"]
    await staff.press(fmt_label)
    return await staff.next_message(edited=True)


async def export_via_chat(staff: SimUser, fmt_label: str, period_label: str) -> list[BotMessage]:
    periods = await choose_format(staff, fmt_label)
    assert periods.buttons[:4] == ["全部", "本月", "上月", "本周"]
    assert "2020-05-01 2020-06-30" in (periods.text or "")
    await staff.press(period_label)
    return await staff.settle(quiet=0.3, timeout=20)


def document_of(events: list[BotMessage]) -> BotMessage:
    documents = [e for e in events if e.kind == "document"]
    assert len(documents) == 1, [e.describe() for e in events]
    return documents[0]


async def test_staff_export_the_list_as_excel_and_open_it(bot: Harness) -> None:
    await reported_with_photo(bot)
    staff = await bot.join("赵工作", Role.STAFF, group=None)
    events = await export_via_chat(staff, "Excel", "全部")

    sent = document_of(events)
    assert (
        sent.file_names[0]
        == f"问题与建议清单-{bot.now().astimezone(bot.settings.zone).date()}.xlsx"
    )
    wb = openpyxl.load_workbook(io.BytesIO(sent.files[0]))
    assert wb.sheetnames == ["问题", "意见建议", "各单位办理情况"]
    ws = wb["问题"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    col = {name: i for i, name in enumerate(rows[0])}
    assert len(rows) == 2
    assert rows[1][col["编号"]] == "2020-0001" and rows[1][col["内容"]] == DESCRIPTION
    assert rows[1][col["问题类别"]] == "进度滞后" and rows[1][col["提出代表"]] == "王芳"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    assert len(ws._images) == 1

    status = [e for e in events if e.text and "已导出" in e.text]
    assert status and "共 1 条，其中问题 1 个、意见建议 0 条" in (status[-1].text or "")
    assert files_left(bot) == [], "the file is not kept after sending"


async def test_the_letter_and_the_photos_through_the_chat(bot: Harness) -> None:
    await reported_with_photo(bot)
    staff = await bot.join("赵工作", Role.STAFF, group=None)

    letter = document_of(await export_via_chat(staff, "公函 Word", "本月"))
    assert letter.file_names[0] and letter.file_names[0].endswith(".docx")
    doc = Document(io.BytesIO(letter.files[0]))
    assert any("共发现问题1个，提出意见建议0条" in p.text for p in doc.paragraphs)
    assert len(doc.tables[0].rows) == 2

    archive = document_of(await export_via_chat(staff, "照片包", "全部"))
    with zipfile.ZipFile(io.BytesIO(archive.files[0])) as zf:
        assert sorted(zf.namelist()) == ["2020-0001_1.jpg", "manifest.csv"]
        manifest = list(csv.DictReader(io.StringIO(zf.read("manifest.csv").decode("utf-8-sig"))))
        assert manifest[0]["item"] == "2020-0001" and manifest[0]["check"] == "ok"


async def test_the_photo_archive_counts_the_items_that_have_photos(bot: Harness) -> None:
    deputy = await reported_with_photo(bot)
    await submitted_suggestions(bot, deputy, 2)  # listed, but without photos
    staff = await bot.join("赵工作", Role.STAFF, group=None)

    events = await export_via_chat(staff, "照片包", "全部")
    with zipfile.ZipFile(io.BytesIO(document_of(events).files[0])) as zf:
        assert sorted(zf.namelist()) == ["2020-0001_1.jpg", "manifest.csv"]
    status = [e.text for e in events if e.text and "已打包照片" in e.text]
    assert (
        status[-1]
        == "✅ 已打包照片（全部）：1 张，来自 1 条有照片的问题和建议（所选范围共 3 条）。"
    )


async def test_typed_period_bad_dates_and_an_empty_period(bot: Harness) -> None:
    _deputy, staff = await suggested_and_staff(bot, 2)
    await choose_format(staff, "CSV")
    assert "没有看懂这个日期范围" in await reply_to(staff, "下个月")
    assert "开始日期晚于结束日期" in await reply_to(staff, "2020-06-30 2020-05-01")
    await staff.send_text("2019-01-01 2019-12-31")
    events = await staff.settle(quiet=0.3, timeout=20)
    assert any("没有可导出的问题和建议" in (e.text or "") for e in events), [
        e.describe() for e in events
    ]
    assert not [e for e in events if e.kind == "document"]

    today = bot.now().astimezone(bot.settings.zone).date()
    await choose_format(staff, "CSV")
    await staff.send_text(f"{today.replace(day=1)} {today}")
    sent = document_of(await staff.settle(quiet=0.3, timeout=20))
    assert sent.files[0].startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(sent.files[0].decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["2020-0001", "2020-0002"]
    # The period question lost its buttons once a range was typed.
    assert all("全部" not in m.buttons for m in staff.messages)


async def test_a_large_export_shows_progress_and_others_are_not_kept_waiting(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    deputy, staff = await suggested_and_staff(bot, 7)
    # Two rows a batch, and a slow disk: a small list behaves like a large one.
    monkeypatch.setattr(handlers.export, "BATCH_ROWS", 2)
    monkeypatch.setattr(handlers.export, "PROGRESS_SECONDS", 0.0)
    slow_add = exports.CsvListWriter.add

    def add(self: exports.CsvListWriter, rows: list[ListRow]) -> None:
        _PAUSE.wait(0.2)
        slow_add(self, rows)

    monkeypatch.setattr(exports.CsvListWriter, "add", add)

    await choose_format(staff, "CSV")
    await staff.press("全部")
    # While the list is being written, a deputy's command is answered at once.
    started = time.perf_counter()
    assert "可用命令" in await reply_to(deputy, "/help")
    assert time.perf_counter() - started < 0.8
    assert not [m for m in staff.messages if m.kind == "document"], "the export was still running"

    events = await staff.settle(quiet=0.5, timeout=20)
    progress = [
        e.text for e in events if e.edited and e.text and re.search(r"正在导出… \d/7", e.text)
    ]
    assert progress, [e.describe() for e in events]
    assert any("共 7 条" in (e.text or "") for e in events)
    document_of(events)


async def test_a_file_over_telegrams_limit_points_to_the_command_line(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _deputy, staff = await suggested_and_staff(bot, 1)
    monkeypatch.setattr(handlers.export, "TELEGRAM_DOCUMENT_LIMIT", 100)
    events = await export_via_chat(staff, "Excel", "全部")
    assert not [e for e in events if e.kind == "document"]
    said = " ".join(e.text or "" for e in events)
    assert "超过 Telegram 机器人可发送的 50 MB 上限" in said
    assert "deputy-bot export --config config.toml --format xlsx" in said
    assert files_left(bot) == []


async def test_a_deputy_cannot_export_and_nothing_is_written(bot: Harness) -> None:
    deputy = await bot.join("王芳")
    await submitted_suggestions(bot, deputy, 1)
    await deputy.send_text("/export")
    answer = await deputy.next_message()
    assert "无权使用此功能" in (answer.text or "")
    assert not answer.buttons
    # A forged button of the export conversation changes nothing either.
    await deputy.press_data(answer.message_id, "ex:abcdef:fmt:xlsx")
    await deputy.settle()
    assert not [m for m in deputy.messages if m.kind == "document"]
    assert files_left(bot) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_format_and_period_has_its_button(language: str) -> None:
    # The labels are spelled out key by key (tests/test_texts.py reads literal keys): a format or
    # period added to bot/listing.py without its label would fail on the first press, not here.
    texts = Texts(language)
    formats = handlers.export._format_labels(texts)
    periods = handlers.export._period_labels(texts)
    assert list(formats) == list(FORMATS)
    assert list(periods) == list(PERIODS)
    for labels in (formats, periods):
        assert all(labels.values()) and len(set(labels.values())) == len(labels), labels
