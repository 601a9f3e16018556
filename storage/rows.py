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
    fields = dataclasses.fields(cast(Any, cls))
    # Positional: a call with 36 keywords costs an item row more than its columns do.
    assert not any(f.kw_only for f in fields), f"{cls.__name__} has keyword-only fields"
    unknown = set(turn) - {f.name for f in fields}
    assert not unknown, f"{cls.__name__} has no fields {sorted(unknown)}"
    columns: list[str] = []
    turned: list[tuple[int, Turn]] = []
    for index, field in enumerate(fields):
        how = turn.get(field.name)
        call: Turn | None
        if isinstance(how, tuple):
            column, call = how
        else:
            column, call = field.name, how
        columns.append(column)
        if call is not None:
            turned.append((index, call))

    def build(row: Row) -> T:
        values = [row[column] for column in columns]
        for index, call in turned:
            values[index] = call(values[index])
        return cls(*values)

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
