"""User-facing text: message catalogs in Chinese (default) and English, in bot/locales/.

Each language is `locales/<lang>.toml` plus any fragments in `locales/<lang>/*.toml` (one per
feature, so features keep their sentences together); a key defined twice is an error.

Handlers never hold sentences; they ask `texts(key, **params)`. A test proves both catalogs have the
same keys and the same placeholders.
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from importlib import resources
from typing import Any, TypeVar

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

Name = TypeVar("Name", str, str | None)


@cache
def catalog(language: str) -> dict[str, str]:
    root = resources.files("bot.locales")
    sources = [root.joinpath(f"{language}.toml")]
    folder = root.joinpath(language)
    if folder.is_dir():
        sources += sorted(
            (f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name
        )
    merged: dict[str, str] = {}
    for source in sources:
        flat = _flatten(tomllib.loads(source.read_text(encoding="utf-8")))
        twice = sorted(set(flat) & set(merged))
        if twice:
            raise ValueError(f"{language}/{source.name} redefines {twice}")
        merged.update(flat)
    return merged


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


def catalog_name(name: Name, name_en: str | None, language: str) -> Name:
    """A catalog name in the reader's language: the English one where the catalog gives one."""
    return name_en if language == "en" and name_en else name


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
