"""The per-unit sheet of the list's workbook: each lead unit's figures (bot/unit_figures.py)
for the export's period, after the problems and suggestions."""

from __future__ import annotations

from typing import Any

from bot.texts import Texts
from bot.unit_figures import UnitFigures

# (column key, width): the figures as README defines them; rates as Excel percentages.
COLUMNS = (
    ("unit", 24),
    ("received", 10),
    ("signed_on_time", 12),
    ("sign_due", 12),
    ("answered_on_time", 12),
    ("answer_due", 12),
    ("on_time_rate", 10),
    ("closed", 10),
    ("closed_rate", 10),
    ("valid_votes", 10),
    ("satisfaction_rate", 10),
    ("extensions", 10),
    ("extensions_approved", 12),
    ("escalations", 10),
    ("returns", 10),
)
_RATES = frozenset({"on_time_rate", "closed_rate", "satisfaction_rate"})


def write_unit_sheet(workbook: Any, rows: list[UnitFigures], texts: Texts) -> Any:
    """A sheet with one row per unit of the catalog, in its order, zeros included; returned
    for the caller's page setup."""
    ws = workbook.add_worksheet(texts("unitfig.sheet"))
    header = workbook.add_format(
        {"bold": True, "bg_color": "#D9E1F2", "text_wrap": True, "border": 1, "valign": "vcenter"}
    )
    cell = workbook.add_format({"border": 1, "border_color": "#BFBFBF"})
    rate = workbook.add_format({"border": 1, "border_color": "#BFBFBF", "num_format": "0.0%"})
    for col, (key, width) in enumerate(COLUMNS):
        ws.set_column(col, col, width)
        ws.write_string(0, col, texts(f"unitfig.col.{key}"), header)
    for n, unit in enumerate(rows, start=1):
        values = {**unit.to_json(), "unit": unit.name}
        for col, (key, _width) in enumerate(COLUMNS):
            value = values[key]
            if key == "unit":
                ws.write_string(n, col, str(value), cell)
            elif value is None:
                ws.write_string(n, col, "—", cell)
            else:
                ws.write_number(n, col, value, rate if key in _RATES else cell)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(len(rows), 1), len(COLUMNS) - 1)
    return ws
