"""The corpus's vocabulary: where a case starts, what the user does, what answer it expects.

A case says where the user is (`stage`: see STAGES), what they do (`acts`), the answer they must
get (a catalog key rendered in Chinese, shown in the chat or as a button's alert; or silence) and
which tables may change (`changes`; every other table must be byte for byte as before, and so
must the photo files on disk). tests/test_corpus.py runs every case through the real
Application and the local Bot API.

Strings in `acts` and in expected parameters may name things the stage prepared, as
"{answered_id}"; file and text inputs name a generator in tests/corpus/inputs.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Where a case starts. Each stage is reached once and reused by its cases while they leave the
# user there (a case that moves the user on says `stays=False`).
STAGES = {
    "stranger": "someone who was never invited",
    "idle": "a registered deputy of G01 with no conversation open",
    "description": "a deputy in /problem, asked for the description",
    "photos": "a deputy in /problem, asked for photos",
    "location": "a deputy in /checkin, asked for the location",
    "site": "a deputy in /checkin, shown the sites near the shared location",
    "place": "a deputy in /problem without a recent check-in, shown the projects",
    "confirm": "a deputy in /problem, shown the summary to confirm",
    "comment": "a deputy who has just rated an answer, offered to add a comment",
    "progress": "a liaison of 市卫健委 (health) writing a progress note on a forwarded item",
    "answer": "a liaison of 市卫健委 (health) writing an A-class answer to a forwarded item",
    "group": "a registered deputy writing in a group chat the bot is in",
    "invite_name": "staff in /invite for a deputy of the first group, asked for the name",
    "liaison": "the liaison of 市教育局 (edu), which has no items",
    "staff": "a member of staff",
    "raiser": "the deputy who raised the answered item, before rating it",
}


@dataclass(frozen=True)
class Act:
    """One thing the user does: kind (see tests/corpus/perform.py) and its details."""

    kind: str
    data: str = ""
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Expect:
    """The answer: `key` rendered with `params`, in the chat (`via="chat"`), as the pressed
    button's alert (`via="alert"`) or either (`via="any"`); key None means the bot says nothing at all (a pressed button
    is still answered, without text)."""

    key: str | None
    params: dict[str, Any] = field(default_factory=dict)
    via: str = "chat"


@dataclass(frozen=True)
class Case:
    id: str
    stage: str
    acts: tuple[Act, ...]
    expect: Expect
    changes: frozenset[str] = frozenset()
    stays: bool = True
    check: str | None = None  # an extra assertion in tests/corpus/checks.py CHECKS
    bug: str | None = None  # a known bug: the case is xfail(strict) until it is fixed


# --- what users do ----------------------------------------------------------------------------


def text(value: str) -> Act:
    return Act("text", value)


def text_of(generator: str) -> Act:
    return Act("text", options={"generator": generator})


def document(generator: str, file_name: str = "IMG_0001.jpg", mime: str = "image/jpeg") -> Act:
    return Act("document", generator, {"file_name": file_name, "mime": mime})


def photo(generator: str) -> Act:
    return Act("photo", generator)


def sticker() -> Act:
    return Act("sticker")


def contact() -> Act:
    return Act("contact")


def voice() -> Act:
    return Act("raw", options={"voice": {"duration": 4, "mime_type": "audio/ogg"}})


def video_note() -> Act:
    return Act("raw", options={"video_note": {"duration": 3, "length": 240}})


def dice() -> Act:
    return Act("raw", options={"dice": {"emoji": "🎲", "value": 6}})


def location(lat: float, lon: float, **options: Any) -> Act:
    return Act("location", options={"lat": lat, "lon": lon, **options})


def at_site(**options: Any) -> Act:
    """The location of the first site of group G01 (the stage knows it)."""
    return Act("location", options={"at_site": True, **options})


def venue_at_site() -> Act:
    return Act("venue")


def press(data: str) -> Act:
    """A callback with this data on the user's latest message, as a modified client can send."""
    return Act("press", data)


def press_label(label: str) -> Act:
    return Act("press_label", label)


def press_stale() -> Act:
    """The first button of a keyboard left from an earlier, finished conversation."""
    return Act("press_stale")


def edit_last_text(value: str) -> Act:
    return Act("edit", value)


def live_location_moves() -> Act:
    """A live location is shared and then moves (Telegram sends the moves as edits)."""
    return Act("live")


def in_group(act: Act) -> Act:
    return Act(act.kind, act.data, {**act.options, "group": True})


def says(key: str, **params: Any) -> Expect:
    return Expect(key, params)


def alerts(key: str, **params: Any) -> Expect:
    return Expect(key, params, via="alert")


def refused(key: str, **params: Any) -> Expect:
    """A refusal of a press, as an alert or in the chat: a step that has answered the press
    already (to stop the spinner) can only say it in the chat."""
    return Expect(key, params, via="any")


def denies(act: Act, key: str) -> Expect:
    """A refusal where the user acted: as the alert of a pressed button, else in the chat."""
    return alerts(key) if act.kind == "press" else says(key)


SILENCE = Expect(None)
# A press answered without a word (the button stops spinning) and nothing else said.
QUIET_ACK = Expect(None, via="alert")


@dataclass(frozen=True)
class At:
    """The cases that start at one stage, which a table names once: `idle = At("idle")`, then
    `idle("idle-text", text("在吗？"), says("unknown_input"))` is a case at that stage."""

    stage: str

    def __post_init__(self) -> None:
        assert self.stage in STAGES, self.stage

    def __call__(
        self,
        id: str,
        acts: Act | tuple[Act, ...],
        expect: Expect,
        *,
        changes: tuple[str, ...] = (),
        stays: bool = True,
        check: str | None = None,
        bug: str | None = None,
    ) -> Case:
        return Case(
            id,
            self.stage,
            acts if isinstance(acts, tuple) else (acts,),
            expect,
            frozenset(changes),
            stays,
            check,
            bug,
        )
