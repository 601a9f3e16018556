"""User-facing text: message catalogs in Chinese (default) and English, in bot/locales/*.toml.

Handlers never hold sentences; they ask `texts(key, **params)`. A test proves both catalogs have the
same keys and the same placeholders.
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


@cache
def catalog(language: str) -> dict[str, str]:
    raw = resources.files("bot.locales").joinpath(f"{language}.toml").read_text(encoding="utf-8")
    return _flatten(tomllib.loads(raw))


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def pick_language(stored: str | None, client: str | None, default: str) -> str:
    """The person's choice, else the Telegram client's language, else the configured default."""
    if stored in LANGUAGES:
        return stored
    if client:
        base = client.lower().split("-")[0]
        if base in LANGUAGES:
            return base
    return default if default in LANGUAGES else DEFAULT_LANGUAGE


class Texts:
    """The catalog of one language; `texts("key", name=...)` renders a message."""

    __slots__ = ("_messages", "language")

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._messages = catalog(self.language)

    def __call__(self, key: str, /, **params: Any) -> str:
        template = self._messages[key]
        return template.format(**params) if params else template

    def has(self, key: str) -> bool:
        return key in self._messages
