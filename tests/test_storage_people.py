"""Storage: people and their invitations (PeopleRepo): invite, redeem once, expiry, language."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import Refused
from bot.invitations import hash_token, new_token
from bot.people import Role
from tests.storage_helpers import NOW, World, _invite, imported_template, world

# The fixtures live in tests/storage_helpers.py; world needs imported_template in reach.
__all__ = ["imported_template", "world"]


async def test_invite_then_redeem(world: World) -> None:
    token = new_token()
    person_id = await _invite(world.people, world.campaign_id, "张敏", role=Role.STAFF, token=token)
    invited = await world.people.by_id(person_id)
    assert invited is not None
    assert (invited.name, invited.role, invited.telegram_user_id) == ("张敏", Role.STAFF, None)
    stored = await world.db.fetch_value(
        "SELECT token_hash FROM invitations WHERE person_id = ?", (person_id,)
    )
    assert stored == hash_token(token) and stored != token

    person, newly = await world.people.redeem(hash_token(token), 5551, NOW + timedelta(hours=1))
    assert newly and person.id == person_id and person.telegram_user_id == 5551
    assert await world.people.by_telegram_id(5551) == person


async def test_redeeming_twice_with_the_same_account_is_idempotent(world: World) -> None:
    token = new_token()
    await _invite(world.people, world.campaign_id, "赵强", group_id=world.group_id, token=token)
    first, newly = await world.people.redeem(hash_token(token), 5552, NOW)
    later = NOW + timedelta(days=30)  # even after the invitation expired
    again, again_newly = await world.people.redeem(hash_token(token), 5552, later)
    assert newly and not again_newly
    assert again == first
    used = await world.db.fetch_one(
        "SELECT used_at, used_by FROM invitations WHERE token_hash = ?", (hash_token(token),)
    )
    assert used is not None and used["used_by"] == 5552


async def test_a_used_invitation_refuses_another_account(world: World) -> None:
    token = new_token()
    await _invite(world.people, world.campaign_id, "孙丽", group_id=world.group_id, token=token)
    await world.people.redeem(hash_token(token), 5553, NOW)
    with pytest.raises(Refused) as info:
        await world.people.redeem(hash_token(token), 5554, NOW)
    assert info.value.key == "start_token_used"
    assert await world.people.by_telegram_id(5554) is None


async def test_a_registered_account_cannot_take_another_invitation(world: World) -> None:
    first, second = new_token(), new_token()
    await _invite(world.people, world.campaign_id, "周杰", group_id=world.group_id, token=first)
    second_id = await _invite(
        world.people, world.campaign_id, "吴敏", group_id=world.group_id, token=second
    )
    await world.people.redeem(hash_token(first), 5555, NOW)
    with pytest.raises(Refused) as info:
        await world.people.redeem(hash_token(second), 5555, NOW)
    assert info.value.key == "start_already_registered"
    # Nothing changed: the second invitation is still free for its real owner.
    person, newly = await world.people.redeem(hash_token(second), 5556, NOW)
    assert newly and person.id == second_id


async def test_unknown_and_expired_invitations(world: World) -> None:
    with pytest.raises(Refused) as info:
        await world.people.redeem(hash_token(new_token()), 5557, NOW)
    assert info.value.key == "start_token_unknown"

    token = new_token()
    await _invite(
        world.people,
        world.campaign_id,
        "郑华",
        group_id=world.group_id,
        token=token,
        expires_at=NOW + timedelta(days=1),
    )
    with pytest.raises(Refused) as info:
        await world.people.redeem(hash_token(token), 5558, NOW + timedelta(days=1, seconds=1))
    assert info.value.key == "start_token_expired"
    assert await world.people.by_telegram_id(5558) is None


async def test_set_language(world: World) -> None:
    await world.people.set_language(world.deputy_id, "en")
    person = await world.people.by_id(world.deputy_id)
    assert person is not None and person.language == "en"
