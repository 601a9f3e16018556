"""The catalog's field checks: one value at a time, each failure already the message we report.

Limits beyond the obvious ones: codes are 1-32 of [A-Za-z0-9_-] (the campaign code 2-40 of
[a-z0-9-]); names and titles are single lines; project titles <= 30 characters, sub-item titles
<= 60, names <= 100, targets and addresses <= 200, descriptions <= 2000.

Each check raises a PydanticCustomError whose message is the short human text of the catalog's
error list. The message goes through the context so that braces in it are never taken for
template fields.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from bot.geo import CRS


def fail(reason: str) -> PydanticCustomError:
    return PydanticCustomError("catalog", "{reason}", {"reason": reason})


_CODE_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_CAMPAIGN_CODE_RE = re.compile(r"[a-z0-9-]{2,40}")


def code(value: str) -> str:
    if not _CODE_RE.fullmatch(value):
        raise fail(f"must be 1-32 letters, digits, '-' or '_' (got {value!r})")
    return value


def campaign_code(value: str) -> str:
    if not _CAMPAIGN_CODE_RE.fullmatch(value):
        raise fail(f"must be 2-40 lowercase letters, digits or '-' (got {value!r})")
    return value


def text(max_len: int, *, required: bool = True, single_line: bool = True) -> Callable[[str], str]:
    """Strip surrounding whitespace; check emptiness, length and line breaks."""

    def check(value: str) -> str:
        value = value.strip()
        if required and not value:
            raise fail("must not be empty")
        if single_line and ("\n" in value or "\r" in value):
            raise fail("must be a single line")
        if len(value) > max_len:
            raise fail(f"must be at most {max_len} characters (has {len(value)})")
        return value

    return check


def between(lo: float, hi: float) -> Callable[[float], float]:
    def check(value: float) -> float:
        if not (lo <= value <= hi):  # also false for NaN
            raise fail(f"must be between {lo:g} and {hi:g}")
        return value

    return check


def positive_or_none(value: float | None) -> float | None:
    if value is not None and not (0 < value <= 1e9):  # also false for NaN
        raise fail("must be a number above 0")
    return value


def percent_or_none(value: float | None) -> float | None:
    if value is not None and not (0 < value <= 100):
        raise fail("must be a percentage above 0 and at most 100")
    return value


def timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise fail(f"unknown time zone {value!r} (use a name like Asia/Shanghai)") from None
    return value


def one_of(*choices: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, str) or value not in choices:
            raise fail("must be one of " + ", ".join(choices))
        return value

    return check


def crs(value: Any) -> Any:
    if isinstance(value, CRS):
        return value
    if not isinstance(value, str) or value not in {c.value for c in CRS}:
        raise fail("must be one of " + ", ".join(c.value for c in CRS))
    return CRS(value)


def empty_is_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


Code = Annotated[str, AfterValidator(code)]
Ref = Annotated[str, AfterValidator(text(32))]  # a reference; whether it exists is checked later
Name = Annotated[str, AfterValidator(text(100))]
