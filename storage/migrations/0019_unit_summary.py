"""Migration 0019: the per-unit figures and class-C reasons of the tally, kept per month.

Generated rather than written out: its triggers on items add an item's counts (the new row, +1)
and take them back (the old row, -1) with the same statements, and its six triggers on ratings
differ only in their event. Each is written once below, with the row and the sign as names to
fill in (storage/migrations/_triggers.py). The text is exactly the SQL this migration was applied
with, byte for byte (tests/test_migrations_frozen.py): change nothing here, write a new migration.
"""

from __future__ import annotations

from storage.migrations._triggers import NEW, OLD, vote_triggers

_TABLES = """\
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
"""

# One received item's share of tally_units, tally_unit_due ('sign' and 'answer') and
# tally_unit_votes: the item `row` (NEW or OLD) added (sign "") or taken back (sign "-").
_RECEIVED = """\
    INSERT INTO tally_units
    SELECT {row}.campaign_id, strftime('%Y-%m', {row}.forwarded_at, '+8 hours'), {row}.unit_id, {sign}1,
        {sign}1 * ({row}.signed_at IS NOT NULL), {sign}1 * ({row}.signed_at IS NOT NULL AND {row}.signed_at <= {row}.sign_due_at),
        {sign}1 * ({row}.answered_at IS NOT NULL AND {row}.status NOT IN ('forwarded', 'in_progress')),
        {sign}1 * (({row}.answered_at IS NOT NULL AND {row}.status NOT IN ('forwarded', 'in_progress')) AND ({row}.due_at IS NULL OR {row}.answered_at <= {row}.due_at)),
        {sign}1 * ({row}.status = 'closed')
    WHERE {row}.forwarded_at IS NOT NULL AND {row}.unit_id IS NOT NULL
        AND {row}.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND {row}.sign_due_at IS NOT NULL
    ON CONFLICT (campaign_id, unit_id, month) DO UPDATE SET received = received + excluded.received,
        signed = signed + excluded.signed, signed_on_time = signed_on_time + excluded.signed_on_time,
        answered = answered + excluded.answered,
        answered_on_time = answered_on_time + excluded.answered_on_time, closed = closed + excluded.closed;
    INSERT INTO tally_unit_due
    SELECT {row}.campaign_id, strftime('%Y-%m', {row}.forwarded_at, '+8 hours'), {row}.unit_id, 'sign', date({row}.sign_due_at, '+8 hours'), {sign}1
    WHERE {row}.forwarded_at IS NOT NULL AND {row}.unit_id IS NOT NULL
        AND {row}.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND {row}.sign_due_at IS NOT NULL AND {row}.signed_at IS NULL
    ON CONFLICT (campaign_id, unit_id, what, day, month) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_unit_due
    SELECT {row}.campaign_id, strftime('%Y-%m', {row}.forwarded_at, '+8 hours'), {row}.unit_id, 'answer', date({row}.due_at, '+8 hours'), {sign}1
    WHERE {row}.forwarded_at IS NOT NULL AND {row}.unit_id IS NOT NULL
        AND {row}.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND {row}.sign_due_at IS NOT NULL AND {row}.status IN ('forwarded', 'in_progress') AND {row}.due_at IS NOT NULL
    ON CONFLICT (campaign_id, unit_id, what, day, month) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tally_unit_votes
    SELECT {row}.campaign_id, strftime('%Y-%m', {row}.forwarded_at, '+8 hours'), {row}.unit_id, r.value, {sign}COUNT(*) FROM ratings r
    WHERE {row}.forwarded_at IS NOT NULL AND {row}.unit_id IS NOT NULL
        AND {row}.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed') AND r.item_id = {row}.id
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = {row}.id)
    GROUP BY r.value
    ON CONFLICT (campaign_id, unit_id, value, month) DO UPDATE SET n = n + excluded.n;
"""

