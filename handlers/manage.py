"""/people and /catalog: staff change roles, groups and access, and upload the catalog.

/people finds a person by (part of) their name and shows a card with what can be changed; every
change is checked on the server (staff only, not oneself, the person still as shown), written with
an audit row, told to the person, and their command menu follows their new role.

/catalog takes a .toml file, validates it exactly as `deputy-bot import` does, shows what the
import would create and update, and imports it only when confirmed.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
import secrets
from pathlib import Path
from typing import Any, cast

from telegram import BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.catalog import Catalog, CatalogError
from bot.catalog_file import parse_catalog
from bot.errors import require
from bot.people import Action, PersonCard, PersonChange, Role, require_can
from bot.records import ImportReport
from bot.texts import Texts, pick_language
from bot.usecases import people
from handlers.common import set_person_commands
from handlers.context import BotContext
from handlers.flow import (
    MESSAGE,
    TYPED,
    Pressed,
    StepHandler,
    abandon_flow,
    button,
    buttons_expected,
    current_flow,
    end_flow,
    pressed,
    start_flow,
)

log = logging.getLogger(__name__)

SEARCH, PICK, CARD = "manage.search", "manage.pick", "manage.card"
CATALOG_FILE, CATALOG_CONFIRM = "manage.catalog_file", "manage.catalog_confirm"
PREFIX = "mg"
MATCHES_SHOWN = 10
NAME_MAX = 40
CATALOG_MAX_BYTES = 1024 * 1024
ERRORS_SHOWN = 30


# --- /people ---------------------------------------------------------------------------------------


async def start_people(update: Update, context: BotContext) -> str:
    """Ask whom to manage."""
    require_can(context.person, Action.MANAGE)
    message = update.effective_message
    assert message is not None
    await abandon_flow(context)
    start_flow(context, "people")
    await message.reply_text(context.texts("manage.ask_name"))
    return SEARCH


async def search_step(update: Update, context: BotContext) -> str:
    """People whose name contains the typed text: one card, or a list to pick from."""
    require_can(context.person, Action.MANAGE)
    message = update.effective_message
    assert message is not None and message.text is not None
    texts = context.texts
    fragment = message.text.strip()[:NAME_MAX]
    found = await people.find_people(
        context.services, context.person, fragment, limit=MATCHES_SHOWN + 1
    )
    if not fragment or not found:
        await message.reply_text(texts("manage.not_found", name=html.escape(fragment)))
        return SEARCH
    if len(found) == 1:
        text, markup = _card_view(context, found[0])
        await message.reply_text(text, reply_markup=markup)
        return CARD
    flow = current_flow(context)
    rows = [
        [
            button(
                f"{p.name} · {texts(f'role.{p.role}')} · {_scope(p)}",
                PREFIX,
                flow["nonce"],
                "open",
                p.id,
            )
        ]
        for p in found[:MATCHES_SHOWN]
    ]
    rows.append([button(texts("button.cancel"), PREFIX, flow["nonce"], "done")])
    markup = InlineKeyboardMarkup(rows)
    if len(found) > MATCHES_SHOWN:
        await message.reply_text(
            texts("manage.pick_many", count=MATCHES_SHOWN), reply_markup=markup
        )
    else:
        await message.reply_text(texts("manage.pick", count=len(found)), reply_markup=markup)
    return PICK


def _scope(card: PersonCard) -> str:
    return card.group_name or card.unit_name or "—"


def _card_view(
    context: BotContext, card: PersonCard, note: str = ""
) -> tuple[str, InlineKeyboardMarkup]:
    """The person's card and its buttons; remembers what was shown, for the server-side check.

    Each card gets a fresh nonce, so a button of an older card (a double tap on 停用) expires
    instead of acting on the person a second time.
    """
    texts = context.texts
    flow = current_flow(context)
    flow["nonce"] = secrets.token_hex(3)
    flow["person"] = card.id
    flow["seen"] = [str(card.role), card.group_id, card.unit_id, card.active]
    flow.pop("pending_role", None)
    nonce = flow["nonce"]
    status = texts("manage.active") if card.active else texts("manage.inactive")
    if card.blocked:
        status += texts("manage.blocked")
    text = texts(
        "manage.card",
        name=html.escape(card.name),
        role=texts(f"role.{card.role}"),
        scope=html.escape(_scope(card)),
        joined=texts("manage.joined") if card.joined else texts("manage.not_joined"),
        status=status,
    )
    if note:
        text = note + "\n\n" + text
    rows = [[button(texts("manage.button_role"), PREFIX, nonce, "role", card.id)]]
    if card.role in (Role.DEPUTY, Role.LEADER):
        rows[0].append(button(texts("manage.button_group"), PREFIX, nonce, "groups", card.id))
    toggle = texts("manage.button_deactivate") if card.active else texts("manage.button_activate")
    rows.append([button(toggle, PREFIX, nonce, "toggle", card.id)])
    rows.append([button(texts("button.done"), PREFIX, nonce, "done")])
    return text, InlineKeyboardMarkup(rows)


async def people_button(update: Update, context: BotContext) -> str | int:
    """Open a person, choose a role, a group or a unit, switch access, or finish."""
    require_can(context.person, Action.MANAGE)
    press = await pressed(update, context, PREFIX, answer=False)
    if press is None:
        return CARD if current_flow(context).get("person") else PICK
    query = update.callback_query
    assert query is not None
    # Answered only once the press was acted on: a refusal on the way becomes its alert.
    next_state = await _act(update, context, press)
    await query.answer()
    return next_state


async def _act(update: Update, context: BotContext, press: Pressed) -> str | int:
    query = update.callback_query
    assert query is not None
    texts = context.texts
    flow = current_flow(context)
    if press.verb == "done":
        end_flow(context)
        await query.edit_message_text(texts("manage.finished"))
        return ConversationHandler.END
    if press.verb == "open":
        card = await _person(context, press.int_arg())
        text, markup = _card_view(context, card)
        await query.edit_message_text(text, reply_markup=markup)
        return CARD
    card = await _person(context, flow.get("person"))
    nonce = flow["nonce"]
    if press.verb == "role":
        rows = [
            [button(texts(f"role.{role}"), PREFIX, nonce, "setrole", str(role))]
            for role in Role
            if role is not card.role or role in (Role.DEPUTY, Role.LEADER, Role.LIAISON)
        ]
        rows.append([button(texts("button.back"), PREFIX, nonce, "back")])
        await query.edit_message_text(
            texts("manage.choose_role", name=html.escape(card.name)),
            reply_markup=InlineKeyboardMarkup(rows),
        )
        return CARD
    if press.verb == "setrole" and press.arg in {r.value for r in Role}:
        role = Role(press.arg)
        if role is Role.STAFF:
            return await _apply(update, context, card, PersonChange(role, None, None, card.active))
        flow["pending_role"] = str(role)
        return await _choose_scope(update, context, card, role)
    if press.verb == "groups":
        flow.pop("pending_role", None)
        return await _choose_scope(update, context, card, card.role)
    if press.verb == "group" and (group_id := press.int_arg()) is not None:
        role = Role(flow.get("pending_role") or card.role)
        require(role in (Role.DEPUTY, Role.LEADER), "button_expired")
        return await _apply(update, context, card, PersonChange(role, group_id, None, card.active))
    if press.verb == "unit" and (unit_id := press.int_arg()) is not None:
        role = Role(flow.get("pending_role") or card.role)
        require(role is Role.LIAISON, "button_expired")
        return await _apply(update, context, card, PersonChange(role, None, unit_id, card.active))
    if press.verb == "toggle":
        change = PersonChange(card.role, card.group_id, card.unit_id, not card.active)
        return await _apply(update, context, card, change)
    if press.verb == "back":
        text, markup = _card_view(context, card)
        await query.edit_message_text(text, reply_markup=markup)
        return CARD
    return CARD


async def _person(context: BotContext, person_id: Any) -> PersonCard:
    """A person of the running campaign; the caller never manages themselves."""
    return await people.person_to_manage(context.services, context.person, person_id)


async def _choose_scope(update: Update, context: BotContext, card: PersonCard, role: Role) -> str:
    """Deputies and leaders need a group, liaisons a unit."""
    query = update.callback_query
    assert query is not None
    texts = context.texts
    services = context.services
    nonce = current_flow(context)["nonce"]
    rows: list[list[InlineKeyboardButton]]
    if role is Role.LIAISON:
        units = await services.catalog.units(card.campaign_id)
        rows = [[button(u.name, PREFIX, nonce, "unit", u.id)] for u in units]
        prompt = texts(
            "manage.choose_unit", name=html.escape(card.name), role=texts(f"role.{role}")
        )
    else:
        groups = await services.catalog.groups(card.campaign_id)
        rows = [
            [button(("★ " if g.id == card.group_id else "") + g.name, PREFIX, nonce, "group", g.id)]
            for g in groups
        ]
        prompt = texts(
            "manage.choose_group", name=html.escape(card.name), role=texts(f"role.{role}")
        )
    rows.append([button(texts("button.back"), PREFIX, nonce, "back")])
    await query.edit_message_text(prompt, reply_markup=InlineKeyboardMarkup(rows))
    return CARD


async def _apply(
    update: Update, context: BotContext, card: PersonCard, change: PersonChange
) -> str:
    """Write the change (once), tell the person, re-label their menu, show the new card."""
    query = update.callback_query
    assert query is not None
    texts = context.texts
    flow = current_flow(context)
    if flow.get("seen") != [str(card.role), card.group_id, card.unit_id, card.active]:
        # Someone else changed the person since this card was shown.
        text, markup = _card_view(context, card, texts("manage.changed_meanwhile"))
        await query.edit_message_text(text, reply_markup=markup)
        return CARD
    changed = await people.change_person(
        context.services, context.person, card, change, now=context.now()
    )
    fresh = changed.card
    if changed.event is None:
        text, markup = _card_view(context, fresh, texts("manage.no_change"))
        await query.edit_message_text(text, reply_markup=markup)
        return CARD
    await _follow_menu(context, fresh)
    text, markup = _card_view(context, fresh, texts("manage.saved"))
    await query.edit_message_text(text, reply_markup=markup)
    return CARD


async def _follow_menu(context: BotContext, card: PersonCard) -> None:
    """The person's command menu shows their new role's commands (or none when deactivated)."""
    if card.telegram_user_id is None:
        return  # not joined yet: the menu is set when they do
    person = await context.services.people.by_id(card.id)
    if person is None:
        return
    chat_id = card.telegram_user_id
    if person.active:
        language = pick_language(person.language, None, context.bot_data.default_language)
        await set_person_commands(context, chat_id, person, Texts(language))
        return
    try:
        await context.bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.warning("Could not clear the commands of chat %s: %s", chat_id, exc)


# --- /catalog --------------------------------------------------------------------------------------


async def start_catalog(update: Update, context: BotContext) -> str:
    """Ask for the catalog file."""
    require_can(context.person, Action.MANAGE)
    message = update.effective_message
    assert message is not None
    await abandon_flow(context)
    start_flow(context, "catalog")
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
        end_flow(context)
        await message.reply_text(texts("manage.catalog_unchanged"))
        return ConversationHandler.END
    digest = hashlib.sha256(data).hexdigest()
    path = services.settings.storage.files_dir / "catalogs" / f"{digest}.toml"
    await asyncio.to_thread(_write, path, data)
    flow = current_flow(context)
    flow["catalog_path"] = str(path)
    flow["catalog_sha"] = digest
    nonce = flow["nonce"]
    markup = InlineKeyboardMarkup(
        [
            [button(texts("manage.catalog_import"), PREFIX, nonce, "import")],
            [button(texts("button.cancel"), PREFIX, nonce, "cancel")],
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
    press = await pressed(update, context, PREFIX)
    if press is None:
        return CATALOG_CONFIRM
    query = update.callback_query
    assert query is not None
    texts = context.texts
    services = context.services
    flow = end_flow(context)
    if press.verb != "import":
        await query.edit_message_text(texts("manage.catalog_cancelled"))
        return ConversationHandler.END
    path = Path(str(flow.get("catalog_path", "")))
    data = await asyncio.to_thread(_read, path)
    if data is None or hashlib.sha256(data).hexdigest() != flow.get("catalog_sha"):
        await query.edit_message_text(texts("manage.catalog_gone"))
        return ConversationHandler.END
    # Validated again: the file is ours, but the running campaign is checked at import time.
    catalog = await _validated(update, context, data, path.name)
    if catalog is None:
        return ConversationHandler.END
    report = await people.import_catalog(services, context.person, catalog, now=context.now())
    log.info("Catalog %s imported by person %s", report.campaign_code, context.me.id)
    await query.edit_message_text(
        texts(
            "manage.catalog_imported",
            code=html.escape(report.campaign_code),
            lines=_report_lines(texts, report),
        )
    )
    return ConversationHandler.END


async def catalog_expected(update: Update, context: BotContext) -> str:
    message = update.effective_message
    assert message is not None
    await message.reply_text(context.texts("manage.catalog_not_toml"))
    return CATALOG_FILE


# --- wiring ----------------------------------------------------------------------------------------


def entry_points() -> list[StepHandler]:
    """Commands that open this feature's steps in the shared conversation."""
    return [
        cast(StepHandler, CommandHandler("people", start_people)),
        cast(StepHandler, CommandHandler("catalog", start_catalog)),
    ]


