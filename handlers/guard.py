"""Open screens re-check the caller's reach on every update, and close once it is gone.

A screen is opened for a scope (a leader's group, a liaison's unit, staff's campaign) and keeps it
in its flow. Staff may move the person to another group or unit, or change their role, while the
screen is open; the gate reloads the person on every update, and each step of a guarded feature
first asks bot/scope.py whether the person still holds the flow's scope. When they do not, the
flow ends with a message saying why, and nothing of the old scope is shown.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from telegram import Update

from bot.errors import Refused
from bot.people import Person
from handlers.context import BotContext
from handlers.conversation import END
from handlers.flow import abandon_flow, current_flow, remove_buttons

R = TypeVar("R")
Step = Callable[[Update, BotContext], Coroutine[Any, Any, R]]
# Raises Refused (with the catalog key to show) unless the person still holds the flow's scope.
Check = Callable[[Person | None, dict[str, Any]], object]
Cleanup = Callable[[BotContext], Awaitable[object]]


def within(
    kind: str, check: Check, *, cleanup: Cleanup | None = None
) -> Callable[[Step[R]], Step[R | int]]:
    """Wrap a step of the `kind` flow: it runs only while `check` passes for the caller now."""

    def wrap(step: Step[R]) -> Step[R | int]:
        @functools.wraps(step)
        async def guarded(update: Update, context: BotContext) -> R | int:
            flow = current_flow(context)
            # Another kind of flow (or none) is that step's own business: it says "expired".
            if flow.get("kind") == kind:
                try:
                    check(context.person, flow)
                except Refused as refused:
                    return await close(update, context, refused, cleanup)
            return await step(update, context)

        return guarded

    return wrap


async def close(
    update: Update, context: BotContext, refused: Refused, cleanup: Cleanup | None = None
) -> int:
    """End the open flow: say why in the chat, take the buttons off the pressed message."""
    if cleanup is not None:
        await cleanup(context)
    await abandon_flow(context)
    query = update.callback_query
    if query is not None:
        await query.answer()
        await remove_buttons(update)
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, context.texts(refused.key, **refused.params))
    return END
