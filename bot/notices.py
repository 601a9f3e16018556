"""Notifications: what the bot tells someone because something happened.

A notice is data, not a sentence: a catalog key and parameters, rendered in the recipient's
language when it is sent (they may switch language in between). It is written to the outbox in
the same transaction as the change that causes it, and the sender delivers it later.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Param = str | int | float

FileKind = Literal["photo", "document"]


class Act(StrEnum):
    """What a notice's button does."""

    RATE = "rate"  # args: item id, round, rating
    OPEN_IN_INBOX = "open_in_inbox"  # args: item id
    ADD_MORE = "add_more"  # args: item id
    EVALUATE = "evaluate"  # args: evaluation round id
    DECIDE_EXTENSION = "decide_extension"  # args: extension id, "approve" | "decline"
    SHOW_COMMENT = "show_comment"  # args: item id, round, voter's person id, 1 show / 0 hide


# Notices queued before buttons were actions carry Telegram callback data; read them as actions.
_LEGACY = {"rt": Act.RATE, "ib": Act.OPEN_IN_INBOX, "am": Act.ADD_MORE}


def _button(stored: Mapping[str, Any]) -> NoticeButton:
    params = stored.get("params") or {}
    if "act" in stored:
        return NoticeButton(stored["label"], Act(stored["act"]), tuple(stored["args"]), params)
    prefix, *args = str(stored["data"]).split(":")
    return NoticeButton(
        stored["label"], _LEGACY[prefix], tuple(int(a) if a.isdigit() else a for a in args), params
    )


@dataclass(frozen=True, slots=True)
class NoticeButton:
    """A button of a notice: its label is a catalog key; what it does is an action with its
    arguments, which each door offers in its own way (Telegram: callback data, see
    handlers/callbacks.py). The press is checked again when it arrives, like any input."""

    label_key: str
    act: Act
    args: tuple[int | str, ...] = ()
    label_params: Mapping[str, Param] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to one person.

    Either `key` (a catalog key rendered with `params`, and `localized` parameters whose values
    are catalog keys themselves, e.g. {"status": "status.forwarded"}) or `text`, already
    rendered (long summaries, split at Telegram's limit before they are queued).
    `dedup` makes the notice unique in the outbox; when empty, storage derives one from the
    event that caused it.
    """

    person_id: int
    key: str | None = None
    params: Mapping[str, Param] = field(default_factory=dict)
    localized: Mapping[str, str] = field(default_factory=dict)
    text: str | None = None
    buttons: tuple[tuple[NoticeButton, ...], ...] = ()
    file_path: str | None = None
    file_kind: FileKind | None = None
    dedup: str = ""

    def __post_init__(self) -> None:
        if (self.key is None) == (self.text is None) and self.file_path is None:
            raise ValueError("a notice has either a catalog key or a rendered text")
        if (self.file_path is None) != (self.file_kind is None):
            raise ValueError("a file needs its kind (photo or document)")

    def to_json(self) -> str:
        return json.dumps(
            {
                "key": self.key,
                "params": dict(self.params),
                "localized": dict(self.localized),
                "text": self.text,
                "buttons": [
                    [
                        {
                            "label": b.label_key,
                            "act": str(b.act),
                            "args": list(b.args),
                            "params": dict(b.label_params),
                        }
                        for b in row
                    ]
                    for row in self.buttons
                ],
                "file_path": self.file_path,
                "file_kind": self.file_kind,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, person_id: int, raw: str, dedup: str = "") -> Notice:
        data: dict[str, Any] = json.loads(raw)
        return cls(
            person_id=person_id,
            key=data.get("key"),
            params=data.get("params") or {},
            localized=data.get("localized") or {},
            text=data.get("text"),
            buttons=tuple(tuple(_button(b) for b in row) for row in data.get("buttons") or []),
            file_path=data.get("file_path"),
            file_kind=data.get("file_kind"),
            dedup=dedup,
        )