def states() -> dict[str, list[StepHandler]]:
    """This feature's conversation steps (state names are prefixed with the feature's name)."""
    buttons = cast(StepHandler, CallbackQueryHandler(people_button, pattern=rf"^{PREFIX}:"))
    only_buttons = cast(StepHandler, MessageHandler(TYPED, buttons_expected))
    return {
        SEARCH: [
            cast(StepHandler, MessageHandler(TYPED & filters.TEXT, search_step)),
            cast(StepHandler, MessageHandler(TYPED, _name_expected)),
        ],
        PICK: [buttons, cast(StepHandler, MessageHandler(TYPED & filters.TEXT, search_step))],
        CARD: [buttons, only_buttons],
        CATALOG_FILE: [
            cast(StepHandler, MessageHandler(MESSAGE & filters.Document.ALL, catalog_file)),
            cast(StepHandler, MessageHandler(TYPED, catalog_expected)),
        ],
        CATALOG_CONFIRM: [
            cast(StepHandler, CallbackQueryHandler(catalog_confirm, pattern=rf"^{PREFIX}:")),
            only_buttons,
        ],
    }


async def _name_expected(update: Update, context: BotContext) -> str:
    message = update.effective_message
    assert message is not None
    await message.reply_text(context.texts("manage.ask_name"))
    return SEARCH


def commands() -> list[StepHandler]:
    """Handlers that work outside any conversation (commands, buttons of notifications)."""
    return []
