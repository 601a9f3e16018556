"""Every callback-data prefix the bot's buttons carry, in one place, and how a notice's action
becomes callback data.

A conversation's button carries `<prefix>:<nonce>:<verb>[:<arg>]` (handlers/flow.py): a press on
a screen of an earlier flow is refused. A notice's button works outside any conversation and
carries its action's arguments, `<prefix>:<args>`; what it names is checked again when pressed.
Telegram allows 64 bytes of callback data, hence the short prefixes.
"""

from __future__ import annotations

from bot.campaign_ports import Named
from bot.notices import Act

# Conversations (nonce'd buttons).
CHECKIN = "ck"
REPORT = "rp"
INVITE = "iv"
REVIEW = "rv"  # /review, and the author's addition that a reviewer asked for
FORWARD = "fw"
INBOX = "ix"
RATING_COMMENT = "rc"
LOOKBACK = "lb"
EXPORT = "ex"
MANAGE = "mg"  # /people and /catalog
PROGRESS = "pg"  # /progress: a lead unit's figures
OBSERVE_FLOW = "ov"  # a deputy's observation of a target on a visit
PLAN = "pl"  # /plan: a leader assigns visits
EVALUATE = "ev"  # /evaluate: a voter rates the projects
EVALUATION = "eq"  # /evaluation: staff open, follow and close a round

# Buttons that work outside conversations.
SUMMARY = "dsum"  # staff pick a group's summary: dsum:<group id>:<day>
MINE = "mine"  # mine:<verb>:<item id>
LANGUAGE = "lang"  # lang:<code>
RATE = "rt"  # rt:<item id>:<round>:<rating>
OPEN_IN_INBOX = "ib"  # ib:<item id>
ADD_MORE = "am"  # am:<item id>
POSTERS = "pst"  # staff pick which posters: pst:<project id> or pst:all
OBSERVE = "ob"  # ob:<visit id>: the check-in's 记录进展观察 button
PROJECTS = "pj"  # pj:<page>: /projects' pages
REPORT_PHOTOS = "ph"  # ph:<report id>: a progress report's photos, from /projects <sub-item>
EVALUATE_NOTICE = "eo"  # eo:<round id>: the round's notice opens /evaluate
CAMPAIGN = "cp"  # cp:<campaign id>: /campaign switches the current campaign
JOINT = "jv"  # jv:<visit id>[:<group id>]: share a check-in with a partner campaign's group
JOINT_ITEM = "ji"  # ji:<item id>:<group id>: /joint shares an item with a partner's group
EXTENSION_DECISION = "xd"  # xd:<extension id>:<approve|decline>: staff decide a 延期申请
SHOW_COMMENT = "sc"  # sc:<item id>:<round>:<voter id>:<1 show|0 hide>: staff's comment toggle

_OF_ACT = {
    Act.RATE: RATE,
    Act.OPEN_IN_INBOX: OPEN_IN_INBOX,
    Act.ADD_MORE: ADD_MORE,
    Act.EVALUATE: EVALUATE_NOTICE,
    Act.DECIDE_EXTENSION: EXTENSION_DECISION,
    Act.SHOW_COMMENT: SHOW_COMMENT,
}


def notice_data(act: Act, args: tuple[int | str, ...]) -> str:
    """The callback data of a notice's button."""
    return ":".join((_OF_ACT[act], *map(str, args)))


def pattern(prefix: str) -> str:
    """Every button of this prefix."""
    return rf"^{prefix}:"


# Notice buttons that name a record, and where its id is in the data: a press acts in the
# campaign of that record (bot/usecases/campaigns.py).
_NAMED: dict[str, tuple[Named, int]] = {
    RATE: ("item", 1),
    OPEN_IN_INBOX: ("item", 1),
    ADD_MORE: ("item", 1),
    MINE: ("item", 2),
    OBSERVE: ("visit", 1),
    JOINT: ("visit", 1),
    JOINT_ITEM: ("item", 1),
    EVALUATE_NOTICE: ("round", 1),
}


def named_record(data: str | None) -> tuple[Named, int] | None:
    """The record a notice's button names (None: the button names none)."""
    parts = (data or "").split(":")
    found = _NAMED.get(parts[0])
    if found is None or len(parts) <= found[1] or not parts[found[1]].isdigit():
        return None
    return found[0], int(parts[found[1]])
