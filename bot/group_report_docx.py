"""A group's written supervision report (书面监督报告) as a Word draft, from the `GroupReport` the
use case gathered (bot/usecases/group_report.py), in the house style (bot/report_docx.py). The
last section is left for the leader to write.

Blocking (python-docx): doors call `render_group_report` in a worker thread.
"""

from __future__ import annotations

from bot.report_docx import ReportDocument
from bot.tally_period import period_text
from bot.texts import Texts
from bot.usecases.group_report import GroupReport

NAMES_SHOWN = 30
CATEGORY_WIDTHS_MM = (120, 36)
OPEN_WIDTHS_MM = (26, 16, 40, 22, 52)


def title_of(report: GroupReport, texts: Texts) -> str:
    return texts("groupreport.title", group=report.group_name)


def file_name(report: GroupReport, texts: Texts) -> str:
    return f"{texts('groupreport.file_name')}-{report.group_code}.docx"


def _names(names: list[str], texts: Texts) -> str:
    shown = names[:NAMES_SHOWN]
    more = len(names) - len(shown)
    text = texts("groupreport.separator").join(shown) or "—"
    return text + (texts("groupreport.more", count=more) if more > 0 else "")


def render_group_report(report: GroupReport, texts: Texts) -> bytes:
    """The .docx's bytes."""
    period = period_text(report.period, texts)
    doc = ReportDocument(
        title_of(report, texts),
        texts("groupreport.subtitle", campaign=report.campaign, period=period),
    )
    doc.heading(texts("groupreport.h_activity"))
    doc.text(
        texts(
            "groupreport.activity",
            period=period,
            members=report.members,
            deputies=len(report.deputies),
            visits=report.visits,
            sites=len(report.sites),
        ),
    )
    doc.text(texts("groupreport.deputies", names=_names(report.deputies, texts)))
    doc.text(texts("groupreport.sites", names=_names(report.sites, texts)))

    doc.heading(texts("groupreport.h_found"))
    doc.text(
        texts("groupreport.found", problems=report.problems, suggestions=report.suggestions),
    )
    if report.by_category:
        doc.table(
            [texts("groupreport.col.category"), texts("groupreport.col.problems")],
            [[name or texts("tally.unassigned"), n] for name, n in report.by_category],
            CATEGORY_WIDTHS_MM,
        )
    if report.by_project:
        doc.count_table(report.by_project, texts)

    doc.heading(texts("groupreport.h_answers"))
    figures = report.satisfaction
    doc.text(texts("groupreport.answers", **figures.params()))
    doc.text(
        texts("groupreport.votes", **figures.params())
        if figures.valid
        else texts("groupreport.votes_none"),
    )

    doc.heading(texts("groupreport.h_progress"))
    doc.progress_table(report.board, texts)

    doc.heading(texts("groupreport.h_open"))
    if report.open_points:
        doc.text(texts("groupreport.open", count=report.open_total))
        doc.table(
            [
                texts(f"groupreport.col.{c}")
                for c in ("number", "kind", "project", "status", "text")
            ],
            [
                [p.number, texts(f"kind.{p.kind}"), p.project, texts(f"status.{p.status}"), p.text]
                for p in report.open_points
            ],
            OPEN_WIDTHS_MM,
        )
    else:
        doc.text(texts("groupreport.open_none"))

    doc.heading(texts("groupreport.h_opinion"))
    doc.text(texts("groupreport.opinion_placeholder"))
    return doc.to_bytes()
