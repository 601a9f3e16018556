"""The author's addition: answering a reviewer's question about their submitted item.

The notice of the question carries an `am:{item_id}` button; the author types some text, may add
photos, and presses done. The text is checked as soon as it is typed and committed with the
photos; the leaders are told (bot/usecases/review.py). The steps keep the "review." state names
and the "rv" buttons of the flow they were part of: open conversations are stored with them.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler

from bot import scope
from bot.errors import Refused
from bot.items import Item, Status
from bot.usecases import review
from bot.views import number_label
from handlers import callbacks
from handlers import flow as flows
from handlers.context import BotContext
from handlers.conversation import END
from handlers.photos import PHOTO_INPUT, receive_item_photo
from handlers.replies import message_of, replying
from handlers.review_views import PREFIX

MORE_TEXT, MORE_PHOTOS = "review.more_text", "review.more_photos"

StepResult = str | int


async def start_more(update: Update, context: BotContext) -> StepResult | None:
    """The author pressed "补充情况" on the leader's question: ask for the text."""
    query = update.callback_query
    assert query is not None
    texts = context.texts
    data = query.data or ""
    item_id = int(data.removeprefix(f"{callbacks.ADD_MORE}:")) if len(data) < 20 else 0
    item = await context.services.items.get(item_id)
    if item is None or item.status is Status.DRAFT:
        refusal = texts("button_expired")
    elif not scope.is_author(context.me, item):
        refusal = texts("item_not_yours")
    elif item.status is not Status.SUBMITTED:
        refusal = texts("review.more_closed", number=item.display_number)
    elif (asked := await context.services.review.ask_state(item.id)) is None:
        refusal = texts("review.more_not_asked", number=item.display_number)
    else:
        await query.answer()
        flow = flows.start_flow(context, "review_more", adding_to=item.id)
        cancel = flows.button(texts("button.cancel"), PREFIX, flow["nonce"], "cancel")
        await message_of(update).reply_text(
            texts(
                "review.more_start",
                label=number_label(item, texts),
                question=html.escape(asked.question),
            ),
            reply_markup=InlineKeyboardMarkup([[cancel]]),
        )
        return MORE_TEXT
    # Nothing starts, and whatever the person was doing stays open (None keeps the state).
    await query.answer(refusal, show_alert=True)
    return None


async def _own_submitted(context: BotContext) -> Item:
    return await review.own_submitted(
        context.services, context.me, flows.current_flow(context).get("adding_to")
    )


async def more_text(update: Update, context: BotContext) -> StepResult:
    """Keep the text (checked now, committed with the photos), then offer photos."""
    message = message_of(update)
    texts = context.texts
    item = await _own_submitted(context)
    try:
        await review.check_more(context.services, context.me, item.id, message.text or "")
    except Refused as refused:
        if refused.key == "item_state_changed":
            flows.end_flow(context)
            await message.reply_text(texts("review.more_closed", number=item.display_number))
            return END
        await message.reply_text(texts(refused.key, **refused.params))
        return MORE_TEXT
    flow = flows.current_flow(context)
    flow["text"] = message.text or ""
    done = flows.button(texts("button.done"), PREFIX, flow["nonce"], "done")
    await message.reply_text(
        texts("review.more_ask_photos", max=context.services.settings.reports.max_photos),
        reply_markup=InlineKeyboardMarkup([[done]]),
    )
    return MORE_PHOTOS


async def more_photo(update: Update, context: BotContext) -> StepResult:
    """A photo that goes with the added information."""
    await receive_item_photo(update, context, await _own_submitted(context), purpose="more_info")
    return MORE_PHOTOS


async def more_button(update: Update, context: BotContext) -> StepResult:
    """完成 commits the added information (the leaders are told); cancel drops it."""
    press = await flows.pressed(update, context, PREFIX)
    if press is None:
        return MORE_PHOTOS if flows.current_flow(context).get("text") else MORE_TEXT
    texts = context.texts
    message = message_of(update)
    await flows.remove_buttons(update)
    if press.verb == "cancel":
        flows.end_flow(context)
        await message.reply_text(texts("review.more_cancelled"))
        return END
    if press.verb != "done" or not flows.current_flow(context).get("text"):
        return MORE_TEXT
    item = await _own_submitted(context)
    text = str(flows.current_flow(context)["text"])
    try:
        acted = await review.add_more(context.services, context.caller(), item.id, text)
    except Refused as refused:
        if refused.key != "item_state_changed":
            raise
        applied = False
    else:
        applied = acted.applied
    flows.end_flow(context)
    if applied:
        await message.reply_text(texts("review.more_saved", label=number_label(item, texts)))
    else:
        await message.reply_text(texts("review.more_closed", number=item.display_number))
    return END


# --- wiring --------------------------------------------------------------------------------------


def entry_points() -> list[flows.StepHandler]:
    """The button of the question's notice, which opens this feature's steps."""
    return flows.steps(CallbackQueryHandler(start_more, pattern=rf"^{callbacks.ADD_MORE}:\d+$"))


def states() -> dict[str, list[flows.StepHandler]]:
    """This feature's conversation steps."""
    buttons = CallbackQueryHandler(more_button, pattern=rf"^{PREFIX}:")
    return {
        MORE_TEXT: flows.steps(buttons, *flows.typed_step(more_text, "review.more_text_expected")),
        MORE_PHOTOS: flows.steps(
            MessageHandler(PHOTO_INPUT, more_photo),
            buttons,
            MessageHandler(flows.TYPED, replying("review.more_photos_expected")),
        ),
    }


def commands() -> list[flows.StepHandler]:
    """Handlers that work outside any conversation (commands, buttons of notifications)."""
    return []
