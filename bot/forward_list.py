"""The list that goes with a batch of forwarded items: one XLSX per unit and batch.

Liaisons open it in Excel or WPS; every cell is written as text, and text that a spreadsheet
would read as a formula is defused with a leading apostrophe (deputies type free text).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

# Spreadsheet programs treat these first characters as the start of a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ListRow:
    number: str
    kind: str
    project: str
    subitem: str
    site: str
    category: str
    content: str
    due: str

    def cells(self) -> tuple[str, ...]:
        return (
            self.number,
            self.kind,
            self.project,
            self.subitem,
            self.site,
            self.category,
            self.content,
            self.due,
        )


# Column widths in characters, in the order of ListRow's fields.
_WIDTHS = (12, 8, 24, 28, 24, 14, 60, 12)


def safe_cell(value: str) -> str:
    """Text that cannot run as a formula when the sheet is opened or pasted elsewhere."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def file_name(unit_code: str, day: str, batch_key: str) -> str:
    """A file name safe on every system; the unit code comes from the catalog."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", f"{unit_code}-{day}-{batch_key}").strip("_")
    return f"forwarded-{stem or 'list'}.xlsx"


def write_list(path: Path, title: str, headers: Sequence[str], rows: Sequence[ListRow]) -> Path:
    """Write the sheet (blocking: call it off the event loop). Returns `path`."""
    if len(headers) != len(_WIDTHS):
        raise ValueError(f"expected {len(_WIDTHS)} headers, got {len(headers)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    workbook = xlsxwriter.Workbook(str(partial), {"strings_to_formulas": False})
    try:
        sheet = workbook.add_worksheet()
        bold = workbook.add_format({"bold": True, "font_size": 14})
        head = workbook.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7"})
        body = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        sheet.write_string(0, 0, safe_cell(title), bold)
        for col, (header, width) in enumerate(zip(headers, _WIDTHS, strict=True)):
            sheet.set_column(col, col, width)
            sheet.write_string(2, col, safe_cell(header), head)
        for offset, row in enumerate(rows):
            for col, value in enumerate(row.cells()):
                sheet.write_string(3 + offset, col, safe_cell(value), body)
        sheet.freeze_panes(3, 0)
        if rows:
            sheet.autofilter(2, 0, 2 + len(rows), len(_WIDTHS) - 1)
    finally:
        workbook.close()
    # Renamed only when complete: a crash never leaves a half-written list to be sent.
    partial.replace(path)
    return path
