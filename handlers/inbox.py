"""/inbox: a liaison's items: accept, return, progress, answer."""

from __future__ import annotations

from handlers.flow import StepHandler


def entry_points() -> list[StepHandler]:
    """Commands that open this feature's steps in the shared conversation."""
    return []


def states() -> dict[str, list[StepHandler]]:
    """This feature's conversation steps (state names are prefixed with the feature's name)."""
    return {}


def commands() -> list[StepHandler]:
    """Handlers that work outside any conversation (commands, buttons of notifications)."""
    return []
