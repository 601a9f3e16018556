"""Building blocks of the bulletin and the group report in the house style of the letter
(bot/letter.py): A4 with GB/T 9704 margins, the title in 方正小标宋简体 2号, headings in 黑体 3号,
the body in 仿宋_GB2312 3号 on a fixed line, tables in 小4号; every Chinese font named as the East
Asian font too (w:eastAsia), or Word shows CJK text in its default font.

Blocking (python-docx): doors write the files in a worker thread.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table

from bot.letter import (
    BODY_FONT,
    BODY_PT,
    HEADING_FONT,
    LINE_PT,
    MARGINS_MM,
    TABLE_PT,
    TITLE_FONT,
    TITLE_PT,
    set_font,
)
from bot.listing import xml_safe
from bot.progress import Board, Derived, Light
from bot.texts import Texts

# The type area's width: 210 mm less the left and right margins.
TEXT_WIDTH_MM = 210 - MARGINS_MM["left"] - MARGINS_MM["right"]
LIGHT_FILL = {Light.GREEN: "C6EFCE", Light.YELLOW: "FFEB9C", Light.RED: "FFC7CE"}
PROGRESS_COLUMNS = ("code", "title", "unit", "percent", "status", "light")
PROGRESS_WIDTHS_MM = (18, 62, 36, 18, 20, 16)
COUNT_WIDTHS_MM = (100, 28, 28)
HEADING_NUMBERS = "一二三四五六七八九十"


def new_document(title: str) -> Any:
    """An empty A4 document with the letter's page and body style."""
    doc = Document()
    doc.core_properties.title = title
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    return doc


def _shade(cell: Any, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _cells(derived: Derived, texts: Texts) -> list[str]:
    if derived.status is None:
        return ["—", texts("progress.status.none"), "—"]
    light = texts(f"bulletin.light.{derived.light}") if derived.light else "—"
    return [f"{derived.percent}%", texts(f"progress.status.{derived.status}"), light]


class ReportDocument:
    """A report written top to bottom: new_document with the title (its property too) and the
    subtitle on top, then sections whose headings are numbered 一、二、… in the order they come."""

    def __init__(self, title: str, subtitle: str) -> None:
        self.doc = new_document(title)
        self._headings = 0
        head = self.doc.add_paragraph()
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        head.paragraph_format.line_spacing = Pt(36)
        set_font(head.add_run(xml_safe(title)), TITLE_FONT, TITLE_PT)
        if subtitle:
            line = self.doc.add_paragraph()
            line.alignment = WD_ALIGN_PARAGRAPH.CENTER
            set_font(line.add_run(xml_safe(subtitle)), BODY_FONT, BODY_PT)
        self.doc.add_paragraph()

    def heading(self, text: str) -> None:
        """The next first-level heading, 一、… in 黑体, indented like the body."""
        self._headings += 1
        number = self._headings
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
        paragraph.paragraph_format.keep_with_next = True
        prefix = HEADING_NUMBERS[number - 1] if number <= len(HEADING_NUMBERS) else str(number)
        set_font(paragraph.add_run(f"{prefix}、{xml_safe(text)}"), HEADING_FONT, BODY_PT)

    def text(self, text: str) -> None:
        """A body paragraph with the first line indented two characters."""
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
        set_font(paragraph.add_run(xml_safe(text)), BODY_FONT, BODY_PT)

    def picture(self, png: bytes) -> None:
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        paragraph.add_run().add_picture(io.BytesIO(png), width=Mm(TEXT_WIDTH_MM))

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[object]],
        widths_mm: Sequence[float],
        *,
        bold_rows: Sequence[int] = (),
        fills: dict[tuple[int, int], str] | None = None,
    ) -> Table:
        """A grid table, its header repeated on every page; `fills`: (row, column) -> RGB hex."""
        table: Table = self.doc.add_table(rows=1 + len(rows), cols=len(headers))
        table.style = self.doc.styles["Table Grid"]
        table.autofit = False
        table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        bold = set(bold_rows)
        for r, values in enumerate([list(headers), *rows]):
            for c, (cell, value) in enumerate(zip(table.rows[r].cells, values, strict=True)):
                cell.width = Mm(widths_mm[c])
                paragraph = cell.paragraphs[0]
                paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
                text = xml_safe(str(value))
                set_font(paragraph.add_run(text), BODY_FONT, TABLE_PT, bold=r == 0 or r - 1 in bold)
                if fills and (r - 1, c) in fills:
                    _shade(cell, fills[(r - 1, c)])
        self.doc.add_paragraph()
        return table

    def progress_table(self, board: Board, texts: Texts) -> Table | None:
        """Projects (bold) and their sub-items: completion, status and light (the cell shaded in
        its colour). None when the board is empty (a line says so instead)."""
        if not board.projects:
            self.text(texts("bulletin.no_projects"))
            return None
        rows: list[list[str]] = []
        bold: list[int] = []
        fills: dict[tuple[int, int], str] = {}
        light_column = PROGRESS_COLUMNS.index("light")
        for project in board.projects:
            bold.append(len(rows))
            if project.derived.light:
                fills[(len(rows), light_column)] = LIGHT_FILL[project.derived.light]
            rows.append([project.code, project.title, "", *_cells(project.derived, texts)])
            for sp in project.subitems:
                if sp.derived.light:
                    fills[(len(rows), light_column)] = LIGHT_FILL[sp.derived.light]
                sub = sp.subitem
                rows.append([sub.code, sub.title, sub.unit_name, *_cells(sp.derived, texts)])
        headers = [texts(f"bulletin.col.{c}") for c in PROGRESS_COLUMNS]
        return self.table(headers, rows, PROGRESS_WIDTHS_MM, bold_rows=bold, fills=fills)

    def count_table(
        self,
        counts: Iterable[tuple[str, int, int]],
        texts: Texts,
        total: tuple[int, int] | None = None,
    ) -> Table:
        """Problems and suggestions by project (a nameless one is the unassigned), then in bold the
        `total` when given (the tally's, which counts joint visits' items too)."""
        headers = [
            texts("bulletin.col.project"),
            texts("bulletin.col.problems"),
            texts("bulletin.col.suggestions"),
        ]
        rows: list[list[object]] = [
            [name or texts("tally.unassigned"), p, s] for name, p, s in counts
        ]
        if total is None:
            return self.table(headers, rows, COUNT_WIDTHS_MM)
        rows.append([texts("bulletin.total"), *total])
        return self.table(headers, rows, COUNT_WIDTHS_MM, bold_rows=[len(rows) - 1])

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()
