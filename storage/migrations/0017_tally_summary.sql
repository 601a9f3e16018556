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

-- --- an item counted, uncounted or moved --------------------------------------------------------

CREATE TRIGGER tally_item_added AFTER INSERT ON items
WHEN NEW.submitted_at IS NOT NULL AND NEW.status NOT IN ('draft', 'withdrawn', 'merged')
BEGIN
    INSERT INTO tally_places VALUES (NEW.campaign_id, strftime('%Y-%m', NEW.submitted_at, '+8 hours'),
        coalesce(NEW.project_id, 0), coalesce(NEW.subitem_id, 0), coalesce(NEW.unit_id, 0),
        coalesce(NEW.category_id, 0), NEW.kind, NEW.status, 1)
    ON CONFLICT (campaign_id, project_id, subitem_id, unit_id, category_id, kind, status, month)
    DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_groups VALUES (NEW.campaign_id, strftime('%Y-%m', NEW.submitted_at, '+8 hours'),
        coalesce(NEW.group_id, 0), NEW.kind, NEW.status, 1)
    ON CONFLICT (campaign_id, group_id, kind, status, month) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_answers
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.submitted_at, '+8 hours'), NEW.response_class, 1
    WHERE NEW.response_class IN ('A', 'B', 'C')
    ON CONFLICT (campaign_id, month, class) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_votes
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.submitted_at, '+8 hours'), r.value, COUNT(*) FROM ratings r
    WHERE NEW.response_class IN ('A', 'B', 'C') AND r.item_id = NEW.id
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = NEW.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, month, value) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_due
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.submitted_at, '+8 hours'), date(NEW.due_at, '+8 hours'), 1
    WHERE NEW.submitted_at IS NOT NULL AND NEW.due_at IS NOT NULL
        AND NEW.status IN ('forwarded', 'in_progress')
    ON CONFLICT (campaign_id, month, due_day) DO UPDATE SET n = n + excluded.n;
END;

-- Drafts are the only items ever deleted; BEFORE, so that the item's votes are still there.
CREATE TRIGGER tally_item_deleted BEFORE DELETE ON items
WHEN OLD.submitted_at IS NOT NULL AND OLD.status NOT IN ('draft', 'withdrawn', 'merged')
BEGIN
    INSERT INTO tally_places VALUES (OLD.campaign_id, strftime('%Y-%m', OLD.submitted_at, '+8 hours'),
        coalesce(OLD.project_id, 0), coalesce(OLD.subitem_id, 0), coalesce(OLD.unit_id, 0),
        coalesce(OLD.category_id, 0), OLD.kind, OLD.status, -1)
    ON CONFLICT (campaign_id, project_id, subitem_id, unit_id, category_id, kind, status, month)
    DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_groups VALUES (OLD.campaign_id, strftime('%Y-%m', OLD.submitted_at, '+8 hours'),
        coalesce(OLD.group_id, 0), OLD.kind, OLD.status, -1)
    ON CONFLICT (campaign_id, group_id, kind, status, month) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_answers
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.submitted_at, '+8 hours'), OLD.response_class, -1
    WHERE OLD.response_class IN ('A', 'B', 'C')
    ON CONFLICT (campaign_id, month, class) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_votes
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.submitted_at, '+8 hours'), r.value, -COUNT(*) FROM ratings r
    WHERE OLD.response_class IN ('A', 'B', 'C') AND r.item_id = OLD.id
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = OLD.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, month, value) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_due
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.submitted_at, '+8 hours'), date(OLD.due_at, '+8 hours'), -1
    WHERE OLD.submitted_at IS NOT NULL AND OLD.due_at IS NOT NULL
        AND OLD.status IN ('forwarded', 'in_progress')
    ON CONFLICT (campaign_id, month, due_day) DO UPDATE SET n = n + excluded.n;
