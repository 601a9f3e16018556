"""The one shape of a feature of the Telegram door, as bot/app.py registers it.

A feature module gives the commands or buttons that open its flow, each state of the flow with
the handlers tried in it (state names are prefixed with the feature's name, and are stored with
open conversations, so they never change), and the handlers that work outside any conversation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from handlers.flow import StepHandler


class Feature(Protocol):
    def entry_points(self) -> list[StepHandler]: ...

    def states(self) -> dict[str, list[StepHandler]]: ...

    def commands(self) -> list[StepHandler]: ...


class OneStep:
    """A feature of one step (/summary, /tally, /web): its handlers work outside any
    conversation, so it opens no flow and has no states."""

    def __init__(self, commands: Callable[[], list[StepHandler]]) -> None:
        self.commands = commands

    def entry_points(self) -> list[StepHandler]:
        return []

    def states(self) -> dict[str, list[StepHandler]]:
        return {}
