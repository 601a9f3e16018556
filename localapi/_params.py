"""Decoding of Bot API request parameters from form, multipart and JSON bodies."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .models import JSONDict, UploadedFile, bad_request

# Form and multipart bodies carry every value as a string; these names hold JSON-serialized
# objects. Decoding by name rather than by shape matters: a text of "123" or "[1]" must stay
# a string.
JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "media",
        "commands",
        "scope",
        "link_preview_options",
        "allowed_updates",
        "entities",
        "caption_entities",
        "reply_parameters",
        "menu_button",
        "results",
        "options",
    }
)
INT_PARAMS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "reply_to_message_id",
        "message_thread_id",
        "live_period",
        "heading",
        "proximity_alert_radius",
        "cache_time",
        "max_connections",
        "user_id",
        "from_chat_id",
        "duration",
        "width",
        "height",
    }
)
# getUpdates' timeout is a float because PTB may send fractional seconds.
FLOAT_PARAMS = frozenset({"latitude", "longitude", "horizontal_accuracy", "timeout"})
BOOL_PARAMS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "has_spoiler",
        "disable_content_type_detection",
        "show_caption_above_media",
        "allow_paid_broadcast",
    }
)


def _coerce(name: str, value: object) -> object:
    if name in JSON_PARAMS:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value
    if not isinstance(value, str):
        return value
    if name in INT_PARAMS:
        try:
            return int(value)
        except ValueError:
            # chat_id may legitimately be "@username"; handlers decide what a string means.
            return value
    if name in FLOAT_PARAMS:
        try:
            return float(value)
        except ValueError:
            return value
    if name in BOOL_PARAMS:
        lowered = value.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0", ""):
            return False
    return value


def normalize(raw: Mapping[str, object]) -> JSONDict:
    return {name: _coerce(name, value) for name, value in raw.items()}


T = TypeVar("T")


def _required(value: T | None, name: str, empty_error: str | None) -> T:
    """A parameter the method cannot do without: missing (or an empty string) is Telegram's
    "is empty" error, or the method's own wording of it."""
    if value is None or value == "":
        raise bad_request(empty_error or f"{name} is empty")
    return value


# How a decoded value reads as each type Params offers; None: it does not, and the call gets
# Telegram's 400 for a parameter of the wrong type.
_WRONG = "wrong parameter {name} in request"


def _as_str(value: object) -> str | None:
    if isinstance(value, str):
        return value
    return str(value) if isinstance(value, bool | int | float) else None


def _as_int(value: object) -> int | None:
    if isinstance(value, bool | int):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _as_float(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    return value != 0 if isinstance(value, int) else None


def _as_dict(value: object) -> JSONDict | None:
    return value if isinstance(value, dict) else None


def _as_list(value: object) -> list[Any] | None:
    return value if isinstance(value, list) else None


class Params:
    """Typed access to one call's parameters, with Telegram-style errors for bad input."""

    def __init__(self, values: JSONDict, files: Mapping[str, UploadedFile]) -> None:
        self.values = values
        self.files = files

    def has(self, name: str) -> bool:
        return self.values.get(name) is not None or name in self.files

    def _read(self, name: str, read: Callable[[object], T | None], wrong: str = _WRONG) -> T | None:
        """The parameter as `read` takes it; None when it is absent, Telegram's 400 (`wrong`)
        when it is there but not of that type."""
        value = self.values.get(name)
        if value is None:
            return None
        taken = read(value)
        if taken is None:
            raise bad_request(wrong.format(name=name))
        return taken

    def opt_str(self, name: str) -> str | None:
        return self._read(name, _as_str)

    def req_str(self, name: str, empty_error: str | None = None) -> str:
        return _required(self.opt_str(name), name, empty_error)

    def opt_int(self, name: str) -> int | None:
        return self._read(name, _as_int)

    def req_int(self, name: str, empty_error: str | None = None) -> int:
        return _required(self.opt_int(name), name, empty_error)

    def opt_float(self, name: str) -> float | None:
        return self._read(name, _as_float)

    def req_float(self, name: str) -> float:
        return _required(self.opt_float(name), name, None)

    def opt_bool(self, name: str) -> bool:
        return self._read(name, _as_bool) or False

    def opt_dict(self, name: str) -> JSONDict | None:
        return self._read(name, _as_dict, "can't parse {name} JSON object")

    def opt_list(self, name: str) -> list[Any] | None:
        return self._read(name, _as_list, "can't parse {name} JSON array")

    def chat_ref(self, name: str = "chat_id") -> int | str:
        value = self.values.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        if isinstance(value, bool):
            raise bad_request("chat not found")
        if isinstance(value, int | str):
            return value
        raise bad_request("chat not found")
