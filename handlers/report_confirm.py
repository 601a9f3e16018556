"""The end of /problem and /suggest: confirm (the item is numbered), go back to change one
answer, or cancel; and a second tap on confirm after the item was stored.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.items import Kind, Status
from bot.usecases import deputy
from bot.views import number_label
from handlers import flow as flows
from handlers.context import BotContext
from handlers.conversation import END
from handlers.report_flow import (
    CONFIRM,
    EDIT,
    PHOTOS,
    PLACE,
    PREFIX,
    ask_category,
    ask_description,
    ask_severity,
    draft,
    send,
    show_summary,
)


async def confirm_step(update: Update, context: BotContext) -> str | int:
    """Confirm (store and number), edit a field, or cancel."""
    press = await flows.pressed(update, context, PREFIX)
    if press is None:
        return CONFIRM
    texts = context.texts
    nonce = flows.current_flow(context)["nonce"]
    if press.verb == "cancel":
        return await cancel_report(update, context)
    if press.verb == "edit":
        item = await draft(context)
        fields = ["place"]
        if item.kind is Kind.PROBLEM:
            fields += ["category", "severity"]
        fields += ["description", "photos"]
        rows = [
            [flows.button(texts(f"report_field.{f}"), PREFIX, nonce, "field", f)] for f in fields
        ]
        rows.append([flows.button(texts("button.back"), PREFIX, nonce, "summary")])
        await press.query.edit_message_reply_markup(InlineKeyboardMarkup(rows))
        return EDIT
    if press.verb == "confirm":
        # Durable first: the item is committed and numbered before the deputy is told.
        item = await deputy.submit(
            context.services, context.caller(), flows.current_flow(context)["item_id"]
        )
        flows.end_flow(context)
        # The number first: a crash before the buttons go still lets a second tap show it.
        await send(update, texts("report_submitted", label=number_label(item, texts)))
        await flows.remove_buttons(update)
        return END
    return CONFIRM


async def edit_step(update: Update, context: BotContext) -> str:
    """Go back to one step; after it the summary is shown again."""
    press = await flows.pressed(update, context, PREFIX)
    if press is None:
        return EDIT
    flow = flows.current_flow(context)
    await flows.remove_buttons(update)
    if press.verb == "summary":
        return await show_summary(update, context)
    flow["editing"] = True
    if press.arg == "place":
        await send(
            update,
            context.texts("report_choose_project"),
            await flows.projects_keyboard(context, PREFIX, flow["nonce"]),
        )
        return PLACE
    if press.arg == "category":
        return await ask_category(update, context)
    if press.arg == "severity":
        return await ask_severity(update, context)
    if press.arg == "description":
        return await ask_description(update, context)
    if press.arg == "photos":
        flow["editing"] = False
        markup = InlineKeyboardMarkup(
            [[flows.button(context.texts("button.done"), PREFIX, flow["nonce"], "photos_done")]]
        )
        await send(
            update,
            context.texts("report_ask_photos", max=context.services.settings.reports.max_photos),
            markup,
        )
        return PHOTOS
    return EDIT


async def cancel_report(update: Update, context: BotContext) -> int:
    await flows.abandon_flow(context)
    query = update.callback_query
    if query is not None:
        await flows.remove_buttons(update)
    await send(update, context.texts("report_cancelled"))
    return END


async def late_confirm(update: Update, context: BotContext) -> None:
    """A second tap on "confirm" after the item was stored: say its number, store nothing."""
    query = update.callback_query
    assert query is not None
    try:
        item_id = int((query.data or "").rsplit(":", 1)[1])
    except (IndexError, ValueError):
        item_id = -1
    item = await context.services.items.get(item_id)
    if (
        item is None
        or context.person is None
        or item.author_id != context.person.id
        or item.status is Status.DRAFT
    ):
        await query.answer(context.texts("button_expired"), show_alert=True)
        return
    await query.answer(
        context.texts("report_already_submitted", label=number_label(item, context.texts)),
        show_alert=True,
    )
