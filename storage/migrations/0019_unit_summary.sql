-- deputy-bot schema, version 19: the per-unit figures and the class-C reasons of the tally kept
-- per month, as migration 0017 keeps the tally's other counts.
--
-- After the per-unit figures (bot/unit_figures.py) joined the tally, a year's /tally read every
-- forwarded item again (items_unit_figures, migration 0018), their votes through a join, and
-- every class-C answer for its reason: 4.6 s warm and 16 s cold for a million items, where the
-- summaries alone take 0.2 / 0.3 s. These tables hold those counts per month; the triggers
-- below keep them exact in the transactions that write items and votes, storage/unit_summary.py
-- reads them (a period's edges inside a month are counted from the items, as in 0017), and
-- tests/test_tally_summary.py recounts them from scratch.
--
-- Received items, as storage/deadlines.py counts them: forwarded, with a unit, and held by it
-- or done (forwarded, in progress, answered, rated, closed); month: the calendar month (UTC+8)
-- of their forwarding. tally_units and tally_unit_due count only those whose sign-for deadline
-- is stored (all since migration 0014; the older ones are worked out one by one in Python).

-- What does not depend on "now": received, signed for (on time), answered (on time), closed.
CREATE TABLE tally_units (
    campaign_id      INTEGER NOT NULL,
    month            TEXT NOT NULL,
    unit_id          INTEGER NOT NULL,
    received         INTEGER NOT NULL,
    signed           INTEGER NOT NULL,
    signed_on_time   INTEGER NOT NULL,
    answered         INTEGER NOT NULL,
    answered_on_time INTEGER NOT NULL,
    closed           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, unit_id, month)
) WITHOUT ROWID;

-- What does: items not signed for yet ('sign', by the day (UTC+8) of their sign-for deadline)
-- and items the unit still has to answer ('answer', by the day of their due date). A deadline
-- before today's is past, after it is not; the few due today are compared to the second from the
-- items (items_unsigned_due, items_waiting_due).
CREATE TABLE tally_unit_due (
    campaign_id INTEGER NOT NULL,
    month       TEXT NOT NULL,
    unit_id     INTEGER NOT NULL,
    what        TEXT NOT NULL,
    day         TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, unit_id, what, day, month)
) WITHOUT ROWID;

-- The votes of each received item's latest voted round, by value (satisfaction per unit).
CREATE TABLE tally_unit_votes (
    campaign_id INTEGER NOT NULL,
    month       TEXT NOT NULL,
    unit_id     INTEGER NOT NULL,
    value       TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, unit_id, value, month)
) WITHOUT ROWID;

-- Counted items (as 0017's: by the month of their submission) whose latest answer is class C,
-- by its reason (storage/satisfaction.py reason_counts).
CREATE TABLE tally_reasons (
    campaign_id INTEGER NOT NULL,
    month       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, month, reason)
) WITHOUT ROWID;

CREATE INDEX items_unsigned_due ON items (campaign_id, sign_due_at) WHERE signed_at IS NULL;
-- The items raised at a visit, for the joint counts (storage/memberships.py): from the few shared
-- visits to their items, instead of every item of every campaign to the shared visits.
CREATE INDEX items_visit ON items (visit_id) WHERE visit_id IS NOT NULL;
-- The items forwarded before migration 0014 stored their sign-for deadline, worked out one by
-- one (storage/deadlines.py received): without this the tally looked through every forwarded
-- item of the period to find none (0.9 s from disk at 200,000 items).
CREATE INDEX items_sign_due_unknown ON items (campaign_id, forwarded_at)
    WHERE forwarded_at IS NOT NULL AND sign_due_at IS NULL;

-- --- an item counted, uncounted or moved --------------------------------------------------------

