"""The daily summary's bar chart, drawn with Pillow: items per project, problems by category.

Chinese labels need a CJK font. Without one, Pillow would draw every Chinese character as the
same empty box, and a chart of boxes looks fine to code and means nothing to a reader; so a
missing font is an error (FontMissing), never a silent fallback.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

from bot.png import unfiltered_png

FontType = ImageFont.FreeTypeFont

# Debian/Ubuntu first (scripts/setup installs fonts-wqy-microhei), then other common places.
CJK_FONT_CANDIDATES: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)

# Two characters the chart must be able to draw, and two code points no font has a glyph for
# (noncharacters): with a font without CJK glyphs both render as the same .notdef boxes.
PROBE = "项目"
TOFU = "\ufdd0\ufdd1"


class FontMissing(RuntimeError):
    """No font with Chinese glyphs is installed."""

    def __init__(self, tried: Sequence[Path]) -> None:
        super().__init__(
            "no CJK font found for Chinese labels in charts (tried "
            + ", ".join(str(p) for p in tried)
            + "); install the Debian package fonts-wqy-microhei "
            "(apt-get install fonts-wqy-microhei, as scripts/setup does)"
        )
        self.tried = tuple(tried)


def text_mask(font: FontType, text: str) -> tuple[Image.Image, int, int]:
    """What `text` looks like in `font`, cropped to its bounding box, and the box's offset
    from where the text is drawn."""
    left, top, right, bottom = (int(v) for v in font.getbbox(text))
    image = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(image).text((-left, -top), text, font=font, fill=255)
    return image, left, top


def glyph_image(font: FontType, text: str) -> Image.Image:
    """What `text` looks like in `font`, cropped to its bounding box."""
    return text_mask(font, text)[0]


def draws_cjk(font: FontType) -> bool:
    """True when the font has real glyphs for Chinese, not the .notdef box."""
    probe, tofu = glyph_image(font, PROBE), glyph_image(font, TOFU)
    has_ink = probe.getbbox() is not None
    return has_ink and (probe.size != tofu.size or probe.tobytes() != tofu.tobytes())


def find_cjk_font(candidates: Sequence[Path] = CJK_FONT_CANDIDATES) -> Path:
    """The first installed font that really draws Chinese; FontMissing if there is none."""
    for path in candidates:
        if not path.is_file():
            continue
        try:
            font = ImageFont.truetype(str(path), 24)
        except OSError:
            continue
        if draws_cjk(font):
            return path
    raise FontMissing(candidates)


@cache
def load_font(path: Path, size: int) -> FontType:
    """A font at a size, loaded once per process (the file is several megabytes).

    Basic layout (each character by its advance, with the font's kerning): Chinese and Latin
    labels need no shaping, and HarfBuzz's (raqm) cost a third of the drawing time of a daily
    summary; the pictures differ from raqm's only in 1-2% of the text's pixels. Labels in a
    script that needs shaping (Uyghur, Tibetan) would want ImageFont.Layout.RAQM back.
    """
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


# --- the chart ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProjectBars:
    """One project's day: problems by category label, and suggestions."""

    label: str
    problems: Mapping[str, int] = field(default_factory=dict)
    suggestions: int = 0


@dataclass(frozen=True, slots=True)
class ChartData:
    title: str
    projects: Sequence[ProjectBars]
    categories: Sequence[str]  # legend order of the problem categories
    problems_label: str  # under a project's first bar
    suggestions_label: str  # legend entry and under the second bar
    count_label: str  # the y axis


# Colour-blind-friendly categorical palette: Okabe-Ito's colours (black left out), then five more
# of Tableau 10's, in the hex codes the two publish (Pillow reads them as they are).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
TABLEAU = ("#9467BD", "#8C564B", "#7F7F7F", "#BCBD22", "#17BECF")
PALETTE = OKABE_ITO + TABLEAU
SUGGESTION_COLOUR = "#607D8B"
BACKGROUND = "#FFFFFF"
INK = "#212121"
GRID = "#E0E0E0"


def _nice_step(top: int) -> int:
    """A y-axis step of 1, 2 or 5 times a power of ten, giving about five grid lines."""
    if top <= 5:
        return 1
    raw = top / 5
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return int(factor * power)
    return int(10 * power)


def _wrap(text: str, font: FontType, width: int, max_lines: int = 3) -> list[str]:
    """Break a label into lines that fit `width`, character by character (CJK has no spaces)."""
    lines: list[str] = []
    current = ""
    for ch in text:
        if font.getlength(current + ch) > width and current:
            lines.append(current)
            current = ch.lstrip()
            if len(lines) == max_lines:
                break
        else:
            current += ch
    else:
        if current:
            lines.append(current)
        return lines
    # Out of room: mark the last line as shortened.
    last = lines[-1]
    while last and font.getlength(last + "…") > width:
        last = last[:-1]
    lines[-1] = last + "…"
    return lines


def render_chart(data: ChartData, font_path: Path) -> bytes:
    """The chart as PNG bytes. Blocking (Pillow): call it with asyncio.to_thread."""
    title_font = load_font(font_path, 30)
    font = load_font(font_path, 20)
    small = load_font(font_path, 17)

    groups = max(1, len(data.projects))
    bar_w = 72
    group_w = 2 * bar_w + 56
    plot_w = max(480, groups * group_w)
    left, right, top = 80, 300, 80
    plot_h = 420
    label_h = 3 * 24 + 34
    width = max(left + plot_w + right, left + round(title_font.getlength(data.title)) + 40)
    height = top + plot_h + label_h + 20

    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((left, 22), data.title, font=title_font, fill=INK)

    totals = [max(sum(p.problems.values()), p.suggestions) for p in data.projects]
    peak = max([1, *totals])
    step = _nice_step(peak)
    y_max = step * math.ceil(peak / step)
    base_y = top + plot_h

    def y_of(value: float) -> int:
        return round(base_y - plot_h * value / y_max)

    for tick in range(0, y_max + 1, step):
        y = y_of(tick)
        draw.line((left, y, left + plot_w, y), fill=GRID, width=1)
        text = str(tick)
        draw.text((left - 10 - font.getlength(text), y - 12), text, font=font, fill=INK)
    draw.text((left - 70, top - 40), data.count_label, font=small, fill=INK)
    draw.line((left, top, left, base_y), fill=INK, width=2)
    draw.line((left, base_y, left + plot_w, base_y), fill=INK, width=2)

    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(data.categories)}
    for index, project in enumerate(data.projects):
        x0 = left + index * group_w + 30
        # Problems: one bar stacked by category, in legend order.
        level = 0
        for name in data.categories:
            count = project.problems.get(name, 0)
            if count <= 0:
                continue
            draw.rectangle((x0, y_of(level + count), x0 + bar_w, y_of(level)), fill=colours[name])
            level += count
        _bar_value(draw, font, x0, bar_w, y_of(level), level)
        # Suggestions: the bar beside it.
        x1 = x0 + bar_w + 4
        if project.suggestions:
            draw.rectangle(
                (x1, y_of(project.suggestions), x1 + bar_w, base_y), fill=SUGGESTION_COLOUR
            )
        _bar_value(draw, font, x1, bar_w, y_of(project.suggestions), project.suggestions)
        for x, text in ((x0, data.problems_label), (x1, data.suggestions_label)):
            w = small.getlength(text)
            draw.text((x + (bar_w - w) / 2, base_y + 6), text, font=small, fill=INK)
        label_y = base_y + 32
        for line in _wrap(project.label, font, group_w - 12):
            w = font.getlength(line)
            draw.text((x0 + bar_w + 2 - w / 2, label_y), line, font=font, fill=INK)
            label_y += 24

    # Legend: categories that occur, then suggestions.
    lx, ly = left + plot_w + 30, top
    shown = [name for name in data.categories if any(p.problems.get(name) for p in data.projects)]
    entries = [(name, colours[name]) for name in shown]
    entries.append((data.suggestions_label, SUGGESTION_COLOUR))
    for name, colour in entries:
        draw.rectangle((lx, ly + 3, lx + 18, ly + 21), fill=colour)
        for line in _wrap(name, small, right - 60, max_lines=2):
            draw.text((lx + 28, ly), line, font=small, fill=INK)
            ly += 22
        ly += 8

    return unfiltered_png(image)


def _bar_value(
    draw: ImageDraw.ImageDraw, font: FontType, x: int, bar_w: int, y: int, value: int
) -> None:
    text = str(value)
    w = font.getlength(text)
    draw.text((x + (bar_w - w) / 2, y - 26), text, font=font, fill=INK)


def ink_in(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """How many pixels in `box` differ from the background (tests and sanity checks)."""
    region = image.convert("RGB").crop(box)
    diff = ImageChops.difference(region, Image.new("RGB", region.size, BACKGROUND))
    mask = diff.convert("L").point(lambda value: 255 if value > 32 else 0)
    return int(mask.histogram()[255])
