"""The item as read: one SELECT with its names joined in, and the mapping of its rows."""

from __future__ import annotations

from bot.clock import from_db
from bot.items import Item, Kind, Severity, Status
from bot.readmodels import TimelineEvent
from storage.rows import optional, required_time, row_mapper

# What names an item: its campaign's year and its site, project, sub-item, category and unit,
# each joined on one of the item's own ids (the console's list joins a few more after these).
ITEM_JOINS = """
FROM items i
JOIN campaigns c ON c.id = i.campaign_id
LEFT JOIN sites s ON s.id = i.site_id
LEFT JOIN projects p ON p.id = i.project_id
LEFT JOIN subitems si ON si.id = i.subitem_id
LEFT JOIN categories cat ON cat.id = i.category_id
LEFT JOIN units u ON u.id = i.unit_id
"""

ITEM_SELECT = (
    """
SELECT i.id, i.campaign_id, i.kind, i.status, i.number, c.year, i.author_id, i.visit_id,
       i.site_id, s.name AS site_name, i.project_id, p.title AS project_title,
       i.subitem_id, si.title AS subitem_title, i.category_id, cat.name AS category_name,
       cat.name_en AS category_name_en, i.severity, i.description, i.created_at, i.submitted_at,
       (SELECT COUNT(*) FROM photos ph WHERE ph.item_id = i.id AND ph.purpose = 'evidence')
           AS photo_count,
       i.group_id, i.unit_id, u.name AS unit_name, si.unit_id AS lead_unit_id, i.merged_into_id,
       i.forwarded_at, i.due_at, i.for_letter, i.round, i.response_class, i.answered_at,
       i.rating, i.closed_at, i.lookback_result, i.signed_at, i.sign_due_at, i.promised_at,
       i.answer_reason"""
    + ITEM_JOINS
)


item_from_row = row_mapper(
    Item,
    kind=Kind,
    status=Status,
    severity=optional(Severity),
    created_at=required_time,
    submitted_at=from_db,
    forwarded_at=from_db,
    due_at=from_db,
    for_letter=bool,
    answered_at=from_db,
    closed_at=from_db,
    signed_at=from_db,
    sign_due_at=from_db,
    promised_at=from_db,
)

timeline_event_from_row = row_mapper(TimelineEvent, at=required_time)
