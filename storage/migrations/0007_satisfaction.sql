-- deputy-bot schema, version 7: the satisfaction figures of the tally (the units' answers by
-- class, the deputies' votes by rating).
--
-- items.response_class is the class of an item's latest answer. Counting a period's answers
-- through `responses` looks every answer's item up (its period and status live in items): about
-- 3 µs an answer, 1.4 s for the half million answers of a year of a million items. This partial
-- index holds the answered items only, with what the count filters on: the count seeks to each
-- class, status and period (0.08 s for that year, 0.015 s for a month of it).
CREATE INDEX items_tally_answer ON items (campaign_id, response_class, status, submitted_at)
    WHERE response_class IS NOT NULL;
-- Only answered items have votes: the votes are read from the answered items of the period above,
-- each item's latest voted round through this index, which holds the value too (no table rows).
CREATE INDEX ratings_tally ON ratings (item_id, round, value);
