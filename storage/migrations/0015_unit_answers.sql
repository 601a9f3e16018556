-- deputy-bot schema, version 15: the terms of a unit's answer, followed up; comments shown to units.

-- A class-B answer (列入计划) promises a date: the start of that local day, stored like every time.
-- On that day the item comes back to the unit for a follow-up answer (bot/promises.py); the
-- follow-up answer clears it (or, answered B again, sets a new one).
ALTER TABLE items ADD COLUMN promised_at TEXT;
-- A class-C answer's reason category (bot/answer_terms.py REASONS), of the latest answer.
ALTER TABLE items ADD COLUMN answer_reason TEXT;
CREATE INDEX items_promised ON items (campaign_id, status, promised_at) WHERE promised_at IS NOT NULL;

-- The same terms on each round's answer, as given.
ALTER TABLE responses ADD COLUMN promised_at TEXT;
ALTER TABLE responses ADD COLUMN reason TEXT;

-- Staff decide, per comment, whether the unit may read it (never with its author): 1 shown.
ALTER TABLE ratings ADD COLUMN shown_to_unit INTEGER NOT NULL DEFAULT 0;
