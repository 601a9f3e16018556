"""Several campaigns in one deployment: a person's memberships (their persons rows, one per
campaign, bound to one Telegram account), the campaign they chose, and joint inspections."""

from __future__ import annotations

from datetime import datetime

from bot.campaign_ports import JointCounts, Named, PartnerGroup
from bot.clock import to_db
from bot.people import Person
from storage.db import Repo, Row, changed_one, marks
from storage.people import PERSON_SELECT, person_of
from storage.rows import row_mapper
from storage.statuses import NOT_COUNTED

_partner = row_mapper(PartnerGroup)


def _first_int(row: Row) -> int:
    return int(row[0])


# The table that holds each kind of record a notice's button may name (a fixed list, never input).
_TABLES: dict[Named, str] = {"item": "items", "visit": "visits", "round": "evaluation_rounds"}


class MembershipRepo(Repo):
    # The gate reads these with every update (bot/usecases/campaigns.py acting_person): reads
    # through an index or a key, on the loop's own connection (Database.lookup).

    async def memberships(self, telegram_user_id: int) -> list[Person]:
        return await self.db.lookup_all(
            person_of,
            f"{PERSON_SELECT} WHERE telegram_user_id = ? ORDER BY id",
            (telegram_user_id,),
        )

    async def chosen_campaign(self, telegram_user_id: int) -> int | None:
        return await self.db.lookup(
            _first_int,
            "SELECT campaign_id FROM acting_campaigns WHERE telegram_user_id = ?",
            (telegram_user_id,),
        )

    async def choose_campaign(self, telegram_user_id: int, campaign_id: int, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO acting_campaigns (telegram_user_id, campaign_id, chosen_at) "
                "VALUES (?, ?, ?) ON CONFLICT (telegram_user_id) DO UPDATE SET "
                "campaign_id = excluded.campaign_id, chosen_at = excluded.chosen_at",
                (telegram_user_id, campaign_id, to_db(now)),
            )

    async def campaign_of(self, named: Named, record_id: int) -> int | None:
        return await self.db.lookup(
            _first_int, f"SELECT campaign_id FROM {_TABLES[named]} WHERE id = ?", (record_id,)
        )

    async def partner_groups(
        self, campaign_ids: tuple[int, ...], exclude_campaign: int
    ) -> list[PartnerGroup]:
        wanted = [c for c in campaign_ids if c != exclude_campaign]
        if not wanted:
            return []
        return await self.db.fetch_all_as(
            _partner,
            "SELECT g.id, g.campaign_id, c.code AS campaign_code, c.name AS campaign_name, g.code, "
            f"g.name FROM groups g JOIN campaigns c ON c.id = g.campaign_id "
            f"WHERE g.campaign_id IN ({marks(wanted)}) ORDER BY g.campaign_id, g.code",
            tuple(wanted),
        )

    async def share_visit(self, visit_id: int, group: PartnerGroup, by: int, now: datetime) -> bool:
        return await self._share("joint_visits", "visit_id", visit_id, group, by, now)

    async def share_item(self, item_id: int, group: PartnerGroup, by: int, now: datetime) -> bool:
        return await self._share("joint_items", "item_id", item_id, group, by, now)

    async def _share(
        self, table: str, column: str, row_id: int, group: PartnerGroup, by: int, now: datetime
    ) -> bool:
        """A visit or an item shared with a partner group once (a second share changes nothing);
        table and column are the two fixed pairs above, never input."""
        async with self.db.transaction() as conn:
            return await changed_one(
                conn,
                f"INSERT INTO {table} ({column}, campaign_id, group_id, shared_by, shared_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (row_id, group.campaign_id, group.id, by, to_db(now)),
            )

    async def partners_of_item(self, item_id: int) -> list[PartnerGroup]:
        return await self.db.fetch_all_as(
            _partner,
            "SELECT DISTINCT g.id, g.campaign_id, c.code AS campaign_code, "
            "c.name AS campaign_name, g.code, g.name FROM groups g "
            "JOIN campaigns c ON c.id = g.campaign_id WHERE g.id IN ("
            "SELECT group_id FROM joint_items WHERE item_id = ? UNION "
            "SELECT j.group_id FROM joint_visits j JOIN items i ON i.visit_id = j.visit_id "
            "WHERE i.id = ?) ORDER BY g.campaign_id, g.code",
            (item_id, item_id),
        )

    async def joint_counts(self, campaign_id: int, start: str, end: str) -> JointCounts:
        # Driven from the few shared visits and items (CROSS JOIN keeps them first): reading the
        # items for the shared ones walked every item of every campaign (a second or more a
        # tally at 200,000 items).
        visits = await self.db.fetch_int(
            "SELECT COUNT(DISTINCT v.id) FROM joint_visits j CROSS JOIN visits v "
            "ON v.id = j.visit_id WHERE v.at >= ? AND v.at < ? "
            "AND (v.campaign_id = ? OR j.campaign_id = ?)",
            (start, end, campaign_id, campaign_id),
        )
        # What was raised at a shared visit is shared with it (the partner saw it too), also
        # when it was raised after the sharing; an item may be shared on its own as well.
        counted = (
            f"i.status NOT IN {NOT_COUNTED} AND i.status != 'declined' "
            "AND i.submitted_at >= ? AND i.submitted_at < ?"
        )

        def shared(partner: str) -> str:
            """The ids of the items shared (with `partner`'s campaign, or with any), once each."""
            return (
                f"(SELECT item_id AS id FROM joint_items j WHERE {partner} UNION "
                "SELECT v.id FROM joint_visits j CROSS JOIN items v INDEXED BY items_visit "
                f"ON v.visit_id = j.visit_id WHERE {partner}) s CROSS JOIN items i ON i.id = s.id"
            )

        shared_in = await self.db.fetch_counts(
            f"SELECT i.kind, COUNT(*) FROM {shared('j.campaign_id = ?')} "
            f"WHERE i.campaign_id != ? AND {counted} GROUP BY i.kind",
            (campaign_id, campaign_id, campaign_id, start, end),
        )
        out = await self.db.fetch_int(
            f"SELECT COUNT(*) FROM {shared('1')} WHERE i.campaign_id = ? AND {counted}",
            (campaign_id, start, end),
        )
        return JointCounts(visits, shared_in.get("problem", 0), shared_in.get("suggestion", 0), out)
