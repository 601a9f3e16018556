"""/projects: projects → sub-items with text progress bars, status, light and last report.

Staff see every project, leaders and deputies their group's, liaisons the sub-items their unit
leads (bot/scope.py progress_reach). Long boards come in pages under Telegram's limit, turned
with buttons (pj:<page>); every page is worked out again for the caller's reach at that moment.
"""

from __future__ import annotations

import contextlib
import html
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.progress import LIGHT_EMOJI, Board, Derived, SubitemProgress, bar
from bot.texts import Texts
from bot.usecases import progress
from handlers import callbacks
from handlers.context import BotContext
from handlers.flow import StepHandler, steps
from handlers.projects_detail import report_photos_pressed, subitem_detail

PAGE_CHARS = 3500  # under Telegram's 4096, with room for the title and page line
TITLE_SHOWN = 40


def _status(texts: Texts, derived: Derived) -> str:
    return texts(f"progress.status.{derived.status.value if derived.status else 'none'}")


def _subitem(texts: Texts, sp: SubitemProgress, zone: ZoneInfo) -> str:
    title = html.escape(sp.subitem.title[:TITLE_SHOWN])
    d = sp.derived
    if d.status is None:
        return texts(
            "projects.subitem_plain", code=sp.subitem.code, title=title, status=_status(texts, d)
        )
    if sp.latest is None:
        last = texts("projects.never")
    else:
        last = texts(
            "projects.last",
            day=sp.latest.at.astimezone(zone).date().isoformat(),
            name=html.escape(sp.latest.person_name),
        )
    return texts(
        "projects.subitem_line",
        code=sp.subitem.code,
        title=title,
        light=LIGHT_EMOJI[d.light] if d.light else "",
        bar=bar(d.reached),
        percent=d.percent,
        status=_status(texts, d),
        last=last,
    )


def pages(texts: Texts, board: Board, zone: ZoneInfo) -> list[str]:
    """The board as message texts, each under PAGE_CHARS, a project never split."""
    blocks = []
    for project in board.projects:
        d = project.derived
        lines = [
            texts(
                "projects.project_plain",
                code=project.code,
                title=html.escape(project.title),
                status=_status(texts, d),
            )
            if d.status is None
            else texts(
                "projects.project_line",
                code=project.code,
                title=html.escape(project.title),
                light=LIGHT_EMOJI[d.light] if d.light else "",
                bar=bar(d.reached),
                percent=d.percent,
                status=_status(texts, d),
            )
        ]
        lines += [_subitem(texts, sp, zone) for sp in project.subitems]
        blocks.append("\n".join(lines))
    out: list[str] = []
    current = ""
    for block in blocks:
        if current and len(current) + len(block) + 1 > PAGE_CHARS:
            out.append(current)
            current = ""
        current = f"{current}\n{block}" if current else block
    if current:
        out.append(current)
    return out


def _page(context: BotContext, board: Board, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    texts = context.texts
    all_pages = pages(texts, board, context.services.settings.zone)
    if not all_pages:
        return texts("projects.none"), None
    page = max(0, min(page, len(all_pages) - 1))
    head = texts("projects.title", day=board.day.isoformat())
    text = f"{head}\n{all_pages[page]}\n\n{texts('projects.detail_hint')}"
    if len(all_pages) == 1:
        return text, None
    text += "\n\n" + texts("projects.page", page=page + 1, pages=len(all_pages))
    row = []
    if page > 0:
        row.append(
            InlineKeyboardButton(
                texts("projects.button_prev"), callback_data=f"{callbacks.PROJECTS}:{page - 1}"
            )
        )
    if page + 1 < len(all_pages):
        row.append(
            InlineKeyboardButton(
                texts("projects.button_next"), callback_data=f"{callbacks.PROJECTS}:{page + 1}"
            )
        )
    return text, InlineKeyboardMarkup([row])


async def projects_command(update: Update, context: BotContext) -> None:
    """/projects: the board; /projects C01-1: that sub-item in detail (handlers/projects_detail)."""
    if context.args:
        await subitem_detail(update, context, context.args[0])
        return
    board = await progress.board(context.services, context.person)
    message = update.effective_message
    assert message is not None
    text, markup = _page(context, board, 0)
    await message.reply_text(text, reply_markup=markup)


async def projects_page(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    raw = (query.data or "").removeprefix(f"{callbacks.PROJECTS}:")
    page = int(raw) if raw.isdigit() and len(raw) < 6 else 0
    board = await progress.board(context.services, context.person)  # the reach of now
    text, markup = _page(context, board, page)
    await query.answer()
    with contextlib.suppress(BadRequest):  # the same page pressed twice: "not modified"
        await query.edit_message_text(text, reply_markup=markup)


def entry_points() -> list[StepHandler]:
    return []


def states() -> dict[str, list[StepHandler]]:
    return {}


def commands() -> list[StepHandler]:
    """/projects, its page buttons and a report's photo buttons work outside any conversation."""
    return steps(
        CommandHandler("projects", projects_command),
        CallbackQueryHandler(projects_page, pattern=rf"^{callbacks.PROJECTS}:\d+$"),
        CallbackQueryHandler(
            report_photos_pressed, pattern=callbacks.pattern(callbacks.REPORT_PHOTOS)
        ),
    )
