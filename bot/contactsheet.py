"""A contact sheet: the day's photo thumbnails in a grid, each with its item number and site.

One image instead of dozens of messages: the leader sees the day at a glance and opens the
items themselves for the full photos.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, UnidentifiedImageError

from bot.chart import FontType, load_font, text_mask

log = logging.getLogger(__name__)

PER_SHEET = 24
COLUMNS = 4  # a tall grid reads better on a phone
# The photo store's thumbnails are at most 320 px (settings.photos.thumb_px): a landscape one
# fills its cell without resampling.
CELL_W, CELL_H = 320, 240
CAPTION_H = 48
PAD = 10
HEADER_H = 56
BACKGROUND = (250, 250, 250)
INK = (33, 33, 33)
MISSING = (210, 210, 210)


@dataclass(frozen=True, slots=True)
class SheetPhoto:
    """A thumbnail file and the two caption lines under it (plain text, not HTML)."""

    id: int
    path: Path
    caption: str
    detail: str = ""


def chunks(photos: Sequence[SheetPhoto], per_sheet: int = PER_SHEET) -> list[list[SheetPhoto]]:
    return [list(photos[i : i + per_sheet]) for i in range(0, len(photos), per_sheet)]


def fit_text(text: str, font: FontType, width: int) -> str:
    """The text, shortened with "…" to fit `width`."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"


@lru_cache(maxsize=1024)
def _label(text: str, font: FontType, width: int) -> tuple[Image.Image, int, int]:
    """The text fitted to `width`, drawn as a mask, and the mask's offset from the text's
    origin; once per process. A site's name recurs under many photos and in many groups'
    sheets, an item's number under each of its photos: pasting the mask again costs a fifth
    of drawing the text again, with the same pixels."""
    return text_mask(font, fit_text(text, font, width))


def write_text(
    sheet: Image.Image, xy: tuple[int, int], text: str, font: FontType, width: int
) -> None:
    """What `ImageDraw.text(xy, text)` draws in INK, the text fitted to `width` first."""
    mask, left, top = _label(text, font, width)
    x, y = xy[0] + left, xy[1] + top
    sheet.paste(INK, (x, y, x + mask.width, y + mask.height), mask)


Thumbs = dict[Path, Image.Image | None]


def render_sheet(
    photos: Sequence[SheetPhoto], title: str, font_path: Path, thumbs: Thumbs | None = None
) -> bytes:
    """One sheet (at most PER_SHEET photos) as JPEG bytes. Blocking: run it off the event loop.

    `thumbs` keeps the decoded thumbnails for another sheet of the same photos (the same
    group's summary in another language): each is read and scaled once.
    """
    thumbs = {} if thumbs is None else thumbs
    font = load_font(font_path, 17)
    title_font = load_font(font_path, 24)
    photos = list(photos[:PER_SHEET])
    columns = min(COLUMNS, max(1, len(photos)))
    rows = max(1, -(-len(photos) // columns))
    width = PAD + columns * (CELL_W + PAD)
    height = HEADER_H + rows * (CELL_H + CAPTION_H + PAD) + PAD
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    write_text(sheet, (PAD, 14), title, title_font, width - 2 * PAD)
    for index, photo in enumerate(photos):
        col, row = index % columns, index // columns
        x = PAD + col * (CELL_W + PAD)
        y = HEADER_H + row * (CELL_H + CAPTION_H + PAD)
        if photo.path not in thumbs:
            thumbs[photo.path] = _thumbnail(photo)
        thumb = thumbs[photo.path]
        if thumb is None:
            draw.rectangle((x, y, x + CELL_W - 1, y + CELL_H - 1), fill=MISSING)
        else:
            sheet.paste(thumb, (x + (CELL_W - thumb.width) // 2, y + (CELL_H - thumb.height) // 2))
        write_text(sheet, (x, y + CELL_H + 4), photo.caption, font, CELL_W)
        if photo.detail:
            write_text(sheet, (x, y + CELL_H + 25), photo.detail, font, CELL_W)
    out = io.BytesIO()
    sheet.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _thumbnail(photo: SheetPhoto) -> Image.Image | None:
    """The photo scaled into its cell; None when the file is gone or unreadable."""
    try:
        with Image.open(photo.path) as image:
            # Thumbnails are small already; bilinear is plenty for a grid and several times
            # faster than the default, which matters when every group's sheet is drawn at once.
            image.draft("RGB", (CELL_W, CELL_H))
            # A JPEG thumbnail is RGB already: scaled in place rather than copied first.
            fitted = image if image.mode == "RGB" else image.convert("RGB")
            fitted.load()
            fitted.thumbnail((CELL_W, CELL_H), Image.Resampling.BILINEAR, reducing_gap=2.0)
    except (OSError, UnidentifiedImageError, ValueError):
        log.warning("Contact sheet: photo %s is missing or unreadable", photo.id)
        return None
    return fitted
