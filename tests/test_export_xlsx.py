"""The list as an Excel workbook, opened the way an office opens it (openpyxl): its sheets,
columns, thumbnails, lights and answers, and how it prints.

Items are made through the same repository calls the conversations use. Statuses beyond
"submitted", answers, ratings and look-backs are written straight into the database here (the
state machine that makes them is built elsewhere); each such shortcut says so where it is taken.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl

from bot.bootstrap import database_of
from bot.clock import to_db
from bot.records import PhotoTarget
from bot.services import Services
from tests.export_helpers import FORMULA, export, item, person, sample, sheet_rows, sql
from tests.images import make_jpeg

# --- Excel ----------------------------------------------------------------------------------------


async def test_workbook_has_both_sheets_numbered_filtered_frozen_with_thumbnails(
    services: Services, tmp_path: Path
) -> None:
    ids = await sample(services)
    result = await export(services, "xlsx", tmp_path)
    assert (result.rows, result.problems, result.suggestions) == (5, 3, 2)
    assert result.path.read_bytes()[:2] == b"PK" and result.bytes == result.path.stat().st_size
    assert sorted(os.listdir(tmp_path)) == ["data", "list.xlsx"], "the temporary file was renamed"

    wb = openpyxl.load_workbook(result.path)
    assert wb.sheetnames == ["问题", "意见建议", "各单位办理情况"]
    problems, suggestions = wb["问题"], wb["意见建议"]
    rows = sheet_rows(problems)
    header = rows[0]
    assert header[:4] == ["序号", "编号", "项目", "子项"]
    for title in (
        "点位",
        "区县",
        "牵头实施单位",
        "问题类别",
        "严重程度",
        "内容",
        "现场照片",
        "提出代表",
        "监督小组",
        "提出日期",
        "办理状态",
        "答复期限",
        "亮灯",
        "答复类别",
        "答复内容",
        "满意度",
        "回头看",
    ):
        assert title in header, title
    col = {name: i for i, name in enumerate(header)}
    assert problems.freeze_panes == "A2" and suggestions.freeze_panes == "A2"
    assert problems.auto_filter.ref == f"A1:{problems.cell(1, len(header)).column_letter}4"
    assert suggestions.auto_filter.ref and suggestions.auto_filter.ref.startswith("A1:")
    assert [r[col["序号"]] for r in rows[1:]] == [1, 2, 3]
    assert [r[col["编号"]] for r in rows[1:]] == ["2020-0001", "2020-0002", "2020-0003"]
    first = rows[1]
    assert first[col["严重程度"]] == "较重" and first[col["办理状态"]] == "已提交"
    assert first[col["提出代表"]] == "王芳" and first[col["人数"]] == 1
    assert first[col["监督小组"]] and first[col["项目"]] and first[col["点位"]]
    assert first[col["牵头实施单位"]], "the sub-item's lead unit"
    assert isinstance(first[col["提出日期"]], datetime)
    assert (
        problems.column_dimensions["A"].width
        < problems.column_dimensions[problems.cell(1, col["内容"] + 1).column_letter].width
    )

    # A description that starts like a formula is text with a leading quote, never a formula.
    formula_cell = problems.cell(3, col["内容"] + 1)
    assert formula_cell.value == "'" + FORMULA and formula_cell.data_type != "f"
    assert all(c.data_type != "f" for r in problems.iter_rows() for c in r)
    plus = suggestions.cell(3, sheet_rows(suggestions)[0].index("内容") + 1)
    assert plus.value == "'+86 热线电话应公示。"

    # One thumbnail: the item with photos, in its row and the photo column, moving with the cell.
    images = problems._images
    assert len(images) == 1
    anchor = images[0].anchor
    assert (anchor._from.row, anchor._from.col) == (1, col["现场照片"])
    assert problems.row_dimensions[2].height and problems.row_dimensions[2].height >= 50
    assert suggestions._images == []

    suggestion_rows = sheet_rows(suggestions)
    assert "问题类别" not in suggestion_rows[0] and "严重程度" not in suggestion_rows[0]
    assert [r[1] for r in suggestion_rows[1:]] == ["2020-0004", "2020-0005"]
    everything = " ".join(str(v) for r in rows + suggestion_rows for v in r if v)
    assert "已撤回的问题" not in everything and "未采纳的问题" not in everything
    assert ids


async def test_light_answer_rating_and_look_back_columns(
    services: Services, tmp_path: Path
) -> None:
    ids = await sample(services)
    now = services.clock.now()
    # Shortcuts: forwarded items with their due dates, an answer, a rating, a look-back.
    await sql(
        services,
        "UPDATE items SET status = 'forwarded', due_at = ? WHERE id = ?",
        to_db(now - timedelta(days=2)),
        ids["photo"],
    )
    await sql(
        services,
        "UPDATE items SET status = 'in_progress', due_at = ? WHERE id = ?",
        to_db(now + timedelta(days=3)),
        ids["formula"],
    )
    await sql(
        services,
        "UPDATE items SET status = 'closed', round = 2, rating = 'satisfied', "
        "lookback_result = 'held', response_class = 'A' WHERE id = ?",
        ids["plain"],
    )
    author = await database_of(services).fetch_value(
        "SELECT author_id FROM items WHERE id = ?", (ids["plain"],)
    )
    for round_, cls, text in ((1, "B", "列入明年计划"), (2, "A", "已清理通道并设置隔离栏")):
        await sql(
            services,
            "INSERT INTO responses (item_id, round, person_id, class, text, at) VALUES (?, ?, ?, ?, ?, ?)",
            ids["plain"],
            round_,
            author,
            cls,
            text,
            to_db(now),
        )
    result = await export(services, "xlsx", tmp_path)
    ws = openpyxl.load_workbook(result.path)["问题"]
    rows = sheet_rows(ws)
    col = {name: i for i, name in enumerate(rows[0])}
    by_number = {r[col["编号"]]: r for r in rows[1:]}
    red, yellow, closed = by_number["2020-0001"], by_number["2020-0002"], by_number["2020-0003"]
    assert red[col["亮灯"]] == "红" and red[col["办理状态"]] == "已交办"
    assert yellow[col["亮灯"]] == "黄"
    assert closed[col["亮灯"]] is None
    assert (
        closed[col["答复类别"]] == "A 已解决"
        and closed[col["答复内容"]] == "已清理通道并设置隔离栏"
    )
    assert closed[col["满意度"]] == "满意" and closed[col["回头看"]] == "整改到位"
    assert isinstance(red[col["答复期限"]], datetime)
    red_cell = ws.cell(2, col["亮灯"] + 1)
    assert red_cell.fill.fgColor.rgb.endswith("FFC7CE")

    (tmp_path / "en").mkdir()
    english = await export(services, "xlsx", tmp_path / "en", language="en")
    wb = openpyxl.load_workbook(english.path)
    assert wb.sheetnames == ["Problems", "Suggestions", "Units"]
    en_rows = sheet_rows(wb["Problems"])
    assert en_rows[0][:3] == ["No.", "Number", "Project"]
    assert "red" in en_rows[1] and "A solved" in en_rows[3]


async def test_a_photo_added_on_request_is_the_thumbnail_when_the_item_has_no_other(
    services: Services, tmp_path: Path
) -> None:
    """请补充: photos a deputy adds when the leader asks for more (purpose more_info)."""
    wang = await person(services, "王芳")
    only_more = await item(services, wang, "补充照片才有图的问题。")
    both = await item(services, wang, "既有现场照片又有补充照片的问题。")
    answer_only = await item(services, wang, "只有单位答复照片的问题。")

    async def attach(item_id: int, purpose: str, seed: int) -> str:
        key = f"{purpose}-{item_id}-{seed}"
        await services.evidence.ingest(
            make_jpeg(640, 480, pattern_seed=seed),
            person_id=wang.id,
            target=PhotoTarget(item_id=item_id, purpose=purpose),
            site=None,
            reference_time=services.clock.now(),
            as_file=True,
            file_unique_id=key,
            now=services.clock.now(),
        )
        thumb = await database_of(services).fetch_value(
            "SELECT thumb_path FROM photos WHERE file_unique_id = ?", (key,)
        )
        return str(thumb)

    more_thumb = await attach(only_more, "more_info", 1)
    await attach(both, "more_info", 2)  # added first, but the evidence is what the item shows
    evidence_thumb = await attach(both, "evidence", 3)
    await attach(answer_only, "response", 4)  # the unit's photo does not stand for the problem

    result = await export(services, "xlsx", tmp_path)
    ws = openpyxl.load_workbook(result.path)["问题"]
    photo_col = sheet_rows(ws)[0].index("现场照片")
    images = {image.anchor._from.row: image for image in ws._images}
    assert sorted(images) == [1, 2] and all(
        i.anchor._from.col == photo_col for i in images.values()
    )
    root = services.store.root
    assert images[1]._data() == (root / more_thumb).read_bytes()
    assert images[2]._data() == (root / evidence_thumb).read_bytes()


async def test_workbook_prints_on_a4_landscape_one_page_wide_with_titles(
    services: Services, tmp_path: Path
) -> None:
    await sample(services)
    campaign = services.campaign.name
    for language, title, footer in (
        ("zh", f"{campaign}问题与建议清单（{{}}）", "第 &P 页 共 &N 页"),
        ("en", f"Problem-and-suggestion list of {campaign} ({{}})", "Page &P of &N"),
    ):
        (tmp_path / language).mkdir()
        result = await export(services, "xlsx", tmp_path / language, language=language)
        wb = openpyxl.load_workbook(result.path)
        for ws in wb:
            setup = ws.page_setup
            assert setup.orientation == "landscape", ws.title
            assert int(setup.paperSize) == int(ws.PAPERSIZE_A4) == 9
            assert ws.sheet_properties.pageSetUpPr.fitToPage
            # One page wide (absent: 1, the OOXML default), as many pages tall as needed (0).
            assert (int(setup.fitToWidth or 1), int(setup.fitToHeight)) == (1, 0)
            assert ws.print_title_rows == "$1:$1"  # the header row on every page
            assert ws.oddHeader.center.text == title.format(ws.title)
            assert ws.oddFooter.center.text == footer
