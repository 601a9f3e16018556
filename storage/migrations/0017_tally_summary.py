"""Migration 0017: the tally's counts kept per month by the transactions that change items and
votes.

Generated rather than written out: its triggers add an item's counts (the new row, +1) and take
them back (the old row, -1) with the same statements, and its six triggers on ratings differ only
in their event. Each is written once below, with the row and the sign as names to fill in
(storage/migrations/_triggers.py). The text is exactly the SQL this migration was applied with,
byte for byte (tests/test_migrations_frozen.py): change nothing here, write a new migration.
"""

from __future__ import annotations

from storage.migrations._triggers import NEW, OLD, vote_triggers

_TABLES = """\
-- deputy-bot schema, version 17: the tally's counts kept per month by the transactions that
-- change items and votes.
--
-- A year's tally counted its million items through covering indexes: 1.4 s warm and 3-4 s with a
-- cold page cache (160 MB of index pages scattered through the file). These tables hold the same
-- counts per month; the triggers below keep them exact in the very transaction that inserts,
-- changes or deletes an item or a vote, whichever code path writes it. storage/tally_summary.py
-- reads them, and counts a period's edges (where a bound falls inside a month) from the items;
-- tests/test_tally_summary.py recounts them from scratch. (Per day, the place counts had 446,000
-- rows for a million items, hardly fewer than the items; per month, about 100,000.)
--
-- Counted items, as in storage/reports.py: submitted and not a draft, withdrawn or merged.
-- month: the calendar month in UTC+8 (China Standard Time, the zone of the campaigns), so that a
-- year or a month of local days is whole months here; a campaign in another zone gets exact
-- figures all the same, its periods' edges counted from the items. NULL ids are stored as 0 (a
-- primary key has no NULLs). Rows whose count drops to 0 stay (readers skip them).

-- The month last: a period's GROUP BY then reads the rows in its order, without sorting them.
CREATE TABLE tally_places (
    campaign_id INTEGER NOT NULL,
    month       TEXT NOT NULL,
    project_id  INTEGER NOT NULL,
    subitem_id  INTEGER NOT NULL,
    unit_id     INTEGER NOT NULL,
    category_id INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, project_id, subitem_id, unit_id, category_id, kind, status, month)
) WITHOUT ROWID;

CREATE TABLE tally_groups (
    campaign_id INTEGER NOT NULL,
    month       TEXT NOT NULL,
    group_id    INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, group_id, kind, status, month)
) WITHOUT ROWID;

-- Counted items with an answer, by the class of their latest answer (items.response_class).
CREATE TABLE tally_answers (
    campaign_id INTEGER NOT NULL,
    month       TEXT NOT NULL,
    class       TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, month, class)
) WITHOUT ROWID;

-- The votes of those items' latest voted round, by value (storage/satisfaction.py's rule).
CREATE TABLE tally_votes (
    campaign_id INTEGER NOT NULL,
    month       TEXT NOT NULL,
    value       TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, month, value)
) WITHOUT ROWID;

-- Items a unit still has to answer (forwarded, in progress) with a deadline, by the day (UTC+8)
-- their answer is due: overdue and due soon are whole days here; the items due on the day of
-- `now` and of `soon` are compared to the second from the items (items_waiting_due).
CREATE TABLE tally_due (
    campaign_id INTEGER NOT NULL,
    month       TEXT NOT NULL,
    due_day     TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, month, due_day)
) WITHOUT ROWID;

CREATE INDEX items_waiting_due ON items (campaign_id, due_at, submitted_at)
    WHERE status IN ('forwarded', 'in_progress');
-- The same by group, for each daily summary's overdue and due-soon counts and its five longest
-- overdue: they looked every waiting item of the group up in the table (3,500 rows a group, 100
-- groups every evening; about 1 s a group from disk), this reads a few index pages.
CREATE INDEX items_waiting_group ON items (group_id, due_at, number)
    WHERE status IN ('forwarded', 'in_progress');
"""

# A counted item's places and group, as the triggers that add an item and delete one write them:
# the WHEN of the trigger has checked that the item `row` is counted.
_COUNTED = """\
    INSERT INTO tally_places VALUES ({row}.campaign_id, strftime('%Y-%m', {row}.submitted_at, '+8 hours'),
        coalesce({row}.project_id, 0), coalesce({row}.subitem_id, 0), coalesce({row}.unit_id, 0),
        coalesce({row}.category_id, 0), {row}.kind, {row}.status, {sign}1)
    ON CONFLICT (campaign_id, project_id, subitem_id, unit_id, category_id, kind, status, month)
    DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_groups VALUES ({row}.campaign_id, strftime('%Y-%m', {row}.submitted_at, '+8 hours'),
        coalesce({row}.group_id, 0), {row}.kind, {row}.status, {sign}1)
    ON CONFLICT (campaign_id, group_id, kind, status, month) DO UPDATE SET n = n + excluded.n;
"""