CREATE TRIGGER tally_unit_item_added AFTER INSERT ON items
WHEN NEW.forwarded_at IS NOT NULL OR NEW.answer_reason IS NOT NULL
BEGIN
    INSERT INTO tally_units
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.forwarded_at, '+8 hours'), NEW.unit_id, 1,
        1 * (NEW.signed_at IS NOT NULL), 1 * (NEW.signed_at IS NOT NULL AND NEW.signed_at <= NEW.sign_due_at),
        1 * (NEW.answered_at IS NOT NULL AND NEW.status NOT IN ('forwarded', 'in_progress')),
        1 * ((NEW.answered_at IS NOT NULL AND NEW.status NOT IN ('forwarded', 'in_progress')) AND (NEW.due_at IS NULL OR NEW.answered_at <= NEW.due_at)),
        1 * (NEW.status = 'closed')
    WHERE NEW.forwarded_at IS NOT NULL AND NEW.unit_id IS NOT NULL
        AND NEW.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND NEW.sign_due_at IS NOT NULL
    ON CONFLICT (campaign_id, unit_id, month) DO UPDATE SET received = received + excluded.received,
        signed = signed + excluded.signed, signed_on_time = signed_on_time + excluded.signed_on_time,
        answered = answered + excluded.answered,
        answered_on_time = answered_on_time + excluded.answered_on_time, closed = closed + excluded.closed;
    INSERT INTO tally_unit_due
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.forwarded_at, '+8 hours'), NEW.unit_id, 'sign', date(NEW.sign_due_at, '+8 hours'), 1
    WHERE NEW.forwarded_at IS NOT NULL AND NEW.unit_id IS NOT NULL
        AND NEW.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND NEW.sign_due_at IS NOT NULL AND NEW.signed_at IS NULL
    ON CONFLICT (campaign_id, unit_id, what, day, month) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_unit_due
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.forwarded_at, '+8 hours'), NEW.unit_id, 'answer', date(NEW.due_at, '+8 hours'), 1
    WHERE NEW.forwarded_at IS NOT NULL AND NEW.unit_id IS NOT NULL
        AND NEW.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND NEW.sign_due_at IS NOT NULL AND NEW.status IN ('forwarded', 'in_progress') AND NEW.due_at IS NOT NULL
    ON CONFLICT (campaign_id, unit_id, what, day, month) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_unit_votes
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.forwarded_at, '+8 hours'), NEW.unit_id, r.value, COUNT(*) FROM ratings r
    WHERE NEW.forwarded_at IS NOT NULL AND NEW.unit_id IS NOT NULL
        AND NEW.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND r.item_id = NEW.id
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = NEW.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, unit_id, value, month) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_reasons
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.submitted_at, '+8 hours'), NEW.answer_reason, 1
    WHERE NEW.submitted_at IS NOT NULL AND NEW.status NOT IN ('draft', 'withdrawn', 'merged')
        AND NEW.response_class = 'C' AND NEW.answer_reason IS NOT NULL
    ON CONFLICT (campaign_id, month, reason) DO UPDATE SET n = n + excluded.n;
END;

