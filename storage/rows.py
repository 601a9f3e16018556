"""Rows into records: a record's fields are read from the columns of the same name.

Every SELECT names its columns after the record it fills (aliases where a join renames them), so
one mapper serves every record; a record only says which fields need turning into something
other than the stored value.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar, cast

from bot.clock import from_db
from storage.db import Row

T = TypeVar("T")
Turn = Callable[[Any], object]


def row_mapper(cls: type[T], **turn: Turn | tuple[str, Turn]) -> Callable[[Row], T]:
    """A function from a row to `cls`. `turn` names the fields whose column value needs turning:
    a callable for the column of the same name, or (column, callable) for another column."""
    turned: list[tuple[str, str, Turn]] = []
    for name, how in turn.items():
        column, call = how if isinstance(how, tuple) else (name, how)
        turned.append((name, column, call))
    # Worked out once per record type, not per row: item rows are read on every hot path.
    plain = tuple(f.name for f in dataclasses.fields(cast(Any, cls)) if f.name not in turn)

    def build(row: Row) -> T:
        values = {name: row[name] for name in plain}
        for name, column, call in turned:
            values[name] = call(row[column])
        return cls(**values)

    return build


def required_time(text: str | None) -> datetime:
    """A time from a NOT NULL column."""
    moment = from_db(text)
    assert moment is not None
    return moment


def is_set(value: object) -> bool:
    """A flag stored as the moment it was set (blocked_at, joined_at)."""
    return value is not None


def optional(call: Turn) -> Turn:
    """`call` for a value that may be absent (NULL or empty): None then."""
    return lambda value: call(value) if value else None
