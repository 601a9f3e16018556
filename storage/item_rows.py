"""The item as read: one SELECT with its names joined in, and the mapping of its rows."""

from __future__ import annotations

from bot.clock import from_db
from bot.items import Item, Kind, Severity, Status
from bot.readmodels import TimelineEvent
from storage.db import Row

ITEM_SELECT = """
SELECT i.id, i.campaign_id, i.kind, i.status, i.number, c.year, i.author_id, i.visit_id,
       i.site_id, s.name AS site_name, i.project_id, p.title AS project_title,
       i.subitem_id, si.title AS subitem_title, i.category_id, cat.name AS category_name,
       cat.name_en AS category_name_en, i.severity, i.description, i.created_at, i.submitted_at,
       (SELECT COUNT(*) FROM photos ph WHERE ph.item_id = i.id AND ph.purpose = 'evidence')
           AS photo_count,
       i.group_id, i.unit_id, u.name AS unit_name, si.unit_id AS lead_unit_id, i.merged_into_id,
       i.forwarded_at, i.due_at, i.for_letter, i.round, i.response_class, i.answered_at,
       i.rating, i.closed_at, i.lookback_result
FROM items i
JOIN campaigns c ON c.id = i.campaign_id
LEFT JOIN sites s ON s.id = i.site_id
LEFT JOIN projects p ON p.id = i.project_id
LEFT JOIN subitems si ON si.id = i.subitem_id
LEFT JOIN categories cat ON cat.id = i.category_id
LEFT JOIN units u ON u.id = i.unit_id
"""


def item_from_row(row: Row) -> Item:
    created = from_db(row["created_at"])
    assert created is not None
    return Item(
        id=row["id"],
        campaign_id=row["campaign_id"],
        kind=Kind(row["kind"]),
        status=Status(row["status"]),
        number=row["number"],
        year=row["year"],
        author_id=row["author_id"],
        visit_id=row["visit_id"],
        site_id=row["site_id"],
        site_name=row["site_name"],
        project_id=row["project_id"],
        project_title=row["project_title"],
        subitem_id=row["subitem_id"],
        subitem_title=row["subitem_title"],
        category_id=row["category_id"],
        category_name=row["category_name"],
        category_name_en=row["category_name_en"],
        severity=Severity(row["severity"]) if row["severity"] else None,
        description=row["description"],
        created_at=created,
        submitted_at=from_db(row["submitted_at"]),
        photo_count=row["photo_count"],
        group_id=row["group_id"],
        unit_id=row["unit_id"],
        unit_name=row["unit_name"],
        lead_unit_id=row["lead_unit_id"],
        merged_into_id=row["merged_into_id"],
        forwarded_at=from_db(row["forwarded_at"]),
        due_at=from_db(row["due_at"]),
        for_letter=bool(row["for_letter"]),
        round=row["round"],
        response_class=row["response_class"],
        answered_at=from_db(row["answered_at"]),
        rating=row["rating"],
        closed_at=from_db(row["closed_at"]),
        lookback_result=row["lookback_result"],
    )


def timeline_event_from_row(row: Row) -> TimelineEvent:
    at = from_db(row["at"])
    assert at is not None  # item_events.at is NOT NULL
    return TimelineEvent(
        at,
        row["kind"],
        row["from_status"],
        row["to_status"],
        row["note"],
        row["actor"],
        row["actor_role"],
    )
