"""The schema's versioned migrations, applied in order by storage/db.py: NNNN_name.sql, or a
NNNN_name.py module whose `SQL` is the text (built from a template where a migration repeats
itself). A migration once applied never changes (tests/test_migrations_frozen.py)."""
