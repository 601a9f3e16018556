"""A supervision group's daily summary for its leaders: visits, new items, gaps, deadlines.

Pushed every evening through the outbox (queue_daily_summaries) and shown on demand (/summary).
The text goes out even when the chart cannot be drawn: a missing CJK font costs the picture,
never the summary.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.chart import ChartData, FontMissing, ProjectBars, find_cjk_font, render_chart
from bot.clock import from_db, to_db
from bot.contactsheet import PER_SHEET, SheetPhoto, chunks, render_sheet
from bot.items import Kind, format_number
from bot.notices import Notice
from bot.records import Leader
from bot.split import split_message
from bot.texts import LANGUAGES, Texts
from bot.views import clip

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

EXCERPT_CHARS = 40
MOST_OVERDUE = 5
MAX_SHEETS = 4
# Groups summarised at the same time; the database reader is shared anyway, this bounds the
# Pillow work in threads and the memory of images not yet written.
CONCURRENT_GROUPS = min(4, max(2, os.cpu_count() or 2))


@dataclass(frozen=True, slots=True)
class VisitLine:
    at: datetime
    person: str
    site: str
    on_site: bool
    reason: str


@dataclass(frozen=True, slots=True)
class ItemLine:
    kind: Kind
    number: str
    place: str
    author: str
    description: str


@dataclass(frozen=True, slots=True)
class ProjectDay:
    """One project's new items of the day: problems by category id, and suggestions."""

    label: str
    problems: dict[int | None, int] = field(default_factory=dict)
    suggestions: int = 0


