"""Item status lists as SQL, each written once: the rules are bot/'s, these are their text.

SQLite uses a partial index (and allows INDEXED BY it) only where a query repeats the index's
condition, so a list that an index's condition names is spelt here exactly as in its migration.
"""

from __future__ import annotations

# Drafts never happened, withdrawn items were taken back, and a merged item lives on in the item
# it was merged into (its raisers are that item's raisers), so none of them is counted.
NOT_COUNTED = "('draft', 'withdrawn', 'merged')"
# Statuses in which a unit owes an answer (bot.deadlines.WAITING_FOR_UNIT): the condition of the
# partial indexes items_waiting_due and items_waiting_group (migration 0017), word for word.
WAITING = "('forwarded', 'in_progress')"
