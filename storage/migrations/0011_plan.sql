-- deputy-bot schema, version 11: the campaign's calendar (phases, key dates) and the groups'
-- supervision plan: visits a leader assigns to deputies (tasks), fulfilled by check-ins.
-- Days are local dates of the campaign (YYYY-MM-DD), both ends of a window included.

CREATE TABLE campaign_phases (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    name_en     TEXT NOT NULL DEFAULT '',
    start_day   TEXT NOT NULL,
    end_day     TEXT NOT NULL,
    UNIQUE (campaign_id, position)
);

CREATE TABLE campaign_key_dates (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    name_en     TEXT NOT NULL DEFAULT '',
    day         TEXT NOT NULL,
    kind        TEXT NOT NULL DEFAULT 'other',
    UNIQUE (campaign_id, position)
);

-- A visit to make: a site, or any site of a sub-item, within [first_day, last_day].
CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    group_id    INTEGER NOT NULL REFERENCES groups(id),
    site_id     INTEGER REFERENCES sites(id),
    subitem_id  INTEGER REFERENCES subitems(id),
    first_day   TEXT NOT NULL,
    last_day    TEXT NOT NULL,
    created_by  INTEGER NOT NULL REFERENCES persons(id),
    created_at  TEXT NOT NULL,
    -- The input that created it: a redelivered update or a double tap finds the task here.
    source_key  TEXT NOT NULL,
    CHECK ((site_id IS NULL) != (subitem_id IS NULL)),
    CHECK (first_day <= last_day),
    UNIQUE (created_by, source_key)
);
CREATE INDEX tasks_group ON tasks (group_id, last_day);

-- Who is to make the visit; done_at and visit_id are set by the first check-in that fulfils it.
CREATE TABLE task_deputies (
    task_id     INTEGER NOT NULL REFERENCES tasks(id),
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    done_at     TEXT,
    done_day    TEXT,  -- the local day of the visit that fulfilled it
    visit_id    INTEGER REFERENCES visits(id),
    PRIMARY KEY (task_id, person_id)
);
CREATE INDEX task_deputies_person ON task_deputies (person_id, done_at);
