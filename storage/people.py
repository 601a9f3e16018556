"""People and invitations."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.clock import from_db, to_db
from bot.errors import Refused
from bot.invitations import InvitationState, NewInvitation, check_redeemable
from bot.people import Person, Role
from storage.db import Repo, insert, select_one
from storage.rows import is_set, row_mapper

PERSON_SELECT = (
    "SELECT id, campaign_id, name, role, group_id, unit_id, telegram_user_id, language, active, "
    "blocked_at FROM persons"
)
person_of = row_mapper(Person, role=Role, active=bool, blocked=("blocked_at", is_set))


async def _person_in(conn: aiosqlite.Connection, person_id: int) -> Person:
    row = await select_one(conn, f"{PERSON_SELECT} WHERE id = ?", (person_id,))
    assert row is not None
    return person_of(row)


class PeopleRepo(Repo):
    async def by_telegram_id(
        self, telegram_user_id: int, campaign_id: int | None = None
    ) -> Person | None:
        """The account's person: in `campaign_id`, or (None) the first it joined as."""
        # A point read on the loop's own connection (a step of a flow begun in another campaign
        # reads it: bot/usecases/campaigns.py act_as; the gate reads storage/memberships.py).
        if campaign_id is not None:
            return await self.db.lookup(
                person_of,
                f"{PERSON_SELECT} WHERE telegram_user_id = ? AND campaign_id = ?",
                (telegram_user_id, campaign_id),
            )
        return await self.db.lookup(
            person_of,
            f"{PERSON_SELECT} WHERE telegram_user_id = ? ORDER BY id LIMIT 1",
            (telegram_user_id,),
        )

    async def by_id(self, person_id: int) -> Person | None:
        return await self.db.fetch_one_as(person_of, f"{PERSON_SELECT} WHERE id = ?", (person_id,))

    async def invite(self, invitation: NewInvitation, now: datetime) -> int | None:
        """Create the invited person and their single invitation together. None when the input
        named by `source_key` made its invitation already (it is being processed again)."""
        async with self.db.transaction() as conn:
            if (
                invitation.source_key is not None
                and await select_one(
                    conn, "SELECT 1 FROM invitations WHERE source_key = ?", (invitation.source_key,)
                )
                is not None
            ):
                return None
            person_id = await insert(
                conn,
                "INSERT INTO persons (campaign_id, name, role, group_id, unit_id, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    invitation.campaign_id,
                    invitation.name,
                    str(invitation.role),
                    invitation.group_id,
                    invitation.unit_id,
                    to_db(now),
                ),
            )
            await conn.execute(
                "INSERT INTO invitations (person_id, token_hash, created_by, created_at, "
                "expires_at, source_key) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    person_id,
                    invitation.token_hash,
                    invitation.created_by,
                    to_db(now),
                    to_db(invitation.expires_at),
                    invitation.source_key,
                ),
            )
        return person_id

    async def redeem(
        self, token_hash: str, telegram_user_id: int, now: datetime
    ) -> tuple[Person, bool]:
        """Bind a Telegram account to the invited person. Returns (person, newly_joined).

        A redelivered /start with the same token by the same account is a no-op that returns
        the person again, so the user sees the welcome once more instead of an error.
        """
        async with self.db.transaction() as conn:
            inv = await select_one(
                conn,
                "SELECT i.id, i.person_id, i.expires_at, i.used_at, i.used_by, p.telegram_user_id "
                "FROM invitations i JOIN persons p ON p.id = i.person_id WHERE i.token_hash = ?",
                (token_hash,),
            )
            if inv is not None and inv["used_by"] == telegram_user_id:
                return await _person_in(conn, inv["person_id"]), False
            state = None
            if inv is not None:
                expires = from_db(inv["expires_at"])
                assert expires is not None
                state = InvitationState(
                    expires_at=expires,
                    used_at=from_db(inv["used_at"]),
                    person_bound=inv["telegram_user_id"] is not None,
                )
            check_redeemable(state, now)
            assert inv is not None
            # One person per campaign and account: a city deputy may join a district's
            # campaign too (a membership of its own), never the same campaign twice.
            if (
                await select_one(
                    conn,
                    "SELECT 1 FROM persons WHERE telegram_user_id = ? AND campaign_id = "
                    "(SELECT campaign_id FROM persons WHERE id = ?)",
                    (telegram_user_id, inv["person_id"]),
                )
                is not None
            ):
                raise Refused("start_already_registered")
            await conn.execute(
                "UPDATE invitations SET used_at = ?, used_by = ? WHERE id = ?",
                (to_db(now), telegram_user_id, inv["id"]),
            )
            await conn.execute(
                "UPDATE persons SET telegram_user_id = ?, joined_at = ? WHERE id = ?",
                (telegram_user_id, to_db(now), inv["person_id"]),
            )
            return await _person_in(conn, inv["person_id"]), True

    async def set_language(self, person_id: int, language: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE persons SET language = ? WHERE id = ?", (language, person_id)
            )
