"""Every callback-data prefix the bot's buttons carry, in one place, and how a notice's action
becomes callback data.

A conversation's button carries `<prefix>:<nonce>:<verb>[:<arg>]` (handlers/flow.py): a press on
a screen of an earlier flow is refused. A notice's button works outside any conversation and
carries its action's arguments, `<prefix>:<args>`; what it names is checked again when pressed.
Telegram allows 64 bytes of callback data, hence the short prefixes.
"""

from __future__ import annotations

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
EVALUATE_NOTICE = "eo"  # eo:<round id>: the round's notice opens /evaluate
SHOW_COMMENT = "sc"  # sc:<item id>:<round>:<voter id>:<1 show|0 hide>: staff's comment toggle

_OF_ACT = {
    Act.RATE: RATE,
    Act.OPEN_IN_INBOX: OPEN_IN_INBOX,
    Act.ADD_MORE: ADD_MORE,
    Act.EVALUATE: EVALUATE_NOTICE,
    Act.SHOW_COMMENT: SHOW_COMMENT,
}


def notice_data(act: Act, args: tuple[int | str, ...]) -> str:
    """The callback data of a notice's button."""
    return ":".join((_OF_ACT[act], *map(str, args)))


def pattern(prefix: str) -> str:
    """Every button of this prefix."""
    return rf"^{prefix}:"
