-- deputy-bot schema, version 13: photos on a lead unit's progress report.
--
-- A photo belonged to exactly one item or visit (0001's CHECK); it may now belong to a progress
-- report instead, still to exactly one record. SQLite cannot change a CHECK in place, so the
-- table is rebuilt: same columns (0001, purpose from 0002, signature from 0006) plus
-- progress_report_id, same ids (the near-duplicate index keeps rows by id), then its indexes
-- (0001) and its trigger (0006), which went with the old table, are made again.
-- Nothing refers to photos, so dropping the old table under foreign_keys = ON deletes no one's
-- rows; the implicit delete fires no trigger, and no photo is gone anyway.

CREATE TABLE photos_new (
    id                 INTEGER PRIMARY KEY,
    person_id          INTEGER NOT NULL REFERENCES persons(id),
    item_id            INTEGER REFERENCES items(id) ON DELETE CASCADE,
    visit_id           INTEGER REFERENCES visits(id),
    progress_report_id INTEGER REFERENCES progress_reports(id),
    sha256             TEXT NOT NULL,
    format             TEXT NOT NULL,
    width              INTEGER NOT NULL,
    height             INTEGER NOT NULL,
    size_bytes         INTEGER NOT NULL,
    original_path      TEXT NOT NULL,
    display_path       TEXT NOT NULL,
    thumb_path         TEXT NOT NULL,
    phash              INTEGER NOT NULL,
    taken_at           TEXT,
    gps_lat            REAL,
    gps_lon            REAL,
    as_file            INTEGER NOT NULL,
    flags              TEXT NOT NULL DEFAULT '',
    file_unique_id     TEXT NOT NULL,
    received_at        TEXT NOT NULL,
    purpose            TEXT NOT NULL DEFAULT 'evidence'
        CHECK (purpose IN ('evidence', 'more_info', 'response', 'lookback')),
    signature          BLOB,
    CHECK ((item_id IS NOT NULL) + (visit_id IS NOT NULL) + (progress_report_id IS NOT NULL) = 1)
);

INSERT INTO photos_new (id, person_id, item_id, visit_id, sha256, format, width, height,
                        size_bytes, original_path, display_path, thumb_path, phash, taken_at,
                        gps_lat, gps_lon, as_file, flags, file_unique_id, received_at, purpose,
                        signature)
SELECT id, person_id, item_id, visit_id, sha256, format, width, height, size_bytes, original_path,
       display_path, thumb_path, phash, taken_at, gps_lat, gps_lon, as_file, flags,
       file_unique_id, received_at, purpose, signature
FROM photos;

DROP TABLE photos;
ALTER TABLE photos_new RENAME TO photos;

-- The same Telegram file attached twice to one record (redelivery, resend) is stored once.
CREATE UNIQUE INDEX photos_item_file ON photos (item_id, file_unique_id) WHERE item_id IS NOT NULL;
CREATE UNIQUE INDEX photos_visit_file ON photos (visit_id, file_unique_id) WHERE visit_id IS NOT NULL;
CREATE UNIQUE INDEX photos_progress_file ON photos (progress_report_id, file_unique_id)
    WHERE progress_report_id IS NOT NULL;

-- As in 0006: deleting photos is counted so the near-duplicate index reads everything again.
CREATE TRIGGER photos_deleted AFTER DELETE ON photos
BEGIN
    UPDATE photo_deletions SET n = n + 1;
END;
