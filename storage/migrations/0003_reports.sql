-- deputy-bot schema, version 3: indexes for the tally and the daily summaries.
--
-- SQLite sorts every row for a GROUP BY unless an index already yields that order; over a year of
-- a million items the sort, not the reading, is what costs. The two tally indexes start with the
-- grouping columns, so a period's breakdowns are one ordered pass each over a covering index.

-- Project, sub-item, lead unit, category, kind and status of a period's items, in one pass.
CREATE INDEX items_tally_place ON items
    (campaign_id, project_id, subitem_id, unit_id, category_id, kind, status, submitted_at);
-- The same by supervision group.
CREATE INDEX items_tally_group ON items (campaign_id, group_id, kind, status, submitted_at);
-- Overdue and due soon among the items a unit still has to answer.
CREATE INDEX items_tally_due ON items (campaign_id, status, submitted_at, due_at);
-- "Took part": did this deputy submit anything in the period?
CREATE INDEX items_author_submitted ON items (author_id, submitted_at);
-- A group's items of one day.
CREATE INDEX items_group_submitted ON items (group_id, submitted_at);
-- Sites nobody has visited for N days.
CREATE INDEX visits_site_at ON visits (site_id, at);
-- A group's members (and its leaders, who get the summary).
CREATE INDEX persons_group_role ON persons (group_id, role);
