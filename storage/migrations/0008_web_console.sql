-- deputy-bot schema, version 8: the web console's logins, sessions, audit trail and search.
--
-- Only SHA-256 digests of link and session tokens are stored: a copy of the database opens no
-- console. A link is used once (used_at); a session ends on logout or when idle.
CREATE TABLE web_links (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);

CREATE TABLE web_sessions (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES persons(id),
    token_hash    TEXT NOT NULL UNIQUE,
    csrf          TEXT NOT NULL,
    via           TEXT NOT NULL CHECK (via IN ('link', 'webapp')),
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    ended_at      TEXT
);

-- Who did what in the console, and how it ended (done, refused: key), also for refused logins.
CREATE TABLE web_audit (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER REFERENCES persons(id),
    session_id  INTEGER REFERENCES web_sessions(id),
    at          TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL
);
CREATE INDEX web_audit_person ON web_audit (person_id, id);

-- Full-text search of descriptions in the console. The trigram tokenizer finds any run of three
-- or more characters, which suits Chinese (no spaces between words); shorter searches use LIKE.
CREATE VIRTUAL TABLE items_text USING fts5(
    description, content='items', content_rowid='id', tokenize='trigram'
);
INSERT INTO items_text (rowid, description) SELECT id, description FROM items;
CREATE TRIGGER items_text_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_text (rowid, description) VALUES (new.id, new.description);
END;
CREATE TRIGGER items_text_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_text (items_text, rowid, description) VALUES ('delete', old.id, old.description);
END;
CREATE TRIGGER items_text_update AFTER UPDATE OF description ON items BEGIN
    INSERT INTO items_text (items_text, rowid, description) VALUES ('delete', old.id, old.description);
    INSERT INTO items_text (rowid, description) VALUES (new.id, new.description);
END;

-- The console lists a campaign's items newest first, by unit and by group.
CREATE INDEX items_console_unit ON items (campaign_id, unit_id, number);
CREATE INDEX items_console_group ON items (campaign_id, group_id, number);
