-- deputy-bot schema, version 2: the closed loop (review, forwarding, answers, ratings, look-back)
-- and the outbox every notification leaves through.

-- The unit an item is (to be) forwarded to; the sub-item's lead unit unless staff re-route it.
ALTER TABLE items ADD COLUMN unit_id INTEGER REFERENCES units(id);
-- Set when a leader merges this item into another (this one then has status 'merged').
ALTER TABLE items ADD COLUMN merged_into_id INTEGER REFERENCES items(id);
ALTER TABLE items ADD COLUMN reviewed_at TEXT;
ALTER TABLE items ADD COLUMN forwarded_at TEXT;
-- When the unit's answer is due (set at forwarding and at each re-handling).
ALTER TABLE items ADD COLUMN due_at TEXT;
-- 1 when the unit has no liaison in the bot: the item travels by the formal letter.
ALTER TABLE items ADD COLUMN for_letter INTEGER NOT NULL DEFAULT 0;
-- Handling round: 1 from the first forwarding, +1 for each re-handling (不满意 or failed look-back).
ALTER TABLE items ADD COLUMN round INTEGER NOT NULL DEFAULT 0;
-- The latest answer's class (A 已解决, B 列入计划, C 暂缓/留作参考) and time.
ALTER TABLE items ADD COLUMN response_class TEXT;
ALTER TABLE items ADD COLUMN answered_at TEXT;
-- The aggregated rating of the latest round: satisfied, basically, dissatisfied (NULL: none).
ALTER TABLE items ADD COLUMN rating TEXT;
ALTER TABLE items ADD COLUMN closed_at TEXT;
-- The latest look-back's result: held or broken.
ALTER TABLE items ADD COLUMN lookback_result TEXT;
CREATE INDEX items_campaign_status ON items (campaign_id, status);
CREATE INDEX items_campaign_submitted ON items (campaign_id, submitted_at);
CREATE INDEX items_group_status ON items (group_id, status);
CREATE INDEX items_unit_status ON items (unit_id, status);

-- What kind of event: a status 'transition', or a note on the way ('progress', 'ask_more',
-- 'more_info', 'lookback', 'reroute') whose from_status and to_status are the same.
ALTER TABLE item_events ADD COLUMN kind TEXT NOT NULL DEFAULT 'transition';

-- Everyone who raised an item: its author, and the raisers of items merged into it.
CREATE TABLE item_raisers (
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    -- The merged item through which this person raised it (NULL: raised it directly).
    via_item_id INTEGER REFERENCES items(id),
    added_at    TEXT NOT NULL,
    PRIMARY KEY (item_id, person_id)
);
CREATE INDEX item_raisers_person ON item_raisers (person_id);
INSERT INTO item_raisers (item_id, person_id, via_item_id, added_at)
    SELECT id, author_id, NULL, COALESCE(submitted_at, created_at) FROM items WHERE status != 'draft';

-- A unit's answer, one per handling round; on_paper: recorded by staff from a paper reply.
CREATE TABLE responses (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    round       INTEGER NOT NULL,
    unit_id     INTEGER REFERENCES units(id),
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    on_paper    INTEGER NOT NULL DEFAULT 0,
    class       TEXT NOT NULL CHECK (class IN ('A', 'B', 'C')),
    text        TEXT NOT NULL,
    at          TEXT NOT NULL,
    UNIQUE (item_id, round)
);

-- One vote per raiser per round; the item's rating is aggregated from them (DOMAIN.md).
CREATE TABLE ratings (
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    round       INTEGER NOT NULL,
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    value       TEXT NOT NULL CHECK (value IN ('satisfied', 'basically', 'dissatisfied', 'abstain')),
    comment     TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL,
    PRIMARY KEY (item_id, round, person_id)
);

-- Look-back (回头看) of a closed item by its group, some months after closing.
CREATE TABLE lookbacks (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    group_id    INTEGER REFERENCES groups(id),
    round       INTEGER NOT NULL,
    due_at      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    done_at     TEXT,
    done_by     INTEGER REFERENCES persons(id),
    result      TEXT CHECK (result IN ('held', 'broken')),
    note        TEXT NOT NULL DEFAULT '',
    UNIQUE (item_id, round)
);
CREATE INDEX lookbacks_group ON lookbacks (group_id, done_at);

-- Photos now also come with added information, answers and look-backs.
ALTER TABLE photos ADD COLUMN purpose TEXT NOT NULL DEFAULT 'evidence'
    CHECK (purpose IN ('evidence', 'more_info', 'response', 'lookback'));

-- Set when Telegram says the person blocked the bot; cleared when they write to it again.
ALTER TABLE persons ADD COLUMN blocked_at TEXT;

-- Every notification, written in the same transaction as the change that causes it. The sender
-- delivers each row once (dedup_key makes a repeated change unable to queue it twice).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    dedup_key       TEXT NOT NULL UNIQUE,
    person_id       INTEGER NOT NULL REFERENCES persons(id),
    -- JSON of bot.notices.Notice: a catalog key and parameters (rendered in the recipient's
    -- language when sent) or a text rendered already; buttons; an optional photo or document.
    payload         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    sent_at         TEXT,
    message_id      INTEGER,
    gave_up_at      TEXT,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at, id) WHERE sent_at IS NULL AND gave_up_at IS NULL;
CREATE INDEX outbox_person ON outbox (person_id, id);