# The same counts as the trigger for a change writes them, each for the old row and then the new
# one, each asking whether its row is counted. The answers and votes are also what the triggers
# that add and delete an item write, their {where} left open for that question (_filled).
_PLACES = """\
    INSERT INTO tally_places
    SELECT {row}.campaign_id, strftime('%Y-%m', {row}.submitted_at, '+8 hours'),
        coalesce({row}.project_id, 0), coalesce({row}.subitem_id, 0), coalesce({row}.unit_id, 0),
        coalesce({row}.category_id, 0), {row}.kind, {row}.status, {sign}1
    WHERE {row}.submitted_at IS NOT NULL AND {row}.status NOT IN ('draft', 'withdrawn', 'merged')
    ON CONFLICT (campaign_id, project_id, subitem_id, unit_id, category_id, kind, status, month)
    DO UPDATE SET n = n + excluded.n;
"""
_GROUPS = """\
    INSERT INTO tally_groups
    SELECT {row}.campaign_id, strftime('%Y-%m', {row}.submitted_at, '+8 hours'), coalesce({row}.group_id, 0),
        {row}.kind, {row}.status, {sign}1
    WHERE {row}.submitted_at IS NOT NULL AND {row}.status NOT IN ('draft', 'withdrawn', 'merged')
    ON CONFLICT (campaign_id, group_id, kind, status, month) DO UPDATE SET n = n + excluded.n;
"""
_ANSWERS = """\
    INSERT INTO tally_answers
    SELECT {row}.campaign_id, strftime('%Y-%m', {row}.submitted_at, '+8 hours'), {row}.response_class, {sign}1
    {where}{row}.response_class IN ('A', 'B', 'C')
    ON CONFLICT (campaign_id, month, class) DO UPDATE SET n = n + excluded.n;
"""
_VOTES = """\
    INSERT INTO tally_votes
    SELECT {row}.campaign_id, strftime('%Y-%m', {row}.submitted_at, '+8 hours'), r.value, {sign}COUNT(*) FROM ratings r
    {where}{row}.response_class IN ('A', 'B', 'C') AND r.item_id = {row}.id
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = {row}.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, month, value) DO UPDATE SET n = n + excluded.n;
"""
# The days items are due on, which every trigger on items writes this way.
_DUE = """\
    INSERT INTO tally_due
    SELECT {row}.campaign_id, strftime('%Y-%m', {row}.submitted_at, '+8 hours'), date({row}.due_at, '+8 hours'), {sign}1
    WHERE {row}.submitted_at IS NOT NULL AND {row}.due_at IS NOT NULL
        AND {row}.status IN ('forwarded', 'in_progress')
    ON CONFLICT (campaign_id, month, due_day) DO UPDATE SET n = n + excluded.n;
"""


# Whether the row is counted, as the trigger for a change asks it in the WHERE of its answers and
# votes; the triggers that add and delete an item have asked it in their WHEN.
_IS_COUNTED = (
    "{row}.submitted_at IS NOT NULL AND {row}.status NOT IN ('draft', 'withdrawn', 'merged')"
)


def _filled(statement: str, row: dict[str, str], *, asking: bool) -> str:
    """`statement` for `row`; `asking`: its {where} asks first whether the row is counted."""
    where = f"WHERE {_IS_COUNTED.format(**row)}\n        AND " if asking else "WHERE "
    return statement.format(where=where, **row)


def _added_or_deleted(row: dict[str, str]) -> str:
    return "".join(_filled(s, row, asking=False) for s in (_COUNTED, _ANSWERS, _VOTES, _DUE))


_CHANGED = "\n".join(
    _filled(statement, OLD, asking=True) + _filled(statement, NEW, asking=True)
    for statement in (_PLACES, _GROUPS, _ANSWERS, _VOTES, _DUE)
)