-- BEFORE, so that the item's votes are still there (drafts, the only items deleted, have none).
CREATE TRIGGER tally_unit_item_deleted BEFORE DELETE ON items
WHEN OLD.forwarded_at IS NOT NULL OR OLD.answer_reason IS NOT NULL
BEGIN
    INSERT INTO tally_units
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.forwarded_at, '+8 hours'), OLD.unit_id, -1,
        -1 * (OLD.signed_at IS NOT NULL), -1 * (OLD.signed_at IS NOT NULL AND OLD.signed_at <= OLD.sign_due_at),
        -1 * (OLD.answered_at IS NOT NULL AND OLD.status NOT IN ('forwarded', 'in_progress')),
        -1 * ((OLD.answered_at IS NOT NULL AND OLD.status NOT IN ('forwarded', 'in_progress')) AND (OLD.due_at IS NULL OR OLD.answered_at <= OLD.due_at)),
        -1 * (OLD.status = 'closed')
    WHERE OLD.forwarded_at IS NOT NULL AND OLD.unit_id IS NOT NULL
        AND OLD.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND OLD.sign_due_at IS NOT NULL
    ON CONFLICT (campaign_id, unit_id, month) DO UPDATE SET received = received + excluded.received,
        signed = signed + excluded.signed, signed_on_time = signed_on_time + excluded.signed_on_time,
        answered = answered + excluded.answered,
        answered_on_time = answered_on_time + excluded.answered_on_time, closed = closed + excluded.closed;
    INSERT INTO tally_unit_due
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.forwarded_at, '+8 hours'), OLD.unit_id, 'sign', date(OLD.sign_due_at, '+8 hours'), -1
    WHERE OLD.forwarded_at IS NOT NULL AND OLD.unit_id IS NOT NULL
        AND OLD.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND OLD.sign_due_at IS NOT NULL AND OLD.signed_at IS NULL
    ON CONFLICT (campaign_id, unit_id, what, day, month) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_unit_due
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.forwarded_at, '+8 hours'), OLD.unit_id, 'answer', date(OLD.due_at, '+8 hours'), -1
    WHERE OLD.forwarded_at IS NOT NULL AND OLD.unit_id IS NOT NULL
        AND OLD.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND OLD.sign_due_at IS NOT NULL AND OLD.status IN ('forwarded', 'in_progress') AND OLD.due_at IS NOT NULL
    ON CONFLICT (campaign_id, unit_id, what, day, month) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_unit_votes
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.forwarded_at, '+8 hours'), OLD.unit_id, r.value, -COUNT(*) FROM ratings r
    WHERE OLD.forwarded_at IS NOT NULL AND OLD.unit_id IS NOT NULL
        AND OLD.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND r.item_id = OLD.id
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = OLD.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, unit_id, value, month) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_reasons
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.submitted_at, '+8 hours'), OLD.answer_reason, -1
    WHERE OLD.submitted_at IS NOT NULL AND OLD.status NOT IN ('draft', 'withdrawn', 'merged')
        AND OLD.response_class = 'C' AND OLD.answer_reason IS NOT NULL
    ON CONFLICT (campaign_id, month, reason) DO UPDATE SET n = n + excluded.n;
END;

-- A change of anything counted: the old row leaves its counts, the new one joins its own.
CREATE TRIGGER tally_unit_item_changed AFTER UPDATE ON items
WHEN (OLD.campaign_id IS NOT NEW.campaign_id
    OR OLD.forwarded_at IS NOT NEW.forwarded_at
    OR OLD.unit_id IS NOT NEW.unit_id
    OR OLD.status IS NOT NEW.status
    OR OLD.sign_due_at IS NOT NEW.sign_due_at
    OR OLD.signed_at IS NOT NEW.signed_at
    OR OLD.answered_at IS NOT NEW.answered_at
    OR OLD.due_at IS NOT NEW.due_at
    OR OLD.id IS NOT NEW.id)
