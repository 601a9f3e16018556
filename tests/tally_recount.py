"""What the summary tables of migrations 0017 and 0019 must hold: their rows recounted from the
items and votes from scratch (tests/test_tally_summary.py compares them after every step)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import from_db
from bot.config import DeadlineSettings
from bot.deadline_ports import ReceivedRow
from bot.lifecycle import Policy
from bot.unit_figures import ReceivedFigures
from storage.db import Database
from storage.deadlines import DeadlineRepo
from storage.satisfaction import SatisfactionRepo

# The indexes of migrations 0017, 0018 and 0019 (0018 runs again after 0017).
SUMMARY_INDEXES = (
    "items_waiting_due",
    "items_waiting_group",
    "items_unit_figures",
    "items_unsigned_due",
    "items_sign_due_unknown",
    "items_visit",
)
# Only the rows without a stored sign-for deadline need it (none here).
_POLICY = Policy(DeadlineSettings(), ZoneInfo("Asia/Shanghai"))
_HELD = "('forwarded', 'in_progress', 'answered', 'rated', 'closed')"
_RECEIVED = (
    f"FROM items WHERE forwarded_at IS NOT NULL AND unit_id IS NOT NULL AND status IN {_HELD} "
    "AND sign_due_at IS NOT NULL"
)
_ANSWERED = "(answered_at IS NOT NULL AND status NOT IN ('forwarded', 'in_progress'))"
_FORWARDED = "campaign_id, strftime('%Y-%m', forwarded_at, '+8 hours'), unit_id"

RECOUNT = {
    "tally_places": "SELECT campaign_id, strftime('%Y-%m', submitted_at, '+8 hours'), "
    "coalesce(project_id, 0), coalesce(subitem_id, 0), coalesce(unit_id, 0), "
    "coalesce(category_id, 0), kind, status, COUNT(*) FROM items WHERE submitted_at IS NOT NULL "
    "AND status NOT IN ('draft', 'withdrawn', 'merged') GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
    "tally_groups": "SELECT campaign_id, strftime('%Y-%m', submitted_at, '+8 hours'), "
    "coalesce(group_id, 0), kind, status, COUNT(*) FROM items WHERE submitted_at IS NOT NULL "
    "AND status NOT IN ('draft', 'withdrawn', 'merged') GROUP BY 1, 2, 3, 4, 5",
    "tally_answers": "SELECT campaign_id, strftime('%Y-%m', submitted_at, '+8 hours'), "
    "response_class, COUNT(*) FROM items WHERE submitted_at IS NOT NULL "
    "AND status NOT IN ('draft', 'withdrawn', 'merged') AND response_class IN ('A', 'B', 'C') "
    "GROUP BY 1, 2, 3",
    "tally_votes": "SELECT i.campaign_id, strftime('%Y-%m', i.submitted_at, '+8 hours'), r.value, "
    "COUNT(*) FROM items i JOIN ratings r ON r.item_id = i.id WHERE i.submitted_at IS NOT NULL "
    "AND i.status NOT IN ('draft', 'withdrawn', 'merged') AND i.response_class IN ('A', 'B', 'C') "
    "AND r.round = (SELECT MAX(round) FROM ratings WHERE item_id = i.id) GROUP BY 1, 2, 3",
    "tally_due": "SELECT campaign_id, strftime('%Y-%m', submitted_at, '+8 hours'), "
    "date(due_at, '+8 hours'), COUNT(*) FROM items WHERE submitted_at IS NOT NULL "
    "AND due_at IS NOT NULL AND status IN ('forwarded', 'in_progress') GROUP BY 1, 2, 3",
    "tally_units": f"SELECT {_FORWARDED}, COUNT(*), SUM(signed_at IS NOT NULL), "
    f"SUM(signed_at IS NOT NULL AND signed_at <= sign_due_at), SUM({_ANSWERED}), "
    f"SUM({_ANSWERED} AND (due_at IS NULL OR answered_at <= due_at)), SUM(status = 'closed') "
    f"{_RECEIVED} GROUP BY 1, 2, 3",
    "tally_unit_due": f"SELECT {_FORWARDED}, 'sign', date(sign_due_at, '+8 hours'), COUNT(*) "
    f"{_RECEIVED} AND signed_at IS NULL GROUP BY 1, 2, 3, 4, 5 "
    f"UNION ALL SELECT {_FORWARDED}, 'answer', date(due_at, '+8 hours'), COUNT(*) "
    f"{_RECEIVED} AND status IN ('forwarded', 'in_progress') AND due_at IS NOT NULL "
    "GROUP BY 1, 2, 3, 4, 5",
    "tally_unit_votes": "SELECT i.campaign_id, strftime('%Y-%m', i.forwarded_at, '+8 hours'), "
    "i.unit_id, r.value, COUNT(*) FROM items i JOIN ratings r ON r.item_id = i.id "
    f"WHERE i.forwarded_at IS NOT NULL AND i.unit_id IS NOT NULL AND i.status IN {_HELD} "
    "AND r.round = (SELECT MAX(round) FROM ratings WHERE item_id = i.id) GROUP BY 1, 2, 3, 4",
    "tally_reasons": "SELECT campaign_id, strftime('%Y-%m', submitted_at, '+8 hours'), "
    "answer_reason, COUNT(*) FROM items WHERE submitted_at IS NOT NULL "
    "AND status NOT IN ('draft', 'withdrawn', 'merged') AND response_class = 'C' "
    "AND answer_reason IS NOT NULL GROUP BY 1, 2, 3",
}


def kept(table: str) -> str:
    """The table's rows that count something (rows whose counts drop to 0 stay)."""
    counted = "received <> 0" if table == "tally_units" else "n <> 0"
    return f"SELECT * FROM {table} WHERE {counted}"


