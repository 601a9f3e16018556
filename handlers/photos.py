"""Receiving photos, as compressed photos or as image files, for a check-in or an item."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import filters

from bot.evidence import Ingested
from bot.items import Item
from bot.photos import PhotoRejected
from bot.records import PhotoTarget, SiteRecord
from bot.texts import Texts
from handlers.context import BotContext
from handlers.flow import current_flow

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


def _album(context: BotContext, group: str) -> dict[str, Any]:
    """What the bot has said about one album so far, kept in the conversation's scratch data.

    Per photo (by message id, so a redelivered update counts once): its flags, or that it was
    refused. The acknowledgement is rewritten from all of it, because an edit replaces the whole
    text and would otherwise drop what an earlier photo of the album needed said.
    """
    albums: dict[str, Any] = current_flow(context).setdefault("album_acks", {})
    album = albums.get(group)
    if not isinstance(album, dict):  # an int: the message id, as kept before photos were
        album = {"ack": album if isinstance(album, int) else None, "photos": {}}
        albums[group] = album
    return album


def _album_text(texts: Texts, count: int, photos: dict[str, dict[str, Any]]) -> str:
    lines = [texts("photo_saved", count=count)]
    ordered = sorted(photos.items(), key=lambda entry: int(entry[0]))
    for position, (_message_id, photo) in enumerate(ordered, start=1):
        lines += [
            texts("photo_album_flag", n=position, flag=texts(f"photo_flag.{flag}"))
            for flag in photo.get("flags", [])
        ]
    refused = sum(1 for _message_id, photo in ordered if photo.get("refused"))
    if refused:
        lines.append(texts("photo_album_refused", count=refused))
    return "\n".join(lines)


async def _acknowledge(
    message: Message,
    context: BotContext,
    text: str,
    *,
    count: int,
    flags: tuple[str, ...] | None = None,
) -> None:
    """One reply per album, edited as its photos arrive, instead of one reply per photo.

    `flags` None: the photo was stored before (a redelivered update); what was said stays.
    """
    group = message.media_group_id
    if not group:
        await message.reply_text(text)
        return
    album = _album(context, group)
    said = album["photos"].setdefault(str(message.message_id), {})
    if flags is not None:
        said["flags"] = list(flags)
    text = _album_text(context.texts, count, album["photos"])
    if album["ack"] is not None:
        try:
            await context.bot.edit_message_text(
                text, chat_id=message.chat_id, message_id=album["ack"]
            )
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return  # a redelivered photo: the acknowledgement already says it all
            # the acknowledgement is gone: send a fresh one
    sent = await message.reply_text(text)
    album["ack"] = sent.message_id


async def _refuse(message: Message, context: BotContext, text: str) -> None:
    """Say why this photo was not taken, in a reply to it: in an album, the deputy sees which."""
    if message.media_group_id:
        album = _album(context, message.media_group_id)
        album["photos"][str(message.message_id)] = {"refused": True}
    await message.reply_text(
        text, do_quote=message.build_reply_arguments(allow_sending_without_reply=True)
    )


async def receive_photo(
    update: Update,
    context: BotContext,
    *,
    target: PhotoTarget,
    site: SiteRecord | None = None,
    reference_time: datetime | None = None,
    limit: int,
) -> Ingested | None:
    """Download, check and record one photo; answer the deputy. None when it was not taken.
    It is judged against `site` (if any) and taken at `reference_time` (unless given: now)."""
    # Read before the download, so the time the photo is judged against is when it came in.
    reference_time = reference_time or context.now()
    message = update.effective_message
    assert message is not None
    texts = context.texts
    services = context.services
    found = _file_of(message)
    if found is None:
        await _refuse(message, context, texts("photo_not_image"))
        return None
    file_id, unique_id, size, as_file = found
    count = await services.photos.count(target)
    if await services.photos.exists(target, unique_id):
        await _acknowledge(message, context, texts("photo_saved", count=count), count=count)
        return None
    if count >= limit:
        await _refuse(message, context, texts("photo_limit", max=limit))
        return None
    max_mb = int(services.settings.photos.max_file_mb)
    if size is not None and size > services.evidence.policy.max_bytes:
        await _refuse(message, context, texts("photo.too_big", max_mb=max_mb))
        return None
    try:
        tg_file = await context.bot.get_file(file_id)
        data = bytes(await tg_file.download_as_bytearray())
    except BadRequest as exc:
        log.info("Download of a photo failed: %s", exc)
        key = "photo.too_big" if "too big" in str(exc).lower() else "photo_download_failed"
        await _refuse(message, context, texts(key, max_mb=max_mb))
        return None
    except TelegramError as exc:
        log.warning("Download of a photo failed: %s", exc)
        await _refuse(message, context, texts("photo_download_failed"))
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
        await _refuse(
            message,
            context,
            texts(
                f"photo.{rejected.reason}",
                max_mb=max_mb,
                max_mp=int(services.settings.photos.max_megapixels),
            ),
        )
        return None
    text = texts("photo_saved", count=result.count)
    if result.flags:
        text += "\n" + "\n".join(texts(f"photo_flag.{flag}") for flag in result.flags)
    if not as_file and not message.media_group_id and result.count == 1:
        text += "\n" + texts("photo_tip_as_file")
    await _acknowledge(
        message, context, text, count=result.count, flags=tuple(str(f) for f in result.flags)
    )
    return result


async def receive_item_photo(
    update: Update,
    context: BotContext,
    item: Item,
    *,
    purpose: str = "evidence",
    reference_time: datetime | None = None,
) -> Ingested | None:
    """A photo for an item: judged against the item's site (if it has one) and, unless another
    moment is given, taken now; at most the configured number per purpose."""
    services = context.services
    site = await services.catalog.site(item.campaign_id, item.site_id) if item.site_id else None
    return await receive_photo(
        update,
        context,
        target=PhotoTarget(item_id=item.id, purpose=purpose),
        site=site,
        reference_time=reference_time,
        limit=services.settings.reports.max_photos,
    )
