-- deputy-bot schema, version 5: no input lost across a crash.
--
-- Every update is written here before Telegram is told it arrived (the next getUpdates offset, or
-- the webhook's answer), and marked done in the same transaction that saves the person's
-- conversation after the step. After a crash the updates not done are processed again, each
-- person's in order, so nothing a person sent is lost and no conversation is older than the last
-- step that was answered.
CREATE TABLE inbound (
    channel     TEXT NOT NULL,               -- 'telegram'
    seq         INTEGER NOT NULL,            -- Telegram's update_id: increasing, never reused
    address     TEXT,                        -- its sender (Telegram user id), when it has one
    payload     TEXT NOT NULL,               -- the update exactly as received (JSON)
    received_at TEXT NOT NULL,
    -- Restarts with it first in its sender's queue: the one update that may have been in
    -- progress when the bot died. An update that kills the bot every time stops at a limit.
    attempts    INTEGER NOT NULL DEFAULT 0,
    done_at     TEXT,
    PRIMARY KEY (channel, seq)
);
CREATE INDEX inbound_pending ON inbound (channel, seq) WHERE done_at IS NULL;

-- The open conversation of each person on a channel: its step and the flow's scratch data.
CREATE TABLE conversations (
    channel    TEXT NOT NULL,
    address    TEXT NOT NULL,                -- the person's address there (Telegram user id)
    state      TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',   -- JSON
    updated_at TEXT NOT NULL,
    PRIMARY KEY (channel, address)
) WITHOUT ROWID;

-- Conversations that python-telegram-bot's persistence kept until now carry over.
INSERT INTO conversations (channel, address, state, data, updated_at)
SELECT 'telegram',
       CAST(json_extract(c.key, '$[1]') AS TEXT),
       json_extract(c.value, '$'),
       COALESCE(
           (SELECT u.value FROM ptb_store u
            WHERE u.kind = 'user' AND u.key = CAST(json_extract(c.key, '$[1]') AS TEXT)),
           '{}'),
       strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
FROM ptb_store c
WHERE c.kind = 'conversation:main' AND json_type(c.value) = 'text';
DROP TABLE ptb_store;

-- A step that records an event without changing the item's status (a question, progress, a
-- look-back) is keyed by the input that caused it: processed again after a crash, it is found
-- and not recorded twice.
ALTER TABLE item_events ADD COLUMN source_key TEXT;
CREATE UNIQUE INDEX item_events_source ON item_events (source_key) WHERE source_key IS NOT NULL;
-- Likewise an invitation made in chat: processed again, it must not invite the person twice.
ALTER TABLE invitations ADD COLUMN source_key TEXT;
CREATE UNIQUE INDEX invitations_source ON invitations (source_key) WHERE source_key IS NOT NULL;