_ITEM_TRIGGERS = f"""\
-- --- an item counted, uncounted or moved --------------------------------------------------------

CREATE TRIGGER tally_item_added AFTER INSERT ON items
WHEN NEW.submitted_at IS NOT NULL AND NEW.status NOT IN ('draft', 'withdrawn', 'merged')
BEGIN
{_added_or_deleted(NEW)}END;

-- Drafts are the only items ever deleted; BEFORE, so that the item's votes are still there.
CREATE TRIGGER tally_item_deleted BEFORE DELETE ON items
WHEN OLD.submitted_at IS NOT NULL AND OLD.status NOT IN ('draft', 'withdrawn', 'merged')
BEGIN
{_added_or_deleted(OLD)}END;

-- A change of anything counted (status, place, group, kind, answer class, dates): the old row
-- leaves its counts, the new one joins its own. Other updates (notes, deadlines) cost nothing.
CREATE TRIGGER tally_item_changed AFTER UPDATE ON items
WHEN (OLD.status IS NOT NEW.status OR OLD.submitted_at IS NOT NEW.submitted_at
    OR OLD.campaign_id IS NOT NEW.campaign_id OR OLD.group_id IS NOT NEW.group_id
    OR OLD.project_id IS NOT NEW.project_id OR OLD.subitem_id IS NOT NEW.subitem_id
    OR OLD.unit_id IS NOT NEW.unit_id OR OLD.category_id IS NOT NEW.category_id
    OR OLD.kind IS NOT NEW.kind OR OLD.response_class IS NOT NEW.response_class
    OR OLD.due_at IS NOT NEW.due_at OR OLD.id IS NOT NEW.id)
BEGIN
{_CHANGED}END;
"""

_VOTE_TRIGGERS = """\
-- --- a vote cast, changed or taken back -----------------------------------------------------------
-- A vote can change which round is an item's latest: its votes leave the counts before the
-- change (BEFORE) and join them again after it (AFTER), whatever the change was.

""" + vote_triggers("""\
CREATE TRIGGER tally_vote_{when}_{name} {WHEN} {event} ON ratings
BEGIN
    INSERT INTO tally_votes
    SELECT i.campaign_id, strftime('%Y-%m', i.submitted_at, '+8 hours'), r.value, {sign}COUNT(*)
    FROM items i JOIN ratings r ON r.item_id = i.id
    WHERE {items} AND i.submitted_at IS NOT NULL
        AND i.status NOT IN ('draft', 'withdrawn', 'merged') AND i.response_class IN ('A', 'B', 'C')
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = i.id)
    GROUP BY {group_by}
    ON CONFLICT (campaign_id, month, value) DO UPDATE SET n = n + excluded.n;
END;
""")

_EXISTING_ITEMS = """\
-- --- the counts of the items already there --------------------------------------------------------

INSERT INTO tally_places
SELECT campaign_id, strftime('%Y-%m', submitted_at, '+8 hours'), coalesce(project_id, 0),
    coalesce(subitem_id, 0), coalesce(unit_id, 0), coalesce(category_id, 0), kind, status, COUNT(*)
FROM items WHERE submitted_at IS NOT NULL AND status NOT IN ('draft', 'withdrawn', 'merged')
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

INSERT INTO tally_groups
SELECT campaign_id, strftime('%Y-%m', submitted_at, '+8 hours'), coalesce(group_id, 0), kind, status, COUNT(*)
FROM items WHERE submitted_at IS NOT NULL AND status NOT IN ('draft', 'withdrawn', 'merged')
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO tally_answers
SELECT campaign_id, strftime('%Y-%m', submitted_at, '+8 hours'), response_class, COUNT(*)
FROM items WHERE submitted_at IS NOT NULL AND status NOT IN ('draft', 'withdrawn', 'merged')
    AND response_class IN ('A', 'B', 'C')
GROUP BY 1, 2, 3;

INSERT INTO tally_votes
SELECT i.campaign_id, strftime('%Y-%m', i.submitted_at, '+8 hours'), r.value, COUNT(*)
FROM items i JOIN ratings r ON r.item_id = i.id
WHERE i.submitted_at IS NOT NULL AND i.status NOT IN ('draft', 'withdrawn', 'merged')
    AND i.response_class IN ('A', 'B', 'C')
    AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = i.id)
GROUP BY 1, 2, 3;

INSERT INTO tally_due
SELECT campaign_id, strftime('%Y-%m', submitted_at, '+8 hours'), date(due_at, '+8 hours'), COUNT(*)
FROM items WHERE submitted_at IS NOT NULL AND due_at IS NOT NULL
    AND status IN ('forwarded', 'in_progress')
GROUP BY 1, 2, 3;
"""

SQL = "\n".join((_TABLES, _ITEM_TRIGGERS, _VOTE_TRIGGERS, _EXISTING_ITEMS))
