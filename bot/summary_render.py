"""The daily summary as text: Telegram messages (HTML), split between lines under the limit."""

from __future__ import annotations

import html
from collections import defaultdict

from bot.coverage import render_coverage
from bot.split import split_message
from bot.summary import CategoryName, GroupSummary
from bot.texts import Texts
from bot.views import clip

EXCERPT_CHARS = 40


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
    if summary.coverage is not None:
        lines += render_coverage(summary.coverage, texts)
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
