"""/export: staff's problem-and-suggestion list as files (Excel, CSV, the letter, the photos).

Format, then period (a button or two typed dates), then one status message edited as rows are
written, and the file as a document. The export itself runs off the event loop (bot/exports.py),
so other people's updates go on while a large list is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Awaitable, Callable, Collection
from datetime import date
from pathlib import Path
from typing import cast

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler
from telegram.ext import filters as tg_filters

from bot.errors import Refused
from bot.exports import suggested_name
from bot.listing import (
    BATCH_ROWS,
    FORMATS,
    PERIODS,
    Format,
    ListFilter,
    local_today,
    parse_period,
    period_dates,
)
from bot.people import Action, require_can
from bot.texts import Texts
from bot.usecases import figures
from handlers import callbacks
from handlers import flow as flows
from handlers.context import BotContext
from handlers.conversation import END

FORMAT, PERIOD = "export.format", "export.period"
PREFIX = callbacks.EXPORT
# The Bot API refuses documents over 50 MB from bots (without a local Bot API server).
TELEGRAM_DOCUMENT_LIMIT = 50 * 1024 * 1024
# Edits of the status message: often enough to show life, rarely enough for Telegram's limits.
PROGRESS_SECONDS = 1.5


def _format_labels(texts: Texts) -> dict[str, str]:
    # Spelled out, not computed from bot/listing.py's FORMATS: tests/test_texts.py checks each
    # literal key and its placeholders ("export.period.range" takes dates; these take none).
    return {
        "xlsx": texts("export.format.xlsx"),
        "csv": texts("export.format.csv"),
        "docx": texts("export.format.docx"),
        "zip": texts("export.format.zip"),
    }


def _period_labels(texts: Texts) -> dict[str, str]:
    return {
        "all": texts("export.period.all"),
        "this_month": texts("export.period.this_month"),
        "last_month": texts("export.period.last_month"),
        "this_week": texts("export.period.this_week"),
    }


def _two_a_row(texts: Texts, nonce: str, verb: str, labels: dict[str, str]) -> InlineKeyboardMarkup:
    """The choices of a step, two buttons a row (the labels are short), then cancel."""
    buttons = [flows.button(label, PREFIX, nonce, verb, key) for key, label in labels.items()]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([flows.button(texts("button.cancel"), PREFIX, nonce, "cancel")])
    return InlineKeyboardMarkup(rows)


async def start_export(update: Update, context: BotContext) -> str:
    """Ask staff which kind of file they want."""
    require_can(context.person, Action.EXPORT)
    message, flow = await flows.open_flow(update, context, "export")
    nonce = flow["nonce"]
    texts = context.texts
    keys = _two_a_row(texts, nonce, "fmt", _format_labels(texts))
    await message.reply_text(texts("export.choose_format"), reply_markup=keys)
    return FORMAT


async def _cancel(update: Update, context: BotContext) -> int:
    flows.end_flow(context)
    query = update.callback_query
    if query is not None:
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(context.texts("cancelled"))
    return END


async def _choice(
    update: Update,
    context: BotContext,
    here: str,
    verb: str,
    choices: Collection[str],
    go_on: Callable[[str], Awaitable[str | int]],
) -> str | int:
    """A button of a step: `verb` with one of `choices` goes on with it, cancel ends the flow,
    and anything else (a stale or foreign press) leaves the step as it is."""
    press = await flows.pressed(update, context, PREFIX)
    if press is None:
        return here
    if press.verb == "cancel":
        return await _cancel(update, context)
    if press.verb != verb or press.arg not in choices:
        return here
    return await go_on(press.arg)


async def format_step(update: Update, context: BotContext) -> str | int:
    """A format was picked: ask for the period."""
    return await _choice(
        update, context, FORMAT, "fmt", FORMATS, lambda fmt: _ask_period(update, context, fmt)
    )


async def _ask_period(update: Update, context: BotContext, fmt: str) -> str:
    require_can(context.person, Action.EXPORT)
    flow = flows.current_flow(context)
    flow["format"] = fmt
    texts = context.texts
    nonce = flow["nonce"]
    query = update.callback_query
    assert query is not None
    sent = await query.edit_message_text(
        texts("export.choose_period", format=_format_labels(texts)[fmt]),
        reply_markup=_two_a_row(texts, nonce, "period", _period_labels(texts)),
    )
    if isinstance(sent, Message):
        flow["message_id"] = sent.message_id
    return PERIOD


async def period_step(update: Update, context: BotContext) -> str | int:
    """A period button: export now."""
    return await _choice(
        update, context, PERIOD, "period", PERIODS, lambda key: _export_period(update, context, key)
    )


async def _export_period(update: Update, context: BotContext, key: str) -> int:
    await flows.remove_buttons(update)
    today = local_today(context.services.settings.zone, context.now())
    start, end = period_dates(key, today)
    return await _export(update, context, start, end, _period_labels(context.texts)[key])


async def typed_period(update: Update, context: BotContext) -> str | int:
    """Two typed dates: export that range (bad dates get an example and change nothing)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    start, end = parse_period(message.text)
    message_id = flows.current_flow(context).get("message_id")
    if isinstance(message_id, int):
        # The period buttons belong to this step; once a range is typed they must not linger.
        with contextlib.suppress(BadRequest):
            await context.bot.edit_message_reply_markup(
                message.chat_id, message_id, reply_markup=None
            )
    label = context.texts("export.period.range", start=start.isoformat(), end=end.isoformat())
    return await _export(update, context, start, end, label)


