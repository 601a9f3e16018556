"""A local stand-in for the Telegram Bot API server, served over HTTP on 127.0.0.1.

The real python-telegram-bot client talks to it unchanged (only base_url/base_file_url differ),
so the bot is exercised through the same request encoding, error mapping and polling code it
uses in production.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import hashlib
import io
import json
import math
import mimetypes
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Self

import aiohttp
from aiohttp import web
from PIL import Image

from ._params import Params, normalize
from ._stream import Pulse
from .html_check import escaped_twice, parse_error
from .models import (
    ApiCall,
    ApiError,
    BotMessage,
    CallbackAnswer,
    Interceptor,
    JSONDict,
    StoredFile,
    UploadedFile,
    bad_request,
)
from .simulator import ChatState, SimGroup, SimUser

MethodHandler = Callable[[Params], Awaitable[object]]

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
# Telegram leaves these out unless they are asked for explicitly in allowed_updates.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_FILE_ID_PREFIX = {"photo": "AgAC", "document": "BQAC", "sticker": "CAAC"}
# Methods that post a message, which is what Telegram's flood control counts (edits, answers to
# button presses and reads are not limited the same way).
_FLOOD_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "sendLocation", "sendVenue"}
)
# (messages, seconds): at most that many in any rolling window of that length.
FloodLimit = tuple[int, float]


@dataclass
class _PendingUpdate:
    update_id: int
    payload: JSONDict
    chat_id: int | None
    # Fetched at least once; until then the bot cannot have reacted to it.
    delivered: bool = False


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class _Query:
    user_id: int
    chat_id: int
    answered: bool = False


def _image_size(data: bytes) -> tuple[int, int] | None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:
        # Pillow raises a zoo of exception types for non-images; all mean "unreadable".
        return None


def _json_response(payload: object, status: int = 200) -> web.Response:
    return web.json_response(payload, status=status)


class LocalBotApi:
    """An in-process Telegram Bot API server with simulated users and groups.

    Usage::

        async with LocalBotApi() as api:
            app = ApplicationBuilder().token(api.token).base_url(api.base_url)
                  .base_file_url(api.base_file_url).build()
            alice = api.user(1001, "Alice")
            await alice.send_text("/start")
            reply = await alice.next_message()
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        bot_username: str = "deputy_demo_bot",
        bot_first_name: str = "Deputy Bot",
        delay: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        max_download_bytes: int = 20 * 1024 * 1024,
        webhook_retries: int = 3,
        webhook_backoff: float = 0.05,
        webhook_timeout: float = 5.0,
        flood_limit: FloodLimit | None = None,
        chat_flood_limit: FloodLimit | None = None,
        reply_burst: int = 0,
    ) -> None:
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("token must look like '<bot id>:<secret>'")
        self.token = token
        self.bot_id = int(bot_id)
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        # Seconds added before answering each API call and file download; changeable at any
        # time, which is what latency benchmarks do between runs.
        self.delay = delay
        self.max_download_bytes = max_download_bytes
        self.webhook_retries = webhook_retries
        self.webhook_backoff = webhook_backoff
        self.webhook_timeout = webhook_timeout
        # Telegram's flood control, off unless asked for: at most flood_limit messages per
        # rolling window for the whole bot (Telegram: about 30 a second) and chat_flood_limit per
        # chat (about 1 a second, a short burst tolerated: e.g. (3, 3.0)). A message beyond
        # either is answered 429 with parameters.retry_after, and is not counted.
        for limit in (flood_limit, chat_flood_limit):
            if limit is not None and (limit[0] < 1 or limit[1] <= 0):
                raise ValueError("a flood limit is (messages >= 1, seconds > 0)")
        self.flood_limit = flood_limit
        self.chat_flood_limit = chat_flood_limit
        # Telegram's FAQ puts the bot-wide limit on bulk notifications and tolerates short
        # bursts in a chat: with reply_burst > 0, the first reply_burst messages to a private
        # chat after the bot received an update from it answer that update. They are not
        # counted bot-wide nor refused by the chat's limit, but they fill the chat's window,
        # so a notice right after them is refused. 0: every message counts alike.
        self.reply_burst = reply_burst
        self._replies_due: dict[int, int] = {}
        self.flood_rejections = 0
        self.replies_exempted = 0
        self._sent_at: deque[float] = deque()
        self._chat_sent_at: dict[int, deque[float]] = {}
        self.calls: list[ApiCall] = []
        self.downloads: list[str] = []
        self.interceptors: list[Interceptor] = []
        self.internal_errors: list[BaseException] = []
        # Bot messages that would show people escaped markup ("&lt;b&gt;"): see html_check.py.
        self.markup_problems: list[str] = []
        self.allowed_updates: list[str] | None = None

        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._closing = False

        self._chats: dict[int, ChatState] = {}
        self._users: dict[int, SimUser] = {}
        self._groups: dict[int, SimGroup] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_counter = 0
        self._media_group_counter = 13_000_000_000_000_000
        self._queries: dict[str, _Query] = {}
        self._query_counter = 4_000_000_000_000_000_000

        self._updates: list[_PendingUpdate] = []
        # Update ids start far from message ids so a test mixing them up fails loudly.
        self._last_update_id = 500_000
        self._updates_pulse = Pulse()
        self._poll_generation = 0
        self._webhook: _Webhook | None = None
        self._webhook_task: asyncio.Task[None] | None = None

        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._menu_buttons: dict[int | None, JSONDict] = {}
        self._inflight: dict[int, int] = {}

        handlers: list[tuple[str, MethodHandler]] = [
            ("getMe", self._get_me),
            ("logOut", self._true),
            ("close", self._true),
            ("getUpdates", self._get_updates),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("sendMessage", self._send_message),
            ("editMessageText", self._edit_message_text),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("editMessageCaption", self._edit_message_caption),
            ("deleteMessage", self._delete_message),
            ("answerCallbackQuery", self._answer_callback_query),
            ("sendChatAction", self._send_chat_action),
            ("setMyCommands", self._set_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("setChatMenuButton", self._set_chat_menu_button),
            ("getChatMenuButton", self._get_chat_menu_button),
            ("sendPhoto", self._send_photo),
            ("sendDocument", self._send_document),
            ("sendMediaGroup", self._send_media_group),
            ("sendLocation", self._send_location),
            ("sendVenue", self._send_venue),
            ("getFile", self._get_file),
        ]
        self._methods: dict[str, tuple[str, MethodHandler]] = {
            name.lower(): (name, handler) for name, handler in handlers
        }

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("LocalBotApi is already running")
        self._closing = False
        app = web.Application(client_max_size=256 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_download)
        # Long polls are woken on stop, so a short grace period is enough.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        self._closing = True
        self._updates_pulse.fire()
        await self._stop_webhook_worker()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def bot_user(self) -> JSONDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # -- simulation ----------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> SimUser:
        """A simulated user (created on first use) with a private chat of the same id."""
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        if user_id <= 0 or user_id in self._chats:
            raise ValueError(f"chat id {user_id} is not usable for a user")
        chat = ChatState(
            id=user_id,
            type="private",
            first_name=first_name,
            last_name=last_name,
            username=username,
        )
        self._chats[user_id] = chat
        sim = SimUser(
            self,
            chat,
            user_id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self._users[user_id] = sim
        return sim

    def group(
        self,
        chat_id: int,
        title: str,
        *,
        type: str = "supergroup",
        username: str | None = None,
    ) -> SimGroup:
        """A simulated group (created on first use); group chat ids are negative."""
        existing = self._groups.get(chat_id)
        if existing is not None:
            return existing
        if chat_id >= 0 or chat_id in self._chats:
            raise ValueError(f"chat id {chat_id} is not usable for a group")
        if type not in ("group", "supergroup"):
            raise ValueError("type must be 'group' or 'supergroup'")
        chat = ChatState(id=chat_id, type=type, title=title, username=username)
        self._chats[chat_id] = chat
        sim = SimGroup(self, chat)
        self._groups[chat_id] = sim
        return sim

    def push_update(self, payload: JSONDict, *, chat_id: int | None = None) -> int:
        """Queues an update (payload without update_id) for the bot; returns its update_id.

        Like Telegram, an update type excluded by allowed_updates is never queued.
        """
        self._last_update_id += 1
        update_id = self._last_update_id
        kind = next((key for key in payload if key != "update_id"), "")
        if self.allowed_updates:
            wanted = kind in self.allowed_updates
        else:
            wanted = kind not in _OPT_IN_UPDATES
        if wanted:
            update = {"update_id": update_id, **payload}
            self._updates.append(_PendingUpdate(update_id, update, chat_id))
            self._updates_pulse.fire()
        return update_id

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by the bot (or not yet delivered to the webhook)."""
        return [copy.deepcopy(update.payload) for update in self._updates]

    def store_file(
        self,
        data: bytes,
        *,
        kind: str,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        """Keeps `data` as a downloadable file; the same bytes share one file_unique_id."""
        self._file_counter += 1
        number = self._file_counter
        digest = hashlib.sha256(data).digest()
        unique_id = "AQAD" + base64.urlsafe_b64encode(digest[:9]).decode("ascii")
        file_id = f"{_FILE_ID_PREFIX.get(kind, 'BAAC')}{number:04d}{secrets.token_urlsafe(18)}"
        extension = ""
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1].lower()
        elif kind == "photo":
            extension = ".jpg"
        elif mime_type:
            extension = mimetypes.guess_extension(mime_type) or ""
        width = height = 0
        if kind == "photo":
            width, height = _image_size(data) or (0, 0)
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique_id,
            data=data,
            kind=kind,
            file_path=f"{kind}s/file_{number}{extension}",
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self._files[file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def file(self, file_id: str) -> StoredFile:
        return self._files[file_id]

    def commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """The command list currently set for exactly this scope and language."""
        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        return copy.deepcopy(self._commands.get(key, []))

    def menu_button(self, chat_id: int | None = None) -> JSONDict | None:
        button = self._menu_buttons.get(chat_id)
        return copy.deepcopy(button) if button is not None else None

    @property
    def webhook_url(self) -> str | None:
        return self._webhook.url if self._webhook else None

    def calls_to(self, method: str) -> list[ApiCall]:
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def _new_media_group_id(self) -> str:
        self._media_group_counter += 1
        return str(self._media_group_counter)

    def _register_query(self, user_id: int, chat_id: int) -> str:
        self._query_counter += 1
        query_id = str(self._query_counter)
        self._queries[query_id] = _Query(user_id, chat_id)
        return query_id

    def _chat_busy(self, chat_id: int) -> bool:
        if self._inflight.get(chat_id, 0) > 0:
            return True
        return any(u.chat_id == chat_id and not u.delivered for u in self._updates)

    # -- HTTP ----------------------------------------------------------------------------

    async def _read_params(self, request: web.Request) -> tuple[JSONDict, dict[str, UploadedFile]]:
        raw: dict[str, object] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise bad_request("can't parse JSON request body") from None
                if not isinstance(body, dict):
                    raise bad_request("JSON request body must be an object")
                raw.update(body)
            elif request.content_type in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ):
                form = await request.post()
                for name, value in form.items():
                    if isinstance(value, web.FileField):
                        with value.file:
                            data = value.file.read()
                        files[name] = UploadedFile(name, value.filename, value.content_type, data)
                    elif isinstance(value, bytes | bytearray):
                        raw[name] = bytes(value).decode("utf-8", errors="replace")
                    else:
                        raw[name] = value
        return normalize(raw), files

    def _chat_key(self, params: JSONDict) -> int | None:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and not isinstance(chat_id, bool):
            return chat_id
        query = self._queries.get(str(params.get("callback_query_id")))
        return query.chat_id if query is not None else None

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _json_response(ApiError(401, "Unauthorized").payload(), 401)
        method = request.match_info["method"]
        entry = self._methods.get(method.lower())
        try:
            values, files = await self._read_params(request)
        except ApiError as error:
            values, files = {}, {}
            parse_error: ApiError | None = error
        else:
            parse_error = None
        call = ApiCall(
            method=entry[0] if entry else method,
            params=values,
            time=time.monotonic(),
            files=files,
        )
        self.calls.append(call)
        chat_key = self._chat_key(values)
        if chat_key is not None:
            self._inflight[chat_key] = self._inflight.get(chat_key, 0) + 1
        try:
            if self.delay > 0:
                await asyncio.sleep(self.delay)
            if entry is None:
                raise ApiError(404, "Not Found")
            if parse_error is not None:
                raise parse_error
            for interceptor in list(self.interceptors):
                injected = await interceptor(call)
                if injected is not None:
                    raise injected
            if entry[0] in _FLOOD_METHODS:
                self._check_flood(chat_key)
            result = await entry[1](Params(values, files))
            status, payload = 200, {"ok": True, "result": result}
        except ApiError as error:
            status, payload = error.error_code, error.payload()
        except Exception as exc:
            # A bug in the stand-in must not look like a Telegram answer, but it should still
            # reach the bot as an error (and the test through internal_errors).
            self.internal_errors.append(exc)
            status = 500
            payload = ApiError(500, f"Internal Server Error: {exc!r}").payload()
        finally:
            if chat_key is not None:
                self._inflight[chat_key] -= 1
        call.ok = status == 200
        if status != 200:
            call.error_code = status
            call.description = str(payload.get("description"))
        return _json_response(payload, status)

    async def _handle_download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _json_response(ApiError(401, "Unauthorized").payload(), 401)
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        path = request.match_info["path"]
        self.downloads.append(path)
        stored = self._files_by_path.get(path)
        if stored is None:
            return _json_response(ApiError(404, "Not Found").payload(), 404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    # -- flood control -------------------------------------------------------------------

    def _expect_replies(self, update: _PendingUpdate) -> None:
        if self.reply_burst > 0 and update.chat_id is not None and update.chat_id > 0:
            self._replies_due[update.chat_id] = self.reply_burst

    def _check_flood(self, chat_id: int | None) -> None:
        """Count one message, or refuse it with 429 if it would exceed a limit."""
        if self.flood_limit is None and self.chat_flood_limit is None:
            return
        now = time.monotonic()
        if chat_id is not None and self._replies_due.get(chat_id, 0) > 0:
            self._replies_due[chat_id] -= 1
            self.replies_exempted += 1
            if self.chat_flood_limit is not None:
                self._chat_sent_at.setdefault(chat_id, deque()).append(now)
            return
        windows: list[tuple[deque[float], FloodLimit]] = []
        if self.flood_limit is not None:
            windows.append((self._sent_at, self.flood_limit))
        if self.chat_flood_limit is not None and chat_id is not None:
            times = self._chat_sent_at.setdefault(chat_id, deque())
            windows.append((times, self.chat_flood_limit))
        wait = 0.0
        for times, (count, seconds) in windows:
            while times and times[0] <= now - seconds:
                times.popleft()
            if len(times) >= count:
                wait = max(wait, times[len(times) - count] + seconds - now)
        if wait > 0:
            self.flood_rejections += 1
            # Telegram only ever says whole seconds.
            retry_after = max(1, math.ceil(wait))
            raise ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        for times, _ in windows:
            times.append(now)

    # -- chats and messages --------------------------------------------------------------

    def _resolve_chat(self, params: Params, *, write: bool = True) -> ChatState:
        ref = params.chat_ref()
        chat: ChatState | None = None
        if isinstance(ref, int):
            chat = self._chats.get(ref)
        elif ref.startswith("@"):
            wanted = ref[1:].lower()
            chat = next(
                (c for c in self._chats.values() if (c.username or "").lower() == wanted), None
            )
        if chat is None:
            raise bad_request("chat not found")
        if write and chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _reply_markup(self, params: Params) -> JSONDict | None:
        markup = params.opt_dict("reply_markup")
        if markup is None:
            return None
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request("can't parse inline keyboard button: rows must be arrays")
            for row in rows:
                for button in row:
                    self._check_inline_button(button)
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request("can't parse keyboard button: rows must be arrays")
        elif not markup.get("remove_keyboard") and not markup.get("force_reply"):
            raise bad_request("can't parse reply keyboard markup JSON object")
        return markup

    @staticmethod
    def _check_inline_button(button: object) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request("can't parse inline keyboard button: InlineKeyboardButton expected")
        actions = [key for key in button if key != "text"]
        if not actions:
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the "
                "inline keyboard"
            )
        data = button.get("callback_data")
        # A 64-byte limit on UTF-8 bytes bites bots that pack Chinese text into callback data.
        if data is not None and (
            not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64
        ):
            raise bad_request("BUTTON_DATA_INVALID")

    def _reply_to(self, chat: ChatState, params: Params) -> JSONDict | None:
        reply = params.opt_dict("reply_parameters") or {}
        message_id = reply.get("message_id", params.opt_int("reply_to_message_id"))
        if message_id is None:
            return None
        target = chat.messages.get(int(message_id))
        if target is None:
            lenient = reply.get("allow_sending_without_reply") or params.opt_bool(
                "allow_sending_without_reply"
            )
            if lenient:
                return None
            raise bad_request("message to be replied not found")
        return copy.deepcopy({k: v for k, v in target.items() if k != "reply_to_message"})

    def _new_message(
        self,
        chat: ChatState,
        params: Params,
        content: JSONDict,
        markup: JSONDict | None,
    ) -> JSONDict:
        message: JSONDict = {
            "message_id": chat.next_message_id(),
            "from": self.bot_user,
            "chat": chat.as_chat(),
            "date": int(time.time()),
        }
        replied = self._reply_to(chat, params)
        if replied is not None:
            message["reply_to_message"] = replied
        message.update(content)
        # Telegram only echoes inline keyboards back in Message.reply_markup; a reply keyboard
        # there would also break PTB's parsing.
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        chat.messages[message["message_id"]] = message
        return message

    def _record(
        self,
        chat: ChatState,
        message: JSONDict,
        kind: str,
        *,
        markup: JSONDict | None,
        files: list[StoredFile] | None = None,
        parse_mode: str | None = None,
    ) -> BotMessage:
        stored = files or []
        self._check_html(message.get("text", message.get("caption")), parse_mode)
        location = message.get("location")
        record = BotMessage(
            message_id=message["message_id"],
            chat_id=chat.id,
            kind=kind,
            text=message.get("text", message.get("caption")),
            reply_markup=copy.deepcopy(markup),
            files=[f.data for f in stored],
            file_names=[f.file_name for f in stored],
            file_ids=[f.file_id for f in stored],
            message_ids=[message["message_id"]],
            parse_mode=parse_mode,
            media_group_id=message.get("media_group_id"),
            location=(location["latitude"], location["longitude"]) if location else None,
            raw=copy.deepcopy(message),
        )
        chat.bot_messages[record.message_id] = record
        if markup is not None:
            if "keyboard" in markup:
                chat.reply_keyboard = copy.deepcopy(markup)
            elif markup.get("remove_keyboard"):
                chat.reply_keyboard = None
        return record

    def _check_html(self, text: object, parse_mode: str | None) -> None:
        if not isinstance(text, str) or (parse_mode or "").upper() != "HTML":
            return
        error = parse_error(text)
        if error is not None:
            raise bad_request(f"can't parse entities: {error}")
        if escaped_twice(text):
            self.markup_problems.append(text)

    def _caption(self, params: Params) -> JSONDict:
        content: JSONDict = {}
        caption = params.opt_str("caption")
        if caption:
            if len(caption) > 1024:
                raise bad_request("message caption is too long")
            content["caption"] = caption
            entities = params.opt_list("caption_entities")
            if entities:
                content["caption_entities"] = entities
        return content

    def _input_file(
        self, params: Params, value: object, *, kind: str, upload_field: str
    ) -> StoredFile:
        upload: UploadedFile | None = None
        if value is None or value == "":
            upload = params.files.get(upload_field)
            if upload is None:
                raise bad_request(f"there is no {kind} in the request")
        elif not isinstance(value, str):
            raise bad_request("wrong file identifier/HTTP URL specified")
        elif value.startswith("attach://"):
            upload = params.files.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
        elif value.startswith(("http://", "https://")):
            # The stand-in is offline by design, like the machines it runs on.
            raise bad_request("failed to get HTTP URL content")
        else:
            known = self._files.get(value)
            if known is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            if known.kind != kind:
                raise bad_request("type of file mismatch")
            return known
        if not upload.data:
            raise bad_request("file must be non-empty")
        if kind == "photo" and _image_size(upload.data) is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        mime_type = upload.content_type
        if kind == "document" and (not mime_type or mime_type == "application/octet-stream"):
            mime_type = mimetypes.guess_type(upload.filename or "")[0] or mime_type
        return self.store_file(
            upload.data,
            kind=kind,
            file_name=upload.filename if kind != "photo" else None,
            mime_type=mime_type if kind != "photo" else None,
        )

    @staticmethod
    def _media_content(stored: StoredFile) -> JSONDict:
        if stored.kind == "photo":
            return {"photo": [stored.photo_size()]}
        return {"document": stored.document()}

    # -- methods: bot and updates ----------------------------------------------------------

    async def _true(self, params: Params) -> object:
        return True

    async def _get_me(self, params: Params) -> object:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u.update_id >= offset]
        elif offset < 0:
            # Telegram: a negative offset keeps only the last -offset updates.
            self._updates = self._updates[offset:]

    async def _get_updates(self, params: Params) -> object:
        if self._webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = params.opt_int("offset") or 0
        limit = min(max(params.opt_int("limit") or 100, 1), 100)
        timeout = max(params.opt_float("timeout") or 0.0, 0.0)
        allowed = params.opt_list("allowed_updates")
        if allowed is not None:
            self.allowed_updates = [str(kind) for kind in allowed] or None
        self._confirm(offset)
        # Telegram answers an older, still waiting long poll with a conflict.
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_pulse.fire()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._closing:
                return []
            if generation != self._poll_generation:
                raise ApiError(409, POLL_CONFLICT)
            if self._webhook is not None:
                raise ApiError(409, WEBHOOK_CONFLICT)
            batch = self._updates[:limit]
            if batch:
                for update in batch:
                    update.delivered = True
                    self._expect_replies(update)
                return [copy.deepcopy(update.payload) for update in batch]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await self._updates_pulse.wait(remaining)

    async def _set_webhook(self, params: Params) -> object:
        url = params.opt_str("url") or ""
        if not url:
            return await self._delete_webhook(params)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.opt_str("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.opt_list("allowed_updates")
        if allowed is not None:
            self.allowed_updates = [str(kind) for kind in allowed] or None
        if params.opt_bool("drop_pending_updates"):
            self._updates.clear()
        await self._stop_webhook_worker()
        hook = _Webhook(
            url=url,
            secret_token=secret,
            max_connections=params.opt_int("max_connections") or 40,
        )
        self._webhook = hook
        self._webhook_task = asyncio.create_task(self._webhook_worker(hook))
        # Wakes long polls so they answer with the conflict right away.
        self._updates_pulse.fire()
        return True

    async def _delete_webhook(self, params: Params) -> object:
        await self._stop_webhook_worker()
        self._webhook = None
        if params.opt_bool("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: Params) -> object:
        hook = self._webhook
        info: JSONDict = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            info["ip_address"] = "127.0.0.1"
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        if self.allowed_updates:
            info["allowed_updates"] = list(self.allowed_updates)
        return info

    async def _stop_webhook_worker(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _webhook_worker(self, hook: _Webhook) -> None:
        # One update at a time keeps the delivery order identical to getUpdates.
        while not self._closing and self._webhook is hook:
            if not self._updates:
                await self._updates_pulse.wait(None)
                continue
            update = self._updates[0]
            update.delivered = True
            self._expect_replies(update)
            await self._post_update(hook, update)
            # Delivered or given up on: either way it leaves the queue, as with Telegram
            # after its retries run out.
            if update in self._updates:
                self._updates.remove(update)

    async def _post_update(self, hook: _Webhook, update: _PendingUpdate) -> bool:
        assert self._session is not None
        headers = {}
        if hook.secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
        for attempt in range(self.webhook_retries + 1):
            try:
                async with self._session.post(
                    hook.url, json=update.payload, headers=headers, timeout=timeout
                ) as response:
                    if 200 <= response.status < 300:
                        return True
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection failed: {exc!r}"
            hook.last_error_date = int(time.time())
            hook.last_error_message = error
            if attempt < self.webhook_retries:
                await asyncio.sleep(self.webhook_backoff * 2**attempt)
        return False

    # -- methods: messages ---------------------------------------------------------------

    async def _send_message(self, params: Params) -> object:
        chat = self._resolve_chat(params)
        text = params.opt_str("text") or ""
        if not text.strip():
            raise bad_request("message text is empty")
        if len(text) > 4096:
            raise bad_request("message is too long")
        markup = self._reply_markup(params)
        content: JSONDict = {"text": text}
        entities = params.opt_list("entities")
        if entities:
            content["entities"] = entities
        message = self._new_message(chat, params, content, markup)
        record = self._record(
            chat, message, "text", markup=markup, parse_mode=params.opt_str("parse_mode")
        )
        chat.emit(record)
        return message

    def _editable(self, params: Params) -> tuple[ChatState, JSONDict]:
        if params.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._resolve_chat(params)
        message_id = params.req_int("message_id", "message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise bad_request("message can't be edited")
        return chat, message

    def _inline_markup(self, params: Params) -> JSONDict | None:
        markup = self._reply_markup(params)
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        return markup

    def _apply_edit(
        self,
        chat: ChatState,
        message: JSONDict,
        changes: JSONDict,
        parse_mode: str | None,
    ) -> JSONDict:
        if all(message.get(key) == value for key, value in changes.items()):
            raise bad_request(NOT_MODIFIED)
        self._check_html(changes.get("text", changes.get("caption")), parse_mode)
        for key, value in changes.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        message["edit_date"] = int(time.time())
        record = chat.bot_messages.get(message["message_id"])
        if record is not None:
            record.text = message.get("text", message.get("caption"))
            new_markup = changes.get("reply_markup")
            if new_markup is not None:
                record.reply_markup = copy.deepcopy(new_markup)
            elif record.reply_markup and "inline_keyboard" in record.reply_markup:
                # Editing without reply_markup removes an inline keyboard, as in Telegram.
                record.reply_markup = None
            if "text" in changes or "caption" in changes:
                record.parse_mode = parse_mode
            record.edited = True
            record.raw = copy.deepcopy(message)
            chat.emit(record)
        return message

    async def _edit_message_text(self, params: Params) -> object:
        chat, message = self._editable(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text = params.opt_str("text") or ""
        if not text.strip():
            raise bad_request("message text is empty")
        if len(text) > 4096:
            raise bad_request("message is too long")
        changes: JSONDict = {
            "text": text,
            "entities": params.opt_list("entities") or None,
            "reply_markup": self._inline_markup(params),
        }
        return self._apply_edit(chat, message, changes, params.opt_str("parse_mode"))

    async def _edit_message_caption(self, params: Params) -> object:
        chat, message = self._editable(params)
        if not any(key in message for key in ("photo", "document", "video", "audio")):
            raise bad_request("there is no caption in the message to edit")
        content = self._caption(params)
        changes: JSONDict = {
            "caption": content.get("caption"),
            "caption_entities": content.get("caption_entities"),
            "reply_markup": self._inline_markup(params),
        }
        return self._apply_edit(chat, message, changes, params.opt_str("parse_mode"))

    async def _edit_message_reply_markup(self, params: Params) -> object:
        chat, message = self._editable(params)
        changes: JSONDict = {"reply_markup": self._inline_markup(params)}
        return self._apply_edit(chat, message, changes, None)

    async def _delete_message(self, params: Params) -> object:
        chat = self._resolve_chat(params, write=False)
        message_id = params.req_int("message_id", "message identifier is not specified")
        if chat.messages.pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        chat.bot_messages.pop(message_id, None)
        chat.deleted_ids.append(message_id)
        return True

    async def _answer_callback_query(self, params: Params) -> object:
        query_id = params.req_str("callback_query_id", "query_id is empty")
        query = self._queries.get(query_id)
        if query is None or query.answered:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.opt_str("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        user = self._users.get(query.user_id)
        if user is not None:
            user.answers.append(
                CallbackAnswer(
                    query_id=query_id,
                    text=text,
                    show_alert=params.opt_bool("show_alert"),
                    url=params.opt_str("url"),
                    cache_time=params.opt_int("cache_time"),
                )
            )
        return True

    async def _send_chat_action(self, params: Params) -> object:
        self._resolve_chat(params)
        action = params.opt_str("action")
        if action not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def _send_photo(self, params: Params) -> object:
        extra = {"has_media_spoiler": True} if params.opt_bool("has_spoiler") else {}
        return self._send_file(params, "photo", extra)

    async def _send_document(self, params: Params) -> object:
        return self._send_file(params, "document", {})

    def _send_file(self, params: Params, kind: str, extra: JSONDict) -> object:
        """sendPhoto and sendDocument: one file under the field named like the kind."""
        chat = self._resolve_chat(params)
        stored = self._input_file(params, params.values.get(kind), kind=kind, upload_field=kind)
        markup = self._reply_markup(params)
        content = {**self._media_content(stored), **self._caption(params), **extra}
        message = self._new_message(chat, params, content, markup)
        record = self._record(
            chat,
            message,
            kind,
            markup=markup,
            files=[stored],
            parse_mode=params.opt_str("parse_mode"),
        )
        chat.emit(record)
        return message

    async def _send_media_group(self, params: Params) -> object:
        chat = self._resolve_chat(params)
        media = params.opt_list("media")
        if not media:
            raise bad_request("media is empty")
        if not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media in the album: must be between 2 and 10")
        items: list[tuple[JSONDict, StoredFile]] = []
        kinds: set[str] = set()
        for item in media:
            if not isinstance(item, dict):
                raise bad_request("can't parse InputMedia JSON object")
            kind = item.get("type")
            if kind not in ("photo", "document"):
                raise bad_request(f"media type {kind!r} is not supported by the local API")
            kinds.add(kind)
            stored = self._input_file(
                params, item.get("media"), kind=kind, upload_field=str(item.get("media"))
            )
            items.append((item, stored))
        if "document" in kinds and len(kinds) > 1:
            raise bad_request("document can't be mixed with other media types")
        group_id = self._new_media_group_id()
        messages: list[JSONDict] = []
        records: list[BotMessage] = []
        for item, stored in items:
            content: JSONDict = {"media_group_id": group_id, **self._media_content(stored)}
            caption = item.get("caption")
            if caption:
                if len(str(caption)) > 1024:
                    raise bad_request("message caption is too long")
                content["caption"] = str(caption)
            message = self._new_message(chat, params, content, None)
            messages.append(message)
            records.append(
                self._record(
                    chat,
                    message,
                    stored.kind,
                    markup=None,
                    files=[stored],
                    parse_mode=item.get("parse_mode"),
                )
            )
        # Tests think in albums, not in the individual messages Telegram creates for them.
        album = BotMessage(
            message_id=records[0].message_id,
            chat_id=chat.id,
            kind="media_group",
            text=next((r.text for r in records if r.text is not None), None),
            files=[data for r in records for data in r.files],
            file_names=[name for r in records for name in r.file_names],
            file_ids=[file_id for r in records for file_id in r.file_ids],
            message_ids=[r.message_id for r in records],
            media_group_id=group_id,
            raw=copy.deepcopy(messages[0]),
        )
        chat.emit(album)
        return messages

    def _location(self, params: Params) -> JSONDict:
        latitude = params.req_float("latitude")
        longitude = params.req_float("longitude")
        if not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
            raise bad_request("wrong location specified")
        location: JSONDict = {"latitude": latitude, "longitude": longitude}
        accuracy = params.opt_float("horizontal_accuracy")
        if accuracy is not None:
            location["horizontal_accuracy"] = accuracy
        for name in ("live_period", "heading", "proximity_alert_radius"):
            value = params.opt_int(name)
            if value is not None:
                location[name] = value
        return location

    async def _send_location(self, params: Params) -> object:
        chat = self._resolve_chat(params)
        markup = self._reply_markup(params)
        message = self._new_message(chat, params, {"location": self._location(params)}, markup)
        chat.emit(self._record(chat, message, "location", markup=markup))
        return message

    async def _send_venue(self, params: Params) -> object:
        chat = self._resolve_chat(params)
        markup = self._reply_markup(params)
        location = self._location(params)
        venue: JSONDict = {
            "location": location,
            "title": params.req_str("title"),
            "address": params.req_str("address"),
        }
        content = {"location": location, "venue": venue}
        message = self._new_message(chat, params, content, markup)
        record = self._record(chat, message, "venue", markup=markup)
        record.text = venue["title"]
        chat.emit(record)
        return message

    # -- methods: commands, menu, files ----------------------------------------------------

    def _scope_key(self, params: Params) -> tuple[str, str]:
        scope = params.opt_dict("scope") or {"type": "default"}
        kind = scope.get("type")
        if kind not in _SCOPE_TYPES:
            raise bad_request("wrong scope type specified")
        normalized: JSONDict = {"type": kind}
        if kind in ("chat", "chat_administrators", "chat_member"):
            chat = self._resolve_chat(Params(scope, {}), write=False)
            normalized["chat_id"] = chat.id
        if kind == "chat_member":
            user_id = scope.get("user_id")
            if not isinstance(user_id, int) or user_id not in self._users:
                raise bad_request("user not found")
            normalized["user_id"] = user_id
        language = params.opt_str("language_code") or ""
        # Only two-letter ISO 639-1 codes are accepted; "zh-hans" from a user's client is not.
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        return json.dumps(normalized, sort_keys=True), language

    async def _set_my_commands(self, params: Params) -> object:
        commands = params.opt_list("commands")
        if commands is None:
            raise bad_request("commands is empty")
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        cleaned: list[JSONDict] = []
        for entry in commands:
            if not isinstance(entry, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name = entry.get("command")
            description = entry.get("description")
            if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        key = self._scope_key(params)
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: Params) -> object:
        return copy.deepcopy(self._commands.get(self._scope_key(params), []))

    async def _delete_my_commands(self, params: Params) -> object:
        self._commands.pop(self._scope_key(params), None)
        return True

    async def _set_chat_menu_button(self, params: Params) -> object:
        chat_id: int | None = None
        if params.has("chat_id"):
            chat_id = self._resolve_chat(params, write=False).id
        button = params.opt_dict("menu_button") or {"type": "default"}
        kind = button.get("type")
        if kind not in ("default", "commands", "web_app"):
            raise bad_request("can't parse menu button JSON object")
        if kind == "web_app" and not (
            isinstance(button.get("text"), str) and isinstance(button.get("web_app"), dict)
        ):
            raise bad_request("can't parse menu button JSON object")
        self._menu_buttons[chat_id] = button
        return True

    async def _get_chat_menu_button(self, params: Params) -> object:
        chat_id: int | None = None
        if params.has("chat_id"):
            chat_id = self._resolve_chat(params, write=False).id
        button = self._menu_buttons.get(chat_id)
        if button is None or button.get("type") == "default":
            button = self._menu_buttons.get(None)
        if button is None or button.get("type") == "default":
            return {"type": "commands"}
        return button

    async def _get_file(self, params: Params) -> object:
        file_id = params.req_str("file_id", "file_id is empty")
        stored = self._files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > self.max_download_bytes:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }
