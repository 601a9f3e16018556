-- The per-unit figures (bot/unit_figures.py, storage/deadlines.py received_counts) count a
-- period's forwarded items by unit in one pass: this index holds every column they read, so the
-- pass reads the index alone, in forwarding order, and never the items' wide rows.
CREATE INDEX items_unit_figures ON items (
    campaign_id, forwarded_at, unit_id, status, sign_due_at, signed_at, due_at, answered_at
) WHERE forwarded_at IS NOT NULL;