BEGIN
    INSERT INTO tally_units
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.forwarded_at, '+8 hours'), OLD.unit_id, -1,
        -1 * (OLD.signed_at IS NOT NULL), -1 * (OLD.signed_at IS NOT NULL AND OLD.signed_at <= OLD.sign_due_at),
        -1 * (OLD.answered_at IS NOT NULL AND OLD.status NOT IN ('forwarded', 'in_progress')),
        -1 * ((OLD.answered_at IS NOT NULL AND OLD.status NOT IN ('forwarded', 'in_progress')) AND (OLD.due_at IS NULL OR OLD.answered_at <= OLD.due_at)),
        -1 * (OLD.status = 'closed')
    WHERE OLD.forwarded_at IS NOT NULL AND OLD.unit_id IS NOT NULL
        AND OLD.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND OLD.sign_due_at IS NOT NULL
    ON CONFLICT (campaign_id, unit_id, month) DO UPDATE SET received = received + excluded.received,
        signed = signed + excluded.signed, signed_on_time = signed_on_time + excluded.signed_on_time,
        answered = answered + excluded.answered,
        answered_on_time = answered_on_time + excluded.answered_on_time, closed = closed + excluded.closed;
    INSERT INTO tally_unit_due
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.forwarded_at, '+8 hours'), OLD.unit_id, 'sign', date(OLD.sign_due_at, '+8 hours'), -1
    WHERE OLD.forwarded_at IS NOT NULL AND OLD.unit_id IS NOT NULL
        AND OLD.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND OLD.sign_due_at IS NOT NULL AND OLD.signed_at IS NULL
    ON CONFLICT (campaign_id, unit_id, what, day, month) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_unit_due
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.forwarded_at, '+8 hours'), OLD.unit_id, 'answer', date(OLD.due_at, '+8 hours'), -1
    WHERE OLD.forwarded_at IS NOT NULL AND OLD.unit_id IS NOT NULL
        AND OLD.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND OLD.sign_due_at IS NOT NULL AND OLD.status IN ('forwarded', 'in_progress') AND OLD.due_at IS NOT NULL
    ON CONFLICT (campaign_id, unit_id, what, day, month) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_unit_votes
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.forwarded_at, '+8 hours'), OLD.unit_id, r.value, -COUNT(*) FROM ratings r
    WHERE OLD.forwarded_at IS NOT NULL AND OLD.unit_id IS NOT NULL
        AND OLD.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND r.item_id = OLD.id
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = OLD.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, unit_id, value, month) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_units
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.forwarded_at, '+8 hours'), NEW.unit_id, 1,
        1 * (NEW.signed_at IS NOT NULL), 1 * (NEW.signed_at IS NOT NULL AND NEW.signed_at <= NEW.sign_due_at),
        1 * (NEW.answered_at IS NOT NULL AND NEW.status NOT IN ('forwarded', 'in_progress')),
        1 * ((NEW.answered_at IS NOT NULL AND NEW.status NOT IN ('forwarded', 'in_progress')) AND (NEW.due_at IS NULL OR NEW.answered_at <= NEW.due_at)),
        1 * (NEW.status = 'closed')
    WHERE NEW.forwarded_at IS NOT NULL AND NEW.unit_id IS NOT NULL
        AND NEW.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND NEW.sign_due_at IS NOT NULL
    ON CONFLICT (campaign_id, unit_id, month) DO UPDATE SET received = received + excluded.received,
        signed = signed + excluded.signed, signed_on_time = signed_on_time + excluded.signed_on_time,
        answered = answered + excluded.answered,
        answered_on_time = answered_on_time + excluded.answered_on_time, closed = closed + excluded.closed;
    INSERT INTO tally_unit_due
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.forwarded_at, '+8 hours'), NEW.unit_id, 'sign', date(NEW.sign_due_at, '+8 hours'), 1
    WHERE NEW.forwarded_at IS NOT NULL AND NEW.unit_id IS NOT NULL
        AND NEW.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND NEW.sign_due_at IS NOT NULL AND NEW.signed_at IS NULL
    ON CONFLICT (campaign_id, unit_id, what, day, month) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_unit_due
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.forwarded_at, '+8 hours'), NEW.unit_id, 'answer', date(NEW.due_at, '+8 hours'), 1
    WHERE NEW.forwarded_at IS NOT NULL AND NEW.unit_id IS NOT NULL
        AND NEW.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND NEW.sign_due_at IS NOT NULL AND NEW.status IN ('forwarded', 'in_progress') AND NEW.due_at IS NOT NULL
    ON CONFLICT (campaign_id, unit_id, what, day, month) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_unit_votes
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.forwarded_at, '+8 hours'), NEW.unit_id, r.value, COUNT(*) FROM ratings r
    WHERE NEW.forwarded_at IS NOT NULL AND NEW.unit_id IS NOT NULL
        AND NEW.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND r.item_id = NEW.id
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = NEW.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, unit_id, value, month) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_reason_item_changed AFTER UPDATE ON items
WHEN (OLD.campaign_id IS NOT NEW.campaign_id
    OR OLD.submitted_at IS NOT NEW.submitted_at
    OR OLD.status IS NOT NEW.status
    OR OLD.response_class IS NOT NEW.response_class
    OR OLD.answer_reason IS NOT NEW.answer_reason
    OR OLD.id IS NOT NEW.id)
