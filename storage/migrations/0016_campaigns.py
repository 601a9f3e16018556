"""Migration 0016: several campaigns in one deployment (persons rebuilt with the account unique
per campaign, the acting campaign), and joint inspections.

Generated rather than written out where it repeats itself: a visit and an item are shared with a
partner campaign's group in tables of the same columns, written once below (_JOINT). The text is
exactly the SQL this migration was applied with, byte for byte (tests/test_migrations_frozen.py):
change nothing here, write a new migration.
"""

from __future__ import annotations

_CAMPAIGNS = """\
-- foreign_keys: off
-- Several campaigns in one deployment (the city's and the districts'). A person may take part in
-- more than one: each campaign they take part in is a persons row of its own (their membership,
-- with its own role, group and unit), all bound to the same Telegram account. So the account is
-- unique per campaign, no longer across the table. SQLite cannot drop a UNIQUE constraint in
-- place: the table is rebuilt as its documentation says (foreign keys off for the rebuild, which
-- storage/db.py does for a migration whose first line asks for it, and checks them after).
CREATE TABLE persons_new (
    id               INTEGER PRIMARY KEY,
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id),
    name             TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('deputy', 'leader', 'staff', 'liaison')),
    group_id         INTEGER REFERENCES groups(id),
    unit_id          INTEGER REFERENCES units(id),
    telegram_user_id INTEGER,
    language         TEXT,
    active           INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    joined_at        TEXT,
    blocked_at       TEXT,
    UNIQUE (campaign_id, telegram_user_id)
);
INSERT INTO persons_new (id, campaign_id, name, role, group_id, unit_id, telegram_user_id,
                         language, active, created_at, joined_at, blocked_at)
SELECT id, campaign_id, name, role, group_id, unit_id, telegram_user_id, language, active,
       created_at, joined_at, blocked_at
FROM persons;
DROP TABLE persons;
ALTER TABLE persons_new RENAME TO persons;
CREATE INDEX persons_group_role ON persons (group_id, role);
CREATE INDEX persons_telegram ON persons (telegram_user_id);

-- The campaign a person with several memberships last chose (/campaign) or acted in: where their
-- next command acts unless its button names an item of another campaign.
CREATE TABLE acting_campaigns (
    telegram_user_id INTEGER PRIMARY KEY,
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id),
    chosen_at        TEXT NOT NULL
);

-- Joint inspections (联合视察): a visit or an item shared with a partner campaign's group. It stays
-- the campaign's own (its number, its loop) and is counted once more in the partner's tally.
"""

# A partner campaign's share of a visit or an item: the same columns but for the key of what is
# shared (and, for an item, ON DELETE CASCADE).
_JOINT = """\
CREATE TABLE joint_{shared} (
    {key:<12}INTEGER NOT NULL REFERENCES {shared}(id){on_delete},
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    group_id    INTEGER NOT NULL REFERENCES groups(id),
    shared_by   INTEGER REFERENCES persons(id),
    shared_at   TEXT NOT NULL,
    PRIMARY KEY ({key}, campaign_id)
);
CREATE INDEX joint_{shared}_campaign ON joint_{shared} (campaign_id);
"""

_JOINT_VISITS = _JOINT.format(shared="visits", key="visit_id", on_delete="")
_JOINT_ITEMS = _JOINT.format(shared="items", key="item_id", on_delete=" ON DELETE CASCADE")

SQL = f"{_CAMPAIGNS}{_JOINT_VISITS}\n{_JOINT_ITEMS}"
