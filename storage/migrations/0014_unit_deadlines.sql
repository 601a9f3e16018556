-- deputy-bot schema, version 14: the units' deadlines as a 12345 work order runs them.
-- Signing for (签收) is timed, a liaison may ask for more time (延期申请), and an item left
-- unanswered past its due date is escalated (通报) to staff and the raisers' group leader.

-- When the unit signed for the item it now holds (its first step out of "forwarded"), and by
-- when it had to: set on forwarding from the working-day calendar, like due_at. Items forwarded
-- before this version have none; the core then counts it from forwarded_at.
ALTER TABLE items ADD COLUMN signed_at TEXT;
ALTER TABLE items ADD COLUMN sign_due_at TEXT;
UPDATE items SET signed_at = (
    SELECT MIN(e.at) FROM item_events e
    WHERE e.item_id = items.id AND e.from_status = 'forwarded'
      AND e.to_status IN ('in_progress', 'answered') AND e.at >= items.forwarded_at
) WHERE forwarded_at IS NOT NULL;

-- A liaison's request for a later due date, and staff's decision on it.
CREATE TABLE extensions (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    round        INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    asked_by     INTEGER NOT NULL REFERENCES persons(id),
    asked_at     TEXT NOT NULL,
    reason       TEXT NOT NULL,
    due_before   TEXT NOT NULL,              -- the due date when it was asked
    proposed_day TEXT NOT NULL,              -- local day, YYYY-MM-DD
    decision     TEXT CHECK (decision IN ('approved', 'declined')),
    decided_by   INTEGER REFERENCES persons(id),
    decided_at   TEXT,
    ask_key      TEXT UNIQUE                 -- the input that asked (a double tap asks once)
);
CREATE INDEX extensions_item ON extensions (item_id);
-- One open request per item at a time.
CREATE UNIQUE INDEX extensions_open ON extensions (item_id) WHERE decision IS NULL;

-- An item escalated because it stayed unanswered past its due date; once per due date.
CREATE TABLE escalations (
    id       INTEGER PRIMARY KEY,
    item_id  INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    round    INTEGER NOT NULL,
    unit_id  INTEGER REFERENCES units(id),
    due_at   TEXT NOT NULL,
    at       TEXT NOT NULL,
    UNIQUE (item_id, round, due_at)
);
CREATE INDEX escalations_unit ON escalations (unit_id, at);

-- Items a unit returned as "not ours" (退回), with the unit that returned them: re-routing moves
-- the item to another unit, so the item row forgets; this keeps it for the per-unit figures.
CREATE TABLE unit_returns (
    event_id INTEGER PRIMARY KEY REFERENCES item_events(id) ON DELETE CASCADE,
    item_id  INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    unit_id  INTEGER REFERENCES units(id),
    at       TEXT NOT NULL
);
CREATE INDEX unit_returns_unit ON unit_returns (unit_id, at);
-- The return's event is written while the item still names the returning unit.
CREATE TRIGGER unit_returns_record AFTER INSERT ON item_events
WHEN NEW.to_status = 'returned' AND NEW.from_status = 'forwarded'
BEGIN
    INSERT INTO unit_returns (event_id, item_id, unit_id, at)
    SELECT NEW.id, NEW.item_id, unit_id, NEW.at FROM items WHERE id = NEW.item_id;
END;
-- Returns before this version: the returning liaison's unit, as the best that is known.
INSERT INTO unit_returns (event_id, item_id, unit_id, at)
SELECT e.id, e.item_id, p.unit_id, e.at FROM item_events e LEFT JOIN persons p ON p.id = e.actor_id
WHERE e.to_status = 'returned' AND e.from_status = 'forwarded';
