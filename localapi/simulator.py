"""Simulated Telegram users and groups that talk to the bot through the local Bot API."""

from __future__ import annotations

import asyncio
import copy
import mimetypes
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._stream import EventLog
from .models import (
    BotMessage,
    CallbackAnswer,
    CallbackPress,
    JSONDict,
    UserMessage,
)

if TYPE_CHECKING:
    from .server import LocalBotApi

# Telegram marks every "/command" that starts a word, optionally addressed with "@botname".
_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets in UTF-16 code units, not code points."""
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[JSONDict]:
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _COMMAND_RE.finditer(text)
    ]


@dataclass
class ChatState:
    """Everything the server knows about one chat."""

    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    blocked: bool = False
    last_message_id: int = 0
    # Every message in the chat (user's and bot's) in its current state, as the bot sees it.
    messages: dict[int, JSONDict] = field(default_factory=dict)
    # The bot's messages as the user sees them, edits applied.
    bot_messages: dict[int, BotMessage] = field(default_factory=dict)
    events: EventLog[BotMessage] = field(default_factory=EventLog)
    deleted_ids: list[int] = field(default_factory=list)
    reply_keyboard: JSONDict | None = None

    def as_chat(self) -> JSONDict:
        chat: JSONDict = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "last_name", "username"):
            value = getattr(self, key)
            if value is not None:
                chat[key] = value
        return chat

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    def emit(self, message: BotMessage) -> None:
        # A snapshot, so later edits of the same message don't rewrite history.
        self.events.append(copy.deepcopy(message))


def _now() -> int:
    return int(time.time())


class SimChat:
    """Reading side shared by users (their private chat) and groups: what the bot sent."""

    def __init__(self, api: LocalBotApi, chat: ChatState, label: str) -> None:
        self._api = api
        self.chat = chat
        self.label = label
        self._cursor = 0

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def messages(self) -> list[BotMessage]:
        """The bot's messages in this chat, current state (edits applied, deletions gone)."""
        return [self.chat.bot_messages[mid] for mid in sorted(self.chat.bot_messages)]

    @property
    def deleted_ids(self) -> list[int]:
        return list(self.chat.deleted_ids)

    @property
    def reply_keyboard(self) -> list[str]:
        """Labels of the reply keyboard currently shown in this chat (empty if none)."""
        markup = self.chat.reply_keyboard
        if markup is None:
            return []
        return BotMessage(0, self.chat.id, "keyboard", reply_markup=markup).keyboard

    @property
    def pending(self) -> list[BotMessage]:
        """Events that arrived but were not consumed yet."""
        return list(self.chat.events.items[self._cursor :])

    def drain(self) -> None:
        self._cursor = len(self.chat.events.items)

    # A timeout argument (rather than asyncio.timeout around the call) lets the error name
    # what did arrive instead of a bare CancelledError trace.
    async def next_message(
        self,
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        edited: bool | None = None,
    ) -> BotMessage:
        """The next new or edited bot message in this chat.

        With `edited` set, events of the other sort are consumed and skipped; they are listed
        in the timeout error so a wrong expectation is easy to spot.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        skipped: list[BotMessage] = []
        items = self.chat.events.items
        while True:
            while self._cursor < len(items):
                event = items[self._cursor]
                self._cursor += 1
                if edited is None or event.edited == edited:
                    return event
                skipped.append(event)
            if not await self.chat.events.wait_beyond(self._cursor, deadline):
                wanted = {None: "message", True: "edit", False: "new message"}[edited]
                raise TimeoutError(self._diagnose(f"no bot {wanted} within {timeout:g}s", skipped))

    async def settle(
        self,
        quiet: float = 0.3,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[BotMessage]:
        """Waits until the bot has been quiet in this chat for `quiet` seconds.

        "Quiet" also requires that no update from this chat is still waiting to be fetched
        and no API call for this chat is still being answered, so an injected delay can't
        make the bot look finished before it has even replied.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        events: list[BotMessage] = []
        items = self.chat.events.items
        while True:
            events.extend(items[self._cursor :])
            self._cursor = len(items)
            quiet_until = loop.time() + quiet
            if quiet_until > deadline:
                raise TimeoutError(
                    self._diagnose(f"the bot did not go quiet within {timeout:g}s", events)
                )
            if await self.chat.events.wait_beyond(self._cursor, quiet_until):
                continue
            if not self._api._chat_busy(self.chat.id):
                return events

    def _diagnose(self, problem: str, seen: list[BotMessage]) -> str:
        lines = [f"{self.label}: {problem}."]
        if seen:
            lines.append("Events seen meanwhile:")
            lines.extend(f"  {event.describe()}" for event in seen)
        recent = self.messages[-3:]
        if recent:
            lines.append("Latest bot messages in this chat:")
            lines.extend(f"  {message.describe()}" for message in recent)
        # Calls aimed at this chat explain most surprises (a failed send shows its error);
        # the overall tail shows whether the bot is polling at all.
        refs = {self.chat.id, str(self.chat.id)}
        if self.chat.username:
            refs.add(f"@{self.chat.username}")
        mine = [c for c in self._api.calls if c.params.get("chat_id") in refs][-5:]
        if mine:
            lines.append("Latest API calls for this chat:")
            lines.extend(f"  {call.describe()}" for call in mine)
        else:
            lines.append("The bot made no API calls for this chat.")
        overall = self._api.calls[-3:]
        if overall:
            lines.append("Latest API calls overall:")
            lines.extend(f"  {call.describe()}" for call in overall)
        else:
            lines.append("The bot made no API calls at all.")
        return "\n".join(lines)


