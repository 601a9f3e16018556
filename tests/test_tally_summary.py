"""The tally's per-month summary tables (migration 0017) stay exactly the items' own counts.

A scripted campaign goes through what items go through (submissions around month ends, reviews,
merges, withdrawals, declines, re-routes to another unit, answers in two rounds, votes, a draft
deleted, a date corrected by hand) and after every step the summary tables must equal a recount
from scratch, and the tally's counts for many periods (month-aligned or not, open or not) must
equal counting the items in Python.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.catalog_file import EXAMPLE_CATALOG, load_catalog
from bot.clock import from_db, to_db
from bot.invitations import NewInvitation, hash_token, new_token
from bot.items import Kind, NewDraft, Severity, Status
from bot.lifecycle import Change, NewResponse, Rating, ResponseClass, Step, Vote
from bot.people import Role
from bot.records import AFTER_ALL, BEFORE_ALL
from bot.tally_period import Period
from storage.catalog import import_catalog
from storage.db import Database
from storage.item_changes import commit_change, write_vote
from storage.items import ItemRepo
from storage.people import PeopleRepo
from storage.reports import ReportsRepo
from storage.satisfaction import SatisfactionRepo
from storage.tally_summary import split_period
from tests.tally_recount import RECOUNT, SUMMARY_INDEXES, assert_unit_counts
from tests.tally_recount import kept as kept_sql

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 5, 30, 2, 0, tzinfo=UTC)
NOW = datetime(2025, 7, 10, 3, 0, tzinfo=UTC)  # "now" of the deadline counts
SOON = NOW + timedelta(days=14)
COUNTED_OUT = {"draft", "withdrawn", "merged"}


async def _assert_summary_is_a_recount(db: Database) -> None:
    for table, recount in RECOUNT.items():
        kept = {tuple(r) for r in await db.fetch_all(kept_sql(table))}
        assert kept == {tuple(r) for r in await db.fetch_all(recount)}, table


def _bounds(period: Period) -> tuple[str, str]:
    return period.bounds(SHANGHAI)


PERIODS: list[tuple[str, str]] = [
    (BEFORE_ALL, AFTER_ALL),
    _bounds(Period(date(2025, 1, 1), date(2025, 12, 31))),
    _bounds(Period(date(2025, 6, 1), date(2025, 6, 30))),
    _bounds(Period(date(2025, 5, 31), date(2025, 6, 1))),
    _bounds(Period(date(2025, 5, 30), date(2025, 7, 2))),
    _bounds(Period(date(2025, 6, 1), None)),
    _bounds(Period(None, date(2025, 5, 31))),
    _bounds(Period(date(2025, 6, 15), date(2025, 6, 15))),
    # Bounds at UTC midnights: every month's edge is counted from the items.
    ("2025-05-01T00:00:00+00:00", "2025-07-01T00:00:00+00:00"),
    ("2025-05-31T17:00:00+00:00", AFTER_ALL),
]


async def _expected(db: Database, start: str, end: str) -> dict[str, Any]:
    """The tally's counts of [start, end), counted in Python from the items and votes."""
    items = [
        dict(r)
        for r in await db.fetch_all(
            "SELECT id, group_id, project_id, subitem_id, unit_id, category_id, kind, status, "
            "submitted_at, response_class, due_at FROM items"
        )
    ]
    counted = [
        i
        for i in items
        if i["submitted_at"] is not None
        and i["status"] not in COUNTED_OUT
        and start <= i["submitted_at"] < end
    ]
    votes: Counter[str] = Counter()
    for i in counted:
        if i["response_class"] not in ("A", "B", "C"):
            continue
        rows = await db.fetch_all("SELECT round, value FROM ratings WHERE item_id = ?", (i["id"],))
        if rows:
            latest = max(r[0] for r in rows)
            votes.update(r[1] for r in rows if r[0] == latest)
    waiting = [
        from_db(i["due_at"])
        for i in counted
        if i["status"] in ("forwarded", "in_progress") and i["due_at"] is not None
    ]
    return {
        "places": Counter(
            (
                i["project_id"],
                i["subitem_id"],
                i["unit_id"],
                i["category_id"],
                i["kind"],
                i["status"],
            )
            for i in counted
        ),
        "groups": Counter((i["group_id"], i["kind"], i["status"]) for i in counted),
        "answers": Counter(
            i["response_class"] for i in counted if i["response_class"] in ("A", "B", "C")
        ),
        "votes": votes,
        "deadlines": (
            sum(1 for d in waiting if d is not None and d < NOW),
            sum(1 for d in waiting if d is not None and NOW <= d <= SOON),
            len(waiting),
        ),
    }


