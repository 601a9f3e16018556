"""延期申请 in /inbox: the card's 📅 button, then the reason, then the proposed date.

Each step asks bot/usecases/extensions.py again whether the liaison may still ask (their unit,
the item's state, no request open); the request and staff's notice are stored together.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot.errors import Refused
from bot.unit_deadlines import extension_window
from bot.usecases import extensions
from bot.views import number_label
from handlers import inbox_flow
from handlers.context import BotContext
from handlers.flow import Pressed, current_flow
from handlers.replies import message_of, send_screen

EXT_REASON = "inbox.ext_reason"  # typing why the unit needs more time
EXT_DATE = "inbox.ext_date"  # typing the proposed due date

# Refusals of a typed date that the liaison fixes by typing another.
_RETYPE_DATE = frozenset(
    {"extension.bad_date", "extension.date_not_later", "extension.date_too_far"}
)


async def _ask_reason(update: Update, context: BotContext, press: Pressed) -> inbox_flow.Result:
    inbox_flow.inbox_unit(context)
    item = await extensions.may_ask(context.services, context.person, press.int_arg())
    assert item.due_at is not None
    texts = context.texts
    question = texts(
        "extension.ask_reason",
        label=number_label(item, texts),
        due=context.services.policy.day(item.due_at),
    )
    await inbox_flow.ask_about(
        update, context, item, question, [inbox_flow.cancel_row(context, item.id)]
    )
    return EXT_REASON


async def reason_typed(update: Update, context: BotContext) -> inbox_flow.Result:
    """The reason is kept in the flow; the date comes next."""
    flow = current_flow(context)
    services = context.services
    try:
        inbox_flow.inbox_unit(context)
        item, reason = await extensions.check_ask_reason(
            services, context.person, flow.get("item"), inbox_flow.typed_text(update)
        )
    except Refused as refused:
        return await inbox_flow.typed_refusal(update, context, refused)
    flow["ext_reason"] = reason
    due, latest = extension_window(item, services.policy)
    example = min(due + timedelta(days=30), latest)
    await message_of(update).reply_text(
        context.texts(
            "extension.ask_date",
            example=example.isoformat(),
            due=due.isoformat(),
            latest=latest.isoformat(),
        )
    )
    return EXT_DATE


async def date_typed(update: Update, context: BotContext) -> inbox_flow.Result:
    """The request is stored and staff are asked; a date out of bounds is asked again."""
    flow = current_flow(context)
    try:
        inbox_flow.inbox_unit(context)
        asked = await extensions.ask(
            context.services,
            context.caller(),
            flow.get("item"),
            str(flow.get("ext_reason", "")),
            inbox_flow.typed_text(update),
        )
    except Refused as refused:
        if refused.key in _RETYPE_DATE:
            await message_of(update).reply_text(context.texts(refused.key, **refused.params))
            return None
        flow.pop("ext_reason", None)
        return await inbox_flow.typed_refusal(update, context, refused)
    flow.pop("ext_reason", None)
    inbox_flow.clear_pending(context)
    texts = context.texts
    await send_screen(
        update,
        context,
        texts(
            "extension.asked",
            label=number_label(asked.item, texts),
            date=asked.proposed_day.isoformat(),
        ),
    )
    await send_screen(update, context, *await inbox_flow.card_screen(context, asked.item.id))
    return inbox_flow.BROWSE


VERBS: dict[str, inbox_flow.Verb] = {"ext": _ask_reason}
