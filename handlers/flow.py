"""Scratch state of an open conversation and the buttons that belong to it.

Each conversation run gets a nonce that its buttons carry, so a button from an earlier run (or
forged data) is recognised as expired instead of acting on today's conversation.

A flow module that takes many names from here imports the module as `flows`
(`from handlers import flow as flows`): `flow` is what its steps call the open flow's data.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import secrets
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.texts import LANGUAGES, Texts
from handlers import callbacks
from handlers.context import BotContext
from handlers.replies import Step, replying

# A handler of a conversation step (the cast-free element type of ConversationHandler's lists).
StepHandler = BaseHandler[Update, BotContext, object]
V = TypeVar("V")
R = TypeVar("R")

MESSAGE = filters.UpdateType.MESSAGE
TYPED = MESSAGE & ~filters.COMMAND
CANCEL_LABELS = filters.Text([Texts(lang)("button.cancel") for lang in LANGUAGES])


def steps(*handlers: object) -> list[StepHandler]:
    """The handlers of one conversation step, in the order they are tried."""
    # Only widens each handler's type to the element type the conversation's lists expect.
    return [cast(StepHandler, handler) for handler in handlers]


FLOW = "flow"


def start_flow(context: BotContext, kind: str, **fields: Any) -> dict[str, Any]:
    # The campaign it begins in: its later steps act there (handlers/conversation.py).
    campaign = context.person.campaign_id if context.person is not None else None
    flow = {"kind": kind, "nonce": _nonce(context), "campaign": campaign, **fields}
    context.scratch[FLOW] = flow
    return flow


def _nonce(context: BotContext) -> str:
    """Tells this run's buttons from an earlier run's. Taken from the update that starts the
    run, so the same update processed again after a crash keeps the buttons already shown."""
    if context.update_id is None:
        return secrets.token_hex(3)
    return hashlib.blake2s(str(context.update_id).encode(), digest_size=3).hexdigest()


def current_flow(context: BotContext) -> dict[str, Any]:
    flow = context.scratch.get(FLOW)
    return flow if isinstance(flow, dict) else {}


def end_flow(context: BotContext) -> dict[str, Any]:
    flow = context.scratch.pop(FLOW, None)
    return flow if isinstance(flow, dict) else {}


def cb(prefix: str, nonce: str, verb: str, arg: str | int = "") -> str:
    data = f"{prefix}:{nonce}:{verb}:{arg}"
    if len(data.encode()) > 64:  # Bot API limit
        raise ValueError(f"callback data too long: {data!r}")
    return data


def button(
    label: str, prefix: str, nonce: str, verb: str, arg: str | int = ""
) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=cb(prefix, nonce, verb, arg))


# A button of a step's choice: its label, verb and argument.
Choice = tuple[str, str, str | int]


def choices_keyboard(
    texts: Texts, prefix: str, nonce: str, choices: Iterable[Choice], *more: Choice
) -> InlineKeyboardMarkup:
    """A button a row for each of `choices`, then each of `more` (other ways on), then cancel."""
    rows = [[button(label, prefix, nonce, verb, arg)] for label, verb, arg in (*choices, *more)]
    rows.append([button(texts("button.cancel"), prefix, nonce, "cancel")])
    return InlineKeyboardMarkup(rows)


@dataclass(frozen=True, slots=True)
class Pressed:
    """A button of the open conversation: its verb and argument, and the press itself, which the
    step answers or whose message it edits."""

    verb: str
    arg: str
    query: CallbackQuery

    def int_arg(self) -> int | None:
        return int(self.arg) if self.arg.isdigit() and len(self.arg) < 12 else None


async def expired(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is not None:
        await query.answer(context.texts("button_expired"), show_alert=True)


async def pressed(
    update: Update,
    context: BotContext,
    prefix: str,
    *,
    kind: str | None = None,
    answer: bool = True,
) -> Pressed | None:
    """Parse a button of the open conversation (of `kind`, if given); "expired" for anything else.

    With answer=False the press is left unanswered: Telegram takes one answer per press, so a
    step that may still refuse answers it itself (or the error handler shows the refusal).
    """
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    flow = current_flow(context)
    if (
        len(parts) != 4
        or parts[0] != prefix
        or not flow
        or parts[1] != flow.get("nonce")
        or (kind is not None and flow.get("kind") != kind)
    ):
        await expired(update, context)
        return None
    if answer:
        await query.answer()
    return Pressed(parts[2], parts[3], query)


async def pressed_verb(
    update: Update, context: BotContext, prefix: str, kind: str, verbs: Mapping[str, V]
) -> tuple[Pressed, V] | None:
    """A button of the open `kind` flow and what its verb does, the press left unanswered; a verb
    the flow does not know is "expired", like any other button `pressed` does not accept."""
    press = await pressed(update, context, prefix, kind=kind, answer=False)
    if press is None:
        return None
    verb = verbs.get(press.verb)
    if verb is None:
        await expired(update, context)
        return None
    return press, verb


# A step that acts on a press `on_press` has accepted.
PressStep = Callable[[Update, BotContext, Pressed], Coroutine[Any, Any, R]]


def on_press(
    prefix: str, kind: str, here: str, *, answer: bool = False
) -> Callable[[PressStep[R]], Callable[[Update, BotContext], Coroutine[Any, Any, R | str]]]:
    """A step of the open `kind` flow answered by one of its buttons: the step gets the press
    (answered or not as `pressed` says); any other press is "expired" and the flow stays `here`."""

    def wrap(step: PressStep[R]) -> Callable[[Update, BotContext], Coroutine[Any, Any, R | str]]:
        @functools.wraps(step)
        async def run(update: Update, context: BotContext) -> R | str:
            press = await pressed(update, context, prefix, kind=kind, answer=answer)
            if press is None:
                return here
            return await step(update, context, press)

        return run

    return wrap


async def open_flow(
    update: Update, context: BotContext, kind: str, **fields: Any
) -> tuple[Message, dict[str, Any]]:
    """A command opens its flow: whatever flow was open ends (cleaned up), this one starts.
    Returns the command's message and the new flow's scratch data."""
    message = update.effective_message
    assert message is not None
    await abandon_flow(context)
    return message, start_flow(context, kind, **fields)


async def abandon_flow(context: BotContext) -> None:
    """End the open conversation; a draft item it was building is deleted (it has no number)."""
    item_id = end_flow(context).get("item_id")
    if isinstance(item_id, int) and context.person is not None:
        await context.services.items.delete_draft(item_id, context.person.id)


async def remove_buttons(update: Update) -> None:
    """Take the buttons off the pressed message, so the step cannot be answered twice."""
    query = update.callback_query
    if query is not None:
        # The message may be gone or already without buttons; neither matters here.
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)


async def my_group_projects(context: BotContext) -> set[int]:
    """Ids of the projects the caller's supervision group covers (empty without a group)."""
    group_id = context.me.group_id
    if group_id is None:
        return set()
    return await context.services.catalog.group_project_ids(group_id)


