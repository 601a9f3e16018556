"""The daily summary's pictures: the chart of the day's items and contact sheets of its photos.

A missing CJK font costs the pictures, never the summary: the text goes out without them. They
are drawn in the picture pool's processes (bot/picture_pool.py), every language a group's
leaders read in one task, so each thumbnail is decoded once.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.chart import ChartData, FontMissing, ProjectBars, find_cjk_font, render_chart
from bot.contactsheet import PER_SHEET, SheetPhoto, Thumbs, chunks, render_sheet
from bot.picture_pool import PicturePool
from bot.summary import GroupSummary
from bot.texts import Texts

log = logging.getLogger(__name__)

MAX_SHEETS = 4


@dataclass(frozen=True, slots=True)
class Picture:
    """An image to send with the summary: PNG or JPEG bytes and its caption (Telegram HTML)."""

    name: str  # "chart", "sheet1", ...
    data: bytes
    caption: str
    suffix: str


_font_path: Path | None = None


def _cjk_font() -> Path:
    """The CJK font, found once; a missing font is looked for again next time."""
    global _font_path
    if _font_path is None:
        _font_path = find_cjk_font()
    return _font_path


def chart_data(summary: GroupSummary, texts: Texts) -> ChartData | None:
    """The chart of the day's items per project; None on a day without items."""
    if not summary.items:
        return None
    language = texts.language
    names = {c.id: c.label(language) for c in summary.categories}
    unassigned = texts("dailysum.chart_unassigned")
    legend = [c.label(language) for c in summary.categories]
    projects = []
    for project in summary.projects:
        problems: dict[str, int] = defaultdict(int)
        for category_id, count in project.problems.items():
            label = names.get(category_id) or unassigned
            problems[label] += count
            if label not in legend:
                legend.append(label)
        projects.append(
            ProjectBars(project.label or unassigned, dict(problems), project.suggestions)
        )
    return ChartData(
        title=texts("dailysum.chart_title", group=summary.group_name, day=summary.day.isoformat()),
        projects=projects,
        categories=legend,
        problems_label=texts("dailysum.chart_problems"),
        suggestions_label=texts("dailysum.chart_suggestions"),
        count_label=texts("dailysum.chart_count"),
    )


def _sheet_photos(summary: GroupSummary, texts: Texts) -> list[SheetPhoto]:
    photos = []
    for p in summary.photos:
        if p.kind is None:
            caption = texts("dailysum.photo_visit", time=p.at.strftime("%H:%M"))
        else:
            caption = texts("item_label", kind=texts(f"kind.{p.kind}"), number=p.number)
        photos.append(SheetPhoto(p.id, p.path, caption, p.site))
    return photos


def _draw(summary: GroupSummary, texts: Texts, font: Path, thumbs: Thumbs) -> list[Picture]:
    """Blocking: the chart and the contact sheets."""
    pictures = []
    data = chart_data(summary, texts)
    if data is not None:
        caption = texts(
            "dailysum.chart_caption", group=summary.group_name, day=summary.day.isoformat()
        )
        pictures.append(Picture("chart", render_chart(data, font), html.escape(caption), "png"))
    photos = _sheet_photos(summary, texts)
    sheets = chunks(photos, PER_SHEET)
    total = len(photos)
    for n, sheet in enumerate(sheets[:MAX_SHEETS], start=1):
        first = (n - 1) * PER_SHEET + 1
        caption = texts(
            "dailysum.sheet_caption",
            group=summary.group_name,
            day=summary.day.isoformat(),
            first=first,
            last=first + len(sheet) - 1,
            total=total,
        )
        if n == MAX_SHEETS and total > n * PER_SHEET:
            caption += texts("dailysum.sheet_more", count=total - n * PER_SHEET)
        image = render_sheet(sheet, caption, font, thumbs)
        pictures.append(Picture(f"sheet{n}", image, html.escape(caption), "jpg"))
    return pictures


@cache
def _texts(language: str) -> Texts:
    return Texts(language)


def draw_pictures(
    summary: GroupSummary, languages: Sequence[str], font: Path
) -> dict[str, list[Picture]]:
    """Blocking, in a worker process: each language's chart and contact sheets."""
    thumbs: Thumbs = {}
    return {language: _draw(summary, _texts(language), font, thumbs) for language in languages}


async def pictures_in(
    summary: GroupSummary, languages: Sequence[str], pool: PicturePool | None
) -> dict[str, list[Picture]]:
    """Chart and contact sheets in each language, drawn in the pool (without one, in a thread);
    none (and a warning) without a font."""
    if not summary.items and not summary.photos:
        return {language: [] for language in languages}
    try:
        font = _cjk_font()
    except FontMissing as exc:
        log.warning("Daily summary of group %s goes without pictures: %s", summary.group_id, exc)
        return {language: [] for language in languages}
    if pool is None:
        return await asyncio.to_thread(draw_pictures, summary, tuple(languages), font)
    return await pool.run(draw_pictures, summary, tuple(languages), font)


async def summary_pictures(
    summary: GroupSummary, texts: Texts, pool: PicturePool | None = None
) -> list[Picture]:
    """Chart and contact sheets in one language, for a person waiting for them (/summary):
    drawn in a thread until the pool's processes are up (they take a second or two to start)."""
    if pool is not None and not pool.started:
        pool.warm_up()
        pool = None
    return (await pictures_in(summary, [texts.language], pool))[texts.language]
