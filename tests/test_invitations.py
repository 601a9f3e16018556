"""Invitation tokens: random, deep-link safe, stored hashed, single use, expiring; request rules."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import Refused
from bot.invitations import (
    InvitationRequest,
    InvitationState,
    check_redeemable,
    deep_link,
    expiry,
    hash_token,
    looks_like_token,
    new_token,
)
from bot.people import Role

# Telegram deep-link payloads: at most 64 of [A-Za-z0-9_-].
PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
NOW = datetime(2025, 6, 3, 9, 30, tzinfo=UTC)


# --- tokens -------------------------------------------------------------------------------------


def test_tokens_fit_a_deep_link_payload() -> None:
    for _ in range(200):
        token = new_token()
        assert PAYLOAD.fullmatch(token), token
        assert len(token) == 43  # 32 random bytes, base64url without padding
        assert looks_like_token(token)


def test_tokens_are_random() -> None:
    tokens = [new_token() for _ in range(500)]
    assert len(set(tokens)) == len(tokens)
    # Every position varies and the whole alphabet shows up: not a counter or a timestamp.
    for position in range(42):
        assert len({t[position] for t in tokens}) > 40, position
    # The last character carries the last 4 of the 256 bits: 16 possible values.
    assert len({t[42] for t in tokens}) == 16
    alphabet = set("".join(tokens))
    assert len(alphabet) >= 60
    assert alphabet <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def test_deep_link() -> None:
    token = new_token()
    assert deep_link("deputy_bot", token) == f"https://t.me/deputy_bot?start={token}"
    assert deep_link("@deputy_bot", token) == f"https://t.me/deputy_bot?start={token}"


# --- hashes -------------------------------------------------------------------------------------


def test_hash_is_sha256_hex_of_the_token() -> None:
    token = new_token()
    digest = hash_token(token)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest == hashlib.sha256(token.encode("ascii")).hexdigest()
    assert digest != token and token not in digest
    assert hash_token(token) == digest  # stable
    assert hash_token(new_token()) != digest


def test_hash_known_value() -> None:
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


# --- recognising tokens -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["A" * 20, "a" * 64, "Zz09_-" * 5, pytest.param(new_token(), id="new_token")],
)
def test_looks_like_token_accepts(text: str) -> None:
    assert looks_like_token(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "A" * 19,  # too short
        "a" * 65,  # longer than a deep-link payload
        "abc def ghi jkl mno pqr",  # spaces
        "abcdefghijklmnopqrst=",  # base64 padding
        "abcdefghijklmnopqrst+/",  # standard base64
        "邀请码邀请码邀请码邀请码邀请码邀请码邀请码",  # not ASCII
        "abcdefghijklmnopqrst\u200b",  # zero-width space
        "/start abcdefghijklmnopqrst",
    ],
)
def test_looks_like_token_refuses(text: str) -> None:
    assert not looks_like_token(text)


def test_looks_like_token_refuses_a_trailing_newline() -> None:
    assert not looks_like_token("A" * 43 + "\n")


# --- redeeming ----------------------------------------------------------------------------------


def _state(
    *, expires_in: timedelta = timedelta(days=1), used: bool = False, bound: bool = False
) -> InvitationState:
    used_at = NOW - timedelta(hours=1) if used else None
    return InvitationState(expires_at=NOW + expires_in, used_at=used_at, person_bound=bound)


def _refusal(state: InvitationState | None, now: datetime = NOW) -> str | None:
    try:
        check_redeemable(state, now)
    except Refused as refused:
        return refused.key
    return None


def test_a_valid_invitation_is_redeemable() -> None:
    assert _refusal(_state()) is None
    assert _refusal(_state(expires_in=timedelta(seconds=1))) is None


def test_unknown_invitation() -> None:
    assert _refusal(None) == "start_token_unknown"


def test_used_invitation() -> None:
    assert _refusal(_state(used=True)) == "start_token_used"
    assert _refusal(_state(bound=True)) == "start_token_used"  # the person joined another way


def test_expired_invitation() -> None:
    assert _refusal(_state(expires_in=-timedelta(seconds=1))) == "start_token_expired"
    assert _refusal(_state(expires_in=timedelta(0))) == "start_token_expired"  # at the instant


def test_used_is_reported_before_expired() -> None:
    assert _refusal(_state(used=True, expires_in=-timedelta(days=3))) == "start_token_used"


def test_expiry() -> None:
    assert expiry(NOW, 7) == NOW + timedelta(days=7)
    assert expiry(NOW, 0.5) == NOW + timedelta(hours=12)


# --- what staff ask for -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_",
    [
        InvitationRequest("王伟", Role.DEPUTY, group_code="G01"),
        InvitationRequest("李娜", Role.LEADER, group_code="G02"),
        InvitationRequest("张敏", Role.STAFF),
        InvitationRequest("刘洋", Role.LIAISON, unit_code="health"),
        InvitationRequest("名" * 40, Role.STAFF),
        InvitationRequest("  Chen Jie  ", Role.DEPUTY, group_code="G01"),
    ],
)
def test_valid_requests(request_: InvitationRequest) -> None:
    request_.validate()


@pytest.mark.parametrize(
    ("request_", "key"),
    [
        (InvitationRequest("", Role.STAFF), "invite_bad_name"),
        (InvitationRequest("   ", Role.DEPUTY, group_code="G01"), "invite_bad_name"),
        (InvitationRequest("名" * 41, Role.STAFF), "invite_bad_name"),
        (InvitationRequest("王伟", Role.DEPUTY), "invite_needs_group"),
        (InvitationRequest("王伟", Role.LEADER, unit_code="health"), "invite_needs_group"),
        (InvitationRequest("刘洋", Role.LIAISON), "invite_needs_unit"),
        (InvitationRequest("刘洋", Role.LIAISON, group_code="G01"), "invite_needs_unit"),
    ],
)
def test_invalid_requests(request_: InvitationRequest, key: str) -> None:
    with pytest.raises(Refused) as info:
        request_.validate()
    assert info.value.key == key


def test_the_name_is_measured_without_surrounding_spaces() -> None:
    InvitationRequest("  " + "名" * 40 + "  ", Role.STAFF).validate()
