-- deputy-bot schema, version 1. Times are ISO-8601 UTC text; coordinates are WGS-84.

CREATE TABLE campaigns (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    year        INTEGER NOT NULL,
    timezone    TEXT NOT NULL,
    authority   TEXT NOT NULL DEFAULT '',
    -- Next item number; taken in the same transaction as the submission so numbers have no gaps.
    next_number INTEGER NOT NULL DEFAULT 1,
    imported_at TEXT NOT NULL
);

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    UNIQUE (campaign_id, code)
);

CREATE TABLE projects (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    code        TEXT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    level       TEXT NOT NULL DEFAULT 'city',
    district    TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (campaign_id, code)
);

CREATE TABLE subitems (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    code        TEXT NOT NULL,
    title       TEXT NOT NULL,
    target      TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (campaign_id, code)
);

CREATE TABLE sites (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    subitem_id  INTEGER REFERENCES subitems(id),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    district    TEXT NOT NULL DEFAULT '',
    lat         REAL NOT NULL,
    lon         REAL NOT NULL,
    radius_m    REAL NOT NULL,
    source_crs  TEXT NOT NULL,
    source_lat  REAL NOT NULL,
    source_lon  REAL NOT NULL,
    illustrative INTEGER NOT NULL DEFAULT 0,
    UNIQUE (campaign_id, code)
);
CREATE INDEX sites_lat ON sites (campaign_id, lat);

CREATE TABLE groups (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    led_by      TEXT NOT NULL DEFAULT '',
    UNIQUE (campaign_id, code)
);

CREATE TABLE group_projects (
    group_id    INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    PRIMARY KEY (group_id, project_id)
);

CREATE TABLE group_units (
    group_id    INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    PRIMARY KEY (group_id, unit_id)
);

CREATE TABLE categories (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_en     TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (campaign_id, code)
);

-- People are invited, never self-registered. telegram_user_id is set when the invitation is used.
CREATE TABLE persons (
    id               INTEGER PRIMARY KEY,
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id),
    name             TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('deputy', 'leader', 'staff', 'liaison')),
    group_id         INTEGER REFERENCES groups(id),
    unit_id          INTEGER REFERENCES units(id),
    telegram_user_id INTEGER UNIQUE,
    language         TEXT,
    active           INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    joined_at        TEXT
);

-- Only the SHA-256 of a token is stored: a leaked database cannot be used to join.
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_by  INTEGER REFERENCES persons(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    used_by     INTEGER
);

CREATE TABLE visits (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id),
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    site_id      INTEGER NOT NULL REFERENCES sites(id),
    at           TEXT NOT NULL,
    lat          REAL,
    lon          REAL,
    accuracy_m   REAL,
    live         INTEGER NOT NULL DEFAULT 0,
    distance_m   REAL,
    on_site      INTEGER NOT NULL,
    reason       TEXT NOT NULL,
    -- The message that started the check-in: a redelivered update or a second tap finds it here.
    source_key   TEXT NOT NULL,
    UNIQUE (person_id, source_key)
);
CREATE INDEX visits_person_at ON visits (person_id, at);

CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    campaign_id   INTEGER NOT NULL REFERENCES campaigns(id),
    kind          TEXT NOT NULL CHECK (kind IN ('problem', 'suggestion')),
    status        TEXT NOT NULL,
    number        INTEGER,
    author_id     INTEGER NOT NULL REFERENCES persons(id),
    group_id      INTEGER REFERENCES groups(id),
    visit_id      INTEGER REFERENCES visits(id),
    site_id       INTEGER REFERENCES sites(id),
    project_id    INTEGER REFERENCES projects(id),
    subitem_id    INTEGER REFERENCES subitems(id),
    category_id   INTEGER REFERENCES categories(id),
    severity      TEXT,
    description   TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    submitted_at  TEXT,
    updated_at    TEXT NOT NULL,
    UNIQUE (campaign_id, number)
);
CREATE INDEX items_author ON items (author_id, status);

CREATE TABLE item_events (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    actor_id    INTEGER REFERENCES persons(id),
    at          TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX item_events_item ON item_events (item_id);

-- Files are content-addressed by the SHA-256 of the original bytes (kept untouched, EXIF included).
CREATE TABLE photos (
    id             INTEGER PRIMARY KEY,
    person_id      INTEGER NOT NULL REFERENCES persons(id),
    item_id        INTEGER REFERENCES items(id) ON DELETE CASCADE,
    visit_id       INTEGER REFERENCES visits(id),
    sha256         TEXT NOT NULL,
    format         TEXT NOT NULL,
    width          INTEGER NOT NULL,
    height         INTEGER NOT NULL,
    size_bytes     INTEGER NOT NULL,
    original_path  TEXT NOT NULL,
    display_path   TEXT NOT NULL,
    thumb_path     TEXT NOT NULL,
    phash          INTEGER NOT NULL,
    taken_at       TEXT,
    gps_lat        REAL,
    gps_lon        REAL,
    as_file        INTEGER NOT NULL,
    flags          TEXT NOT NULL DEFAULT '',
    file_unique_id TEXT NOT NULL,
    received_at    TEXT NOT NULL,
    CHECK ((item_id IS NULL) <> (visit_id IS NULL))
);
-- The same Telegram file attached twice to one record (redelivery, resend) is stored once.
CREATE UNIQUE INDEX photos_item_file ON photos (item_id, file_unique_id) WHERE item_id IS NOT NULL;
CREATE UNIQUE INDEX photos_visit_file ON photos (visit_id, file_unique_id) WHERE visit_id IS NOT NULL;

-- python-telegram-bot persistence: conversation states and per-user scratch data of open conversations.
CREATE TABLE ptb_store (
    kind  TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
