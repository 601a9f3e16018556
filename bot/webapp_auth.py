"""Telegram Mini App login: check the `initData` a Mini App sends, as Telegram documents it.

The data is signed with HMAC-SHA-256 under a key derived from the bot's token, so only Telegram
could have made it; `auth_date` bounds how long a captured copy stays good.
https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

from bot.errors import Refused


def sign(pairs: dict[str, str], bot_token: str) -> str:
    """The hash Telegram puts in `initData` for these fields (tests use it to make real data)."""
    check = "\n".join(f"{key}={pairs[key]}" for key in sorted(pairs))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()


def telegram_user_of(init_data: str, bot_token: str, now: datetime, max_age: timedelta) -> int:
    """The Telegram user id the signed `initData` speaks for; refused if forged or too old."""
    try:
        pairs = dict(parse_qsl(init_data, keep_blank_values=True, strict_parsing=True))
    except ValueError as exc:
        raise Refused("web.login_refused") from exc
    given = pairs.pop("hash", "")
    if not given or not hmac.compare_digest(sign(pairs, bot_token), given):
        raise Refused("web.login_refused")
    try:
        signed_at = datetime.fromtimestamp(int(pairs["auth_date"]), UTC)
        user_id = json.loads(pairs["user"])["id"]
    except (KeyError, ValueError, TypeError) as exc:
        raise Refused("web.login_refused") from exc
    if not isinstance(user_id, int) or not timedelta(minutes=-5) <= now - signed_at <= max_age:
        raise Refused("web.login_expired")
    return user_id
