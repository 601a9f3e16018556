"""The summary's chart and contact sheet: real images with real Chinese glyphs, never boxes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from bot.chart import (
    CJK_FONT_CANDIDATES,
    PROBE,
    TOFU,
    ChartData,
    FontMissing,
    ProjectBars,
    draws_cjk,
    find_cjk_font,
    glyph_image,
    ink_in,
    load_font,
    render_chart,
)
from bot.contactsheet import (
    CELL_H,
    CELL_W,
    HEADER_H,
    INK,
    PAD,
    PER_SHEET,
    SheetPhoto,
    chunks,
    fit_text,
    render_sheet,
    write_text,
)
from bot.png import unfiltered_png
from tests.images import make_jpeg

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
CATEGORIES = ["进度滞后", "工程质量", "施工/运行安全"]


def _data(label: str = "提升公共卫生应急能力", title: str = "第一监督小组 2025-06-01") -> ChartData:
    return ChartData(
        title=title,
        projects=[
            ProjectBars(label, {"进度滞后": 3, "工程质量": 1}, 2),
            ProjectBars("城乡居民同质饮水", {"施工/运行安全": 1}, 5),
        ],
        categories=CATEGORIES,
        problems_label="问题",
        suggestions_label="意见建议",
        count_label="条数",
    )


def test_the_cjk_font_is_installed_and_draws_chinese() -> None:
    """scripts/setup installs fonts-wqy-microhei; the chart must find it (or another CJK font)."""
    path = find_cjk_font()
    assert path in CJK_FONT_CANDIDATES
    assert path == WQY, f"expected wqy-microhei from scripts/setup, found {path}"
    font = ImageFont.truetype(str(path), 32)
    # 项目 and two characters no font has: real glyphs differ from the .notdef boxes.
    real, boxes = glyph_image(font, PROBE), glyph_image(font, TOFU)
    assert real.getbbox() is not None
    assert real.size != boxes.size or ImageChops.difference(real, boxes).getbbox() is not None
    assert draws_cjk(font)


def test_a_font_without_chinese_is_refused_loudly() -> None:
    if DEJAVU.is_file():
        assert not draws_cjk(ImageFont.truetype(str(DEJAVU), 32))
    candidates = [DEJAVU, Path("/nonexistent/font.ttc")]
    with pytest.raises(FontMissing) as raised:
        find_cjk_font(candidates)
    message = str(raised.value)
    assert "fonts-wqy-microhei" in message and "/nonexistent/font.ttc" in message


def test_chart_is_a_png_with_chinese_labels_drawn_in_the_cjk_font() -> None:
    font = find_cjk_font()
    png = render_chart(_data(), font)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.width >= 800 and image.height >= 500
        image.load()
        chart = image.copy()
    # The title band and the bars carry ink.
    assert ink_in(chart, (80, 10, 500, 60)) > 300
    # The project label rendered as 项目 differs from the same label as two .notdef boxes, and
    # from no label at all: the glyphs came from the CJK font.
    with_chinese = Image.open(io.BytesIO(render_chart(_data(label=PROBE), font))).convert("RGB")
    with_boxes = Image.open(io.BytesIO(render_chart(_data(label=TOFU), font))).convert("RGB")
    with_nothing = Image.open(io.BytesIO(render_chart(_data(label=""), font))).convert("RGB")
    changed = ImageChops.difference(with_chinese, with_boxes).getbbox()
    assert changed is not None, "项目 was drawn like two .notdef boxes"
    # The difference lies in the label area under the first project's bars.
    _, top, right, _ = changed
    assert top > chart.height // 2 and right < chart.width // 2, changed
    assert ink_in(with_chinese, changed) > 40
    assert ImageChops.difference(with_chinese, with_nothing).getbbox() is not None


def test_the_chart_png_holds_exactly_the_pixels_drawn() -> None:
    """The chart's PNG is written without row filters (bot/png.py): any decoder gets back every
    pixel, anti-aliased text included."""
    font = find_cjk_font()
    drawn = Image.new("RGB", (333, 77), (250, 250, 250))
    ImageDraw.Draw(drawn).text(
        (5, 5), "提升公共卫生应急能力 2025", font=load_font(font, 20), fill=INK
    )
    drawn.putpixel((332, 76), (1, 2, 3))  # the last pixel of the last row
    with Image.open(io.BytesIO(unfiltered_png(drawn))) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGB", drawn.size)
        image.load()
        assert ImageChops.difference(image, drawn).getbbox() is None
    with pytest.raises(ValueError, match="RGB"):
        unfiltered_png(drawn.convert("L"))


def test_chart_handles_a_single_project_big_numbers_and_long_titles() -> None:
    font = find_cjk_font()
    data = ChartData(
        title="上城区完善婴幼儿综合服务体系专项监督小组 2025-06-01 问题和意见建议",
        projects=[ProjectBars("（未指定）", {"进度滞后": 1234}, 987)],
        categories=["进度滞后"],
        problems_label="问题",
        suggestions_label="意见建议",
        count_label="条数",
    )
    with Image.open(io.BytesIO(render_chart(data, font))) as image:
        assert image.format == "PNG"
        # The whole title fits: the image grows with it.
        title_w = ImageFont.truetype(str(font), 30).getlength(data.title)
        assert image.width >= title_w + 80


def test_contact_sheet_is_a_jpeg_grid_with_captions(tmp_path: Path) -> None:
    font = find_cjk_font()
    photos = []
    for n in range(7):
        path = tmp_path / f"thumb{n}.jpg"
        path.write_bytes(make_jpeg(320, 240, pattern_seed=n))
        photos.append(SheetPhoto(n, path, f"问题 2025-000{n}", "杭州市疾病预防控制中心"))
    photos.append(SheetPhoto(99, tmp_path / "gone.jpg", "签到 09:30", "点位"))  # file missing
    data = render_sheet(photos, "第一监督小组 2025-06-01 现场照片", font)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert image.width > 1000 and image.height > 2 * CELL_H
        sheet = image.convert("RGB")
    # Caption of the first photo, under it.
    assert ink_in(sheet, (PAD, HEADER_H + CELL_H + 4, PAD + 200, HEADER_H + CELL_H + 46)) > 50


def test_a_caption_drawn_once_and_pasted_is_the_text_drawn() -> None:
    """A site's name under many photos is drawn once and pasted: pixel for pixel what drawing
    the text in place gives, also when it is shortened to its cell."""
    font = load_font(find_cjk_font(), 17)
    long_name = "杭州市上城区疾病预防控制中心新建业务用房项目东门工地"
    for text in ("问题 2025-0001", long_name, ""):
        fitted = fit_text(text, font, CELL_W)
        if text == long_name:  # as much of it as fits, then "…"
            kept = fitted.removesuffix("…")
            assert fitted.endswith("…") and text.startswith(kept), fitted
            assert font.getlength(fitted) <= CELL_W
            assert font.getlength(text[: len(kept) + 1] + "…") > CELL_W
        else:
            assert fitted == text
        drawn = Image.new("RGB", (CELL_W + 20, 40), (250, 250, 250))
        ImageDraw.Draw(drawn).text((7, 9), fitted, font=font, fill=INK)
        for _ in range(2):  # drawn, then from the cache
            pasted = Image.new("RGB", drawn.size, (250, 250, 250))
            write_text(pasted, (7, 9), text, font, CELL_W)
            assert ImageChops.difference(pasted, drawn).getbbox() is None, text


def test_more_photos_than_a_sheet_holds_make_more_sheets() -> None:
    photos = [SheetPhoto(n, Path(f"/x/{n}.jpg"), str(n)) for n in range(PER_SHEET * 2 + 1)]
    sheets = chunks(photos)
    assert [len(s) for s in sheets] == [PER_SHEET, PER_SHEET, 1]
    assert sheets[2][0].id == PER_SHEET * 2
