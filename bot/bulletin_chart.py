"""The bulletin's chart, drawn with Pillow like the daily summary's (bot/chart.py): one
horizontal bar per project, the share of its targets reached, coloured by its traffic light, with
a thin mark where the share of the time elapsed stands (a bar short of its mark lags).

Chinese labels need a CJK font; bot/chart.py finds one or says which package to install.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from bot.chart import BACKGROUND, GRID, INK, load_font
from bot.progress import Light

# Okabe-Ito's bluish green, orange and vermillion, as in bot/chart.py's palette.
LIGHT_COLOURS = {Light.GREEN: "#009E73", Light.YELLOW: "#E69F00", Light.RED: "#D55E00"}
NO_LIGHT = "#A0A0A0"
ELAPSED_MARK = INK


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    reached: float  # 0..1
    elapsed: float  # 0..1
    light: Light | None


def render_progress_chart(title: str, bars: Sequence[Bar], legend: str, font_path: Path) -> bytes:
    """PNG bytes. Blocking (Pillow): doors call it in a worker thread."""
    title_font = load_font(font_path, 30)
    font = load_font(font_path, 20)
    small = load_font(font_path, 17)
    label_w, plot_w, row_h = 360, 640, 44
    left, top = 30 + label_w, 90
    height = top + max(1, len(bars)) * row_h + 70
    width = left + plot_w + 80
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((30, 24), title, font=title_font, fill=INK)
    bottom = top + max(1, len(bars)) * row_h
    for tick in range(0, 101, 20):
        x = left + plot_w * tick / 100
        draw.line((x, top - 6, x, bottom), fill=GRID, width=1)
        text = f"{tick}%"
        draw.text((x - font.getlength(text) / 2, bottom + 6), text, font=small, fill=INK)
    for row, bar in enumerate(bars):
        y = top + row * row_h
        label = bar.label
        while label and font.getlength(label) > label_w - 16:
            label = label[:-2] + "…"
        draw.text((left - 12 - font.getlength(label), y + 10), label, font=font, fill=INK)
        reached = min(1.0, max(0.0, bar.reached))
        colour = LIGHT_COLOURS[bar.light] if bar.light else NO_LIGHT
        if reached > 0:
            draw.rectangle((left, y + 8, left + plot_w * reached, y + row_h - 8), fill=colour)
        percent = f"{int(reached * 100 + 1e-9)}%"
        draw.text((left + plot_w * reached + 6, y + 10), percent, font=small, fill=INK)
        if bar.light is not None:  # a project without targets has no time to measure
            mark = left + plot_w * min(1.0, max(0.0, bar.elapsed))
            draw.line((mark, y + 2, mark, y + row_h - 2), fill=ELAPSED_MARK, width=3)
    draw.line((left, top - 6, left, bottom), fill=INK, width=2)
    draw.text((30, bottom + 36), legend, font=small, fill=INK)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
