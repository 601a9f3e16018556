"""One A4 page per site: the campaign, the project and sub-item, the site's name and address, its
check-in QR code (large), and what to do with it. In the house style of the letter (bot/letter.py):
the GB/T 9704 margins and fonts, named as East Asian fonts too so Word uses them for Chinese.

The QR code is drawn by segno (pure Python, no dependencies) at error correction level Q: a
poster outdoors gets dirty, torn and photographed at an angle, and Q still reads with a quarter
of the code lost. Runs in a worker thread (bot/posters.py).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import segno
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from bot.letter import BODY_FONT, BODY_PT, HEADING_FONT, MARGINS_MM, TITLE_FONT, TITLE_PT, set_font
from bot.posters import PosterSheet
from bot.texts import Texts

QR_MM = 100  # large enough to scan from two metres; leaves room for a two-line site name
QR_ERROR = "q"
QR_SCALE = 10  # pixels per module of the PNG; Word scales it to QR_MM
QR_BORDER = 4  # the quiet zone the standard asks for, in modules
SMALL_PT = 10.5  # 5号: the site code and the link, for who cannot scan


def qr_code(link: str) -> segno.QRCode:
    """The poster's code for `link` (a regular QR code, never a Micro QR)."""
    return segno.make_qr(link, error=QR_ERROR)


def qr_png(link: str) -> bytes:
    buffer = io.BytesIO()
    qr_code(link).save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return buffer.getvalue()


def _style_font(style: Any, name: str, size: float) -> None:
    style.font.name = name
    style.font.size = Pt(size)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _line(doc: Any, text: str, font: str, size: float, *, space_after: float = 6) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(space_after)
    set_font(paragraph.add_run(text), font, size)


def write_docx(sheet: PosterSheet, texts: Texts, out: Path) -> int:
    """Write the posters to `out`, each site in its own section (so its own page); returns the
    file's size in bytes."""
    doc = Document()
    doc.core_properties.title = texts("posters.file_title", campaign=sheet.campaign)
    _style_font(doc.styles["Normal"], BODY_FONT, BODY_PT)
    for number, poster in enumerate(sheet.posters):
        section = doc.sections[0] if number == 0 else doc.add_section(WD_SECTION.NEW_PAGE)
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin = Mm(MARGINS_MM["top"])
        section.bottom_margin = Mm(MARGINS_MM["bottom"])
        section.left_margin = Mm(MARGINS_MM["left"])
        section.right_margin = Mm(MARGINS_MM["right"])
        _line(doc, sheet.campaign, HEADING_FONT, BODY_PT, space_after=12)
        _line(doc, poster.site_name, TITLE_FONT, TITLE_PT, space_after=12)
        _line(doc, texts("posters.page_project", project=poster.project), BODY_FONT, BODY_PT)
        if poster.subitem:
            _line(doc, texts("posters.page_subitem", subitem=poster.subitem), BODY_FONT, BODY_PT)
        if poster.place:
            _line(doc, texts("posters.page_address", address=poster.place), BODY_FONT, BODY_PT)
        picture = doc.add_paragraph()
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.add_run().add_picture(io.BytesIO(qr_png(poster.link)), width=Mm(QR_MM))
        _line(doc, texts("posters.page_instruction"), HEADING_FONT, TITLE_PT, space_after=12)
        _line(
            doc,
            texts("posters.page_footer", code=poster.site_code, link=poster.link),
            BODY_FONT,
            SMALL_PT,
        )
    doc.save(str(out))
    return out.stat().st_size
