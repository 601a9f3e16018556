"""The bulletin's sections on the lead units: each unit's figures for the period (the tally's,
bot/unit_figures.py) and the escalations (通报) made in it."""

from __future__ import annotations

from bot.rates import percent
from bot.report_docx import ReportDocument
from bot.texts import Texts
from bot.unit_figures import UnitFigures

UNIT_FIGURE_WIDTHS_MM = (34, 14, 16, 16, 16, 16, 14, 14, 14)
ESCALATION_WIDTHS_MM = (30, 46, 40, 20, 20)


def add_unit_sections(
    doc: ReportDocument,
    units: list[UnitFigures],
    escalations: list[tuple[str, str, str, str, str]],
    texts: Texts,
) -> None:
    """Two sections: the units' figures, then the escalations."""
    doc.heading(texts("unitfig.h_units"))
    shown = [u for u in units if u.active]
    if shown:
        doc.text(texts("unitfig.units_intro"))
        doc.table(
            [
                texts("unitfig.col.unit"),
                texts("unitfig.col.received"),
                texts("unitfig.col.signed_on_time"),
                texts("unitfig.col.on_time_rate"),
                texts("unitfig.col.closed_rate"),
                texts("unitfig.col.satisfaction_rate"),
                texts("unitfig.col.extensions"),
                texts("unitfig.col.escalations"),
                texts("unitfig.col.returns"),
            ],
            [
                [
                    u.name,
                    u.counts.received,
                    f"{u.counts.signed_on_time}/{u.counts.sign_due}",
                    percent(u.counts.on_time_rate),
                    percent(u.counts.closed_rate),
                    percent(u.satisfaction_rate),
                    u.extensions,
                    u.escalations,
                    u.returns,
                ]
                for u in shown
            ],
            UNIT_FIGURE_WIDTHS_MM,
        )
    else:
        doc.text(texts("unitfig.units_none"))
    doc.heading(texts("unitfig.h_escalations"))
    if not escalations:
        doc.text(texts("unitfig.escalations_none"))
        return
    doc.text(texts("unitfig.escalations", count=len(escalations)))
    doc.table(
        [
            texts("unitfig.col.number"),
            texts("unitfig.col.project"),
            texts("unitfig.col.unit"),
            texts("unitfig.col.due"),
            texts("unitfig.col.escalated"),
        ],
        [list(row) for row in escalations],
        ESCALATION_WIDTHS_MM,
    )