async def projects_keyboard(context: BotContext, prefix: str, nonce: str) -> InlineKeyboardMarkup:
    """All projects of the campaign as buttons, the caller's group's first, then cancel."""
    services = context.services
    projects = await services.catalog.projects(services.campaign.id)
    mine = await my_group_projects(context)
    projects.sort(key=lambda p: p.id not in mine)  # stable: catalog order within each half
    choices = [(f"{p.code} {p.title}", "project", p.id) for p in projects]
    return choices_keyboard(context.texts, prefix, nonce, choices)


async def buttons_expected(update: Update, context: BotContext) -> None:
    """Typing while the step waits for a button: point at the buttons, stay in the step."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(context.texts("buttons_expected"))


def buttons_only() -> StepHandler:
    """A step that takes only its buttons: anything typed gets the reminder to press one."""
    return cast(StepHandler, MessageHandler(TYPED, buttons_expected))


def button_step(step: Step, prefix: str) -> list[StepHandler]:
    """A step answered by pressing one of the flow's (`prefix`) buttons; typing gets a reminder."""
    return steps(CallbackQueryHandler(step, pattern=callbacks.pattern(prefix)), buttons_only())


def typed_step(step: Step, expected: str) -> list[StepHandler]:
    """A step answered by typing text; anything else sent (a sticker, a photo) is told the
    `expected` text and the step waits on."""
    return steps(
        MessageHandler(TYPED & filters.TEXT, step), MessageHandler(TYPED, replying(expected))
    )
