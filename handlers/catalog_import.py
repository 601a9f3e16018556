"""/catalog: staff upload the campaign's catalog (projects, sub-items, sites, units, groups).

It takes a .toml file, validates it exactly as `deputy-bot import` does, shows what the import
would create and update, and imports it only when confirmed.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
from pathlib import Path

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.catalog import Catalog, CatalogError
from bot.catalog_file import parse_catalog
from bot.people import Action, require_can
from bot.records import ImportReport
from bot.texts import Texts
from bot.usecases import people
from handlers import callbacks
from handlers import flow as flows
from handlers.context import BotContext
from handlers.conversation import END
from handlers.replies import replying

log = logging.getLogger(__name__)

CATALOG_FILE, CATALOG_CONFIRM = "manage.catalog_file", "manage.catalog_confirm"
# /people's prefix: both were one feature, and the buttons of a preview already shown still work.
PREFIX = callbacks.MANAGE
CATALOG_MAX_BYTES = 1024 * 1024
ERRORS_SHOWN = 30


async def start_catalog(update: Update, context: BotContext) -> str:
    """Ask for the catalog file."""
    require_can(context.person, Action.MANAGE)
    message, _flow = await flows.open_flow(update, context, "catalog")
    await message.reply_text(
        context.texts(
            "manage.catalog_ask",
            code=html.escape(context.services.campaign.code),
            max_kb=CATALOG_MAX_BYTES // 1024,
        )
    )
    return CATALOG_FILE


async def catalog_file(update: Update, context: BotContext) -> str | int:
    """Validate the uploaded catalog and show what importing it would change."""
    require_can(context.person, Action.MANAGE)
    message = update.effective_message
    assert message is not None
    texts = context.texts
    services = context.services
    document = message.document
    if document is None or not (document.file_name or "").lower().endswith(".toml"):
        await message.reply_text(texts("manage.catalog_not_toml"))
        return CATALOG_FILE
    max_kb = CATALOG_MAX_BYTES // 1024
    if document.file_size is not None and document.file_size > CATALOG_MAX_BYTES:
        await message.reply_text(texts("manage.catalog_too_big", max_kb=max_kb))
        return CATALOG_FILE
    try:
        tg_file = await context.bot.get_file(document.file_id)
        data = bytes(await tg_file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("Download of a catalog failed: %s", exc)
        await message.reply_text(texts("manage.catalog_download_failed"))
        return CATALOG_FILE
    if len(data) > CATALOG_MAX_BYTES:
        await message.reply_text(texts("manage.catalog_too_big", max_kb=max_kb))
        return CATALOG_FILE
    name = document.file_name or "catalog.toml"
    catalog = await _validated(update, context, data, name)
    if catalog is None:
        return CATALOG_FILE
    report = await people.rehearse_import(services, context.person, catalog, now=context.now())
    if not report.changed:
        flows.end_flow(context)
        await message.reply_text(texts("manage.catalog_unchanged"))
        return END
    digest = hashlib.sha256(data).hexdigest()
    path = services.settings.storage.files_dir / "catalogs" / f"{digest}.toml"
    await asyncio.to_thread(_write, path, data)
    flow = flows.current_flow(context)
    flow["catalog_path"] = str(path)
    flow["catalog_sha"] = digest
    nonce = flow["nonce"]
    markup = InlineKeyboardMarkup(
        [
            [flows.button(texts("manage.catalog_import"), PREFIX, nonce, "import")],
            [flows.button(texts("button.cancel"), PREFIX, nonce, "cancel")],
        ]
    )
    await message.reply_text(
        texts(
            "manage.catalog_preview",
            name=html.escape(name),
            code=html.escape(catalog.campaign.code),
            lines=_report_lines(texts, report),
        ),
        reply_markup=markup,
    )
    return CATALOG_CONFIRM


async def _validated(update: Update, context: BotContext, data: bytes, name: str) -> Catalog | None:
    """The parsed catalog of the running campaign; None (after saying why) for anything else."""
    message = update.effective_message
    assert message is not None
    texts = context.texts
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        await message.reply_text(texts("manage.catalog_not_utf8"))
        return None
    try:
        catalog = await asyncio.to_thread(parse_catalog, text, source=name)
    except CatalogError as exc:
        shown = [f"• <code>{html.escape(e)}</code>" for e in exc.errors[:ERRORS_SHOWN]]
        if len(exc.errors) > ERRORS_SHOWN:
            shown.append(f"… +{len(exc.errors) - ERRORS_SHOWN}")
        await message.reply_text(
            texts(
                "manage.catalog_invalid",
                name=html.escape(name),
                count=len(exc.errors),
                errors="\n".join(shown),
            )
        )
        return None
    running = context.services.campaign.code
    if catalog.campaign.code != running:
        await message.reply_text(
            texts(
                "manage.catalog_other_campaign",
                code=html.escape(catalog.campaign.code),
                running=html.escape(running),
            )
        )
        return None
    return catalog


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _report_lines(texts: Texts, report: ImportReport) -> str:
    names = {
        "campaigns": texts("manage.table_campaigns"),
        "units": texts("manage.table_units"),
        "projects": texts("manage.table_projects"),
        "subitems": texts("manage.table_subitems"),
        "sites": texts("manage.table_sites"),
        "groups": texts("manage.table_groups"),
        "group_projects": texts("manage.table_group_projects"),
        "group_units": texts("manage.table_group_units"),
        "categories": texts("manage.table_categories"),
        "targets": texts("progress.table_targets"),
        "milestones": texts("progress.table_milestones"),
        "campaign_phases": texts("plan.table_phases"),
        "campaign_key_dates": texts("plan.table_key_dates"),
    }
    lines = []
    for table, label in names.items():
        created = report.created.get(table, 0)
        updated = report.updated.get(table, 0)
        unchanged = report.unchanged.get(table, 0)
        if created or updated or unchanged:
            lines.append(
                texts(
                    "manage.catalog_line",
                    table=label,
                    created=created,
                    updated=updated,
                    unchanged=unchanged,
                )
            )
    return "\n".join(lines)


async def catalog_confirm(update: Update, context: BotContext) -> str | int:
    """Import the previewed catalog in one transaction, or drop it."""
    require_can(context.person, Action.MANAGE)
    press = await flows.pressed(update, context, PREFIX)
    if press is None:
        return CATALOG_CONFIRM
    query = press.query
    texts = context.texts
    services = context.services
    flow = flows.end_flow(context)
    if press.verb != "import":
        await query.edit_message_text(texts("manage.catalog_cancelled"))
        return END
    path = Path(str(flow.get("catalog_path", "")))
    data = await asyncio.to_thread(_read, path)
    if data is None or hashlib.sha256(data).hexdigest() != flow.get("catalog_sha"):
        await query.edit_message_text(texts("manage.catalog_gone"))
        return END
    # Validated again: the file is ours, but the running campaign is checked at import time.
    catalog = await _validated(update, context, data, path.name)
    if catalog is None:
        return END
    report = await people.import_catalog(services, context.person, catalog, now=context.now())
    log.info("Catalog %s imported by person %s", report.campaign_code, context.me.id)
    await query.edit_message_text(
        texts(
            "manage.catalog_imported",
            code=html.escape(report.campaign_code),
            lines=_report_lines(texts, report),
        )
    )
    return END


# --- wiring ----------------------------------------------------------------------------------------


def entry_points() -> list[flows.StepHandler]:
    """Commands that open this feature's steps in the shared conversation."""
    return flows.steps(CommandHandler("catalog", start_catalog))


def states() -> dict[str, list[flows.StepHandler]]:
    """This feature's conversation steps (state names keep the "manage." of /catalog's first home:
    open conversations are stored with them)."""
    return {
        CATALOG_FILE: flows.steps(
            MessageHandler(flows.MESSAGE & filters.Document.ALL, catalog_file),
            MessageHandler(flows.TYPED, replying("manage.catalog_not_toml")),
        ),
        CATALOG_CONFIRM: flows.steps(
            CallbackQueryHandler(catalog_confirm, pattern=rf"^{PREFIX}:"),
            MessageHandler(flows.TYPED, flows.buttons_expected),
        ),
    }


def commands() -> list[flows.StepHandler]:
    """Handlers that work outside any conversation (commands, buttons of notifications)."""
    return []
