"""The list as a Word letter (python-docx): the GB/T 9704 layout and fonts, the problems and
suggestions in their tables, and the contact line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Length, Pt
from docx.text.run import Run

from bot.bootstrap import database_of
from bot.config import LetterSettings
from bot.services import Services
from tests.conftest import ROOT
from tests.export_helpers import FORMULA, export, sample


def mm(length: Length | None) -> float:
    """A length in millimetres, to a tenth; python-docx says None for one the file leaves out."""
    assert length is not None
    millimetres: float = length.mm  # python-docx leaves Length.mm unannotated
    return round(millimetres, 1)


def east_asian_font(run: Run) -> str | None:
    """The run's East Asian font (w:eastAsia), which python-docx's Font does not show."""
    properties = run._element.rPr
    assert properties is not None and properties.rFonts is not None
    font: str | None = properties.rFonts.get(qn("w:eastAsia"))  # an lxml attribute: untyped
    return font


# --- the letter -----------------------------------------------------------------------------------


async def test_letter_follows_gbt_9704_and_carries_the_list(
    services: Services, tmp_path: Path
) -> None:
    await sample(services)
    result = await export(services, "docx", tmp_path, letter_number=7)
    doc = Document(str(result.path))
    section = doc.sections[0]
    # Word keeps lengths in twentieths of a point: compare in tenths of a millimetre.
    assert [mm(length) for length in (section.page_width, section.page_height)] == [210, 297]
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [mm(m) for m in margins] == [37, 35, 28, 26]

    texts = [p.text for p in doc.paragraphs]
    year = services.clock.now().astimezone(services.settings.zone).year
    assert f"杭人办函〔{year}〕7号" in texts
    title = next(p for p in doc.paragraphs if p.text.startswith("关于转交"))
    assert title.text == "关于转交杭州市2020年民生实事项目专项监督问题与建议清单的函"
    assert title.alignment == 1  # centred
    run = title.runs[0]
    assert run.font.name == "方正小标宋简体" and run.font.size == Pt(22)
    assert east_asian_font(run) == "方正小标宋简体"

    assert "杭州市人民政府办公厅：" in texts
    body = next(p for p in doc.paragraphs if "共发现问题" in p.text)
    assert "共发现问题3个，提出意见建议2条" in body.text and "3个月内" in body.text
    body_run = body.runs[0]
    assert body_run.font.name == "仿宋_GB2312" and body_run.font.size == Pt(16)
    assert east_asian_font(body_run) == "仿宋_GB2312"
    assert body.paragraph_format.line_spacing is None or body.paragraph_format.line_spacing == Pt(
        28.95
    )
    assert doc.styles["Normal"].paragraph_format.line_spacing == Pt(28.95)
    assert "附件：问题与建议清单" in texts
    today = services.clock.now().astimezone(services.settings.zone).date()
    assert f"{today.year}年{today.month}月{today.day}日" in texts

    assert doc.sections[1].orientation == 1  # the list on a landscape page


async def test_letter_lists_problems_and_suggestions_apart_with_their_sub_items(
    services: Services, tmp_path: Path
) -> None:
    ids = await sample(services)
    result = await export(services, "docx", tmp_path)
    doc = Document(str(result.path))
    problems, suggestions = doc.tables
    # Each section's heading comes right before its table, in the body's order.
    body = [
        child.xpath("string(.)") if child.tag == qn("w:p") else "<table>"
        for child in doc.element.body
        if child.tag in (qn("w:p"), qn("w:tbl"))
    ]
    at = body.index("一、问题3个")
    assert body[at + 1] == "<table>" and body[at + 2] == "二、意见建议2条"
    assert body[at + 3] == "<table>"
    heading = next(p for p in doc.paragraphs if p.text == "一、问题3个")
    assert heading.runs[0].font.name == "黑体"

    header = ["编号", "项目", "子项", "点位", "内容", "牵头实施单位"]
    assert [c.text for c in problems.rows[0].cells] == header
    assert [c.text for c in suggestions.rows[0].cells] == header
    assert [r.cells[0].text for r in problems.rows[1:]] == ["2020-0001", "2020-0002", "2020-0003"]
    assert [r.cells[0].text for r in suggestions.rows[1:]] == ["2020-0004", "2020-0005"]
    assert problems.rows[2].cells[4].text == FORMULA
    expected = await database_of(services).fetch_all(
        "SELECT i.number, COALESCE(si.title, ''), COALESCE(s.name, '') FROM items i "
        "LEFT JOIN subitems si ON si.id = i.subitem_id LEFT JOIN sites s ON s.id = i.site_id "
        "WHERE i.id IN (?, ?, ?) ORDER BY i.number",
        (ids["photo"], ids["formula"], ids["plain"]),
    )
    assert [(r.cells[2].text, r.cells[3].text) for r in problems.rows[1:]] == [
        (r[1], r[2]) for r in expected
    ]
    assert any(r.cells[2].text for r in problems.rows[1:]), "the sample has sub-items"
    # Word keeps the widths: the table fills the landscape type area (297 - 2 x 27 mm).
    assert round(sum(c.width.mm for c in problems.rows[0].cells)) == 243


@pytest.mark.parametrize(
    "configured", ["张三，电话：0571-87000000", "联系人：张三，电话：0571-87000000"]
)
async def test_the_contact_line_says_contact_once(
    services: Services, tmp_path: Path, configured: str
) -> None:
    services.settings = services.settings.model_copy(
        update={"letter": LetterSettings(contact=configured)}
    )
    await sample(services)
    doc = Document(str((await export(services, "docx", tmp_path)).path))
    lines = [p.text for p in doc.paragraphs if "联系人" in p.text]
    assert lines == ["（联系人：张三，电话：0571-87000000）"]


def test_the_example_config_shows_a_contact_without_the_label() -> None:
    """What config.example.toml suggests is what the letter's own words expect."""
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    section = text[text.index("[letter]") :]
    comment = next(line for line in section.splitlines() if "contact" in line.lower())
    example = re.search(r'"([^"]+)"', comment)
    assert example is not None and not example.group(1).startswith("联系人"), comment