@dataclass(frozen=True, slots=True)
class CategoryName:
    id: int | None
    name: str
    name_en: str

    def label(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


@dataclass(frozen=True, slots=True)
class DayPhoto:
    id: int
    path: Path
    kind: Kind | None  # None: a check-in photo
    number: str
    site: str
    at: datetime


@dataclass(frozen=True, slots=True)
class GroupSummary:
    group_id: int
    group_code: str
    group_name: str
    day: date
    visits: list[VisitLine]
    items: list[ItemLine]
    projects: list[ProjectDay]
    categories: list[CategoryName]
    stale_days: int
    stale_sites: list[tuple[str, date | None]]
    members: int
    idle_members: list[str]
    overdue: int
    due_soon: int
    most_overdue: list[tuple[str, int]]  # (number, days overdue)
    photos: list[DayPhoto]

    @property
    def problems(self) -> int:
        return sum(sum(p.problems.values()) for p in self.projects)

    @property
    def suggestions(self) -> int:
        return sum(p.suggestions for p in self.projects)

    @property
    def quiet(self) -> bool:
        """Nobody checked in and nothing was raised."""
        return not self.visits and not self.items


def day_bounds(day: date, services: Services) -> tuple[str, str]:
    zone = services.settings.zone
    start = datetime.combine(day, time.min, zone)
    return to_db(start), to_db(datetime.combine(day + timedelta(days=1), time.min, zone))


async def group_summary(
    services: Services, group_id: int, day: date, *, now: datetime
) -> GroupSummary:
    """What the group did on `day` (a local date), and what it still owes."""
    settings = services.settings
    zone = settings.zone
    repo = services.reports
    group = await repo.group(group_id)
    if group is None:
        raise LookupError(f"no group {group_id}")
    code, name, campaign_id = group
    year = services.campaign.year
    start, end = day_bounds(day, services)
    labels = await repo.labels(campaign_id)

    visits = []
    for v in await repo.group_visits(group_id, start, end):
        at = from_db(v.at)
        assert at is not None
        visits.append(
            VisitLine(at.astimezone(zone), v.person_name, v.site_name, v.on_site, v.reason)
        )

    items = [
        ItemLine(
            kind=Kind(i.kind),
            number=format_number(year, i.number) if i.number is not None else "",
            place=i.site_name or labels.projects.get(i.project_id or 0, ""),
            author=i.author_name,
            description=i.description,
        )
        for i in await repo.group_items(group_id, start, end)
    ]

    per_project: dict[int | None, tuple[dict[int | None, int], list[int]]] = {}
    for project_id, category_id, kind, count in await repo.item_counts(group_id, start, end):
        problems, suggestions = per_project.setdefault(project_id, ({}, [0]))
        if kind == Kind.PROBLEM:
            problems[category_id] = problems.get(category_id, 0) + count
        else:
            suggestions[0] += count
    order = {pid: n for n, pid in enumerate(labels.project_order)}
    projects = [
        ProjectDay(labels.projects.get(pid or 0, ""), problems, suggestions[0])
        for pid, (problems, suggestions) in sorted(
            per_project.items(), key=lambda kv: order.get(kv[0] or 0, len(order))
        )
    ]
    categories = [CategoryName(cid, *labels.categories[cid]) for cid in labels.category_order]

    stale_days = settings.schedule.stale_site_days
    cutoff = to_db(datetime.combine(day - timedelta(days=stale_days - 1), time.min, zone))
    stale = []
    for site in await repo.stale_sites(group_id, cutoff, end):
        last = from_db(site.last_visit)
        stale.append((site.name, last.astimezone(zone).date() if last else None))

    soon = now + timedelta(days=settings.deadlines.due_soon_days)
    overdue, due_soon, worst = await repo.group_deadlines(
        group_id, to_db(now), to_db(soon), MOST_OVERDUE
    )
    most_overdue = []
    for o in worst:
        due = from_db(o.due_at)
        assert due is not None
        number = format_number(year, o.number) if o.number is not None else ""
        most_overdue.append((number, max(0, (now - due).days)))

    photos = []
    for p in await repo.group_photos(group_id, start, end):
        at = from_db(p.at)
        assert at is not None
        photos.append(
            DayPhoto(
                id=p.id,
                path=services.store.root / p.thumb_path,
                kind=Kind(p.item_kind) if p.item_kind else None,
                number=format_number(year, p.item_number) if p.item_number is not None else "",
                site=p.site_name or "",
                at=at.astimezone(zone),
            )
        )

    return GroupSummary(
        group_id=group_id,
        group_code=code,
        group_name=name,
        day=day,
        visits=visits,
        items=items,
        projects=projects,
        categories=categories,
        stale_days=stale_days,
        stale_sites=stale,
        members=await repo.members(group_id),
        idle_members=await repo.idle_members(group_id, start, end),
        overdue=overdue,
        due_soon=due_soon,
        most_overdue=most_overdue,
        photos=photos,
    )


# --- text --------------------------------------------------------------------------------------


def _presence(reason: str, texts: Texts) -> str:
    """The verdict in words; a reason this version has no words for is shown as stored."""
    key = f"presence.{reason}"
    return texts(f"presence.{reason}") if texts.has(key) else html.escape(reason)


def _excerpt(text: str) -> str:
    return clip(" ".join(text.split()), EXCERPT_CHARS)


def render_summary(summary: GroupSummary, texts: Texts) -> list[str]:
    """The summary as Telegram messages (HTML), split between lines under the limit."""
    e = html.escape
    lines = [texts("dailysum.title", group=e(summary.group_name), day=summary.day.isoformat())]
    if summary.quiet:
        lines.append(texts("dailysum.quiet"))
    if summary.visits:
        lines += ["", texts("dailysum.visits", count=len(summary.visits))]
        for v in summary.visits:
            params = {
                "time": v.at.strftime("%H:%M"),
                "person": e(v.person),
                "site": e(v.site),
                "presence": _presence(v.reason, texts),
            }
            if v.on_site:
                lines.append(texts("dailysum.visit_on_site", **params))
            else:
                lines.append(texts("dailysum.visit_off_site", **params))
    if summary.items:
        lines += [
            "",
            texts("dailysum.items", problems=summary.problems, suggestions=summary.suggestions),
        ]
        for project in summary.projects:
            lines.append(
                texts(
                    "dailysum.project_row",
                    label=e(project.label) or texts("tally.unassigned"),
                    problems=sum(project.problems.values()),
                    suggestions=project.suggestions,
                )
            )
        by_category: dict[int | None, int] = defaultdict(int)
        for project in summary.projects:
            for category_id, count in project.problems.items():
                by_category[category_id] += count
        for category in _categories_present(summary, by_category):
            lines.append(
                texts(
                    "dailysum.category_row",
                    label=e(category.label(texts.language)) or texts("tally.unassigned"),
                    count=by_category[category.id],
                )
            )
        lines += ["", texts("dailysum.item_list")]
        for item in summary.items:
            label = texts("item_label", kind=texts(f"kind.{item.kind}"), number=item.number)
            lines.append(
                texts(
                    "dailysum.item_row",
                    label=label,
                    place=e(item.place) or "—",
                    author=e(item.author),
                    excerpt=e(_excerpt(item.description)),
                )
            )
    if summary.stale_sites:
        lines += [
            "",
            texts("dailysum.stale", days=summary.stale_days, count=len(summary.stale_sites)),
        ]
        for site, last in summary.stale_sites:
            if last is None:
                lines.append(texts("dailysum.stale_never", site=e(site)))
            else:
                lines.append(texts("dailysum.stale_row", site=e(site), date=last.isoformat()))
    if summary.members:
        lines.append("")
        if len(summary.idle_members) == summary.members:
            lines.append(texts("dailysum.all_idle", total=summary.members))
        elif summary.idle_members:
            lines.append(
                texts("dailysum.idle", count=len(summary.idle_members), total=summary.members)
            )
            separator = texts("dailysum.name_separator")
            lines.append(separator.join(e(name) for name in summary.idle_members))
        else:
            lines.append(texts("dailysum.none_idle", total=summary.members))
    if summary.overdue or summary.due_soon:
        lines += [
            "",
            texts("dailysum.deadlines", overdue=summary.overdue, due_soon=summary.due_soon),
        ]
        if summary.most_overdue:
            worst = texts("dailysum.name_separator").join(
                texts("dailysum.overdue_item", number=number, days=days)
                for number, days in summary.most_overdue
            )
            lines.append(texts("dailysum.most_overdue", items=worst))
    return split_message("\n".join(lines))


def _categories_present(summary: GroupSummary, counts: dict[int | None, int]) -> list[CategoryName]:
    """Categories with problems today, in catalog order; an unknown or missing one last."""
    known = [c for c in summary.categories if counts.get(c.id)]
    ids = {c.id for c in summary.categories}
    if any(count for cid, count in counts.items() if cid not in ids):
        stray = sum(count for cid, count in counts.items() if cid not in ids)
        counts[None] = stray
        known.append(CategoryName(None, "", ""))
    return known


# --- pictures ----------------------------------------------------------------------------------


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


def _draw(summary: GroupSummary, texts: Texts, font: Path) -> list[Picture]:
    """Blocking: the chart and the contact sheets (run in a thread)."""
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
        image = render_sheet(sheet, caption, font)
        pictures.append(Picture(f"sheet{n}", image, html.escape(caption), "jpg"))
    return pictures


async def summary_pictures(summary: GroupSummary, texts: Texts) -> list[Picture]:
    """Chart and contact sheets, drawn off the event loop; none (and a warning) without a font."""
    if not summary.items and not summary.photos:
        return []
    try:
        font = _cjk_font()
    except FontMissing as exc:
        log.warning("Daily summary of group %s goes without pictures: %s", summary.group_id, exc)
        return []
    return await asyncio.to_thread(_draw, summary, texts, font)


# --- the evening push --------------------------------------------------------------------------


def _write_atomically(path: Path, data: bytes) -> None:
    """Write then rename: the sender never reads a half-written image."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def summary_dir(services: Services, day: date) -> Path:
    return (services.settings.storage.files_dir / "summaries" / day.isoformat()).absolute()


def dedup_key(person_id: int, day: date, part: str) -> str:
    return f"summary:{person_id}:{day.isoformat()}:{part}"


async def _queue_group(
    services: Services, group_id: int, leaders: list[Leader], day: date, now: datetime
) -> int:
    summary = await group_summary(services, group_id, day, now=now)
    default = services.settings.i18n.default_language
    languages = {
        leader.person_id: leader.language if leader.language in LANGUAGES else default
        for leader in leaders
    }
    notices: list[Notice] = []
    rendered: dict[str, tuple[list[str], list[tuple[str, str, str]]]] = {}
    for language in sorted(set(languages.values())):
        texts = Texts(language)
        parts = render_summary(summary, texts)
        files = []
        for picture in await summary_pictures(summary, texts):
            path = (
                summary_dir(services, day)
                / f"g{group_id}-{language}-{picture.name}.{picture.suffix}"
            )
            await asyncio.to_thread(_write_atomically, path, picture.data)
            files.append((picture.name, str(path), picture.caption))
        rendered[language] = (parts, files)
    for leader in leaders:
        parts, files = rendered[languages[leader.person_id]]
        for n, text in enumerate(parts, start=1):
            notices.append(
                Notice(
                    leader.person_id, text=text, dedup=dedup_key(leader.person_id, day, f"text{n}")
                )
            )
        for name, file_path, caption in files:
            notices.append(
                Notice(
                    leader.person_id,
                    text=caption,
                    file_path=file_path,
                    file_kind="photo",
                    dedup=dedup_key(leader.person_id, day, name),
                )
            )
    # One transaction per group: its leaders get the whole summary or, after a crash, none of it.
    return await services.outbox.enqueue(notices, now)


async def queue_daily_summaries(services: Services, day: date, now: datetime) -> int:
    """Queue `day`'s summary of every group to each of its active leaders; returns new rows.

    Run twice for the same day, it queues nothing new: every part has its dedup key, and a
    group whose leaders all have the summary already is not even summarised again.
    """
    repo = services.reports
    by_group: dict[int, list[Leader]] = defaultdict(list)
    for leader in await repo.leaders(services.campaign.id):
        by_group[leader.group_id].append(leader)
    limit = asyncio.Semaphore(CONCURRENT_GROUPS)

    async def one(group_id: int, leaders: list[Leader]) -> int:
        firsts = [dedup_key(leader.person_id, day, "text1") for leader in leaders]
        if set(firsts) <= await repo.queued(firsts):
            return 0
        async with limit:
            try:
                return await _queue_group(services, group_id, leaders, day, now)
            except Exception:
                # One group's failure must not keep the other groups' leaders uninformed.
                log.exception("Daily summary of group %s for %s failed", group_id, day)
                return 0

    counts = await asyncio.gather(*(one(g, ls) for g, ls in sorted(by_group.items())))
    added = sum(counts)
    log.info("Daily summaries for %s: %d groups, %d new outbox rows", day, len(by_group), added)
    return added
