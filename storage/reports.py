"""Queries behind the tally and the daily summaries: counts grouped in SQL, never item by item.

Time bounds are UTC text as stored (bot/clock.py to_db): a half-open range [start, end). The
caller turns local dates into these bounds. A missing bound is the empty string (before any
time) or "9999" (after any time), so one query serves every period.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.readmodels import (
    DeadlineCounts,
    GroupCount,
    ItemRow,
    Labels,
    Overdue,
    PhotoRow,
    PlaceCount,
    StaleSite,
    VisitRow,
)
from bot.records import Leader
from storage.db import Repo, marks
from storage.statuses import NOT_COUNTED, WAITING
from storage.tally_summary import (
    GROUPS,
    GROUPS_EDGE,
    PLACES,
    PLACES_EDGE,
    deadline_counts,
    summed,
)

# An item's project: its own, else its site's, else its sub-item's (through `_PLACES`).
_PROJECT = "COALESCE(i.project_id, s.project_id, si.project_id)"
_PLACES = "LEFT JOIN sites s ON s.id = i.site_id LEFT JOIN subitems si ON si.id = i.subitem_id"
# The items a group's day lists and counts, in one place so that the list and the counts agree:
# counted, not declined, submitted in [start, end).
_GROUP_DAY = (
    "i.group_id = ? AND i.submitted_at >= ? AND i.submitted_at < ? "
    f"AND i.status NOT IN {NOT_COUNTED} AND i.status != 'declined'"
)


class ReportsRepo(Repo):
    # --- the tally ---------------------------------------------------------------------------

    async def labels(self, campaign_id: int) -> Labels:
        projects = await self.db.fetch_all(
            "SELECT id, title, code FROM projects WHERE campaign_id = ? ORDER BY position, code",
            (campaign_id,),
        )
        subitems = await self.db.fetch_all(
            "SELECT s.id, s.title, s.project_id, s.unit_id, s.code FROM subitems s "
            "JOIN projects p ON p.id = s.project_id WHERE s.campaign_id = ? "
            "ORDER BY p.position, p.code, s.position, s.code",
            (campaign_id,),
        )
        # Units keep no position: an import inserts them in the file's order and a re-import
        # updates them in place (by code), so their ids are the catalog's order.
        units = await self.db.fetch_all(
            "SELECT id, name, code FROM units WHERE campaign_id = ? ORDER BY id", (campaign_id,)
        )
        categories = await self.db.fetch_all(
            "SELECT id, name, name_en FROM categories WHERE campaign_id = ? ORDER BY position, code",
            (campaign_id,),
        )
        groups = await self.db.fetch_all(
            "SELECT id, code, name FROM groups WHERE campaign_id = ? ORDER BY code", (campaign_id,)
        )
        return Labels(
            projects={r[0]: r[1] for r in projects},
            subitems={r[0]: r[1] for r in subitems},
            subitem_project={r[0]: r[2] for r in subitems},
            subitem_unit={r[0]: r[3] for r in subitems},
            units={r[0]: r[1] for r in units},
            categories={r[0]: (r[1], r[2]) for r in categories},
            groups={r[0]: (r[1], r[2]) for r in groups},
            project_codes={r[0]: r[2] for r in projects},
            subitem_codes={r[0]: r[4] for r in subitems},
            unit_codes={r[0]: r[2] for r in units},
            project_order=[r[0] for r in projects],
            subitem_order=[r[0] for r in subitems],
            unit_order=[r[0] for r in units],
            category_order=[r[0] for r in categories],
            group_order=[r[0] for r in groups],
        )

    async def place_counts(self, campaign_id: int, start: str, end: str) -> list[PlaceCount]:
        """Counted items submitted in [start, end), by place, category, kind and status."""
        # Per-month counts kept by the item's own transactions (storage/tally_summary.py).
        rows = await summed(self.db, PLACES, PLACES_EDGE, campaign_id, start, end, ids=4)
        return [PlaceCount(*r) for r in rows]

    async def group_counts(self, campaign_id: int, start: str, end: str) -> list[GroupCount]:
        rows = await summed(self.db, GROUPS, GROUPS_EDGE, campaign_id, start, end, ids=1)
        return [GroupCount(*r) for r in rows]

    async def deadline_counts(
        self, campaign_id: int, start: str, end: str, now: str, soon: str
    ) -> DeadlineCounts:
        """Items of the period a unit still has to answer: past due, due by `soon`, all.

        The same rule as bot.deadlines.light, in SQL: overdue when now > due, due soon when
        due - now <= the due-soon window.
        """
        overdue, due_soon, waiting = await deadline_counts(
            self.db, campaign_id, start, end, now, soon
        )
        return DeadlineCounts(overdue, due_soon, waiting)

    async def participation(self, campaign_id: int, start: str, end: str) -> tuple[int, int]:
        """(deputies, groups) that took part: checked in or submitted something in the period.

        One index probe per person instead of a pass over all visits and items: a campaign has
        thousands of people and may have a million items.
        """
        row = await self.db.fetch_one(
            "SELECT COUNT(*), COUNT(DISTINCT p.group_id) FROM persons p "
            "WHERE p.campaign_id = ? AND p.role IN ('deputy', 'leader') AND ("
            "EXISTS (SELECT 1 FROM visits v WHERE v.person_id = p.id AND v.at >= ? AND v.at < ?) "
            "OR EXISTS (SELECT 1 FROM items i WHERE i.author_id = p.id "
            "AND i.submitted_at >= ? AND i.submitted_at < ?))",
            (campaign_id, start, end, start, end),
        )
        assert row is not None
        return int(row[0]), int(row[1])

    # --- a group's day -----------------------------------------------------------------------

    async def group(self, group_id: int) -> tuple[str, str, int] | None:
        """(code, name, campaign id) of a group."""
        row = await self.db.fetch_one(
            "SELECT code, name, campaign_id FROM groups WHERE id = ?", (group_id,)
        )
        return (row[0], row[1], int(row[2])) if row else None

    async def group_visits(self, group_id: int, start: str, end: str) -> list[VisitRow]:
        rows = await self.db.fetch_all(
            "SELECT v.at, p.name, s.name, v.on_site, v.reason FROM persons p "
            "JOIN visits v ON v.person_id = p.id JOIN sites s ON s.id = v.site_id "
            "WHERE p.group_id = ? AND v.at >= ? AND v.at < ? ORDER BY v.at, v.id",
            (group_id, start, end),
        )
        return [VisitRow(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]

    async def group_items(self, group_id: int, start: str, end: str) -> list[ItemRow]:
        """The group's counted items submitted in the range (a day: a few dozen at most)."""
        rows = await self.db.fetch_all(
            f"SELECT i.id, i.number, i.kind, i.status, {_PROJECT}, i.subitem_id, i.category_id, "
            "s.name, i.description, p.name, i.submitted_at "
            f"FROM items i JOIN persons p ON p.id = i.author_id {_PLACES} "
            f"WHERE {_GROUP_DAY} ORDER BY i.number",
            (group_id, start, end),
        )
        return [ItemRow(*r) for r in rows]

    async def stale_sites(self, group_id: int, cutoff: str, end: str) -> list[StaleSite]:
        """The group's sites without a visit (by anyone) in [cutoff, end), longest first.

        A group's sites: those of the projects it covers, and those of the sub-items whose lead
        unit it covers (groups formed by lead unit, as in Hangzhou since 2025). `end` keeps a
        summary of an earlier day as it was that evening.
        """
        rows = await self.db.fetch_all(
            "SELECT s.name, "
            "(SELECT MAX(v.at) FROM visits v WHERE v.site_id = s.id AND v.at < ?) AS last "
            "FROM sites s WHERE (s.project_id IN "
            "(SELECT project_id FROM group_projects WHERE group_id = ?) "
            "OR s.subitem_id IN (SELECT si.id FROM subitems si "
            "JOIN group_units gu ON gu.unit_id = si.unit_id WHERE gu.group_id = ?)) "
            "AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.site_id = s.id "
            "AND v.at >= ? AND v.at < ?) "
            "ORDER BY last IS NOT NULL, last, s.code",
            (end, group_id, group_id, cutoff, end),
        )
        return [StaleSite(r[0], r[1]) for r in rows]

    async def members(self, group_id: int) -> int:
        return await self.db.fetch_int(
            "SELECT COUNT(*) FROM persons WHERE group_id = ? AND role IN ('deputy', 'leader') "
            "AND active = 1",
            (group_id,),
        )

    async def idle_members(self, group_id: int, start: str, end: str) -> list[str]:
        """Active members who neither checked in nor submitted anything in the range."""
        rows = await self.db.fetch_all(
            "SELECT p.name FROM persons p WHERE p.group_id = ? AND p.role IN ('deputy', 'leader') "
            "AND p.active = 1 AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.person_id = p.id "
            "AND v.at >= ? AND v.at < ?) AND NOT EXISTS (SELECT 1 FROM items i "
            "WHERE i.author_id = p.id AND i.submitted_at >= ? AND i.submitted_at < ?) "
            "ORDER BY p.name, p.id",
            (group_id, start, end, start, end),
        )
        return [r[0] for r in rows]

    async def group_deadlines(
        self, group_id: int, now: str, soon: str, worst: int = 5
    ) -> tuple[int, int, list[Overdue]]:
        """(overdue, due soon, the `worst` longest overdue) of the group's items with units."""
        row = await self.db.fetch_one(
            "SELECT COALESCE(SUM(due_at < ?), 0), COALESCE(SUM(due_at >= ? AND due_at <= ?), 0) "
            f"FROM items WHERE group_id = ? AND status IN {WAITING} AND due_at IS NOT NULL",
            (now, now, soon, group_id),
        )
        assert row is not None
        rows = await self.db.fetch_all(
            f"SELECT number, due_at FROM items WHERE group_id = ? AND status IN {WAITING} "
            "AND due_at < ? ORDER BY due_at, number LIMIT ?",
            (group_id, now, worst),
        )
        return int(row[0]), int(row[1]), [Overdue(r[0], r[1]) for r in rows]

    async def group_photos(self, group_id: int, start: str, end: str) -> list[PhotoRow]:
        """Photos of the group's items submitted and visits made in the range."""
        rows = await self.db.fetch_all(
            "SELECT ph.id, ph.thumb_path, i.number, i.kind, s.name, i.submitted_at "
            "FROM items i JOIN photos ph ON ph.item_id = i.id LEFT JOIN sites s ON s.id = i.site_id "
            "WHERE i.group_id = ? AND i.submitted_at >= ? AND i.submitted_at < ? "
            f"AND i.status NOT IN {NOT_COUNTED} AND ph.item_id IS NOT NULL "
            "UNION ALL "
            "SELECT ph.id, ph.thumb_path, NULL, NULL, s.name, v.at "
            "FROM persons p JOIN visits v ON v.person_id = p.id JOIN sites s ON s.id = v.site_id "
            "JOIN photos ph ON ph.visit_id = v.id "
            "WHERE p.group_id = ? AND v.at >= ? AND v.at < ? AND ph.visit_id IS NOT NULL "
            "ORDER BY 6, 1",
            (group_id, start, end, group_id, start, end),
        )
        return [PhotoRow(*r) for r in rows]

    async def item_counts(
        self, group_id: int, start: str, end: str
    ) -> list[tuple[int | None, int | None, str, int]]:
        """(project, category, kind, count) of the group's counted items in the range."""
        rows = await self.db.fetch_all(
            f"SELECT {_PROJECT}, i.category_id, i.kind, COUNT(*) FROM items i {_PLACES} "
            f"WHERE {_GROUP_DAY} GROUP BY 1, 2, 3",
            (group_id, start, end),
        )
        return [(r[0], r[1], r[2], int(r[3])) for r in rows]

    # --- who gets the summary ----------------------------------------------------------------

    async def leaders(self, campaign_id: int) -> list[Leader]:
        """Active leaders who can be reached on Telegram, with their group."""
        rows = await self.db.fetch_all(
            "SELECT id, group_id, language FROM persons WHERE campaign_id = ? AND role = 'leader' "
            "AND active = 1 AND telegram_user_id IS NOT NULL AND group_id IS NOT NULL "
            "ORDER BY group_id, id",
            (campaign_id,),
        )
        return [Leader(r[0], r[1], r[2]) for r in rows]

    async def queued(self, dedup_keys: Iterable[str]) -> set[str]:
        """Which of these outbox keys are taken already."""
        keys: Sequence[str] = list(dedup_keys)
        found: set[str] = set()
        # SQLite limits host parameters per statement; 500 is far below every build's limit.
        for offset in range(0, len(keys), 500):
            chunk = keys[offset : offset + 500]
            rows = await self.db.fetch_all(
                f"SELECT dedup_key FROM outbox WHERE dedup_key IN ({marks(chunk)})", chunk
            )
            found.update(r[0] for r in rows)
        return found
