"""The key every console form carries in `_key`: made once per rendered form, read back when the
form is sent, where it becomes the use case's input key, so the same form sent twice (a double
click) acts once."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping

from aiohttp.web_request import FileField
from multidict import MultiDictProxy

from bot.errors import Refused

# What new_form_key makes (token_urlsafe(12): 16 characters), with room to change its length.
_FORM_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


def new_form_key() -> str:
    """A fresh key for one rendered form."""
    return secrets.token_urlsafe(12)


def sent_form_key(form: Mapping[str, object]) -> str:
    """The `_key` of a sent form; Refused("web.form.expired") when it is missing or is not one
    we make (the form did not come from our page)."""
    key = form.get("_key")
    if not isinstance(key, str) or not _FORM_KEY.fullmatch(key):
        raise Refused("web.form.expired")
    return key


def uploaded_photos(form: MultiDictProxy[str | bytes | bytearray | FileField]) -> list[bytes]:
    """The files of the form's `photos` input; a file input left empty still sends an empty
    part, which is skipped."""
    photos: list[bytes] = []
    for value in form.getall("photos", []):
        if isinstance(value, FileField):
            data = value.file.read()
            if data:
                photos.append(data)
        elif value:  # a value typed where a file belongs: not an upload
            raise Refused("web.form.photo_not_file")
    return photos
