"""/projects <sub-item code>: one sub-item in detail, its unit's latest reports with how many
photos each has, and a button per report with photos that sends them as an album.

The same reach as the board (bot/scope.py progress_reach), asked again on every press: a button
of a report outside the caller's reach (forged, or kept after a move) shows nothing.
"""

from __future__ import annotations

import html
from datetime import tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.progress import LIGHT_EMOJI, ReportRecord, TargetRecord, bar, number
from bot.texts import Texts
from bot.usecases import progress, progress_photos
from bot.usecases.progress import SubitemDetail
from handlers import callbacks
from handlers.context import BotContext
from handlers.replies import send_album

REPORTS_SHOWN = 5
NOTE_SHOWN = 80


def _values(report: ReportRecord, targets: list[TargetRecord]) -> str:
    return " · ".join(
        f"{number(report.values[t.id])}/{t.describe()}" for t in targets if t.id in report.values
    )


def detail_text(texts: Texts, d: SubitemDetail, zone: tzinfo) -> str:
    """The sub-item, its targets, and its unit's latest reports with their photo counts."""
    sp = d.progress
    derived = sp.derived
    status = texts(f"progress.status.{derived.status.value if derived.status else 'none'}")
    lines = [
        texts(
            "projects.detail_head",
            code=sp.subitem.code,
            title=html.escape(sp.subitem.title),
            project=html.escape(f"{d.project_code} {d.project_title}"),
            unit=html.escape(sp.subitem.unit_name),
        ),
        (
            f"{LIGHT_EMOJI[derived.light] if derived.light else ''} {bar(derived.reached)} "
            f"{derived.percent}% · {status}"
            if derived.status is not None
            else status
        ),
    ]
    lines += [
        texts(
            "projects.detail_target",
            label=html.escape(t.label),
            target=t.describe(),
            deadline=t.deadline.isoformat(),
        )
        for t in sp.targets
    ]
    if not d.reports:
        lines.append(texts("projects.detail_no_reports"))
    else:
        lines.append(texts("projects.detail_reports", count=len(d.reports)))
    for report in d.reports[:REPORTS_SHOWN]:
        lines.append(
            texts(
                "projects.detail_report",
                day=report.at.astimezone(zone).date().isoformat(),
                name=html.escape(report.person_name),
                values=html.escape(_values(report, sp.targets)),
                note=html.escape(report.note[:NOTE_SHOWN]) or "—",
                photos=len(report.photos),
            )
        )
    if sp.observations:
        lines.append(texts("projects.detail_observations", count=sp.observations))
    return "\n".join(lines)


def photo_buttons(texts: Texts, d: SubitemDetail, zone: tzinfo) -> InlineKeyboardMarkup | None:
    rows = [
        [
            InlineKeyboardButton(
                texts(
                    "projects.button_photos",
                    day=report.at.astimezone(zone).date().isoformat(),
                    count=len(report.photos),
                ),
                callback_data=f"{callbacks.REPORT_PHOTOS}:{report.id}",
            )
        ]
        for report in d.reports[:REPORTS_SHOWN]
        if report.photos
    ]
    return InlineKeyboardMarkup(rows) if rows else None


async def subitem_detail(update: Update, context: BotContext, code: str) -> None:
    services = context.services
    subitem_id = await progress.subitem_by_code(services, code)
    detail = await progress.detail(services, context.person, subitem_id)
    message = update.effective_message
    assert message is not None
    zone = services.settings.zone
    await message.reply_text(
        detail_text(context.texts, detail, zone),
        reply_markup=photo_buttons(context.texts, detail, zone),
    )


async def report_photos_pressed(update: Update, context: BotContext) -> None:
    """ph:<report id>: the report's photos, as one album, for someone who may read it."""
    query = update.callback_query
    assert query is not None
    raw = (query.data or "").removeprefix(f"{callbacks.REPORT_PHOTOS}:")
    report_id: object = int(raw) if raw.isdigit() and len(raw) < 12 else None
    report, photos = await progress_photos.report_photos(
        context.services, context.person, report_id
    )
    await query.answer()
    chat = update.effective_chat
    assert chat is not None
    day = report.at.astimezone(context.services.settings.zone).date().isoformat()
    caption = context.texts(
        "projects.photos_caption", day=day, name=html.escape(report.person_name), count=len(photos)
    )
    if not photos:
        await context.bot.send_message(chat.id, caption)
        return
    await send_album(context, chat.id, photos, caption)
