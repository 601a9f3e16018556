"""Plain data objects shared by the local Bot API server and its chat simulator."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]


class ApiError(Exception):
    """A Bot API error answer; raised inside method handlers, rendered as Telegram renders it."""

    def __init__(
        self, error_code: int, description: str, parameters: JSONDict | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        body: JSONDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart request, exactly as the bot uploaded it."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class ApiCall:
    """One request the bot made; `time` is `time.monotonic()` at arrival.

    The outcome fields are filled in once the call has been answered, so a test can check
    both what the bot asked for and what it was told.
    """

    method: str
    params: JSONDict
    time: float
    files: dict[str, UploadedFile] = field(default_factory=dict)
    ok: bool | None = None
    error_code: int | None = None
    description: str | None = None

    def describe(self) -> str:
        outcome = "pending" if self.ok is None else "ok" if self.ok else f"{self.description}"
        shown = {k: v for k, v in self.params.items() if k not in ("reply_markup", "media")}
        return f"{self.method}({shown}) -> {outcome}"


# An interceptor runs after the configured delay and before the method itself. Returning an
# ApiError answers the call with it; this is the hook for fault injection in benchmarks.
Interceptor = Callable[[ApiCall], Awaitable[ApiError | None]]


@dataclass(frozen=True)
class StoredFile:
    """A file known to the server, either sent by a simulated user or uploaded by the bot."""

    file_id: str
    file_unique_id: str
    data: bytes
    kind: str
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        return len(self.data)

    def photo_size(self) -> JSONDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
            "file_size": self.size,
        }

    def document(self) -> JSONDict:
        doc: JSONDict = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.file_name is not None:
            doc["file_name"] = self.file_name
        if self.mime_type is not None:
            doc["mime_type"] = self.mime_type
        return doc


def _labels(rows: object) -> list[str]:
    labels: list[str] = []
    if not isinstance(rows, list):
        return labels
    for row in rows:
        if not isinstance(row, list):
            continue
        for button in row:
            if isinstance(button, str):
                labels.append(button)
            elif isinstance(button, dict):
                labels.append(str(button.get("text", "")))
    return labels


@dataclass
class BotMessage:
    """A message the bot sent, as a user would see it.

    Events hand out snapshots, so an event keeps showing the state right after that call while
    `SimUser.messages` follows later edits.
    """

    message_id: int
    chat_id: int
    kind: str
    text: str | None = None
    reply_markup: JSONDict | None = None
    edited: bool = False
    files: list[bytes] = field(default_factory=list)
    file_names: list[str | None] = field(default_factory=list)
    file_ids: list[str] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)
    parse_mode: str | None = None
    media_group_id: str | None = None
    location: tuple[float, float] | None = None
    raw: JSONDict = field(default_factory=dict)

    def _rows(self, keyboard: str) -> Any:
        """The reply markup's rows of this keyboard (inline_keyboard or keyboard); none without."""
        return (self.reply_markup or {}).get(keyboard) or []

    @property
    def buttons(self) -> list[str]:
        """Inline button labels, row by row."""
        return _labels(self._rows("inline_keyboard"))

    @property
    def button_data(self) -> dict[str, str]:
        """Inline button label -> callback_data, for buttons that carry callback data."""
        result: dict[str, str] = {}
        for row in self._rows("inline_keyboard"):
            for button in row:
                if isinstance(button, dict) and "callback_data" in button:
                    result[str(button.get("text", ""))] = str(button["callback_data"])
        return result

    @property
    def keyboard(self) -> list[str]:
        """Reply keyboard labels, row by row."""
        return _labels(self._rows("keyboard"))

    @property
    def location_buttons(self) -> list[str]:
        """Labels of reply keyboard buttons that ask the user for their location."""
        found: list[str] = []
        for row in self._rows("keyboard"):
            for button in row:
                if isinstance(button, dict) and button.get("request_location"):
                    found.append(str(button.get("text", "")))
        return found

    @property
    def removes_keyboard(self) -> bool:
        return bool(self.reply_markup and self.reply_markup.get("remove_keyboard"))

    def describe(self) -> str:
        parts = [f"#{self.message_id} {self.kind}"]
        if self.edited:
            parts.append("(edited)")
        if self.text is not None:
            text = self.text if len(self.text) <= 80 else self.text[:77] + "..."
            parts.append(repr(text))
        if self.buttons:
            parts.append(f"buttons={self.buttons}")
        if self.keyboard:
            parts.append(f"keyboard={self.keyboard}")
        if self.removes_keyboard:
            parts.append("remove_keyboard")
        if self.files:
            parts.append(f"files={len(self.files)}")
        return " ".join(parts)


@dataclass(frozen=True)
class UserMessage:
    """A message a simulated user sent, with the update that carried it to the bot."""

    message_id: int
    chat_id: int
    update_id: int
    data: JSONDict


@dataclass(frozen=True)
class CallbackPress:
    """A simulated inline button press (a callback_query update)."""

    query_id: str
    data: str
    message_id: int
    chat_id: int
    update_id: int


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot answered to a press via answerCallbackQuery."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
