"""/progress, after the report is confirmed: its photos, then 完成.

The report is stored when confirmed (keyed by the flow), so every photo has its record to belong
to as it arrives; each goes through the same intake as an item's photo (handlers/photos.py
receive_photo: limits, real images, EXIF, albums, once per Telegram file), stored before it is
acknowledged. 完成 says "saved" with the number of photos the database holds.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.usecases import progress_photos
from handlers import callbacks
from handlers.context import BotContext
from handlers.flow import button, current_flow
from handlers.photos import receive_photo
from handlers.replies import replying

PHOTOS = "progress.photos"
PREFIX = callbacks.PROGRESS


async def ask_for_photos(update: Update, context: BotContext, report_id: int) -> str:
    """The report is stored: offer to add photos to it, and 完成."""
    flow = current_flow(context)
    flow.update(report_id=report_id, step=PHOTOS)
    message = update.effective_message
    assert message is not None
    texts = context.texts
    await context.bot.send_message(
        message.chat_id,
        texts("progress.photos_prompt", max=progress_photos.photo_limit(context.services)),
        reply_markup=InlineKeyboardMarkup(
            [[button(texts("button.done"), PREFIX, flow["nonce"], "done")]]
        ),
    )
    return PHOTOS


async def report_photo(update: Update, context: BotContext) -> str:
    """A photo for the report just stored (its unit must still be the caller's)."""
    services = context.services
    target = await progress_photos.own_report(
        services, context.person, current_flow(context).get("report_id")
    )
    await receive_photo(
        update,
        context,
        target=target,
        limit=progress_photos.photo_limit(services),
    )
    return PHOTOS


photos_expected = replying("progress.photos_expected")
