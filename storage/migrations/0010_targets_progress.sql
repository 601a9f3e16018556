-- deputy-bot schema, version 10: sub-items' quantified targets and milestones (from the catalog),
-- the lead units' progress reports against them, and what deputies saw on their visits.

-- One row per target of a sub-item, found again on re-import by (subitem_id, code): updated in
-- place, so the progress reported against it stays. A target dropped from the catalog is retired,
-- not deleted (its reports are history); it no longer counts.
CREATE TABLE targets (
    id          INTEGER PRIMARY KEY,
    subitem_id  INTEGER NOT NULL REFERENCES subitems(id),
    code        TEXT NOT NULL,
    label       TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL CHECK (kind IN ('count', 'percent')),
    amount      REAL NOT NULL CHECK (amount > 0),
    measure     TEXT NOT NULL DEFAULT '',
    deadline    TEXT NOT NULL,  -- local date, ISO
    position    INTEGER NOT NULL DEFAULT 0,
    retired     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (subitem_id, code)
);

-- Replaced as a whole on each import (nothing refers to them).
CREATE TABLE milestones (
    id          INTEGER PRIMARY KEY,
    subitem_id  INTEGER NOT NULL REFERENCES subitems(id),
    day         TEXT NOT NULL,
    label       TEXT NOT NULL,
    position    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX milestones_subitem ON milestones (subitem_id, position);

-- A liaison's report: the value reached per target, a note. Never updated: each report is kept.
-- source_key is the input that made it (the chat flow, the web form): a redelivered update or a
-- double tap finds the report already there.
CREATE TABLE progress_reports (
    id          INTEGER PRIMARY KEY,
    subitem_id  INTEGER NOT NULL REFERENCES subitems(id),
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    unit_id     INTEGER REFERENCES units(id),
    at          TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    via         TEXT NOT NULL CHECK (via IN ('chat', 'web')),
    source_key  TEXT NOT NULL UNIQUE
);
CREATE INDEX progress_reports_subitem ON progress_reports (subitem_id, at);

CREATE TABLE progress_values (
    report_id   INTEGER NOT NULL REFERENCES progress_reports(id) ON DELETE CASCADE,
    target_id   INTEGER NOT NULL REFERENCES targets(id),
    value       REAL NOT NULL CHECK (value >= 0),
    PRIMARY KEY (report_id, target_id)
);

-- What a deputy saw on a visit (现场看到已建成 3 所中的 2 所), beside the unit's figures.
CREATE TABLE observations (
    id          INTEGER PRIMARY KEY,
    visit_id    INTEGER NOT NULL REFERENCES visits(id),
    subitem_id  INTEGER NOT NULL REFERENCES subitems(id),
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    at          TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    source_key  TEXT NOT NULL UNIQUE
);
CREATE INDEX observations_subitem ON observations (subitem_id, at);

CREATE TABLE observation_values (
    observation_id INTEGER NOT NULL REFERENCES observations(id) ON DELETE CASCADE,
    target_id      INTEGER NOT NULL REFERENCES targets(id),
    value          REAL NOT NULL CHECK (value >= 0),
    PRIMARY KEY (observation_id, target_id)
);
