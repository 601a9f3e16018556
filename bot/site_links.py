"""Deep links that name a site, for the posters' QR codes: `https://t.me/<bot>?start=site_<code>`.

Telegram passes the part after `start=` to the bot as `/start <payload>`; a payload may hold
[A-Za-z0-9_-] and at most 64 characters. Invitation tokens travel the same way, so the two must
never be confused: a site's payload starts with SITE_PREFIX, and bot/invitations.py never issues a
token that does. /start therefore tells them apart by the prefix alone. The site's catalog code
(1-32 of the same characters, stable across re-imports) names it, so a printed poster stays valid
when the catalog is imported again.
"""

from __future__ import annotations

import re

SITE_PREFIX = "site_"
_PAYLOAD_RE = re.compile(rf"^{SITE_PREFIX}([A-Za-z0-9_-]{{1,32}})$")


def site_payload(code: str) -> str:
    payload = f"{SITE_PREFIX}{code}"
    if not _PAYLOAD_RE.fullmatch(payload):
        raise ValueError(f"a site code cannot travel in a deep link: {code!r}")
    return payload


def is_site_payload(payload: str) -> bool:
    """Whether /start's argument is meant as a site (well-formed or not)."""
    return payload.startswith(SITE_PREFIX)


def site_code_of(payload: str) -> str | None:
    """The site code a payload names; None for anything that is not a well-formed site payload."""
    match = _PAYLOAD_RE.fullmatch(payload)
    return match.group(1) if match else None


def site_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={site_payload(code)}"