async def _assert_tally_counts(db: Database, campaign_id: int) -> None:
    reports, satisfaction = ReportsRepo(db), SatisfactionRepo(db)
    for start, end in PERIODS:
        want = await _expected(db, start, end)
        places = await reports.place_counts(campaign_id, start, end)
        got = Counter(
            {
                (p.project_id, p.subitem_id, p.unit_id, p.category_id, p.kind, p.status): p.count
                for p in places
            }
        )
        assert got == want["places"], (start, end)
        groups = await reports.group_counts(campaign_id, start, end)
        by_group = Counter({(g.group_id, g.kind, g.status): g.count for g in groups})
        assert by_group == want["groups"], (start, end)
        assert await satisfaction.answer_counts(campaign_id, start, end) == want["answers"]
        assert await satisfaction.vote_counts(campaign_id, start, end) == want["votes"]
        due = await reports.deadline_counts(campaign_id, start, end, to_db(NOW), to_db(SOON))
        assert (due.overdue, due.due_soon, due.waiting) == want["deadlines"], (start, end)


# --- the campaign -------------------------------------------------------------------------------


@dataclass
class Campaign:
    db: Database
    items: ItemRepo
    id: int
    groups: list[int]
    sites: list[int]
    units: list[int]
    category: int
    people: list[int]

    async def check(self) -> None:
        await _assert_summary_is_a_recount(self.db)
        await _assert_tally_counts(self.db, self.id)
        await assert_unit_counts(self.db, self.id, PERIODS, NOW)

    async def raise_item(self, at: datetime, n: int, kind: Kind = Kind.PROBLEM) -> int:
        author = self.people[n % len(self.people)]
        item_id = await self.items.create_draft(
            NewDraft(self.id, kind, author, self.groups[n % len(self.groups)]), at
        )
        fields: dict[str, object] = {"site_id": self.sites[n % len(self.sites)]}
        fields["description"] = f"第{n}个问题：路面破损，影响通行"
        if kind is Kind.PROBLEM:
            fields.update(category_id=self.category, severity=Severity.SERIOUS)
        assert await self.items.update_draft(item_id, author, at, **fields)
        await self.items.submit(item_id, author, at)
        return item_id

    async def move(
        self,
        item_id: int,
        to: Status,
        *,
        response: NewResponse | None = None,
        merge_into: int | None = None,
        **fields: object,
    ) -> None:
        row = await self.db.fetch_one("SELECT status, round FROM items WHERE id = ?", (item_id,))
        assert row is not None
        change = Change(
            item_id,
            self.people[0],
            Status(row[0]),
            int(row[1]),
            (Step(to),),
            fields=fields,
            response=response,
            merge_raisers_into=merge_into,
        )
        assert await commit_change(self.db, change, NOW)

    async def answer(
        self, item_id: int, klass: ResponseClass, round_: int, reason: str | None = None
    ) -> None:
        response = NewResponse(round_, self.units[0], klass, "已整改完毕", on_paper=False)
        await self.move(
            item_id,
            Status.ANSWERED,
            response=response,
            response_class=str(klass),
            round=round_,
            answered_at=NOW - timedelta(days=2),
            answer_reason=reason,
        )

    async def vote(self, item_id: int, round_: int, person: int, value: Rating) -> None:
        assert await write_vote(self.db, Vote(item_id, round_, person, value, ""), NOW)


