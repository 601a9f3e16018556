"""Doing what a corpus case says: its acts, sent to the bot as a user (or a forged client) would."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from localapi import LocalBotApi, SimGroup, SimUser
from localapi.models import JSONDict
from tests.corpus.inputs import GENERATORS
from tests.corpus.model import Act
from tests.corpus.stages import Place


def _fill(value: str, refs: dict[str, Any]) -> str:
    return value.format(**refs) if "{" in value else value


def _input(act: Act) -> Any:
    generator = act.options.get("generator") or act.data
    return GENERATORS[generator]()


def _raw_message(
    api: LocalBotApi, user: SimUser, chat: SimGroup | None, fields: dict[str, Any]
) -> None:
    """A message of a kind the simulator has no helper for (voice, dice...), as Telegram sends it."""
    state = chat.chat if chat else user.chat
    file_part = {"file_id": f"AwAD{state.last_message_id}x", "file_unique_id": "AgADraw"}
    body = {
        k: ({**file_part, **v} if k in ("voice", "video_note") else v) for k, v in fields.items()
    }
    message: JSONDict = {
        "message_id": state.next_message_id(),
        "from": user.as_user(),
        "chat": state.as_chat(),
        # Telegram's own clock, as the local server stamps messages; the bot never reads it.
        "date": int(time.time()),
        **body,
    }
    state.messages[message["message_id"]] = message
    api.push_update({"message": message}, chat_id=state.id)


def _nonce(user: SimUser) -> str:
    """The nonce of the open conversation, from its newest keyboard."""
    for message in reversed(user.messages):
        for data in message.button_data.values():
            parts = data.split(":")
            if len(parts) == 4:
                return parts[1]
    raise AssertionError("no conversation keyboard in the chat")


def _last_message_id(user: SimUser, group: SimGroup | None) -> int:
    messages = (group.chat if group else user.chat).messages
    return max(messages)


async def perform(act: Act, place: Place, refs: dict[str, Any], api: LocalBotApi) -> int:
    """Do what the act says; returns how many buttons were pressed."""
    user = place.user
    group = place.group if act.options.get("group") else None
    site = (refs["site_lat"], refs["site_lon"])
    if act.kind == "text":
        value = _input(act) if act.options.get("generator") else _fill(act.data, refs)
        await user.send_text(value, chat=group)
    elif act.kind == "photo":
        await user.send_photo(_input(act), chat=group)
    elif act.kind == "document":
        await user.send_document(
            _input(act),
            file_name=act.options["file_name"],
            mime_type=act.options["mime"],
            chat=group,
        )
    elif act.kind == "sticker":
        await user.send_sticker(chat=group)
    elif act.kind == "contact":
        await user.send_contact(chat=group)
    elif act.kind == "raw":
        _raw_message(api, user, group, act.options)
    elif act.kind == "location":
        lat, lon = site if act.options.get("at_site") else (act.options["lat"], act.options["lon"])
        await user.send_location(
            lat,
            lon,
            horizontal_accuracy=act.options.get("accuracy"),
            forwarded=bool(act.options.get("forwarded")),
            chat=group,
        )
    elif act.kind == "venue":
        await user.send_venue(*site, refs["site_name"], "杭州市", chat=group)
    elif act.kind == "live":
        sent = await user.send_location(*site, horizontal_accuracy=8, live_period=900)
        # The moves come after the bot answered the shared location (left for observe to see).
        for _ in range(500):
            if user.pending:
                break
            await asyncio.sleep(0.01)
        await user.update_live_location(sent, site[0] + 0.0003, site[1] + 0.0002)
    elif act.kind == "edit":
        chat = group.chat if group else user.chat
        own = [
            m
            for _, m in sorted(chat.messages.items())
            if m.get("from", {}).get("id") == user.user_id and "text" in m
        ]
        await user.edit_text(own[-1]["message_id"], _fill(act.data, refs))
    elif act.kind == "press":
        if "{nonce}" in act.data:
            refs = {**refs, "nonce": _nonce(user)}
        await user.press_data(_last_message_id(user, group), _fill(act.data, refs), chat=group)
        return 1
    elif act.kind == "press_label":
        label = _fill(act.data, refs)
        for _ in range(500):  # the keyboard the label is on, once the bot has sent it
            if any(label in b for m in user.pending for b in m.buttons):
                break
            await asyncio.sleep(0.01)
        await user.press(label, chat=group)
        return 1
    elif act.kind == "press_stale":
        stale = refs["stale_message"]
        message = user.chat.bot_messages[stale]
        await user.press_data(stale, next(iter(message.button_data.values())))
        return 1
    else:
        raise AssertionError(f"unknown act {act.kind}")
    return 0
