"""The typed context every callback gets: the caller (a Person or None), their texts, the services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.people import Person
from bot.services import Services
from bot.texts import Texts


class Runtime:
    """Application-wide objects (PTB's bot_data slot). Never persisted, holds no domain data."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.default_language = "zh"


UserData = dict[str, Any]


class BotContext(CallbackContext[ExtBot[None], UserData, dict[str, Any], Runtime]):
    """One per update; the gate handler fills in `person` and `texts` before any other handler."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.person: Person | None = None
        self._texts: Texts | None = None

    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("services are not attached to the application")
        return services

    def now(self) -> datetime:
        """The current instant from the bot's one clock."""
        return self.services.clock.now()

    @property
    def texts(self) -> Texts:
        if self._texts is None:
            self._texts = Texts(self.bot_data.default_language)
        return self._texts

    @texts.setter
    def texts(self, value: Texts) -> None:
        self._texts = value

    @property
    def scratch(self) -> UserData:
        """Per-user scratch data of the open conversation (persisted by SqlitePersistence)."""
        data = self.user_data
        if data is None:
            raise RuntimeError("no user in this update")
        return data

    @property
    def me(self) -> Person:
        """The caller, known to be registered (the gate stops everyone else)."""
        if self.person is None:
            raise RuntimeError("caller is not registered")
        return self.person