@pytest.fixture
async def campaign(tmp_path: Path) -> AsyncIterator[Campaign]:
    db = Database(tmp_path / "tally.sqlite3")
    await db.open()
    try:
        await import_catalog(db, load_catalog(EXAMPLE_CATALOG), now=START)
        campaign_id = int(await db.fetch_value("SELECT id FROM campaigns"))
        groups = [int(r[0]) for r in await db.fetch_all("SELECT id FROM groups ORDER BY id")]
        sites = [int(r[0]) for r in await db.fetch_all("SELECT id FROM sites ORDER BY id LIMIT 3")]
        units = [int(r[0]) for r in await db.fetch_all("SELECT id FROM units ORDER BY id")]
        category = int(await db.fetch_value("SELECT MIN(id) FROM categories"))
        people_repo = PeopleRepo(db)
        people = []
        for n in range(4):
            invitation = NewInvitation(
                campaign_id=campaign_id,
                name=f"代表{n}",
                role=Role.DEPUTY,
                group_id=groups[n % len(groups)],
                unit_id=None,
                token_hash=hash_token(new_token()),
                created_by=None,
                expires_at=START + timedelta(days=7),
            )
            person = await people_repo.invite(invitation, START)
            assert person is not None
            people.append(person)
        yield Campaign(db, ItemRepo(db), campaign_id, groups, sites, units, category, people)
    finally:
        await db.close()


async def test_the_summary_stays_a_recount_through_an_items_life(campaign: Campaign) -> None:
    c = campaign
    # Submitted around the end of May in Hangzhou (16:00 UTC is local midnight).
    times = [
        datetime(2025, 5, 31, 15, 59, tzinfo=UTC),
        datetime(2025, 5, 31, 16, 0, tzinfo=UTC),
        datetime(2025, 6, 1, 2, 0, tzinfo=UTC),
        datetime(2025, 6, 30, 17, 0, tzinfo=UTC),
    ]
    ids = [
        await c.raise_item(times[n % len(times)], n, Kind.PROBLEM if n % 3 else Kind.SUGGESTION)
        for n in range(12)
    ]
    draft = await c.items.create_draft(NewDraft(c.id, Kind.PROBLEM, c.people[0], c.groups[0]), NOW)
    await c.check()

    for item_id in ids[:10]:
        await c.move(item_id, Status.REVIEWED)
    await c.move(ids[10], Status.WITHDRAWN)
    await c.move(ids[9], Status.MERGED, merge_into=ids[8], merged_into_id=ids[8])
    await c.move(ids[7], Status.DECLINED)
    await c.check()

    # Forwarded (around May's end) with deadlines either side of "now" and "soon", to the second.
    dues = [
        NOW - timedelta(days=3),
        NOW - timedelta(hours=1),
        NOW + timedelta(hours=1),
        NOW + timedelta(days=5),
        SOON - timedelta(minutes=1),
        SOON + timedelta(minutes=1),
        SOON + timedelta(days=3),
    ]
    for n, item_id in enumerate(ids[:7]):
        await c.move(
            item_id,
            Status.FORWARDED,
            unit_id=c.units[n % 2],
            due_at=dues[n],
            forwarded_at=times[n % len(times)],
            sign_due_at=dues[(n + 1) % 7],
        )
    await c.check()
    # Re-routed to another unit, then in progress with a later deadline.
    await c.move(ids[6], Status.FORWARDED, unit_id=c.units[2], due_at=NOW + timedelta(days=1))
    await c.move(ids[5], Status.IN_PROGRESS, due_at=NOW - timedelta(days=1), signed_at=NOW)
    await c.check()
    # An extension: only the deadline moves (from yesterday to later today).
    await c.move(ids[5], Status.IN_PROGRESS, due_at=NOW + timedelta(hours=2))
    await c.check()

    await c.answer(ids[0], ResponseClass.A, 1)
    await c.answer(ids[1], ResponseClass.B, 1)
    await c.move(ids[2], Status.IN_PROGRESS, signed_at=NOW)
    await c.answer(ids[2], ResponseClass.C, 1, "funds")
    await c.vote(ids[0], 1, c.people[0], Rating.SATISFIED)
    await c.vote(ids[0], 1, c.people[1], Rating.DISSATISFIED)
    await c.vote(ids[1], 1, c.people[2], Rating.BASICALLY)
    await c.check()
    # A second round: its votes, not the first round's, count.
    await c.move(ids[0], Status.IN_PROGRESS, due_at=NOW + timedelta(days=2))
    await c.check()
    await c.answer(ids[0], ResponseClass.B, 2)
    await c.vote(ids[0], 2, c.people[3], Rating.ABSTAIN)
    await c.check()
    await c.move(ids[1], Status.CLOSED)
    await c.check()

    # What no use case does, but a hand or a future one might: the triggers count it too.
    await c.items.delete_draft(draft, c.people[0])
    async with c.db.transaction() as conn:
        await conn.execute(
            "UPDATE items SET submitted_at = ?, group_id = ? WHERE id = ?",
            (to_db(datetime(2025, 7, 1, 1, 0, tzinfo=UTC)), c.groups[1], ids[0]),
        )
        await conn.execute(
            "UPDATE items SET forwarded_at = ?, unit_id = ? WHERE id = ?",
            (to_db(datetime(2025, 6, 30, 15, 0, tzinfo=UTC)), c.units[3], ids[2]),
        )
        await conn.execute(
            "UPDATE ratings SET value = 'satisfied' WHERE item_id = ? AND round = 2", (ids[0],)
        )
        await conn.execute("DELETE FROM ratings WHERE item_id = ? AND round = 2", (ids[0],))
        await conn.execute("DELETE FROM items WHERE id = ?", (ids[11],))
    await c.check()


