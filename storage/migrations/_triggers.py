"""What the summary migrations (0017, 0019) build their triggers with. Migrations already applied
use it: a change here must leave their SQL as it was, byte for byte
(tests/test_migrations_frozen.py)."""

from __future__ import annotations

# The row a trigger on items counts, and the sign of its share of the counts: the new row's are
# added, the old row's taken back.
NEW = {"row": "NEW", "sign": ""}
OLD = {"row": "OLD", "sign": "-"}

# The changes to ratings: (name, event, the items whose votes they change, grouped by). An update
# may move a vote from one item to another.
_RATING_EVENTS = (
    ("insert", "INSERT", "i.id = NEW.item_id", "r.value"),
    (
        "update",
        "UPDATE OF item_id, round, value",
        "i.id IN (OLD.item_id, NEW.item_id)",
        "i.id, r.value",
    ),
    ("delete", "DELETE", "i.id = OLD.item_id", "r.value"),
)


def vote_triggers(template: str) -> str:
    """`template` for a trigger before and after each change to ratings: a change can make another
    round an item's latest, so before it the items' latest votes leave the counts (sign "-") and
    after it they join them again."""
    return "\n".join(
        template.format(
            when=when,
            name=name,
            WHEN=when.upper(),
            event=event,
            sign=sign,
            items=items,
            group_by=group_by,
        )
        for name, event, items, group_by in _RATING_EVENTS
        for when, sign in (("before", "-"), ("after", ""))
    )
