-- deputy-bot schema, version 9: indexes for the web console's list and map (bench/console.py).
--
-- Sorted by due date, the list sorted every item of the campaign (joins and all) to show one
-- page: 200 ms at 100,000 items. This index yields the list's own order, the items without a
-- due date last, so a page is read off it: under 1 ms.
CREATE INDEX items_console_due ON items (campaign_id, due_at IS NULL, due_at, number);
-- The map counts each site's open and overdue items: without an index on site_id SQLite built a
-- temporary one on every request (140 ms at 10,000 sites). Covering, with the reach's columns,
-- and partial: the open items only (under half of a year's), read in site order with no sort.
-- storage/console.py map_points repeats this WHERE word for word, so SQLite knows it applies.
CREATE INDEX items_console_site ON items (site_id, status, due_at, group_id, unit_id)
    WHERE status IN ('submitted', 'reviewed', 'forwarded', 'in_progress', 'returned');
