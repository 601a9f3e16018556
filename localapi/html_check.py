"""Telegram's HTML parse mode, as far as the bot's messages need checking.

Telegram refuses a message whose HTML it cannot parse ("can't parse entities"): a `<` that opens
no supported tag, or tags that do not nest. It accepts text escaped twice, and then shows the
people "&lt;b&gt;" or "&amp;": that is a bug of the sender, recorded for the tests to fail on.
"""

from __future__ import annotations

import re

# Telegram's HTML tags (tests/corpus/observing.py holds the bot's messages to the same list).
TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
_TAG = re.compile(r"<(/?)([a-z-]+)(?:\s[^<>]*)?>")
_TWICE = re.compile(r"&amp;(?:lt|gt|amp|quot|#\d+);|&lt;/?(?:" + "|".join(sorted(TAGS)) + r")&gt;")


def parse_error(text: str) -> str | None:
    """Why Telegram would refuse `text` in HTML parse mode; None when it parses."""
    open_tags: list[str] = []
    position = 0
    for match in _TAG.finditer(text):
        if "<" in text[position : match.start()]:
            return "unsupported start tag"
        closing, name = match.group(1) == "/", match.group(2)
        if name not in TAGS:
            return f'unsupported start tag "{name}"'
        if not closing:
            open_tags.append(name)
        elif not open_tags or open_tags.pop() != name:
            return f'unmatched end tag "{name}"'
        position = match.end()
    if "<" in text[position:]:
        return "unsupported start tag"
    if open_tags:
        return f'unclosed start tag "{open_tags[-1]}"'
    return None


def escaped_twice(text: str) -> bool:
    """The text shows an entity or a tag as characters: it was escaped once too often."""
    return _TWICE.search(text) is not None