async def assert_unit_counts(
    db: Database, campaign_id: int, periods: list[tuple[str, str]], now: datetime
) -> None:
    """The per-unit figures, votes per unit and class-C reasons the store reads (migration
    0019's months and the items of the edges) equal the rule applied to every item in Python."""
    items = [dict(r) for r in await db.fetch_all("SELECT * FROM items")]
    store, satisfaction = DeadlineRepo(db), SatisfactionRepo(db)
    for start, end in periods:
        received = [
            i
            for i in items
            if i["unit_id"] is not None
            and i["status"] in ("forwarded", "in_progress", "answered", "rated", "closed")
            and i["forwarded_at"] is not None
            and start <= i["forwarded_at"] < end
        ]
        want: dict[int, ReceivedFigures] = {}
        for i in received:
            if i["sign_due_at"] is not None:
                forwarded_at = from_db(i["forwarded_at"])
                assert forwarded_at is not None
                row = ReceivedRow(
                    i["unit_id"],
                    i["id"],
                    i["status"],
                    forwarded_at,
                    *(from_db(i[k]) for k in ("sign_due_at", "signed_at", "due_at", "answered_at")),
                )
                unit = want.get(i["unit_id"], ReceivedFigures())
                want[i["unit_id"]] = unit + ReceivedFigures.of(row, now, _POLICY)
        got = await store.received_counts(campaign_id, start, end, now)
        assert want == got, (start, end)
        votes: Counter[tuple[int, str]] = Counter()
        for i in received:
            rows = await db.fetch_all(
                "SELECT round, value FROM ratings WHERE item_id = ?", (i["id"],)
            )
            latest = max((r[0] for r in rows), default=None)
            votes.update((i["unit_id"], r[1]) for r in rows if r[0] == latest)
        got_votes = await store.unit_votes(campaign_id, start, end)
        assert Counter({(u, v): n for u, v, n in got_votes}) == votes, (start, end)
        reasons = Counter(
            i["answer_reason"]
            for i in items
            if i["submitted_at"] is not None
            and start <= i["submitted_at"] < end
            and i["status"] not in ("draft", "withdrawn", "merged")
            and i["response_class"] == "C"
            and i["answer_reason"] is not None
        )
        assert await satisfaction.reason_counts(campaign_id, start, end) == reasons, (start, end)
