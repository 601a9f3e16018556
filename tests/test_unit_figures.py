"""The per-unit figures counted in SQL (items with a stored sign-for deadline) agree with the
rule applied item by item (bot/unit_figures.py `ReceivedFigures.of`, which also serves the items
forwarded before migration 0014), over items in every state the figures tell apart."""

from __future__ import annotations

from datetime import timedelta

from bot.bootstrap import database_of
from bot.people import Role
from bot.unit_figures import ReceivedFigures
from storage.deadlines import _received
from tests.conftest import Harness
from tests.test_unit_deadlines import _forwarded


async def test_counted_in_sql_as_item_by_item(bot: Harness) -> None:
    author = await bot.person(await bot.join("王芳"))
    leader = await bot.person(await bot.join("李组长", Role.LEADER, group="G01"))
    staff = await bot.person(await bot.join("赵工作", Role.STAFF, group=None))
    items = [await _forwarded(bot, author, leader, staff) for _ in range(6)]
    day = timedelta(days=1)
    db = database_of(bot.services)
    # By hand, the states the figures tell apart: signed on time and late, unsigned, answered
    # on time and late, waiting past its due date, closed.
    edits = [
        "status = 'in_progress', signed_at = sign_due_at",
        "status = 'in_progress', signed_at = datetime(sign_due_at, '+1 day')",
        "status = 'answered', answered_at = forwarded_at, signed_at = forwarded_at",
        "status = 'rated', answered_at = datetime(due_at, '+2 days')",
        "status = 'closed', answered_at = forwarded_at, closed_at = forwarded_at",
        "due_at = datetime(forwarded_at, '+1 day')",
    ]
    async with db.transaction() as conn:
        for item, sets in zip(items, edits, strict=True):
            await conn.execute(f"UPDATE items SET {sets} WHERE id = ?", (item.id,))
        # SQLite's datetime() writes 'YYYY-MM-DD HH:MM:SS': back to the stored form.
        await conn.execute(
            "UPDATE items SET signed_at = replace(signed_at, ' ', 'T') || '+00:00' "
            "WHERE signed_at NOT LIKE '%+00:00'"
        )
        for column in ("answered_at", "due_at"):
            await conn.execute(
                f"UPDATE items SET {column} = replace({column}, ' ', 'T') || '+00:00' "
                f"WHERE {column} NOT LIKE '%+00:00'"
            )
    services = bot.services
    campaign = services.campaign.id
    start, end = "2000-01-01", "2100-01-01"
    for now in (bot.now(), bot.now() + 3 * day, bot.now() + 200 * day):
        [in_sql] = (await services.deadlines.received_counts(campaign, start, end, now)).values()
        rows = await db.fetch_all_as(
            _received,
            "SELECT unit_id, id AS item_id, status, forwarded_at, sign_due_at, signed_at, "
            "due_at, answered_at FROM items WHERE unit_id IS NOT NULL",
        )
        one_by_one = sum(
            (ReceivedFigures.of(row, now, services.policy) for row in rows), ReceivedFigures()
        )
        assert in_sql == one_by_one, now
        assert one_by_one.received == 6 and one_by_one.closed == 1
    assert await services.deadlines.received(campaign, start, end) == []  # none from before 0014
