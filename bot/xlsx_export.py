"""The list as an Excel workbook: one sheet of problems, one of suggestions, a thumbnail per row.

Written with XlsxWriter in constant_memory mode: each finished row goes to a temporary file and
leaves memory, so 100,000 rows cost what one row costs. The mode needs every sheet's rows in
order; each sheet has its own temporary file, so rows can go to either sheet as the item numbers
come. Header formats, widths and the frozen pane are set before any row; the autofilter range
only at the end (it is written with the sheet's XML at close). Thumbnails are floating images
that move and size with their cell; XlsxWriter keeps only their file names and sizes in memory
and copies the files into the archive when the workbook closes.

Offices print the list: each sheet is set up for A4 landscape, one page wide and as many tall
as it takes, with the header row on every page, the list's title in the page header and
"第 &P 页 共 &N 页" in the footer (without this a row spread over six portrait pages).

Runs in a worker thread (see bot/exports.py): nothing here may touch the event loop.
"""

from __future__ import annotations

import contextlib
import logging
import os
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import UndefinedImageSize, UnsupportedImageFormat
from xlsxwriter.image import Image

from bot.deadlines import Light
from bot.items import Kind
from bot.listing import DATA_KEYS, LIGHT_INDEX, PHOTO_KEY, Column, ListLabels, ListRow
from bot.unit_figures import UnitFigures
from bot.unit_sheet import write_unit_sheet

log = logging.getLogger(__name__)

# The thumbnail box inside its cell, in pixels, and the row height that holds it (points).
THUMB_BOX_W, THUMB_BOX_H = 100, 76
THUMB_ROW_PT = (THUMB_BOX_H + 4) * 0.75
_PAD_PX = 2

_LIGHT_COLOURS = {Light.GREEN: "#C6EFCE", Light.YELLOW: "#FFEB9C", Light.RED: "#FFC7CE"}

A4 = 9  # Excel's paper size code
# Page margins in inches (left/right, top/bottom, header/footer): narrower than Excel's 0.7/0.75
# so the wide sheet prints larger once fitted to the page width.
_MARGINS_IN = (0.4, 0.6, 0.3)


class _Sheet:
    def __init__(
        self,
        workbook: Any,
        name: str,
        columns: list[Column],
        formats: dict[str, Any],
        light_formats: dict[Light, Any],
        page: tuple[str, str],
    ) -> None:
        self.ws = workbook.add_worksheet(name)
        self.columns = columns
        self.next_row = 1
        # Where each sheet column takes its value in ListLabels.cells (None: the thumbnail).
        self.sources = [None if c.key == PHOTO_KEY else DATA_KEYS.index(c.key) for c in columns]
        self.photo_col = next((i for i, c in enumerate(columns) if c.key == PHOTO_KEY), None)
        self.light_col = next((i for i, s in enumerate(self.sources) if s == LIGHT_INDEX), None)
        # (sheet column, index in the cells, text format) of every cell but the light and photo.
        self.plan = [
            (c, source, formats["wrap" if column.wrap else "text"])
            for c, (source, column) in enumerate(zip(self.sources, columns, strict=True))
            if source is not None and source != LIGHT_INDEX
        ]
        self.date_format = formats["date"]
        self.number_format = formats["number"]
        self.light_formats = light_formats
        ws = self.ws
        for index, column in enumerate(columns):
            ws.set_column(index, index, column.width)
        ws.freeze_panes(1, 0)
        ws.set_row(0, 30)
        header, footer = page
        ws.set_paper(A4)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)  # one page wide, as many tall as the rows need
        ws.repeat_rows(0)
        side, ends, edge = _MARGINS_IN
        ws.set_margins(left=side, right=side, top=ends, bottom=ends)
        ws.set_header(f"&C{header}", {"margin": edge})
        ws.set_footer(f"&C{footer}", {"margin": edge})
        for index, column in enumerate(columns):
            ws.write_string(0, index, column.header, formats["header"])

    def write(self, cells: tuple[Any, ...], colour: Light | None, thumb: Image | None) -> None:
        # The hot loop of a 100,000-row export: locals and one plan per sheet, no lookups by name.
        ws = self.ws
        r = self.next_row
        self.next_row += 1
        if thumb is not None:
            # The row must be sized before its cells: constant_memory writes it out on the next row.
            ws.set_row(r, THUMB_ROW_PT)
        write_string = ws.write_string
        for c, source, text_format in self.plan:
            value = cells[source]
            if value is None or value == "":
                continue
            kind = type(value)
            if kind is str:
                write_string(r, c, value, text_format)
            elif kind is int:
                ws.write_number(r, c, value, self.number_format)
            elif kind is date:
                ws.write_datetime(r, c, value, self.date_format)
            else:
                write_string(r, c, str(value), text_format)
        if colour is not None and self.light_col is not None:
            write_string(r, self.light_col, cells[LIGHT_INDEX], self.light_formats[colour])
        if thumb is not None and self.photo_col is not None:
            # XlsxWriter sizes images by their DPI; the box is in screen pixels (96 DPI).
            width = thumb.width * 96.0 / (thumb.x_dpi or 96.0)
            height = thumb.height * 96.0 / (thumb.y_dpi or 96.0)
            scale = min(THUMB_BOX_W / width, THUMB_BOX_H / height, 1.0)
            ws.insert_image(
                r,
                self.photo_col,
                thumb,
                {
                    "x_scale": scale,
                    "y_scale": scale,
                    "x_offset": _PAD_PX,
                    "y_offset": _PAD_PX,
                    "object_position": 1,  # move and size with the cell: sorting keeps it in place
                },
            )

    def finish(self) -> int:
        """Put the filter on the header and the rows written; returns how many rows."""
        rows = self.next_row - 1
        self.ws.autofilter(0, 0, rows, len(self.columns) - 1)
        return rows


