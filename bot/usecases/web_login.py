"""Logging in to the web console, without passwords, and the sessions that follow.

Two ways in: a one-time link the bot sends on /web (it works once, for minutes), or the signed
`initData` of the Telegram Mini App (bot/webapp_auth.py). Either opens a session whose token and
CSRF token only the browser holds; the store keeps digests. Every request loads the person again,
so a role or scope changed by staff takes effect on the next click, and a person who left, or
whose role has no console, is logged out.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot import scope
from bot.console_ports import AuditLine
from bot.errors import Refused
from bot.invitations import hash_token, looks_like_token, new_token
from bot.people import Person
from bot.services import Services
from bot.usecases import campaigns
from bot.webapp_auth import telegram_user_of


@dataclass(frozen=True, slots=True)
class Session:
    """A session as the browser holds it: the token for its cookie and the CSRF token."""

    token: str
    csrf: str
    person: Person
    id: int


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The person behind a live session, as they are now."""

    person: Person
    session_id: int
    csrf: str


async def issue_link(services: Services, person: Person | None, now: datetime) -> str:
    """A one-time login token for the caller (their console must exist: not for deputies)."""
    scope.console_reach(person)
    assert person is not None
    token = new_token()
    minutes = services.settings.web.login_link_minutes
    await services.web_auth.add_link(
        person.id, hash_token(token), now, now + timedelta(minutes=minutes)
    )
    return token


async def _open(
    services: Services, person: Person | None, via: Literal["link", "webapp"], now: datetime
) -> Session:
    scope.console_reach(person)
    assert person is not None
    token, csrf = new_token(), secrets.token_urlsafe(24)
    session_id = await services.web_auth.open_session(person.id, hash_token(token), csrf, via, now)
    await services.web_auth.audit(AuditLine(person.id, session_id, "login", via, "done", now))
    return Session(token, csrf, person, session_id)


async def _refused_login(
    services: Services, via: Literal["link", "webapp"], key: str, now: datetime
) -> None:
    """A login that failed, in the audit trail: nobody's yet, and no session."""
    await services.web_auth.audit(AuditLine(None, None, "login", via, f"refused: {key}", now))


async def login_with_link(services: Services, token: str, now: datetime) -> Session:
    person_id = (
        await services.web_auth.use_link(hash_token(token), now)
        if looks_like_token(token)
        else None
    )
    if person_id is None:
        await _refused_login(services, "link", "web.link_invalid", now)
        raise Refused("web.link_invalid")
    return await _open(services, await services.people.by_id(person_id), "link", now)


async def login_with_webapp(
    services: Services, init_data: str, bot_token: str, now: datetime
) -> Session:
    max_age = timedelta(minutes=services.settings.web.webapp_max_age_minutes)
    try:
        user_id = telegram_user_of(init_data, bot_token, now, max_age)
    except Refused as refused:
        await _refused_login(services, "webapp", refused.key, now)
        raise
    # The membership the account acts as in the chat now (/campaign), when it has several.
    person = await campaigns.acting_person(services, user_id)
    return await _open(services, person, "webapp", now)


async def signed_in(services: Services, token: str, now: datetime) -> SignedIn | None:
    """The live session's person, or None: unknown, ended, idle too long, or the person may no
    longer use the console (then the session ends)."""
    if not looks_like_token(token):
        return None
    session = await services.web_auth.session(hash_token(token))
    if session is None or session.ended:
        return None
    idle = timedelta(minutes=services.settings.web.session_idle_minutes)
    person = await services.people.by_id(session.person_id)
    try:
        if now - session.last_seen_at > idle:
            raise Refused("web.session_idle")
        scope.console_reach(person)
    except Refused:
        await services.web_auth.end_session(session.id, now)
        return None
    assert person is not None
    await services.web_auth.touch(session.id, now)
    # A session is a membership's: the request acts in its campaign.
    campaign = services.served_campaign(person.campaign_id)
    if campaign is not None:
        services.act_in(campaign)
    return SignedIn(person, session.id, session.csrf)


async def logout(services: Services, who: SignedIn, now: datetime) -> None:
    await services.web_auth.end_session(who.session_id, now)
    await record(services, who, "logout", "", "done", now)


async def record(
    services: Services, who: SignedIn, action: str, target: str, outcome: str, now: datetime
) -> None:
    """One line of the audit trail for a change made in the console."""
    await services.web_auth.audit(
        AuditLine(who.person.id, who.session_id, action, target, outcome, now)
    )
