"""Items written straight into the database for the tally tests (tests/test_tally.py and
tests/test_tally_cli.py): one row of `items` per _item(), inserted with _INSERT_ITEM. The names
keep the underscore they had when both lived in tests/test_tally.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.clock import to_db
from tests.conftest import START

# Items in statuses the review and forwarding flows will produce are written directly: the state
# machine is being built elsewhere, and the tally only reads status, dates and places.
_INSERT_ITEM = """
INSERT INTO items (campaign_id, kind, status, number, author_id, group_id, site_id, project_id,
                   subitem_id, category_id, severity, description, created_at, submitted_at,
                   updated_at, due_at)
SELECT c.id, :kind, :status, :number, p.id, p.group_id, NULL, s.project_id, s.id,
       (SELECT id FROM categories WHERE campaign_id = c.id AND code = :category),
       CASE :kind WHEN 'problem' THEN 'normal' END, '现场发现的情况说明', :at, :at, :at, :due
FROM campaigns c JOIN persons p ON p.name = :author JOIN subitems s ON s.code = :subitem
"""


def _item(
    number: int,
    author: str,
    status: str,
    *,
    kind: str = "problem",
    subitem: str = "C02-1",
    category: str | None = "quality",
    at: datetime | None = None,
    due: datetime | None = None,
) -> dict[str, Any]:
    return {
        "number": number,
        "author": author,
        "status": status,
        "kind": kind,
        "subitem": subitem,
        "category": category if kind == "problem" else None,
        "at": to_db(at or START),
        "due": to_db(due) if due else None,
    }