class XlsxListWriter:
    """Rows in, a workbook out. `add` for each batch in number order, then `close`."""

    def __init__(
        self,
        path: Path,
        labels: ListLabels,
        *,
        photos_root: Path | None,
        title: str,
        print_title: str = "",
        units: tuple[UnitFigures, ...] = (),
    ) -> None:
        self.path = path
        self.units = units  # the per-unit sheet's figures (none: no such sheet)
        self.labels = labels
        self.photos_root = photos_root
        self.missing_thumbs = 0
        texts = labels.texts
        self.workbook = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                # write_string never makes formulas or links; say so for any other call too.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        wb = self.workbook
        wb.set_properties({"title": title})
        border = {"border": 1, "border_color": "#BFBFBF", "valign": "top"}
        formats = {
            "header": wb.add_format(
                {
                    "bold": True,
                    "bg_color": "#D9E1F2",
                    "align": "center",
                    "valign": "vcenter",
                    "text_wrap": True,
                    "border": 1,
                }
            ),
            "text": wb.add_format(border),
            "wrap": wb.add_format({**border, "text_wrap": True}),
            "number": wb.add_format({**border, "align": "center"}),
            "date": wb.add_format({**border, "num_format": "yyyy-mm-dd", "align": "center"}),
        }
        light_formats = {
            colour: wb.add_format({**border, "align": "center", "bg_color": fill})
            for colour, fill in _LIGHT_COLOURS.items()
        }
        all_columns = [c for c in labels.columns.values() if c.key != "kind"]
        if photos_root is None:
            all_columns = [c for c in all_columns if c.key != PHOTO_KEY]
        # Excel's page-footer codes: &P the page, &N the number of pages.
        footer = texts("export.print_footer", page="&P", pages="&N")

        def page(sheet: str) -> tuple[str, str]:
            # In a page header "&" starts a code (&P: page number): a literal one is doubled.
            heading = texts("export.print_header", title=print_title or title, sheet=sheet)
            return heading.replace("&", "&&"), footer

        self._page = page  # the units' sheet prints like the others
        problems = texts("export.sheet.problems")
        suggestions = texts("export.sheet.suggestions")
        self.sheets = {
            Kind.PROBLEM: _Sheet(wb, problems, all_columns, formats, light_formats, page(problems)),
            Kind.SUGGESTION: _Sheet(
                wb,
                suggestions,
                [c for c in all_columns if not c.problems_only],
                formats,
                light_formats,
                page(suggestions),
            ),
        }

    def _thumb(self, relative: str | None) -> Image | None:
        if relative is None or self.photos_root is None:
            return None
        try:
            return Image(self.photos_root / relative)
        except (OSError, UnsupportedImageFormat, UndefinedImageSize):
            # A missing or damaged thumbnail must not cost the whole list; the row stays.
            self.missing_thumbs += 1
            return None

    def add(self, rows: list[ListRow]) -> None:
        labels = self.labels
        sheets = self.sheets
        for row in rows:
            sheet = sheets[row.kind]
            colour = labels.light_of(row)
            cells = labels.cells(row, sheet.next_row, colour)
            sheet.write(cells, colour, self._thumb(row.thumb_path))

    def close(self) -> None:
        for sheet in self.sheets.values():
            sheet.finish()
        if self.units:
            texts = self.labels.texts
            ws = write_unit_sheet(self.workbook, list(self.units), texts)
            header, footer = self._page(texts("unitfig.sheet"))
            ws.set_paper(A4)
            ws.set_landscape()
            ws.fit_to_pages(1, 0)
            ws.repeat_rows(0)
            side, ends, edge = _MARGINS_IN
            ws.set_margins(left=side, right=side, top=ends, bottom=ends)
            ws.set_header(f"&C{header}", {"margin": edge})
            ws.set_footer(f"&C{footer}", {"margin": edge})
        self.workbook.close()
        if self.missing_thumbs:
            log.warning("Workbook export: %d thumbnails missing", self.missing_thumbs)

    def abort(self) -> None:
        """Drop the rows written so far (constant_memory keeps them in named temporary files)."""
        self.workbook.fileclosed = True
        for sheet in self.sheets.values():
            handle = getattr(sheet.ws, "row_data_fh", None)
            name = getattr(sheet.ws, "row_data_filename", None)
            with contextlib.suppress(OSError, AttributeError):
                if handle is not None:
                    handle.close()
                if name:
                    os.unlink(name)
