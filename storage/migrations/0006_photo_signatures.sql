-- deputy-bot schema, version 6: a near-duplicate signature per photo.
--
-- The 64-bit difference hash in photos.phash did not survive small crops (2 % off one edge moved
-- 7 of its bits); a photo now keeps the gradient signature of bot/likeness.py, which new photos
-- are compared with through shifted windows. Photos stored before this have none (NULL) and
-- are still compared by phash.

ALTER TABLE photos ADD COLUMN signature BLOB;

-- The bot keeps every signature in memory between photos (bot/likeness.SignatureIndex) and reads
-- only the rows added since; deleting photos (with a draft, or an answer not sent) is counted
-- here so the index knows to read everything again. Cascading deletes fire the trigger too.
CREATE TABLE photo_deletions (n INTEGER NOT NULL);
INSERT INTO photo_deletions (n) VALUES (0);
CREATE TRIGGER photos_deleted AFTER DELETE ON photos
BEGIN
    UPDATE photo_deletions SET n = n + 1;
END;
