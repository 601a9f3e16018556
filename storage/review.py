"""Queries of the leaders' review: the queue, duplicate candidates, and asked-for information."""

from __future__ import annotations

from bot.clock import from_db
from bot.duplicates import GONE
from bot.items import Item, Status
from bot.lifecycle import EventKind
from bot.readmodels import AskState, GroupQueue
from storage.db import Repo, add_given, marks

# The item query and row mapping are the item repository's; review only adds conditions.
from storage.item_rows import ITEM_SELECT, item_from_row

# How many recent items of the same place are scored for duplicates; older ones rarely matter
# and the scoring is done in Python.
CANDIDATE_LIMIT = 200


class ReviewRepo(Repo):
    async def next_submitted(
        self, campaign_id: int, group_id: int | None, after_number: int = 0
    ) -> Item | None:
        """The first submitted item numbered after `after_number`: of a group, or of all."""
        where = "i.campaign_id = ? AND i.status = ? AND i.number > ?"
        params: list[object] = [campaign_id, str(Status.SUBMITTED), after_number]
        if group_id is not None:
            where += " AND i.group_id = ?"
            params.append(group_id)
        return await self.db.fetch_one_as(
            item_from_row, f"{ITEM_SELECT} WHERE {where} ORDER BY i.number LIMIT 1", params
        )

    async def count_submitted(self, campaign_id: int, group_id: int | None) -> int:
        where = "campaign_id = ? AND status = ?"
        params: list[object] = [campaign_id, str(Status.SUBMITTED)]
        if group_id is not None:
            where += " AND group_id = ?"
            params.append(group_id)
        return await self.db.fetch_int(f"SELECT COUNT(*) FROM items WHERE {where}", params)

    async def queues(self, campaign_id: int) -> list[GroupQueue]:
        """Groups with items waiting for review, and how many each."""
        rows = await self.db.fetch_all(
            "SELECT g.id, g.code, g.name, COUNT(*) FROM items i JOIN groups g ON g.id = i.group_id "
            "WHERE i.campaign_id = ? AND i.status = ? GROUP BY g.id ORDER BY g.code",
            (campaign_id, str(Status.SUBMITTED)),
        )
        return [GroupQueue(r[0], r[1], r[2], r[3]) for r in rows]

    async def duplicate_candidates(
        self, item: Item, *, group_id: int | None = None, limit: int = CANDIDATE_LIMIT
    ) -> list[Item]:
        """Alive items of the campaign (of one group, if given) at the same site, sub-item or
        project, newest first. The group narrows the query; bot/scope.py decides who sees what."""
        clauses = [
            "i.campaign_id = ?",
            "i.id != ?",
            f"i.status NOT IN ({marks(GONE)})",
            "i.merged_into_id IS NULL",
        ]
        params: list[object] = [item.campaign_id, item.id, *(str(s) for s in GONE)]
        add_given(clauses, params, ("i.group_id = ?", group_id))
        places: list[str] = []
        add_given(
            places,
            params,
            ("i.site_id = ?", item.site_id),
            ("i.subitem_id = ?", item.subitem_id),
            ("i.project_id = ?", item.project_id),
        )
        if not places:
            return []
        clauses.append(f"({' OR '.join(places)})")
        return await self.db.fetch_all_as(
            item_from_row,
            f"{ITEM_SELECT} WHERE {' AND '.join(clauses)} "
            "ORDER BY i.submitted_at DESC, i.id DESC LIMIT ?",
            (*params, limit),
        )

    async def ask_state(self, item_id: int) -> AskState | None:
        """The latest ask_more of the item and the more_info notes after it; None if never asked."""
        asked = await self.db.fetch_one(
            "SELECT id, note, at FROM item_events WHERE item_id = ? AND kind = ? "
            "ORDER BY id DESC LIMIT 1",
            (item_id, str(EventKind.ASK_MORE)),
        )
        if asked is None:
            return None
        answers = await self.db.fetch_all(
            "SELECT note FROM item_events WHERE item_id = ? AND kind = ? AND id > ? ORDER BY id",
            (item_id, str(EventKind.MORE_INFO), asked["id"]),
        )
        at = from_db(asked["at"])
        assert at is not None
        return AskState(asked["note"], at, tuple(r[0] for r in answers))