BEGIN
    INSERT INTO tally_reasons
    SELECT OLD.campaign_id, strftime('%Y-%m', OLD.submitted_at, '+8 hours'), OLD.answer_reason, -1
    WHERE OLD.submitted_at IS NOT NULL AND OLD.status NOT IN ('draft', 'withdrawn', 'merged')
        AND OLD.response_class = 'C' AND OLD.answer_reason IS NOT NULL
    ON CONFLICT (campaign_id, month, reason) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_reasons
    SELECT NEW.campaign_id, strftime('%Y-%m', NEW.submitted_at, '+8 hours'), NEW.answer_reason, 1
    WHERE NEW.submitted_at IS NOT NULL AND NEW.status NOT IN ('draft', 'withdrawn', 'merged')
        AND NEW.response_class = 'C' AND NEW.answer_reason IS NOT NULL
    ON CONFLICT (campaign_id, month, reason) DO UPDATE SET n = n + excluded.n;
END;

-- --- a vote cast, changed or taken back -----------------------------------------------------------
-- As migration 0017's tally_vote_*: the item's latest round's votes leave the counts before the
-- change and join them again after it.

CREATE TRIGGER tally_unit_vote_before_insert BEFORE INSERT ON ratings
BEGIN
    INSERT INTO tally_unit_votes
    SELECT i.campaign_id, strftime('%Y-%m', i.forwarded_at, '+8 hours'), i.unit_id, r.value, -COUNT(*)
    FROM items i JOIN ratings r ON r.item_id = i.id
    WHERE i.id = NEW.item_id AND i.forwarded_at IS NOT NULL AND i.unit_id IS NOT NULL
        AND i.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed')
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = i.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, unit_id, value, month) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_unit_vote_after_insert AFTER INSERT ON ratings
BEGIN
    INSERT INTO tally_unit_votes
    SELECT i.campaign_id, strftime('%Y-%m', i.forwarded_at, '+8 hours'), i.unit_id, r.value, COUNT(*)
    FROM items i JOIN ratings r ON r.item_id = i.id
    WHERE i.id = NEW.item_id AND i.forwarded_at IS NOT NULL AND i.unit_id IS NOT NULL
        AND i.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed')
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = i.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, unit_id, value, month) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_unit_vote_before_update BEFORE UPDATE OF item_id, round, value ON ratings
BEGIN
    INSERT INTO tally_unit_votes
    SELECT i.campaign_id, strftime('%Y-%m', i.forwarded_at, '+8 hours'), i.unit_id, r.value, -COUNT(*)
    FROM items i JOIN ratings r ON r.item_id = i.id
    WHERE i.id IN (OLD.item_id, NEW.item_id) AND i.forwarded_at IS NOT NULL AND i.unit_id IS NOT NULL
        AND i.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed')
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = i.id)
    GROUP BY i.id, r.value
    ON CONFLICT (campaign_id, unit_id, value, month) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_unit_vote_after_update AFTER UPDATE OF item_id, round, value ON ratings
