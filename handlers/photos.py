"""Receiving photos, as compressed photos or as image files, for a check-in or an item."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import filters

from bot.evidence import Ingested
from bot.photos import PhotoRejected
from bot.records import SiteRecord
from handlers.context import BotContext
from handlers.flow import current_flow
from storage.photos import PhotoTarget

log = logging.getLogger(__name__)

# What a conversation step accepts as a photo: compressed photos and files that claim to be images
# (Pillow decides whether they really are). Other files get a polite "please send a photo".
PHOTO_INPUT = filters.UpdateType.MESSAGE & (filters.PHOTO | filters.Document.ALL)

_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif")


def _file_of(message: Message) -> tuple[str, str, int | None, bool] | None:
    """(file_id, file_unique_id, size, sent_as_file) of the photo in a message, or None."""
    if message.photo:
        biggest = message.photo[-1]
        return biggest.file_id, biggest.file_unique_id, biggest.file_size, False
    doc = message.document
    if doc is None:
        return None
    name = (doc.file_name or "").lower()
    if (doc.mime_type or "").startswith("image/") or name.endswith(_IMAGE_SUFFIXES):
        return doc.file_id, doc.file_unique_id, doc.file_size, True
    return None


async def _acknowledge(message: Message, context: BotContext, text: str) -> None:
    """One reply per album, edited as its photos arrive, instead of one reply per photo."""
    group = message.media_group_id
    flow = current_flow(context)
    acks: dict[str, int] = flow.setdefault("album_acks", {})
    if group and group in acks:
        try:
            await context.bot.edit_message_text(
                text, chat_id=message.chat_id, message_id=acks[group]
            )
            return
        except BadRequest:
            pass  # the acknowledgement is gone or unchanged: send a fresh one
    sent = await message.reply_text(text)
    if group:
        acks[group] = sent.message_id


async def receive_photo(
    update: Update,
    context: BotContext,
    *,
    target: PhotoTarget,
    site: SiteRecord | None,
    reference_time: datetime,
    limit: int,
) -> Ingested | None:
    """Download, check and record one photo; answer the deputy. None when it was not taken."""
    message = update.effective_message
    assert message is not None
    texts = context.texts
    services = context.services
    found = _file_of(message)
    if found is None:
        await message.reply_text(texts("photo_not_image"))
        return None
    file_id, unique_id, size, as_file = found
    count = await services.photos.count(target)
    if await services.photos.exists(target, unique_id):
        await _acknowledge(message, context, texts("photo_saved", count=count))
        return None
    if count >= limit:
        await message.reply_text(texts("photo_limit", max=limit))
        return None
    max_mb = int(services.settings.photos.max_file_mb)
    if size is not None and size > services.evidence.policy.max_bytes:
        await message.reply_text(texts("photo.too_big", max_mb=max_mb))
        return None
    try:
        tg_file = await context.bot.get_file(file_id)
        data = bytes(await tg_file.download_as_bytearray())
    except BadRequest as exc:
        log.info("Download of a photo failed: %s", exc)
        key = "photo.too_big" if "too big" in str(exc).lower() else "photo_download_failed"
        await message.reply_text(texts(key, max_mb=max_mb))
        return None
    except TelegramError as exc:
        log.warning("Download of a photo failed: %s", exc)
        await message.reply_text(texts("photo_download_failed"))
        return None
    try:
        result = await services.evidence.ingest(
            data,
            person_id=context.me.id,
            target=target,
            site=site,
            reference_time=reference_time,
            as_file=as_file,
            file_unique_id=unique_id,
            now=context.now(),
        )
    except PhotoRejected as rejected:
        log.info("Photo rejected: %s (%s)", rejected.reason, rejected.detail)
        await message.reply_text(
            texts(
                f"photo.{rejected.reason}",
                max_mb=max_mb,
                max_mp=int(services.settings.photos.max_megapixels),
            )
        )
        return None
    text = texts("photo_saved", count=result.count)
    if result.flags:
        text += "\n" + "\n".join(texts(f"photo_flag.{flag}") for flag in result.flags)
    if not as_file and not message.media_group_id and result.count == 1:
        text += "\n" + texts("photo_tip_as_file")
    await _acknowledge(message, context, text)
    return result
