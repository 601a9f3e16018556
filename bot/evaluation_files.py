"""A closed evaluation round's results as files: an Excel workbook (XlsxWriter, like the list)
and a Word report in the house style of the letter (GB/T 9704 page, fonts and line spacing).

Both are written from the same `Results` the chat shows, so the three never disagree. Blocking:
doors run them in a worker thread.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import xlsxwriter
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

from bot.evaluation import ProjectResult, Results
from bot.letter import (
    BODY_FONT,
    BODY_PT,
    TABLE_PT,
    TITLE_FONT,
    TITLE_PT,
    set_font,
)
from bot.listing import neutralise, xml_safe
from bot.rates import percent
from bot.report_docx import new_document
from bot.texts import Texts

COLUMNS = (
    "evaluation.col.code",
    "evaluation.col.project",
    "evaluation.col.satisfied",
    "evaluation.col.basically",
    "evaluation.col.dissatisfied",
    "evaluation.col.votes",
    "evaluation.col.rate",
    "evaluation.col.verdict",
)
_WIDTHS = (10, 40, 8, 10, 8, 8, 12, 12)
_DOCX_WIDTHS_MM = (16, 52, 14, 16, 14, 14, 18, 18)


def verdict_text(result: ProjectResult, texts: Texts) -> str:
    verdict = result.verdict
    return texts("evaluation.no_votes") if verdict is None else texts(f"rating.{verdict}")


def row_cells(result: ProjectResult, texts: Texts) -> list[str | int]:
    return [
        result.code,
        result.title,
        result.satisfied,
        result.basically,
        result.dissatisfied,
        result.votes,
        percent(result.rate),
        verdict_text(result, texts),
    ]


def heading(results: Results, texts: Texts, campaign: str) -> tuple[str, str]:
    """The title and the line with the round's deadline and turnout."""
    turnout = results.turnout
    return (
        texts("evaluation.file_title", campaign=campaign),
        texts(
            "evaluation.file_turnout",
            deadline=results.round.deadline.isoformat(),
            voters=turnout.voters,
            finished=turnout.finished,
            started=turnout.started,
        ),
    )


def write_xlsx(path: Path, results: Results, texts: Texts, campaign: str) -> None:
    title, line = heading(results, texts, campaign)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    try:
        ws = book.add_worksheet(texts("evaluation.sheet_results"))
        bold = book.add_format({"bold": True, "bg_color": "#E8EAED", "border": 1})
        big = book.add_format({"bold": True, "font_size": 14})
        rate = book.add_format({"num_format": "0.0%"})
        ws.write_string(0, 0, xml_safe(title), big)
        ws.write_string(1, 0, xml_safe(line))
        for col, (key, width) in enumerate(zip(COLUMNS, _WIDTHS, strict=True)):
            ws.write_string(3, col, texts(key), bold)
            ws.set_column(col, col, width)
        for r, result in enumerate(results.projects, start=4):
            ws.write_string(r, 0, neutralise(result.code))
            ws.write_string(r, 1, neutralise(xml_safe(result.title)))
            for col, value in enumerate(
                (result.satisfied, result.basically, result.dissatisfied, result.votes), start=2
            ):
                ws.write_number(r, col, value)
            if result.rate is None:
                ws.write_string(r, 6, "—")
            else:
                ws.write_number(r, 6, result.rate, rate)
            ws.write_string(r, 7, verdict_text(result, texts))
        ws.freeze_panes(4, 0)
        ws.write_string(len(results.projects) + 5, 0, texts("evaluation.rule"))
        comments = book.add_worksheet(texts("evaluation.sheet_comments"))
        comments.write_string(0, 0, texts("evaluation.col.code"), bold)
        comments.write_string(0, 1, texts("evaluation.col.project"), bold)
        comments.write_string(0, 2, texts("evaluation.col.comment"), bold)
        comments.set_column(1, 1, 40)
        comments.set_column(2, 2, 80)
        row = 1
        for result in results.projects:
            for text in result.comments:
                comments.write_string(row, 0, neutralise(result.code))
                comments.write_string(row, 1, neutralise(xml_safe(result.title)))
                # A voter's words are never a formula, whatever they begin with.
                comments.write_string(row, 2, neutralise(xml_safe(text)))
                row += 1
    finally:
        book.close()


def _paragraph_font(
    paragraph: Paragraph, text: str, font: str, size: float, bold: bool = False
) -> None:
    set_font(paragraph.add_run(text), font, size, bold=bold)


def write_docx(path: Path, results: Results, texts: Texts, campaign: str) -> None:
    title, line = heading(results, texts, campaign)
    doc = new_document(title)

    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.paragraph_format.line_spacing = Pt(TITLE_PT * 1.6)
    _paragraph_font(head, title, TITLE_FONT, TITLE_PT)
    doc.add_paragraph()
    body = doc.add_paragraph()
    body.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    _paragraph_font(body, line, BODY_FONT, BODY_PT)
    rule = doc.add_paragraph()
    rule.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    _paragraph_font(rule, texts("evaluation.rule"), BODY_FONT, BODY_PT)

    table = doc.add_table(rows=1, cols=len(COLUMNS))
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    for cell, key, width in zip(table.rows[0].cells, COLUMNS, _DOCX_WIDTHS_MM, strict=True):
        cell.width = Mm(width)
        cell.paragraphs[0].paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        _paragraph_font(cell.paragraphs[0], texts(key), BODY_FONT, TABLE_PT, bold=True)
    for result in results.projects:
        cells = table.add_row().cells
        for cell, value, width in zip(
            cells, row_cells(result, texts), _DOCX_WIDTHS_MM, strict=True
        ):
            cell.width = Mm(width)
            cell.paragraphs[0].paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            _paragraph_font(cell.paragraphs[0], xml_safe(str(value)), BODY_FONT, TABLE_PT)

    commented = [r for r in results.projects if r.comments]
    if commented:
        doc.add_paragraph()
        _paragraph_font(
            doc.add_paragraph(), texts("evaluation.comments_heading"), BODY_FONT, BODY_PT, True
        )
        for result in commented:
            _paragraph_font(
                doc.add_paragraph(), f"{result.code} {xml_safe(result.title)}", BODY_FONT, BODY_PT
            )
            for text in result.comments:
                item = doc.add_paragraph()
                item.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
                _paragraph_font(item, f"· {xml_safe(text)}", BODY_FONT, BODY_PT)
    doc.save(str(path))


WRITERS = {"xlsx": write_xlsx, "docx": write_docx}


def render(fmt: str, results: Results, texts: Texts, campaign: str) -> bytes:
    """The results file's bytes, for doors that send it (the chat, the console)."""
    with tempfile.TemporaryDirectory(prefix="evaluation-") as folder:
        path = Path(folder) / f"results.{fmt}"
        WRITERS[fmt](path, results, texts, campaign)
        return path.read_bytes()


def file_name(fmt: str, results: Results) -> str:
    return f"evaluation-{results.round.id}-{results.round.deadline.isoformat()}.{fmt}"
