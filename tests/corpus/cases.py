"""The bad-input corpus, one line of intent per case: CASES, in the order tests/test_corpus.py runs them.

The cases stand in modules by kind: access.py (who asks), writing.py (the steps that ask for a
text), photos.py (the photo step) and places.py (the steps that want a location or a button);
model.py says what a case is.
"""

from __future__ import annotations

from tests.corpus import access, photos, places, writing
from tests.corpus.model import Case

CASES: list[Case] = [
    *access.STRANGER,
    *access.IDLE,
    *writing.DESCRIPTION,
    *photos.PHOTOS,
    *places.LOCATION,
    *places.SITE,
    *places.PLACE,
    *places.CONFIRM,
    *writing.COMMENT,
    *writing.LIAISON,
    *writing.INVITE_NAME,
    *access.GROUP,
    *access.OTHER_ROLES,
    *access.RAISER,
]
