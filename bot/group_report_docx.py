"""A group's written supervision report (书面监督报告) as a Word draft, from the `GroupReport` the
use case gathered (bot/usecases/group_report.py), in the house style (bot/report_docx.py). The
last section is left for the leader to write.

Blocking (python-docx): doors call `render_group_report` in a worker thread.
"""

from __future__ import annotations

from bot.report_docx import (
    add_heading,
    add_progress_table,
    add_table,
    add_text,
    add_title,
    new_document,
    to_bytes,
)
from bot.tally_period import period_text
from bot.texts import Texts
from bot.usecases.group_report import GroupReport

NAMES_SHOWN = 30
CATEGORY_WIDTHS_MM = (120, 36)
PROJECT_WIDTHS_MM = (100, 28, 28)
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
    doc = new_document(title_of(report, texts))
    add_title(
        doc,
        title_of(report, texts),
        texts("groupreport.subtitle", campaign=report.campaign, period=period),
    )
    add_heading(doc, 1, texts("groupreport.h_activity"))
    add_text(
        doc,
        texts(
            "groupreport.activity",
            period=period,
            members=report.members,
            deputies=len(report.deputies),
            visits=report.visits,
            sites=len(report.sites),
        ),
    )
    add_text(doc, texts("groupreport.deputies", names=_names(report.deputies, texts)))
    add_text(doc, texts("groupreport.sites", names=_names(report.sites, texts)))

    add_heading(doc, 2, texts("groupreport.h_found"))
    add_text(
        doc,
        texts("groupreport.found", problems=report.problems, suggestions=report.suggestions),
    )
    if report.by_category:
        add_table(
            doc,
            [texts("groupreport.col.category"), texts("groupreport.col.problems")],
            [[name or texts("tally.unassigned"), n] for name, n in report.by_category],
            CATEGORY_WIDTHS_MM,
        )
    if report.by_project:
        add_table(
            doc,
            [
                texts("bulletin.col.project"),
                texts("bulletin.col.problems"),
                texts("bulletin.col.suggestions"),
            ],
            [[name or texts("tally.unassigned"), p, s] for name, p, s in report.by_project],
            PROJECT_WIDTHS_MM,
        )

    add_heading(doc, 3, texts("groupreport.h_answers"))
    figures = report.satisfaction
    add_text(doc, texts("groupreport.answers", **figures.params()))
    add_text(
        doc,
        texts("groupreport.votes", **figures.params())
        if figures.valid
        else texts("groupreport.votes_none"),
    )

    add_heading(doc, 4, texts("groupreport.h_progress"))
    add_progress_table(doc, report.board, texts)

    add_heading(doc, 5, texts("groupreport.h_open"))
    if report.open_points:
        add_text(doc, texts("groupreport.open", count=report.open_total))
        add_table(
            doc,
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
        add_text(doc, texts("groupreport.open_none"))

    add_heading(doc, 6, texts("groupreport.h_opinion"))
    add_text(doc, texts("groupreport.opinion_placeholder"))
    return to_bytes(doc)
