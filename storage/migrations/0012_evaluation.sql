-- deputy-bot schema, version 12: the year-end satisfaction evaluation (满意度测评) of the projects.
--
-- Votes are secret. Who voted on what (evaluation_cast) is kept apart from what was voted
-- (evaluation_counts, evaluation_comments), and nothing ties the two together: the counts are
-- counters per project and value, created at zero when the round opens; comments have a random
-- id; neither has a person, a time or a rowid (WITHOUT ROWID tables keep rows in key order, not
-- in the order they were written). The marker and the counter move in one transaction.

CREATE TABLE evaluation_rounds (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    deadline    TEXT NOT NULL,               -- the last local day of voting, YYYY-MM-DD
    voters_kind TEXT NOT NULL CHECK (voters_kind IN ('all', 'named')),
    opened_by   INTEGER REFERENCES persons(id),
    opened_at   TEXT NOT NULL,
    open_key    TEXT UNIQUE,                 -- the input that opened it (a double tap opens one)
    closed_at   TEXT
);
-- One open round per campaign at a time.
CREATE UNIQUE INDEX evaluation_rounds_open ON evaluation_rounds (campaign_id) WHERE closed_at IS NULL;

-- The projects rated in the round, as the catalog had them when it opened.
CREATE TABLE evaluation_projects (
    round_id   INTEGER NOT NULL REFERENCES evaluation_rounds(id),
    project_id INTEGER NOT NULL REFERENCES projects(id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (round_id, project_id)
) WITHOUT ROWID;

CREATE TABLE evaluation_voters (
    round_id  INTEGER NOT NULL REFERENCES evaluation_rounds(id),
    person_id INTEGER NOT NULL REFERENCES persons(id),
    PRIMARY KEY (round_id, person_id)
) WITHOUT ROWID;

-- That a person has voted on a project of a round: no value, no time.
CREATE TABLE evaluation_cast (
    round_id   INTEGER NOT NULL,
    person_id  INTEGER NOT NULL,
    project_id INTEGER NOT NULL,
    PRIMARY KEY (round_id, person_id, project_id),
    FOREIGN KEY (round_id, person_id) REFERENCES evaluation_voters (round_id, person_id),
    FOREIGN KEY (round_id, project_id) REFERENCES evaluation_projects (round_id, project_id)
) WITHOUT ROWID;

-- What was voted: one counter per project and value, no person, no time.
CREATE TABLE evaluation_counts (
    round_id   INTEGER NOT NULL,
    project_id INTEGER NOT NULL,
    value      TEXT NOT NULL CHECK (value IN ('satisfied', 'basically', 'dissatisfied')),
    votes      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, project_id, value),
    FOREIGN KEY (round_id, project_id) REFERENCES evaluation_projects (round_id, project_id)
) WITHOUT ROWID;

-- Voters' comments on a project: a random id, no person, no time, no value.
CREATE TABLE evaluation_comments (
    id         BLOB PRIMARY KEY,             -- randomblob(16)
    round_id   INTEGER NOT NULL,
    project_id INTEGER NOT NULL,
    text       TEXT NOT NULL,
    FOREIGN KEY (round_id, project_id) REFERENCES evaluation_projects (round_id, project_id)
) WITHOUT ROWID;
