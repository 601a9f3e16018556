"""What every step of /problem and /suggest shares: the states, the draft behind them, and the
questions a step asks (also when the deputy goes back to change one answer before confirming).
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.items import Item, Severity
from bot.usecases import deputy
from bot.views import item_summary
from handlers import callbacks
from handlers.context import BotContext
from handlers.flow import button, current_flow

PLACE, CATEGORY, SEVERITY = "report.place", "report.category", "report.severity"
DESCRIPTION, PHOTOS, CONFIRM, EDIT = (
    "report.description",
    "report.photos",
    "report.confirm",
    "report.edit",
)
PREFIX = callbacks.REPORT


async def save(context: BotContext, **fields: object) -> None:
    await deputy.save_draft(
        context.services, context.caller(), current_flow(context)["item_id"], **fields
    )


async def draft(context: BotContext) -> Item:
    return await deputy.own_draft(context.services, context.me, current_flow(context)["item_id"])


async def send(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(text, reply_markup=markup)


async def ask_category(update: Update, context: BotContext) -> str:
    services = context.services
    flow = current_flow(context)
    categories = await services.catalog.categories(services.campaign.id)
    language = context.texts.language
    buttons = [button(c.label(language), PREFIX, flow["nonce"], "cat", c.id) for c in categories]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await send(update, context.texts("report_choose_category"), InlineKeyboardMarkup(rows))
    return CATEGORY


async def ask_severity(update: Update, context: BotContext) -> str:
    nonce = current_flow(context)["nonce"]
    rows = [[button(context.texts(f"severity.{s}"), PREFIX, nonce, "sev", s) for s in Severity]]
    await send(update, context.texts("report_choose_severity"), InlineKeyboardMarkup(rows))
    return SEVERITY


async def ask_description(update: Update, context: BotContext) -> str:
    settings = context.services.settings.reports
    await send(
        update,
        context.texts(
            f"report_ask_description.{current_flow(context)['report_kind']}",
            min=settings.description_min_chars,
            max=settings.description_max_chars,
        ),
    )
    return DESCRIPTION


async def show_summary(update: Update, context: BotContext) -> str:
    flow = current_flow(context)
    flow["editing"] = False
    item = await draft(context)
    nonce = flow["nonce"]
    texts = context.texts
    rows = [
        [button(texts("button.confirm"), PREFIX, nonce, "confirm", item.id)],
        [
            button(texts("button.edit"), PREFIX, nonce, "edit"),
            button(texts("button.cancel"), PREFIX, nonce, "cancel"),
        ],
    ]
    await send(
        update,
        texts("report_summary_title") + "\n\n" + item_summary(item, texts),
        InlineKeyboardMarkup(rows),
    )
    return CONFIRM