class SimGroup(SimChat):
    """A group or supergroup; users write into it with `user.send_text(..., chat=group)`."""

    def __init__(self, api: LocalBotApi, chat: ChatState) -> None:
        super().__init__(api, chat, f"group {chat.title!r} ({chat.id})")

    @property
    def title(self) -> str:
        return self.chat.title or ""


MessageRef = UserMessage | BotMessage | int


def _message_id(ref: MessageRef) -> int:
    return ref if isinstance(ref, int) else ref.message_id


class SimUser(SimChat):
    """A Telegram user with a private chat with the bot (same id as the user)."""

    def __init__(
        self,
        api: LocalBotApi,
        chat: ChatState,
        *,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
    ) -> None:
        super().__init__(api, chat, f"user {first_name!r} ({user_id})")
        self.user_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.answers: EventLog[CallbackAnswer] = EventLog()
        self._answer_cursor = 0

    def as_user(self) -> JSONDict:
        user: JSONDict = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name is not None:
            user["last_name"] = self.last_name
        if self.username is not None:
            user["username"] = self.username
        if self.language_code is not None:
            user["language_code"] = self.language_code
        return user

    # -- sending -------------------------------------------------------------------------

    def _target(self, chat: SimChat | None) -> ChatState:
        if chat is None:
            return self.chat
        if isinstance(chat, SimGroup):
            return chat.chat
        raise ValueError("a user can only write to their own private chat or to a group")

    def _base(self, target: ChatState) -> JSONDict:
        return {
            "message_id": target.next_message_id(),
            "from": self.as_user(),
            "chat": target.as_chat(),
            "date": _now(),
        }

    def _send(self, target: ChatState, message: JSONDict, kind: str = "message") -> UserMessage:
        target.messages[message["message_id"]] = message
        update_id = self._api.push_update({kind: copy.deepcopy(message)}, chat_id=target.id)
        return UserMessage(
            message_id=message["message_id"],
            chat_id=target.id,
            update_id=update_id,
            data=copy.deepcopy(message),
        )

    def _reply_to(self, target: ChatState, message: JSONDict, reply_to: MessageRef) -> None:
        replied = target.messages.get(_message_id(reply_to))
        if replied is None:
            raise AssertionError(f"{self.label}: no message {_message_id(reply_to)} to reply to")
        shallow = {k: v for k, v in replied.items() if k != "reply_to_message"}
        message["reply_to_message"] = copy.deepcopy(shallow)

    async def send_text(
        self, text: str, *, chat: SimGroup | None = None, reply_to: MessageRef | None = None
    ) -> UserMessage:
        target = self._target(chat)
        message = self._base(target)
        message["text"] = text
        entities = command_entities(text)
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            self._reply_to(target, message, reply_to)
        return self._send(target, message)

    def _location(
        self,
        latitude: float,
        longitude: float,
        horizontal_accuracy: float | None,
        live_period: int | None,
    ) -> JSONDict:
        location: JSONDict = {"latitude": latitude, "longitude": longitude}
        if horizontal_accuracy is not None:
            location["horizontal_accuracy"] = horizontal_accuracy
        if live_period is not None:
            location["live_period"] = live_period
        return location

    async def send_location(
        self,
        latitude: float,
        longitude: float,
        *,
        horizontal_accuracy: float | None = None,
        live_period: int | None = None,
        forwarded: bool = False,
        chat: SimGroup | None = None,
    ) -> UserMessage:
        target = self._target(chat)
        message = self._base(target)
        message["location"] = self._location(latitude, longitude, horizontal_accuracy, live_period)
        if forwarded:
            # A forwarded location is not where the sender is now; bots must be able to tell.
            message["forward_origin"] = {
                "type": "user",
                "sender_user": self.as_user(),
                "date": _now() - 3600,
            }
        return self._send(target, message)

    async def update_live_location(
        self, message: MessageRef, latitude: float, longitude: float
    ) -> UserMessage:
        """Moves a live location; Telegram reports that as an edited_message."""
        target, original = self._own_message(message)
        if "location" not in original:
            raise AssertionError(f"{self.label}: message {original['message_id']} is no location")
        original["location"] = {
            **original["location"],
            "latitude": latitude,
            "longitude": longitude,
        }
        original["edit_date"] = _now()
        return self._send(target, original, kind="edited_message")

    async def send_venue(
        self,
        latitude: float,
        longitude: float,
        title: str,
        address: str,
        *,
        foursquare_id: str | None = None,
        chat: SimGroup | None = None,
    ) -> UserMessage:
        target = self._target(chat)
        message = self._base(target)
        location = self._location(latitude, longitude, None, None)
        venue: JSONDict = {"location": location, "title": title, "address": address}
        if foursquare_id is not None:
            venue["foursquare_id"] = foursquare_id
        message["location"] = location
        message["venue"] = venue
        return self._send(target, message)

    async def send_photo(
        self,
        data: bytes,
        *,
        caption: str | None = None,
        media_group_id: str | None = None,
        chat: SimGroup | None = None,
    ) -> UserMessage:
        target = self._target(chat)
        stored = self._api.store_file(data, kind="photo")
        return self._send_media(target, "photo", [stored.photo_size()], caption, media_group_id)

    async def send_document(
        self,
        data: bytes,
        *,
        file_name: str = "IMG_1.jpg",
        mime_type: str | None = None,
        caption: str | None = None,
        media_group_id: str | None = None,
        chat: SimGroup | None = None,
    ) -> UserMessage:
        target = self._target(chat)
        if mime_type is None:
            mime_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        stored = self._api.store_file(
            data, kind="document", file_name=file_name, mime_type=mime_type
        )
        return self._send_media(target, "document", stored.document(), caption, media_group_id)

    def _send_media(
        self,
        target: ChatState,
        field: str,
        media: object,
        caption: str | None,
        media_group_id: str | None,
    ) -> UserMessage:
        """A photo or a document, with its caption and album only when given (as Telegram omits
        absent fields)."""
        message = self._base(target)
        message[field] = media
        if caption is not None:
            message["caption"] = caption
        if media_group_id is not None:
            message["media_group_id"] = media_group_id
        return self._send(target, message)

    async def send_album(
        self,
        items: list[bytes],
        *,
        as_documents: bool = False,
        caption: str | None = None,
        chat: SimGroup | None = None,
    ) -> list[UserMessage]:
        """Several messages sharing one media_group_id, caption on the first like Telegram."""
        group_id = self._api._new_media_group_id()
        sent: list[UserMessage] = []
        for index, data in enumerate(items):
            item_caption = caption if index == 0 else None
            if as_documents:
                sent.append(
                    await self.send_document(
                        data,
                        file_name=f"IMG_{index + 1}.jpg",
                        caption=item_caption,
                        media_group_id=group_id,
                        chat=chat,
                    )
                )
            else:
                sent.append(
                    await self.send_photo(
                        data, caption=item_caption, media_group_id=group_id, chat=chat
                    )
                )
        return sent

    async def send_sticker(self, *, emoji: str = "👍", chat: SimGroup | None = None) -> UserMessage:
        target = self._target(chat)
        stored = self._api.store_file(b"RIFF\x00\x00\x00\x00WEBPVP8 ", kind="sticker")
        message = self._base(target)
        message["sticker"] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": stored.size,
        }
        return self._send(target, message)

    async def send_contact(
        self,
        phone_number: str = "+8613800000000",
        first_name: str | None = None,
        *,
        chat: SimGroup | None = None,
    ) -> UserMessage:
        target = self._target(chat)
        message = self._base(target)
        message["contact"] = {
            "phone_number": phone_number,
            "first_name": first_name or self.first_name,
            "user_id": self.user_id,
        }
        return self._send(target, message)

    def _own_message(self, ref: MessageRef) -> tuple[ChatState, JSONDict]:
        chat_ids = [ref.chat_id] if isinstance(ref, UserMessage | BotMessage) else [self.chat.id]
        for chat_id in chat_ids:
            target = self._api._chats.get(chat_id)
            if target is None:
                continue
            message = target.messages.get(_message_id(ref))
            if message is not None and message.get("from", {}).get("id") == self.user_id:
                return target, message
        raise AssertionError(f"{self.label}: message {_message_id(ref)} was not sent by them")

    async def edit_text(self, message: MessageRef, text: str) -> UserMessage:
        """Edits a text message the user sent; the bot gets an edited_message update."""
        target, original = self._own_message(message)
        if "text" not in original:
            raise AssertionError(f"{self.label}: message {original['message_id']} has no text")
        original["text"] = text
        entities = command_entities(text)
        if entities:
            original["entities"] = entities
        else:
            original.pop("entities", None)
        original["edit_date"] = _now()
        return self._send(target, original, kind="edited_message")

    # -- buttons -------------------------------------------------------------------------

    def _find_button(self, target: ChatState, label: str) -> tuple[BotMessage, JSONDict]:
        newest_first = sorted(target.bot_messages.values(), key=lambda m: -m.message_id)
        matchers: list[Callable[[str], bool]] = [
            lambda text: text == label,
            lambda text: label in text,
        ]
        for matches in matchers:
            for message in newest_first:
                markup = message.reply_markup or {}
                for row in markup.get("inline_keyboard") or []:
                    for button in row:
                        if isinstance(button, dict) and matches(str(button.get("text", ""))):
                            return message, button
        available = [f"#{m.message_id}: {m.buttons}" for m in newest_first if m.buttons]
        listing = "; ".join(available[:8]) if available else "no inline buttons at all"
        raise AssertionError(f"{self.label}: no inline button {label!r}. Available: {listing}")

    async def press(self, label: str, *, chat: SimGroup | None = None) -> CallbackPress:
        """Presses the inline button labelled `label` (exact match first, then substring)."""
        target = self._target(chat)
        message, button = self._find_button(target, label)
        if "callback_data" not in button:
            kinds = sorted(k for k in button if k != "text")
            raise AssertionError(
                f"{self.label}: button {button.get('text')!r} on message #{message.message_id} "
                f"has no callback_data (it is a {', '.join(kinds)} button)"
            )
        return self._press(target, message.message_id, str(button["callback_data"]))

    async def press_data(
        self, message: MessageRef, data: str, *, chat: SimGroup | None = None
    ) -> CallbackPress:
        """Sends a callback query with arbitrary data, as a modified client could."""
        target = self._target(chat)
        return self._press(target, _message_id(message), data)

    def _press(self, target: ChatState, message_id: int, data: str) -> CallbackPress:
        message = target.messages.get(message_id)
        if message is None:
            raise AssertionError(f"{self.label}: no message {message_id} in chat {target.id}")
        query_id = self._api._register_query(self.user_id, target.id)
        query: JSONDict = {
            "id": query_id,
            "from": self.as_user(),
            "message": copy.deepcopy(message),
            "chat_instance": str((target.id * 7919 + self._api.bot_id) % (2**62)),
            "data": data,
        }
        update_id = self._api.push_update({"callback_query": query}, chat_id=target.id)
        return CallbackPress(
            query_id=query_id,
            data=data,
            message_id=message_id,
            chat_id=target.id,
            update_id=update_id,
        )

    async def next_answer(self, timeout: float = 10.0) -> CallbackAnswer:  # noqa: ASYNC109
        """The next answerCallbackQuery the bot made for this user's presses."""
        loop = asyncio.get_running_loop()
        if not await self.answers.wait_beyond(self._answer_cursor, loop.time() + timeout):
            raise TimeoutError(self._diagnose(f"no answerCallbackQuery within {timeout:g}s", []))
        answer = self.answers.items[self._answer_cursor]
        self._answer_cursor += 1
        return answer

    def drain(self) -> None:
        super().drain()
        self._answer_cursor = len(self.answers.items)

    # -- membership ----------------------------------------------------------------------

    def block(self, *, notify: bool = True) -> None:
        """Blocks the bot: sends to this chat fail with 403 from now on."""
        self.chat.blocked = True
        if notify:
            self._member_update("member", "kicked")

    def unblock(self, *, notify: bool = True) -> None:
        self.chat.blocked = False
        if notify:
            self._member_update("kicked", "member")

    def _member_update(self, old: str, new: str) -> None:
        def member(status: str) -> JSONDict:
            entry: JSONDict = {"status": status, "user": self._api.bot_user}
            if status == "kicked":
                entry["until_date"] = 0
            return entry

        self._api.push_update(
            {
                "my_chat_member": {
                    "chat": self.chat.as_chat(),
                    "from": self.as_user(),
                    "date": _now(),
                    "old_chat_member": member(old),
                    "new_chat_member": member(new),
                }
            },
            chat_id=self.chat.id,
        )