# A counted item's class-C reason (tally_reasons), added or taken back the same way.
_REASON = """\
    INSERT INTO tally_reasons
    SELECT {row}.campaign_id, strftime('%Y-%m', {row}.submitted_at, '+8 hours'), {row}.answer_reason, {sign}1
    WHERE {row}.submitted_at IS NOT NULL AND {row}.status NOT IN ('draft', 'withdrawn', 'merged')
        AND {row}.response_class = 'C' AND {row}.answer_reason IS NOT NULL
    ON CONFLICT (campaign_id, month, reason) DO UPDATE SET n = n + excluded.n;
"""

_NEW_RECEIVED = _RECEIVED.format(**NEW)
_OLD_RECEIVED = _RECEIVED.format(**OLD)
_NEW_REASON = _REASON.format(**NEW)
_OLD_REASON = _REASON.format(**OLD)


def _when_changed(columns: str) -> str:
    """The WHEN of a trigger for a change to items in any of `columns` (space-separated)."""
    return "WHEN (" + "\n    OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns.split()) + ")"


# The columns _RECEIVED and _REASON read: a change to any other costs their triggers nothing.
_RECEIVED_CHANGED = _when_changed(
    "campaign_id forwarded_at unit_id status sign_due_at signed_at answered_at due_at id"
)
_REASON_CHANGED = _when_changed("campaign_id submitted_at status response_class answer_reason id")

_ITEM_TRIGGERS = f"""\
-- --- an item counted, uncounted or moved --------------------------------------------------------

CREATE TRIGGER tally_unit_item_added AFTER INSERT ON items
WHEN NEW.forwarded_at IS NOT NULL OR NEW.answer_reason IS NOT NULL
BEGIN
{_NEW_RECEIVED}{_NEW_REASON}END;

-- BEFORE, so that the item's votes are still there (drafts, the only items deleted, have none).
CREATE TRIGGER tally_unit_item_deleted BEFORE DELETE ON items
WHEN OLD.forwarded_at IS NOT NULL OR OLD.answer_reason IS NOT NULL
BEGIN
{_OLD_RECEIVED}{_OLD_REASON}END;

-- A change of anything counted: the old row leaves its counts, the new one joins its own.
CREATE TRIGGER tally_unit_item_changed AFTER UPDATE ON items
{_RECEIVED_CHANGED}
BEGIN
{_OLD_RECEIVED}{_NEW_RECEIVED}END;

CREATE TRIGGER tally_reason_item_changed AFTER UPDATE ON items
{_REASON_CHANGED}
BEGIN
{_OLD_REASON}{_NEW_REASON}END;
"""

_VOTE_TRIGGERS = """\
-- --- a vote cast, changed or taken back -----------------------------------------------------------
-- As migration 0017's tally_vote_*: the item's latest round's votes leave the counts before the
-- change and join them again after it.

""" + vote_triggers("""\
CREATE TRIGGER tally_unit_vote_{when}_{name} {WHEN} {event} ON ratings
BEGIN
    INSERT INTO tally_unit_votes
    SELECT i.campaign_id, strftime('%Y-%m', i.forwarded_at, '+8 hours'), i.unit_id, r.value, {sign}COUNT(*)
    FROM items i JOIN ratings r ON r.item_id = i.id
    WHERE {items} AND i.forwarded_at IS NOT NULL AND i.unit_id IS NOT NULL
        AND i.status IN ('forwarded', 'in_progress', 'answered', 'rated', 'closed')
        AND r.round = (SELECT MAX(l.round) FROM ratings l WHERE l.item_id = i.id)
    GROUP BY {group_by}
    ON CONFLICT (campaign_id, unit_id, value, month) DO UPDATE SET n = n + excluded.n;
END;
""")

_EXISTING_ITEMS = """\
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
"""

SQL = "\n".join((_TABLES, _ITEM_TRIGGERS, _VOTE_TRIGGERS, _EXISTING_ITEMS))