END;

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
    INSERT INTO tally_places
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.submitted_at, '+8 hours'),
        coalesce(OLD.project_id, 0), coalesce(OLD.subitem_id, 0), coalesce(OLD.unit_id, 0),
        coalesce(OLD.category_id, 0), OLD.kind, OLD.status, -1
    WHERE OLD.submitted_at IS NOT NULL AND OLD.status NOT IN ('draft', 'withdrawn', 'merged')
    ON CONFLICT (campaign_id, project_id, subitem_id, unit_id, category_id, kind, status, month)
    DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_places
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.submitted_at, '+8 hours'),
        coalesce(NEW.project_id, 0), coalesce(NEW.subitem_id, 0), coalesce(NEW.unit_id, 0),
        coalesce(NEW.category_id, 0), NEW.kind, NEW.status, 1
    WHERE NEW.submitted_at IS NOT NULL AND NEW.status NOT IN ('draft', 'withdrawn', 'merged')
    ON CONFLICT (campaign_id, project_id, subitem_id, unit_id, category_id, kind, status, month)
    DO UPDATE SET n = n + excluded.n;

    INSERT INTO tally_groups
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.submitted_at, '+8 hours'), coalesce(OLD.group_id, 0),
        OLD.kind, OLD.status, -1
    WHERE OLD.submitted_at IS NOT NULL AND OLD.status NOT IN ('draft', 'withdrawn', 'merged')
    ON CONFLICT (campaign_id, group_id, kind, status, month) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_groups
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.submitted_at, '+8 hours'), coalesce(NEW.group_id, 0),
        NEW.kind, NEW.status, 1
    WHERE NEW.submitted_at IS NOT NULL AND NEW.status NOT IN ('draft', 'withdrawn', 'merged')
    ON CONFLICT (campaign_id, group_id, kind, status, month) DO UPDATE SET n = n + excluded.n;

    INSERT INTO tally_answers
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.submitted_at, '+8 hours'), OLD.response_class, -1
    WHERE OLD.submitted_at IS NOT NULL AND OLD.status NOT IN ('draft', 'withdrawn', 'merged')
        AND OLD.response_class IN ('A', 'B', 'C')
    ON CONFLICT (campaign_id, month, class) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_answers
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.submitted_at, '+8 hours'), NEW.response_class, 1
    WHERE NEW.submitted_at IS NOT NULL AND NEW.status NOT IN ('draft', 'withdrawn', 'merged')
        AND NEW.response_class IN ('A', 'B', 'C')
    ON CONFLICT (campaign_id, month, class) DO UPDATE SET n = n + excluded.n;

    INSERT INTO tally_votes
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.submitted_at, '+8 hours'), r.value, -COUNT(*) FROM ratings r
    WHERE OLD.submitted_at IS NOT NULL AND OLD.status NOT IN ('draft', 'withdrawn', 'merged')
        AND OLD.response_class IN ('A', 'B', 'C') AND r.item_id = OLD.id
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = OLD.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, month, value) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_votes
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.submitted_at, '+8 hours'), r.value, COUNT(*) FROM ratings r
    WHERE NEW.submitted_at IS NOT NULL AND NEW.status NOT IN ('draft', 'withdrawn', 'merged')
        AND NEW.response_class IN ('A', 'B', 'C') AND r.item_id = NEW.id
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = NEW.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, month, value) DO UPDATE SET n = n + excluded.n;

    INSERT INTO tally_due
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.submitted_at, '+8 hours'), date(OLD.due_at, '+8 hours'), -1
    WHERE OLD.submitted_at IS NOT NULL AND OLD.due_at IS NOT NULL
        AND OLD.status IN ('forwarded', 'in_progress')
    ON CONFLICT (campaign_id, month, due_day) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_due
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.submitted_at, '+8 hours'), date(NEW.due_at, '+8 hours'), 1
    WHERE NEW.submitted_at IS NOT NULL AND NEW.due_at IS NOT NULL
        AND NEW.status IN ('forwarded', 'in_progress')
    ON CONFLICT (campaign_id, month, due_day) DO UPDATE SET n = n + excluded.n;
