"""/evaluation: staff open a satisfaction evaluation round, follow its turnout, close it, and
get its results (in the chat, as Excel and as Word).

Opening: the deadline (typed), the voters (all the campaign's deputies and leaders, or people
found by name like /people), a confirmation. Every step asks the use case again, so a person who
stopped being staff in between can do nothing more here.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from datetime import date
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.errors import Refused
from bot.evaluation_files import file_name, render
from bot.people import Action, require_can
from bot.usecases import evaluation
from handlers import callbacks
from handlers import flow as flows
from handlers.context import BotContext
from handlers.conversation import END
from handlers.evaluation_views import flow_button, menu
from handlers.replies import MATCHES_SHOWN, name_fragment, send_screen

log = logging.getLogger(__name__)

MENU, DEADLINE, VOTERS, CONFIRM = (
    "evaluation.menu",
    "evaluation.deadline",
    "evaluation.voters",
    "evaluation.confirm",
)
PREFIX = callbacks.EVALUATION


async def start(update: Update, context: BotContext) -> str:
    """The current round (open: its turnout; closed: its results), and what can be done."""
    require_can(context.person, Action.EVALUATION)
    message, _flow = await flows.open_flow(update, context, "evaluation")
    text, markup = await menu(context)
    await message.reply_text(text, reply_markup=markup)
    return MENU


@flows.on_press(PREFIX, "evaluation", MENU)
async def menu_button(update: Update, context: BotContext, press: flows.Pressed) -> str | int:
    query = press.query
    require_can(context.person, Action.EVALUATION)
    texts, flow = context.texts, flows.current_flow(context)
    if press.verb == "done":
        await query.answer()
        flows.end_flow(context)
        await flows.remove_buttons(update)
        return END
    if press.verb == "refresh":
        await query.answer()
        await _edit_menu(context, query)
        return MENU
    if press.verb == "close":
        await query.answer()
        markup = InlineKeyboardMarkup(
            [
                [flow_button(context, "evaluation.button_close_yes", "close_yes")],
                [flow_button(context, "evaluation.button_back", "refresh")],
            ]
        )
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(texts("evaluation.close_ask"), reply_markup=markup)
        return MENU
    if press.verb == "close_yes":
        await evaluation.close_round(context.services, context.caller(), flow.get("shown"))
        await query.answer(texts("evaluation.closed_now"))
        await _edit_menu(context, query)
        return MENU
    if press.verb == "file" and press.arg in ("xlsx", "docx"):
        await query.answer()
        results = await evaluation.results(context.services, context.person, flow.get("shown"))
        if results.round.open:
            raise Refused("evaluation.results_after_close")
        data = await asyncio.to_thread(
            render, press.arg, results, texts, context.services.campaign.name
        )
        chat = update.effective_chat
        assert chat is not None
        await context.bot.send_document(chat.id, data, filename=file_name(press.arg, results))
        return MENU
    if press.verb == "new":
        await query.answer()
        await flows.remove_buttons(update)
        await send_screen(update, context, texts("evaluation.ask_deadline"))
        return DEADLINE
    raise Refused("button_expired")


async def _edit_menu(context: BotContext, query: Any) -> None:
    text, markup = await menu(context)
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(text, reply_markup=markup)


async def deadline_step(update: Update, context: BotContext) -> str:
    """The last day of voting, typed as YYYY-MM-DD."""
    message = update.effective_message
    assert message is not None and message.text is not None
    texts = context.texts
    try:
        deadline = date.fromisoformat(message.text.strip())
    except ValueError:
        await message.reply_text(
            texts("evaluation.deadline_bad", text=html.escape(message.text[:20]))
        )
        return DEADLINE
    try:
        evaluation.check_new_deadline(context.services, context.person, deadline)
    except Refused as refused:
        await message.reply_text(texts(refused.key, **refused.params))
        return DEADLINE
    flow = flows.current_flow(context)
    flow["deadline"] = deadline.isoformat()
    everyone = await evaluation.default_voters(context.services, context.person)
    markup = InlineKeyboardMarkup(
        [
            [flow_button(context, "evaluation.button_all", "all")],
            [flow_button(context, "evaluation.button_named", "named")],
            [flow_button(context, "button.cancel", "cancel")],
        ]
    )
    await message.reply_text(
        texts("evaluation.ask_voters", deadline=deadline.isoformat(), count=len(everyone)),
        reply_markup=markup,
    )
    return VOTERS


@flows.on_press(PREFIX, "evaluation", VOTERS, answer=True)
async def voters_button(update: Update, context: BotContext, press: flows.Pressed) -> str | int:
    require_can(context.person, Action.EVALUATION)
    texts, flow = context.texts, flows.current_flow(context)
    if press.verb == "cancel":
        return await _cancelled(context, press.query)
    if press.verb == "all":
        flow.pop("named", None)
        await flows.remove_buttons(update)
        return await _confirm(update, context)
    if press.verb == "named":
        flow["named"], flow["names"] = [], {}
        await flows.remove_buttons(update)
        await send_screen(update, context, texts("evaluation.ask_name"))
        return VOTERS
    if press.verb == "add" and isinstance(flow.get("named"), list):
        person_id = press.int_arg()
        name = flow.get("offered", {}).get(str(person_id))
        if person_id is None or name is None:
            raise Refused("button_expired")
        if person_id not in flow["named"]:
            flow["named"].append(person_id)
            flow["names"][str(person_id)] = name
        with contextlib.suppress(BadRequest):
            await press.query.edit_message_text(
                texts("evaluation.named_so_far", count=len(flow["named"]), names=_names(flow)),
                reply_markup=_picked_markup(context),
            )
        return VOTERS
    if press.verb == "picked" and flow.get("named"):
        await flows.remove_buttons(update)
        return await _confirm(update, context)
    if press.verb == "picked":
        await send_screen(update, context, texts("evaluation.named_none"))
        return VOTERS
    raise Refused("button_expired")


def _names(flow: dict[str, Any]) -> str:
    return html.escape("、".join(flow["names"][str(i)] for i in flow["named"]))


def _picked_markup(context: BotContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [flow_button(context, "evaluation.button_picked", "picked")],
            [flow_button(context, "button.cancel", "cancel")],
        ]
    )


async def name_step(update: Update, context: BotContext) -> str:
    """A name (or part of one) of a deputy or leader to add to the voters."""
    message = update.effective_message
    assert message is not None and message.text is not None
    texts, flow = context.texts, flows.current_flow(context)
    if not isinstance(flow.get("named"), list):
        await message.reply_text(texts("buttons_expected"))
        return VOTERS
    fragment = name_fragment(message.text)
    found = await evaluation.candidates(context.services, context.person, fragment)
    if not found:
        await message.reply_text(texts("evaluation.name_not_found", name=html.escape(fragment)))
        return VOTERS
    shown = found[:MATCHES_SHOWN]
    flow["offered"] = {str(c.id): c.name for c in shown}
    rows = [
        [
            flows.button(
                texts(
                    "evaluation.button_add",
                    name=c.name,
                    role=texts(f"role.{c.role}"),
                    group=c.group_name or "—",
                ),
                PREFIX,
                flow["nonce"],
                "add",
                c.id,
            )
        ]
        for c in shown
    ]
    rows.extend(list(row) for row in _picked_markup(context).inline_keyboard)
    await message.reply_text(
        texts("evaluation.pick", count=len(shown)),
        reply_markup=InlineKeyboardMarkup(rows),
    )
    return VOTERS


async def _confirm(update: Update, context: BotContext) -> str:
    texts, flow = context.texts, flows.current_flow(context)
    chat = update.effective_chat
    assert chat is not None
    projects = await context.services.catalog.projects(context.services.campaign.id)
    if flow.get("named"):
        voters = texts("evaluation.voters_named", count=len(flow["named"]), names=_names(flow))
    else:
        everyone = await evaluation.default_voters(context.services, context.person)
        voters = texts("evaluation.voters_all", count=len(everyone))
    markup = InlineKeyboardMarkup(
        [
            [flow_button(context, "evaluation.button_open", "open")],
            [flow_button(context, "button.cancel", "cancel")],
        ]
    )
    await context.bot.send_message(
        chat.id,
        texts(
            "evaluation.confirm",
            projects=len(projects),
            deadline=flow.get("deadline", ""),
            voters=voters,
        ),
        reply_markup=markup,
    )
    return CONFIRM


@flows.on_press(PREFIX, "evaluation", CONFIRM)
async def confirm_button(update: Update, context: BotContext, press: flows.Pressed) -> str | int:
    query = press.query
    texts, flow = context.texts, flows.current_flow(context)
    if press.verb == "cancel":
        await query.answer()
        return await _cancelled(context, query)
    if press.verb != "open":
        raise Refused("button_expired")
    named = flow.get("named") or None
    opened = await evaluation.open_round(
        context.services,
        context.caller(),
        date.fromisoformat(str(flow.get("deadline"))),
        [int(i) for i in named] if named else None,
    )
    await query.answer()
    flows.end_flow(context)
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(
            texts(
                "evaluation.opened",
                deadline=opened.round.deadline.isoformat(),
                projects=opened.projects,
                voters=opened.voters,
            ),
            reply_markup=None,
        )
    return END


async def _cancelled(context: BotContext, query: Any) -> int:
    flows.end_flow(context)
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(context.texts("evaluation.cancelled"), reply_markup=None)
    return END


def entry_points() -> list[flows.StepHandler]:
    return flows.steps(CommandHandler("evaluation", start))


def states() -> dict[str, list[flows.StepHandler]]:
    pattern = callbacks.pattern(PREFIX)
    return {
        MENU: flows.button_step(menu_button, PREFIX),
        DEADLINE: flows.typed_step(deadline_step, "evaluation.ask_deadline"),
        VOTERS: flows.steps(
            CallbackQueryHandler(voters_button, pattern=pattern),
            MessageHandler(flows.TYPED & filters.TEXT, name_step),
        ),
        CONFIRM: flows.button_step(confirm_button, PREFIX),
    }


def commands() -> list[flows.StepHandler]:
    return []
