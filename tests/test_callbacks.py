"""Callback data: one table of prefixes, and a notice's actions as the Telegram door sends them."""

from __future__ import annotations

import json

from bot.notices import Act, Notice, NoticeButton
from handlers import callbacks

PREFIXES = {
    name: value
    for name, value in vars(callbacks).items()
    if name.isupper() and isinstance(value, str) and not name.startswith("_")
}


def test_every_prefix_is_its_own() -> None:
    assert len(set(PREFIXES.values())) == len(PREFIXES), PREFIXES
    # A prefix that began another would let one feature's pattern catch the other's buttons.
    assert not [
        (a, b) for a in PREFIXES.values() for b in PREFIXES.values() if a != b and b.startswith(a)
    ]


def test_every_action_of_a_notice_has_its_button_data() -> None:
    data = {
        act: callbacks.notice_data(act, (7, 2, "satisfied")[: 3 if act is Act.RATE else 1])
        for act in Act
    }
    assert data == {
        Act.RATE: "rt:7:2:satisfied",
        Act.OPEN_IN_INBOX: "ib:7",
        Act.ADD_MORE: "am:7",
        Act.EVALUATE: "eo:7",
        Act.DECIDE_EXTENSION: "xd:7",
        Act.SHOW_COMMENT: "sc:7",
    }
    assert all(len(d.encode()) <= 64 for d in data.values())  # Telegram's limit


def test_notices_queued_before_actions_keep_their_buttons() -> None:
    # An outbox row written by the previous version carries Telegram callback data.
    legacy = json.dumps(
        {
            "key": "notice.answered",
            "buttons": [[{"label": "rating.satisfied", "data": "rt:42:1:satisfied"}]],
        }
    )
    button = Notice.from_json(5, legacy).buttons[0][0]
    assert (button.act, button.args) == (Act.RATE, (42, 1, "satisfied"))
    assert callbacks.notice_data(button.act, button.args) == "rt:42:1:satisfied"


def test_a_notice_keeps_its_actions_through_the_outbox() -> None:
    notice = Notice(5, "notice.ask_more", buttons=((NoticeButton("b", Act.ADD_MORE, (9,)),),))
    again = Notice.from_json(5, notice.to_json())
    assert again.buttons == notice.buttons