async def test_migration_0017_counts_the_items_already_there(campaign: Campaign) -> None:
    """A database from before version 17 with items in it, opened by this version: the
    migration builds the summary from them, and it equals a recount."""
    c = campaign
    ids = [await c.raise_item(START + timedelta(days=n), n) for n in range(5)]
    await c.move(ids[0], Status.REVIEWED)
    await c.move(ids[0], Status.FORWARDED, unit_id=c.units[0], due_at=NOW)
    await c.answer(ids[0], ResponseClass.A, 1)
    await c.vote(ids[0], 1, c.people[1], Rating.SATISFIED)
    await c.move(ids[1], Status.WITHDRAWN)
    path = c.db.path
    await c.db.close()
    # As version 16 left it: no summary tables, triggers or indexes of 0017, 0018 and 0019.
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        triggers = raw.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tally_%'"
        ).fetchall()
        for (name,) in triggers:
            raw.execute(f"DROP TRIGGER {name}")
        for table in RECOUNT:
            raw.execute(f"DROP TABLE {table}")
        for index in SUMMARY_INDEXES:
            raw.execute(f"DROP INDEX {index}")
        raw.execute("PRAGMA user_version = 16")
    finally:
        raw.close()
    await c.db.open()
    assert await c.db.fetch_value("PRAGMA user_version") >= 17
    assert await c.db.fetch_value("SELECT SUM(n) FROM tally_places") == 4
    assert await c.db.fetch_value("SELECT SUM(n) FROM tally_votes") == 1
    await c.check()
    # And the triggers are back: the next change is counted too.
    await c.move(ids[2], Status.DECLINED)
    await c.check()


def test_a_period_splits_into_whole_months_and_edges() -> None:
    year = _bounds(Period(date(2025, 1, 1), date(2025, 12, 31)))
    assert split_period(*year).months == ("2025-01", "2026-01")
    assert split_period(*year).edges == ()
    days = _bounds(Period(date(2025, 5, 30), date(2025, 7, 2)))
    split = split_period(*days)
    assert split.months == ("2025-06", "2025-07")
    assert split.edges == (
        ("2025-05-29T16:00:00+00:00", "2025-05-31T16:00:00+00:00"),
        ("2025-06-30T16:00:00+00:00", "2025-07-02T16:00:00+00:00"),
    )
    one_day = _bounds(Period(date(2025, 6, 15), date(2025, 6, 15)))
    assert split_period(*one_day).months is None
    assert split_period(*one_day).edges == (one_day,)
    assert split_period(BEFORE_ALL, AFTER_ALL).months == ("", "9999")
