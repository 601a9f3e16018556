"""The monthly bulletin (and the half-year report) as a Word document, from the `Bulletin` the
use case gathered (bot/usecases/bulletin.py), in the house style (bot/report_docx.py), with the
projects' progress chart (bot/bulletin_chart.py) embedded as a picture.

Blocking (python-docx, Pillow): doors call `render_bulletin` in a worker thread.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot.bulletin_chart import Bar, render_progress_chart
from bot.bulletin_units import add_unit_sections
from bot.chart import FontMissing, find_cjk_font
from bot.coverage import CoverageFigures
from bot.report_docx import ReportDocument
from bot.tally_period import period_text
from bot.texts import Texts, catalog_name
from bot.usecases.bulletin import Bulletin

log = logging.getLogger(__name__)

UNIT_WIDTHS_MM = (120, 36)


def cjk_font() -> Path | None:
    """The chart's font; None (the bulletin goes without its chart, and a warning) if none is
    installed: the figures matter more than the picture."""
    try:
        return find_cjk_font()
    except FontMissing as exc:
        log.warning("The bulletin goes without its chart: %s", exc)
        return None


def title_of(bulletin: Bulletin, texts: Texts) -> str:
    return texts("bulletin.title", campaign=bulletin.campaign)


def file_name(bulletin: Bulletin, texts: Texts) -> str:
    first, last = bulletin.period.first, bulletin.period.last
    assert first is not None and last is not None
    span = f"{first:%Y-%m}" if first.day == 1 and last.month == first.month else f"{first}_{last}"
    return f"{texts('bulletin.file_name')}-{span}.docx"


def chart_png(bulletin: Bulletin, texts: Texts, font_path: Path) -> bytes:
    bars = [
        Bar(f"{p.code} {p.title}", p.derived.reached, p.derived.elapsed, p.derived.light)
        for p in bulletin.board.projects
    ]
    return render_progress_chart(
        texts("bulletin.chart_title"), bars, texts("bulletin.chart_legend"), font_path
    )


def coverage_text(coverage: CoverageFigures | None, texts: Texts) -> str:
    if coverage is None:
        return texts("bulletin.coverage_none")
    return texts(
        "bulletin.coverage",
        idle=len(coverage.idle),
        deputies=coverage.deputies,
        unvisited=len(coverage.unvisited),
        subitems=coverage.subitems,
        overdue=coverage.overdue,
    )


def render_bulletin(bulletin: Bulletin, texts: Texts, font_path: Path | None) -> bytes:
    """The .docx's bytes."""
    tally, flow = bulletin.tally, bulletin.flow
    period = period_text(bulletin.period, texts)
    doc = ReportDocument(
        title_of(bulletin, texts),
        texts("bulletin.subtitle", period=period, issued=bulletin.issued.isoformat()),
    )
    doc.heading(texts("bulletin.h_overview"))
    doc.text(
        texts(
            "bulletin.overview",
            period=period,
            groups=tally.groups,
            deputies=tally.deputies,
            problems=tally.problems,
            suggestions=tally.suggestions,
            raised=flow.raised,
            forwarded=flow.forwarded,
            answered=flow.answered,
            closed=flow.closed,
        ),
    )
    doc.heading(texts("bulletin.h_progress"))
    if bulletin.board.projects and font_path is not None:
        doc.picture(chart_png(bulletin, texts, font_path))
    doc.progress_table(bulletin.board, texts)

    doc.heading(texts("bulletin.h_items"))
    doc.count_table(
        [
            (catalog_name(r.label, r.label_en, texts.language), r.problems, r.suggestions)
            for r in tally.by_project
        ],
        texts,
        total=(tally.problems, tally.suggestions),
    )

    doc.heading(texts("bulletin.h_overdue"))
    overdue = bulletin.overdue_by_unit
    if overdue:
        doc.text(texts("bulletin.overdue", count=sum(u.count for u in overdue)))
        doc.table(
            [texts("bulletin.col.unit"), texts("bulletin.col.overdue")],
            [[u.unit_name or texts("tally.unassigned"), u.count] for u in overdue],
            UNIT_WIDTHS_MM,
        )
    else:
        doc.text(texts("bulletin.overdue_none"))

    doc.heading(texts("bulletin.h_satisfaction"))
    figures = bulletin.satisfaction
    last = bulletin.period.last
    assert last is not None
    doc.text(
        texts("bulletin.satisfaction", until=last.isoformat(), **figures.params())
        if figures.valid
        else texts("bulletin.satisfaction_none", until=last.isoformat(), **figures.params()),
    )
    doc.heading(texts("bulletin.h_coverage"))
    doc.text(coverage_text(bulletin.coverage, texts))
    add_unit_sections(doc, list(tally.units), list(bulletin.escalations), texts)
    return doc.to_bytes()
