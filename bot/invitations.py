"""Invitations: the only way in. Tokens are random, single-use, expire, and are stored hashed."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.errors import require
from bot.items import clean_description, has_words
from bot.people import Role
from bot.site_links import is_site_payload

# Deep-link payloads allow [A-Za-z0-9_-] and at most 64 characters; 32 random bytes fit as 43.
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def new_token() -> str:
    # A token must never read as a poster's site link (bot/site_links.py): draw again in the
    # rare case (about one in a billion) that it starts like one.
    while is_site_payload(token := secrets.token_urlsafe(32)):
        pass
    return token


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "ignore")).hexdigest()


def looks_like_token(text: str) -> bool:
    return bool(_TOKEN_RE.fullmatch(text)) and not is_site_payload(text)


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={token}"


@dataclass(frozen=True, slots=True)
class InvitationRequest:
    """What staff ask for: a person of `role`, in a group (deputies, leaders) or unit (liaisons)."""

    name: str
    role: Role
    group_code: str | None = None
    unit_code: str | None = None

    def validate(self) -> None:
        name = clean_description(self.name)
        require(0 < len(name) <= 40 and has_words(name), "invite_bad_name")
        if self.role in (Role.DEPUTY, Role.LEADER):
            require(self.group_code is not None, "invite_needs_group")
        if self.role is Role.LIAISON:
            require(self.unit_code is not None, "invite_needs_unit")


@dataclass(frozen=True, slots=True)
class NewInvitation:
    """An invited person and their single invitation, as stored: only the token's hash is kept.
    `source_key` names the input that asked for it (the same input again makes none)."""

    campaign_id: int
    name: str
    role: Role
    group_id: int | None
    unit_id: int | None
    token_hash: str
    created_by: int | None
    expires_at: datetime
    source_key: str | None = None


@dataclass(frozen=True, slots=True)
class InvitationState:
    expires_at: datetime
    used_at: datetime | None
    person_bound: bool


def check_redeemable(state: InvitationState | None, now: datetime) -> None:
    """Refuse unknown, used and expired tokens, each with its own explanation."""
    require(state is not None, "start_token_unknown")
    assert state is not None
    require(state.used_at is None and not state.person_bound, "start_token_used")
    require(now < state.expires_at, "start_token_expired")


def expiry(now: datetime, ttl_days: float) -> datetime:
    return now + timedelta(days=ttl_days)
