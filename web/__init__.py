"""The web console: a door for desk work (staff, group leaders, unit liaisons)."""
