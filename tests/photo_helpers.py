"""What several of the photo test modules share (tests/test_photos*.py)."""

# A spot by the West Lake in Hangzhou: the position the test photos carry in their EXIF.
WEST_LAKE = (30.2590, 120.1480)
