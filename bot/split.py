"""Long text as Telegram messages: split between lines under the 4096-character limit.

The tally and the daily summaries are one report each, often longer than one message.
"""

from __future__ import annotations

import re

# Telegram's limit for one message's text.
MESSAGE_LIMIT = 4096


def _units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); markup counted too, to be safe."""
    return len(text.encode("utf-16-le")) // 2


_TOKEN = re.compile(r"<[^<>]*>|&#?\w+;|.", re.DOTALL)


def _cut_line(line: str, limit: int) -> list[str]:
    """A line longer than a message, cut between characters, never inside a tag or entity."""
    pieces: list[str] = []
    current, size = "", 0
    for token in _TOKEN.findall(line):
        width = _units(token)
        if size + width > limit and current:
            pieces.append(current)
            current, size = "", 0
        current += token
        size += width
    if current:
        pieces.append(current)
    return pieces


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Messages of at most `limit`, split between lines; only an over-long line is cut itself."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        width = _units(line)
        if width > limit:
            if current:
                parts.append("\n".join(current))
                current, size = [], 0
            parts.extend(_cut_line(line, limit))
            continue
        added = width + (1 if current else 0)
        if size + added > limit:
            parts.append("\n".join(current))
            current, size = [line], width
        else:
            current.append(line)
            size += added
    if current:
        parts.append("\n".join(current))
    # A part of blank lines only would be refused by Telegram ("message text is empty").
    return [p.strip("\n") for p in parts if p.strip()]