BEGIN
    INSERT INTO tally_unit_votes
    SELECT i.campaign_id, strftime('%Y-%m', i.forwarded_at, '+8 hours'), i.unit_id, r.value, COUNT(*)
    FROM items i JOIN ratings r ON r.item_id = i.id
    WHERE i.id IN (OLD.item_id, NEW.item_id) AND i.forwarded_at IS NOT NULL AND i.unit_id IS NOT NULL
        AND i.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed')
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = i.id)
    GROUP BY i.id, r.value
    ON CONFLICT (campaign_id, unit_id, value, month) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_unit_vote_before_delete BEFORE DELETE ON ratings
BEGIN
    INSERT INTO tally_unit_votes
    SELECT i.campaign_id, strftime('%Y-%m', i.forwarded_at, '+8 hours'), i.unit_id, r.value, -COUNT(*)
    FROM items i JOIN ratings r ON r.item_id = i.id
    WHERE i.id = OLD.item_id AND i.forwarded_at IS NOT NULL AND i.unit_id IS NOT NULL
        AND i.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed')
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = i.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, unit_id, value, month) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_unit_vote_after_delete AFTER DELETE ON ratings
BEGIN
    INSERT INTO tally_unit_votes
    SELECT i.campaign_id, strftime('%Y-%m', i.forwarded_at, '+8 hours'), i.unit_id, r.value, COUNT(*)
    FROM items i JOIN ratings r ON r.item_id = i.id
    WHERE i.id = OLD.item_id AND i.forwarded_at IS NOT NULL AND i.unit_id IS NOT NULL
        AND i.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed')
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = i.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, unit_id, value, month) DO UPDATE SET n = n + excluded.n;
END;

-- --- the counts of the items already there --------------------------------------------------------

INSERT INTO tally_units
SELECT campaign_id, strftime('%Y-%m', forwarded_at, '+8 hours'), unit_id, COUNT(*),
    SUM(signed_at IS NOT NULL), SUM(signed_at IS NOT NULL AND signed_at <= sign_due_at),
    SUM(answered_at IS NOT NULL AND status NOT IN ('forwarded', 'in_progress')),
    SUM(answered_at IS NOT NULL AND status NOT IN ('forwarded', 'in_progress')
        AND (due_at IS NULL OR answered_at <= due_at)),
    SUM(status = 'closed')
FROM items WHERE forwarded_at IS NOT NULL AND unit_id IS NOT NULL AND sign_due_at IS NOT NULL
    AND status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed')
GROUP BY 1, 2, 3;

INSERT INTO tally_unit_due
SELECT campaign_id, strftime('%Y-%m', forwarded_at, '+8 hours'), unit_id, 'sign',
    date(sign_due_at, '+8 hours'), COUNT(*)
FROM items WHERE forwarded_at IS NOT NULL AND unit_id IS NOT NULL AND sign_due_at IS NOT NULL
    AND status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND signed_at IS NULL
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO tally_unit_due
SELECT campaign_id, strftime('%Y-%m', forwarded_at, '+8 hours'), unit_id, 'answer',
    date(due_at, '+8 hours'), COUNT(*)
FROM items WHERE forwarded_at IS NOT NULL AND unit_id IS NOT NULL AND sign_due_at IS NOT NULL
    AND status IN ('forwarded', 'in_progress') AND due_at IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO tally_unit_votes
SELECT i.campaign_id, strftime('%Y-%m', i.forwarded_at, '+8 hours'), i.unit_id, r.value, COUNT(*)
FROM items i JOIN ratings r ON r.item_id = i.id
WHERE i.forwarded_at IS NOT NULL AND i.unit_id IS NOT NULL
    AND i.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed')
    AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = i.id)
GROUP BY 1, 2, 3, 4;

INSERT INTO tally_reasons
SELECT campaign_id, strftime('%Y-%m', submitted_at, '+8 hours'), answer_reason, COUNT(*)
FROM items WHERE submitted_at IS NOT NULL AND status NOT IN ('draft', 'withdrawn', 'merged')
    AND response_class = 'C' AND answer_reason IS NOT NULL
GROUP BY 1, 2, 3;
