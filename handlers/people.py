"""/people: staff change a person's role, group or unit, and switch their access.

A person is found by (part of) their name and shown on a card with what can be changed; every
change is checked on the server (staff only, not oneself, the person still as shown), written with
an audit row, told to the person, and their command menu follows their new role.
"""

from __future__ import annotations

import html
import logging
import secrets
from typing import Any

from telegram import BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.errors import require
from bot.people import Action, PersonCard, PersonChange, Role, require_can
from bot.texts import Texts, pick_language
from bot.usecases import people
from handlers import callbacks
from handlers import flow as flows
from handlers.common import set_person_commands
from handlers.context import BotContext
from handlers.conversation import END
from handlers.replies import MATCHES_SHOWN, name_fragment

log = logging.getLogger(__name__)

SEARCH, PICK, CARD = "manage.search", "manage.pick", "manage.card"
PREFIX = callbacks.MANAGE


async def start_people(update: Update, context: BotContext) -> str:
    """Ask whom to manage."""
    require_can(context.person, Action.MANAGE)
    message, _flow = await flows.open_flow(update, context, "people")
    await message.reply_text(context.texts("manage.ask_name"))
    return SEARCH


async def search_step(update: Update, context: BotContext) -> str:
    """People whose name contains the typed text: one card, or a list to pick from."""
    require_can(context.person, Action.MANAGE)
    message = update.effective_message
    assert message is not None and message.text is not None
    texts = context.texts
    fragment = name_fragment(message.text)
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
    flow = flows.current_flow(context)
    rows = [
        [
            flows.button(
                f"{p.name} · {texts(f'role.{p.role}')} · {_scope(p)}",
                PREFIX,
                flow["nonce"],
                "open",
                p.id,
            )
        ]
        for p in found[:MATCHES_SHOWN]
    ]
    rows.append([flows.button(texts("button.cancel"), PREFIX, flow["nonce"], "done")])
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
    flow = flows.current_flow(context)
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
    rows = [[flows.button(texts("manage.button_role"), PREFIX, nonce, "role", card.id)]]
    if card.role in (Role.DEPUTY, Role.LEADER):
        rows[0].append(flows.button(texts("manage.button_group"), PREFIX, nonce, "groups", card.id))
    toggle = texts("manage.button_deactivate") if card.active else texts("manage.button_activate")
    rows.append([flows.button(toggle, PREFIX, nonce, "toggle", card.id)])
    rows.append([flows.button(texts("button.done"), PREFIX, nonce, "done")])
    return text, InlineKeyboardMarkup(rows)


async def people_button(update: Update, context: BotContext) -> str | int:
    """Open a person, choose a role, a group or a unit, switch access, or finish."""
    require_can(context.person, Action.MANAGE)
    press = await flows.pressed(update, context, PREFIX, answer=False)
    if press is None:
        return CARD if flows.current_flow(context).get("person") else PICK
    # Answered only once the press was acted on: a refusal on the way becomes its alert.
    next_state = await _act(update, context, press)
    await press.query.answer()
    return next_state


async def _act(update: Update, context: BotContext, press: flows.Pressed) -> str | int:
    query = press.query
    texts = context.texts
    flow = flows.current_flow(context)
    if press.verb == "done":
        flows.end_flow(context)
        await query.edit_message_text(texts("manage.finished"))
        return END
    if press.verb == "open":
        card = await _person(context, press.int_arg())
        text, markup = _card_view(context, card)
        await query.edit_message_text(text, reply_markup=markup)
        return CARD
    card = await _person(context, flow.get("person"))
    nonce = flow["nonce"]
    if press.verb == "role":
        rows = [
            [flows.button(texts(f"role.{role}"), PREFIX, nonce, "setrole", str(role))]
            for role in Role
            if role is not card.role or role in (Role.DEPUTY, Role.LEADER, Role.LIAISON)
        ]
        rows.append([flows.button(texts("button.back"), PREFIX, nonce, "back")])
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
    nonce = flows.current_flow(context)["nonce"]
    rows: list[list[InlineKeyboardButton]]
    if role is Role.LIAISON:
        units = await services.catalog.units(card.campaign_id)
        rows = [[flows.button(u.name, PREFIX, nonce, "unit", u.id)] for u in units]
        prompt = texts(
            "manage.choose_unit", name=html.escape(card.name), role=texts(f"role.{role}")
        )
    else:
        groups = await services.catalog.groups(card.campaign_id)
        rows = [
            [
                flows.button(
                    ("★ " if g.id == card.group_id else "") + g.name, PREFIX, nonce, "group", g.id
                )
            ]
            for g in groups
        ]
        prompt = texts(
            "manage.choose_group", name=html.escape(card.name), role=texts(f"role.{role}")
        )
    rows.append([flows.button(texts("button.back"), PREFIX, nonce, "back")])
    await query.edit_message_text(prompt, reply_markup=InlineKeyboardMarkup(rows))
    return CARD


async def _apply(
    update: Update, context: BotContext, card: PersonCard, change: PersonChange
) -> str:
    """Write the change (once), tell the person, re-label their menu, show the new card."""
    query = update.callback_query
    assert query is not None
    texts = context.texts
    flow = flows.current_flow(context)
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


# --- wiring ----------------------------------------------------------------------------------------


def entry_points() -> list[flows.StepHandler]:
    """Commands that open this feature's steps in the shared conversation."""
    return flows.steps(CommandHandler("people", start_people))


def states() -> dict[str, list[flows.StepHandler]]:
    """This feature's conversation steps (state names keep the "manage." of /people's first home:
    open conversations are stored with them)."""
    buttons = CallbackQueryHandler(people_button, pattern=rf"^{PREFIX}:")
    return {
        SEARCH: flows.typed_step(search_step, "manage.ask_name"),
        PICK: flows.steps(buttons, MessageHandler(flows.TYPED & filters.TEXT, search_step)),
        CARD: flows.steps(buttons, MessageHandler(flows.TYPED, flows.buttons_expected)),
    }


def commands() -> list[flows.StepHandler]:
    """Handlers that work outside any conversation (commands, buttons of notifications)."""
    return []