def _cli_command(fmt: str, start: date | None, end: date | None, name: str) -> str:
    parts = ["deputy-bot export --config config.toml", f"--format {fmt}", f"--out {name}"]
    if start is not None:
        parts.append(f"--from {start.isoformat()}")
    if end is not None:
        parts.append(f"--to {end.isoformat()}")
    return " ".join(parts)


async def _export(
    update: Update, context: BotContext, start: date | None, end: date | None, period: str
) -> int:
    require_can(context.person, Action.EXPORT)
    message = update.effective_message
    assert message is not None
    fmt = flows.current_flow(context).get("format")
    flows.end_flow(context)
    if fmt not in FORMATS:
        raise Refused("button_expired")
    fmt = cast(Format, fmt)
    services = context.services
    texts = context.texts
    format_label = _format_labels(texts)[fmt]
    status = await message.reply_text(texts("export.started", format=format_label, period=period))
    files_dir = services.settings.storage.files_dir
    await asyncio.to_thread(files_dir.mkdir, parents=True, exist_ok=True)
    out = files_dir / f"export-{context.me.id}-{secrets.token_hex(4)}.{fmt}"
    loop = asyncio.get_running_loop()
    last_edit = float("-inf")

    async def progress(done: int, total: int) -> None:
        nonlocal last_edit
        if done >= total or loop.time() - last_edit < PROGRESS_SECONDS:
            return
        last_edit = loop.time()
        with contextlib.suppress(BadRequest):
            await status.edit_text(texts("export.progress", done=done, total=total))

    try:
        result = await figures.export(
            services,
            context.caller(),
            fmt,
            out,
            ListFilter(date_from=start, date_to=end),
            language=texts.language,
            progress=progress,
            batch=BATCH_ROWS,
        )
        if result.listed == 0:
            await status.edit_text(texts("export.empty", period=period))
            return END
        if fmt == "zip" and result.photos == 0:
            await status.edit_text(texts("export.no_photos", period=period))
            return END
        name = suggested_name(texts, fmt, local_today(services.settings.zone, context.now()))
        if result.bytes > TELEGRAM_DOCUMENT_LIMIT:
            await status.edit_text(
                texts(
                    "export.too_big",
                    size_mb=f"{result.bytes / 1024 / 1024:.0f}",
                    command=_cli_command(fmt, start, end, name),
                )
            )
            return END
        if fmt == "zip":
            done = texts(
                "export.done_zip",
                period=period,
                photos=result.photos,
                rows=result.rows,
                listed=result.listed,
            )
        else:
            done = texts(
                "export.done",
                format=format_label,
                period=period,
                rows=result.rows,
                problems=result.problems,
                suggestions=result.suggestions,
            )
        with contextlib.suppress(BadRequest):
            await status.edit_text(done)
        data = await asyncio.to_thread(out.read_bytes)
        await message.reply_document(document=data, filename=name)
    finally:
        await asyncio.to_thread(_remove, out)
    return END


def _remove(path: Path) -> None:
    # The file can be made again at any time; keeping it would only keep personal data around.
    path.unlink(missing_ok=True)


def entry_points() -> list[flows.StepHandler]:
    """Commands that open this feature's steps in the shared conversation."""
    return [cast(flows.StepHandler, CommandHandler("export", start_export))]


def states() -> dict[str, list[flows.StepHandler]]:
    """This feature's conversation steps (state names are prefixed with the feature's name)."""
    buttons_only = cast(flows.StepHandler, MessageHandler(flows.TYPED, flows.buttons_expected))
    return {
        FORMAT: [
            cast(flows.StepHandler, CallbackQueryHandler(format_step, pattern=rf"^{PREFIX}:")),
            buttons_only,
        ],
        PERIOD: [
            cast(flows.StepHandler, CallbackQueryHandler(period_step, pattern=rf"^{PREFIX}:")),
            cast(flows.StepHandler, MessageHandler(flows.TYPED & tg_filters.TEXT, typed_period)),
            buttons_only,
        ],
    }


def commands() -> list[flows.StepHandler]:
    """Handlers that work outside any conversation (commands, buttons of notifications)."""
    return []
