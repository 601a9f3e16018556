"""The formal letter (函) that carries the list to the government, in the GB/T 9704 layout.

A4 with the standard's margins; the title in 方正小标宋简体 2号 (22 pt), the body in 仿宋_GB2312
3号 (16 pt) on a fixed 28.95 pt line; 发文字号, 主送机关, body, 附件 line, 署名 and date; the list
itself follows on a landscape page as the attachment, in two sections (一、问题 N 个; 二、意见建议
M 条), each a table with the item's number, project, sub-item, site, content and lead unit.
Chinese font names must be set as East Asian fonts (w:eastAsia), or Word shows the CJK text in
its default font.

Runs in a worker thread (see bot/exports.py). Rows stream into their section's table (through a
temporary file per section, see `_splice`); the counts in the body and the section headings are
filled in at the end from the rows actually listed, so the letter and its tables agree.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from bot.items import Kind
from bot.listing import ListLabels, ListRow, xml_safe

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_PT = 22  # 2号
BODY_PT = 16  # 3号
TABLE_PT = 12  # 小4号
LINE_PT = 28.95  # 22 lines of 28 characters on the A4 type area
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
RED = RGBColor(0xFF, 0x00, 0x00)
TABLE_STYLE = "清单表格"
# The attachment is a landscape page (top/bottom, left/right margins) with 243 mm wide tables.
ANNEX_MARGIN_MM = (25, 27)
TABLE_COLUMNS = ("number", "project", "subitem", "site", "content", "unit")
TABLE_WIDTHS_MM = (22, 34, 38, 34, 80, 35)
# The attachment's sections, in order, with the catalog text of each heading.
SECTIONS = (
    (Kind.PROBLEM, "export.letter.section_problems"),
    (Kind.SUGGESTION, "export.letter.section_suggestions"),
)

_DOCUMENT = "word/document.xml"
_PLACEHOLDER = "DEPUTY-BOT-LIST-ROWS-7f3c-"
_TAB = '</w:t><w:tab/><w:t xml:space="preserve">'
_BREAK = '</w:t><w:br/><w:t xml:space="preserve">'
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class LetterFacts:
    issuer: str  # 发文机关 (the letterhead)
    recipient: str  # 主送机关
    signature: str  # 发文机关署名
    contact: str
    number: str  # 发文字号, e.g. 杭人办函〔2020〕1号
    campaign: str
    answer_months: int
    issued_on: date


# What people write before the name when asked for a contact; the letter's text says it already.
_CONTACT_LABEL = re.compile(r"^\s*(?:联系人|contact)\s*[：:]?\s*", re.IGNORECASE)


def contact_person(configured: str) -> str:
    """`[letter] contact` without a leading 联系人： (the catalog's contact line supplies it)."""
    return _CONTACT_LABEL.sub("", configured, count=1).strip()


def set_font(run: Run, name: str, size: float, *, bold: bool = False) -> None:
    """Name the font for Latin and East Asian text alike, at `size` points."""
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _style_font(style: Any, name: str, size: float) -> None:
    style.font.name = name
    style.font.size = Pt(size)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _exact(paragraph: Paragraph, points: float) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(points)


def _bottom_rule(paragraph: Paragraph) -> None:
    """The red rule under the letterhead."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (
        ("w:val", "thickThinSmallGap"),
        ("w:sz", "24"),
        ("w:space", "1"),
        ("w:color", "FF0000"),
    ):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


class LetterWriter:
    """Rows in, a .docx out: the letter, then the list as its attachment."""

    def __init__(self, path: Path, labels: ListLabels, facts: LetterFacts, *, title: str) -> None:
        self.path = path
        self.labels = labels
        self.facts = facts
        self.counts = dict.fromkeys(Kind, 0)
        texts = labels.texts
        doc = Document()
        self.doc = doc
        doc.core_properties.title = title
        section = doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin = Mm(MARGINS_MM["top"])
        section.bottom_margin = Mm(MARGINS_MM["bottom"])
        section.left_margin = Mm(MARGINS_MM["left"])
        section.right_margin = Mm(MARGINS_MM["right"])

        normal = doc.styles["Normal"]
        _style_font(normal, BODY_FONT, BODY_PT)
        normal_format = normal.paragraph_format
        normal_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        normal_format.line_spacing = Pt(LINE_PT)
        normal_format.space_before = Pt(0)
        normal_format.space_after = Pt(0)
        table_style = doc.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        table_style.base_style = normal
        _style_font(table_style, BODY_FONT, TABLE_PT)
        table_format = table_style.paragraph_format
        table_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        self.table_style_id = table_style.style_id

        head = doc.add_paragraph()
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _exact(head, 40)
        mark = head.add_run(facts.issuer)
        set_font(mark, TITLE_FONT, 26)
        mark.font.color.rgb = RED
        _bottom_rule(head)

        number = doc.add_paragraph()
        number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        set_font(number.add_run(facts.number), BODY_FONT, BODY_PT)
        doc.add_paragraph()

        self._title(texts("export.letter.title", campaign=facts.campaign))
        doc.add_paragraph()

        recipient = doc.add_paragraph()
        set_font(
            recipient.add_run(texts("export.letter.recipient", recipient=facts.recipient)),
            BODY_FONT,
            BODY_PT,
        )
        # The sentence with the counts is written when the rows are known (see close()).
        self.body = self._indented()
        self._indented_line(texts("export.letter.closing"))
        doc.add_paragraph()
        self._indented_line(texts("export.letter.attachment"))
        doc.add_paragraph()
        doc.add_paragraph()
        for text in (
            facts.signature,
            texts(
                "export.letter.date",
                year=facts.issued_on.year,
                month=facts.issued_on.month,
                day=facts.issued_on.day,
            ),
        ):
            line = doc.add_paragraph()
            line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            line.paragraph_format.right_indent = Pt(BODY_PT * 4)
            set_font(line.add_run(text), BODY_FONT, BODY_PT)
        contact = contact_person(facts.contact)
        if contact:
            self._indented_line(texts("export.letter.contact", contact=contact))

        annex = doc.add_section(WD_SECTION.NEW_PAGE)
        annex.orientation = WD_ORIENT.LANDSCAPE
        annex.page_width, annex.page_height = Mm(297), Mm(210)
        annex.top_margin = annex.bottom_margin = Mm(ANNEX_MARGIN_MM[0])
        annex.left_margin = annex.right_margin = Mm(ANNEX_MARGIN_MM[1])
        label = doc.add_paragraph()
        set_font(label.add_run(texts("export.letter.annex_label")), HEADING_FONT, BODY_PT)
        self._title(texts("export.letter.annex_title", campaign=facts.campaign))

        self._twips = [round(mm * 1440 / 25.4) for mm in TABLE_WIDTHS_MM]
        # A 10,000-row table built with python-docx would hold every cell as an lxml element
        # (about 20 kB a row). Rows are written as XML to a temporary file per section instead
        # and take the place of the section's placeholder row when the file is saved.
        self.headings: dict[Kind, Paragraph] = {}
        self._rows: dict[Kind, IO[str]] = {}
        for kind, _ in SECTIONS:
            heading = doc.add_paragraph()
            heading.paragraph_format.keep_with_next = True
            self.headings[kind] = heading
            self._table(kind)
            self._rows[kind] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115

    def _table(self, kind: Kind) -> Table:
        doc = self.doc
        columns = self.labels.columns
        table: Table = doc.add_table(rows=1, cols=len(TABLE_COLUMNS))
        table.style = doc.styles["Table Grid"]
        table.autofit = False
        for column, width in zip(table.columns, TABLE_WIDTHS_MM, strict=True):
            column.width = Mm(width)
        header_row = table.rows[0]
        # Repeat the header on every page of a long list.
        header_row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for cell, key, width in zip(header_row.cells, TABLE_COLUMNS, TABLE_WIDTHS_MM, strict=True):
            cell.width = Mm(width)
            paragraph = cell.paragraphs[0]
            paragraph.style = doc.styles[TABLE_STYLE]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(columns[key].header)
            run.font.bold = True
        # python-docx leaves add_row unannotated.
        placeholder = table.add_row()  # type: ignore[no-untyped-call]
        placeholder.cells[0].paragraphs[0].add_run(f"{_PLACEHOLDER}{kind}")
        return table

    def _indented(self) -> Paragraph:
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
        return paragraph

    def _indented_line(self, text: str) -> None:
        set_font(self._indented().add_run(text), BODY_FONT, BODY_PT)

    def _title(self, text: str) -> None:
        """The letter's title and the annex's: centred, in the title font, on a 36-point line."""
        title = self.doc.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _exact(title, 36)
        set_font(title.add_run(text), TITLE_FONT, TITLE_PT)

    def _row_xml(self, row: ListRow) -> str:
        cells = []
        values = (row.number, row.project, row.subitem, row.site, row.description, row.unit)
        for text, twips in zip(values, self._twips, strict=True):
            runs = ""
            if text:
                # Line breaks and tabs are elements in WordprocessingML, not characters.
                body = escape(xml_safe(text)).replace("\t", _TAB).replace("\n", _BREAK)
                runs = f'<w:r><w:t xml:space="preserve">{body}</w:t></w:r>'
            cells.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{twips}" w:type="dxa"/></w:tcPr>'
                f'<w:p><w:pPr><w:pStyle w:val="{self.table_style_id}"/></w:pPr>{runs}</w:p></w:tc>'
            )
        return f"<w:tr>{''.join(cells)}</w:tr>"

    def add(self, rows: list[ListRow]) -> None:
        counts = self.counts
        files = self._rows
        for row in rows:
            files[row.kind].write(self._row_xml(row))
            counts[row.kind] += 1

    def close(self) -> None:
        facts = self.facts
        texts = self.labels.texts
        run = self.body.add_run(
            texts(
                "export.letter.body",
                campaign=facts.campaign,
                problems=self.counts[Kind.PROBLEM],
                suggestions=self.counts[Kind.SUGGESTION],
                months=facts.answer_months,
            )
        )
        set_font(run, BODY_FONT, BODY_PT)
        for kind, key in SECTIONS:
            heading = self.headings[kind].add_run(texts(key, count=self.counts[kind]))
            set_font(heading, HEADING_FONT, BODY_PT)
        try:
            letter = io.BytesIO()
            self.doc.save(letter)
            for rows in self._rows.values():
                rows.flush()
            self._splice(letter)
        finally:
            self.abort()

    def abort(self) -> None:
        for rows in self._rows.values():
            rows.close()

    def _splice(self, letter: io.BytesIO) -> None:
        """Copy the letter into the file, the streamed rows in place of the placeholder row."""
        with (
            zipfile.ZipFile(letter) as source,
            zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED) as target,
        ):
            for info in source.infolist():
                if info.filename != _DOCUMENT:
                    target.writestr(info, source.read(info))
                    continue
                document = source.read(info).decode("utf-8")
                with target.open(_DOCUMENT, "w") as out:
                    done = 0
                    for kind, _ in SECTIONS:
                        at = document.index(f"{_PLACEHOLDER}{kind}", done)
                        row_start = max(
                            document.rfind("<w:tr>", 0, at), document.rfind("<w:tr ", 0, at)
                        )
                        out.write(document[done:row_start].encode("utf-8"))
                        rows = self._rows[kind]
                        rows.seek(0)
                        while chunk := rows.read(_CHUNK):
                            out.write(chunk.encode("utf-8"))
                        done = document.index("</w:tr>", at) + len("</w:tr>")
                    out.write(document[done:].encode("utf-8"))
