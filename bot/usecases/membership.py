"""Joining by invitation, and issuing invitations (from the CLI or by staff in the bot)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot import invitations
from bot.errors import Refused, require
from bot.people import Person, Role
from bot.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    person_id: int
    token: str
    link: str
    expires_at: datetime
    role: Role
    name: str


async def issue_invitation(
    services: Services,
    request: invitations.InvitationRequest,
    *,
    bot_username: str,
    created_by: Person | None,
    key: str | None = None,
) -> IssuedInvitation:
    """Create the invited person and a single-use token; only the token's hash is stored.

    `key` names the input that asks for it: the same input processed again after a crash is
    refused rather than inviting the person twice (the token cannot be shown again: only its
    hash is kept)."""
    if created_by is not None:
        require(created_by.role is Role.STAFF and created_by.active, "not_allowed")
    request.validate()
    # The invitee joins the inviter's campaign (staff invite into their own); the CLI's is the
    # one it acts on ([campaign] code or --campaign).
    campaign_id = created_by.campaign_id if created_by is not None else services.campaign.id
    group_id = unit_id = None
    if request.group_code is not None:
        group = await services.catalog.group_by_code(campaign_id, request.group_code)
        require(group is not None, "invite_unknown_group", code=request.group_code)
        assert group is not None
        group_id = group.id
    if request.unit_code is not None:
        unit = await services.catalog.unit_by_code(campaign_id, request.unit_code)
        require(unit is not None, "invite_unknown_unit", code=request.unit_code)
        assert unit is not None
        unit_id = unit.id
    now = services.clock.now()
    token = invitations.new_token()
    expires_at = invitations.expiry(now, services.settings.invitations.ttl_days)
    person_id = await services.people.invite(
        invitations.NewInvitation(
            campaign_id=campaign_id,
            name=request.name.strip(),
            role=request.role,
            group_id=group_id,
            unit_id=unit_id,
            token_hash=invitations.hash_token(token),
            created_by=created_by.id if created_by else None,
            expires_at=expires_at,
            source_key=key,
        ),
        now,
    )
    require(person_id is not None, "invite_already_made", name=request.name.strip())
    assert person_id is not None
    log.info("Invitation issued for person %s (role %s)", person_id, request.role)
    return IssuedInvitation(
        person_id,
        token,
        invitations.deep_link(bot_username, token),
        expires_at,
        request.role,
        request.name,
    )


async def join(services: Services, token: str, telegram_user_id: int) -> tuple[Person, bool]:
    """Bind a Telegram account to the invited person. Returns (person, newly_joined)."""
    if not invitations.looks_like_token(token):
        raise Refused("start_token_unknown")
    person, newly = await services.people.redeem(
        invitations.hash_token(token), telegram_user_id, services.clock.now()
    )
    if newly:
        log.info("Person %s joined as telegram user %s", person.id, telegram_user_id)
        # Joining another campaign makes it the one the account acts in next.
        await services.memberships.choose_campaign(
            telegram_user_id, person.campaign_id, services.clock.now()
        )
    campaign = services.served_campaign(person.campaign_id)
    if campaign is not None:
        services.act_in(campaign)
    return person, newly
