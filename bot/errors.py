"""Refusals the domain explains to the user.

A refusal carries a text key and its parameters, not a sentence, so each front end renders it in
the caller's language.
"""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """The rule says no; nothing was changed."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def require(condition: bool, key: str, **params: Any) -> None:
    if not condition:
        raise Refused(key, **params)


class CliError(Exception):
    """One clear message for the operator on the command line, and exit status 1."""