END;

-- --- a vote cast, changed or taken back -----------------------------------------------------------
-- A vote can change which round is an item's latest: its votes leave the counts before the
-- change (BEFORE) and join them again after it (AFTER), whatever the change was.

CREATE TRIGGER tally_vote_before_insert BEFORE INSERT ON ratings
BEGIN
    INSERT INTO tally_votes
    SELECT i.campaign_id, strftime('%Y-%m', i.submitted_at, '+8 hours'), r.value, -COUNT(*)
    FROM items i JOIN ratings r ON r.item_id = i.id
    WHERE i.id = NEW.item_id AND i.submitted_at IS NOT NULL
        AND i.status NOT IN ('draft', 'withdrawn', 'merged') AND i.response_class IN ('A', 'B', 'C')
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = i.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, month, value) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_vote_after_insert AFTER INSERT ON ratings
BEGIN
    INSERT INTO tally_votes
    SELECT i.campaign_id, strftime('%Y-%m', i.submitted_at, '+8 hours'), r.value, COUNT(*)
    FROM items i JOIN ratings r ON r.item_id = i.id
    WHERE i.id = NEW.item_id AND i.submitted_at IS NOT NULL
        AND i.status NOT IN ('draft', 'withdrawn', 'merged') AND i.response_class IN ('A', 'B', 'C')
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = i.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, month, value) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_vote_before_update BEFORE UPDATE OF item_id, round, value ON ratings
BEGIN
    INSERT INTO tally_votes
    SELECT i.campaign_id, strftime('%Y-%m', i.submitted_at, '+8 hours'), r.value, -COUNT(*)
    FROM items i JOIN ratings r ON r.item_id = i.id
    WHERE i.id IN (OLD.item_id, NEW.item_id) AND i.submitted_at IS NOT NULL
        AND i.status NOT IN ('draft', 'withdrawn', 'merged') AND i.response_class IN ('A', 'B', 'C')
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = i.id)
    GROUP BY i.id, r.value
    ON CONFLICT (campaign_id, month, value) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_vote_after_update AFTER UPDATE OF item_id, round, value ON ratings
BEGIN
    INSERT INTO tally_votes
    SELECT i.campaign_id, strftime('%Y-%m', i.submitted_at, '+8 hours'), r.value, COUNT(*)
    FROM items i JOIN ratings r ON r.item_id = i.id
    WHERE i.id IN (OLD.item_id, NEW.item_id) AND i.submitted_at IS NOT NULL
        AND i.status NOT IN ('draft', 'withdrawn', 'merged') AND i.response_class IN ('A', 'B', 'C')
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = i.id)
    GROUP BY i.id, r.value
    ON CONFLICT (campaign_id, month, value) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_vote_before_delete BEFORE DELETE ON ratings
BEGIN
    INSERT INTO tally_votes
    SELECT i.campaign_id, strftime('%Y-%m', i.submitted_at, '+8 hours'), r.value, -COUNT(*)
    FROM items i JOIN ratings r ON r.item_id = i.id
    WHERE i.id = OLD.item_id AND i.submitted_at IS NOT NULL
        AND i.status NOT IN ('draft', 'withdrawn', 'merged') AND i.response_class IN ('A', 'B', 'C')
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = i.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, month, value) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_vote_after_delete AFTER DELETE ON ratings
BEGIN
    INSERT INTO tally_votes
    SELECT i.campaign_id, strftime('%Y-%m', i.submitted_at, '+8 hours'), r.value, COUNT(*)
    FROM items i JOIN ratings r ON r.item_id = i.id
    WHERE i.id = OLD.item_id AND i.submitted_at IS NOT NULL
        AND i.status NOT IN ('draft', 'withdrawn', 'merged') AND i.response_class IN ('A', 'B', 'C')
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = i.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, month, value) DO UPDATE SET n = n + excluded.n;
END;

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
