"""/mine: the deputy's own items, a page at a time; open one, see its photos, withdraw it."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.error import BadRequest

from bot.errors import Refused
from bot.items import Item, Status
from bot.people import Action, require_can
from bot.records import PhotoTarget
from bot.usecases import deputy
from bot.views import clip, item_summary, number_label
from handlers import callbacks
from handlers.context import BotContext

PAGE_SIZE = 5


def _button(label: str, verb: str, arg: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=f"{callbacks.MINE}:{verb}:{arg}")


async def _page(context: BotContext, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    services = context.services
    texts = context.texts
    total, items = await deputy.own_items(
        services, context.person, offset=max(page, 0) * PAGE_SIZE, limit=PAGE_SIZE
    )
    if total == 0:
        return texts("mine_empty"), None
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    if page > pages - 1:
        # The list got shorter since the button was made: show its last page.
        page = pages - 1
        _total, items = await deputy.own_items(
            services, context.person, offset=page * PAGE_SIZE, limit=PAGE_SIZE
        )
    page = max(page, 0)
    zone = services.settings.zone
    rows = []
    for item in items:
        date = item.submitted_at.astimezone(zone).strftime("%m-%d") if item.submitted_at else ""
        where = item.site_name or item.subitem_title or item.project_title or ""
        label = f"{number_label(item, texts)} · {clip(where, 14)} · {texts(f'status.{item.status}')} · {date}"
        rows.append([_button(label, "open", item.id)])
    nav = []
    if page > 0:
        nav.append(_button(texts("button.previous"), "page", page - 1))
    if page < pages - 1:
        nav.append(_button(texts("button.next"), "page", page + 1))
    if nav:
        rows.append(nav)
    return texts("mine_title", total=total, page=page + 1, pages=pages), InlineKeyboardMarkup(rows)


async def mine(update: Update, context: BotContext) -> None:
    """List the caller's items, newest first."""
    require_can(context.person, Action.OWN_ITEMS)
    message = update.effective_message
    assert message is not None
    text, markup = await _page(context, 0)
    await message.reply_text(text, reply_markup=markup)


async def _own_item(context: BotContext, item_id: int) -> Item:
    """The caller's own item; anyone else's id in a button is treated as an expired button."""
    return await deputy.own_item(context.services, context.person, item_id)


async def mine_button(update: Update, context: BotContext) -> None:
    """Page, open, photos, withdraw (with a confirmation)."""
    require_can(context.person, Action.OWN_ITEMS)
    query = update.callback_query
    message = update.effective_message
    assert query is not None and message is not None
    parts = (query.data or "").split(":")
    if len(parts) != 3 or not parts[2].isdigit() or len(parts[2]) > 12:
        raise Refused("button_expired")
    verb, arg = parts[1], int(parts[2])
    texts = context.texts
    services = context.services
    if verb == "page":
        await query.answer()
        text, markup = await _page(context, arg)
        await query.edit_message_text(text, reply_markup=markup)
        return
    item = await _own_item(context, arg)
    if verb == "open":
        await query.answer()
        await _show_item(update, context, item)
        return
    if verb == "photos":
        await query.answer()
        photos = await services.photos.of(PhotoTarget(item_id=item.id))
        if not photos:
            return
        label = number_label(item, texts)
        if len(photos) == 1:  # an album needs 2 to 10 photos
            await message.reply_photo(services.store.read(photos[0].display_path), caption=label)
            return
        for start in range(0, len(photos), 10):
            media = [
                InputMediaPhoto(
                    services.store.read(p.display_path), caption=label if i == 0 else None
                )
                for i, p in enumerate(photos[start : start + 10])
            ]
            if len(media) == 1:
                await message.reply_photo(media[0].media, caption=label)
            else:
                await message.reply_media_group(media)
        return
    if verb == "withdraw":
        await query.answer()
        rows = [
            [_button(texts("mine_withdraw_yes"), "withdraw_ok", item.id)],
            [_button(texts("button.back"), "open", item.id)],
        ]
        await query.edit_message_text(
            texts("mine_withdraw_confirm", label=number_label(item, texts)),
            reply_markup=InlineKeyboardMarkup(rows),
        )
        return
    if verb == "withdraw_ok":
        refreshed = await deputy.withdraw_item(services, context.caller(), item.id)
        await query.answer(texts("mine_withdrawn", label=number_label(item, texts)))
        await _show_item(update, context, refreshed)
        return
    raise Refused("button_expired")


async def _show_item(update: Update, context: BotContext, item: Item) -> None:
    query = update.callback_query
    assert query is not None
    texts = context.texts
    rows = []
    if item.photo_count:
        rows.append([_button(texts("mine_photos", count=item.photo_count), "photos", item.id)])
    if item.status is Status.SUBMITTED:
        rows.append([_button(texts("mine_withdraw"), "withdraw", item.id)])
    rows.append([_button(texts("button.back_to_list"), "page", 0)])
    text = item_summary(item, texts, context.services.settings.zone)
    try:
        await query.edit_message_text(text, reply_markup=InlineKeyboardMarkup(rows))
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
