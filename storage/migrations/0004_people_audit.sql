-- deputy-bot schema, version 4: who changed whose role, group, unit or access, and when.
--
-- Staff manage people from the bot (/people); a role decides what someone may see and do, so
-- every change is kept with its author, also after the person is changed again.

CREATE TABLE person_events (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    actor_id    INTEGER REFERENCES persons(id),
    at          TEXT NOT NULL,
    field       TEXT NOT NULL CHECK (field IN ('role', 'group_id', 'unit_id', 'active')),
    old_value   TEXT,
    new_value   TEXT
);
CREATE INDEX person_events_person ON person_events (person_id, id);
