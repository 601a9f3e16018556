"""The typed context every callback gets: the caller (a Person or None), their texts, the services."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.pacing import Pacer
from bot.people import Person
from bot.services import Services
from bot.texts import Texts
from bot.usecases.acting import Caller

if TYPE_CHECKING:
    from handlers.conversation import Conversations
    from handlers.intake import Intake


class Runtime:
    """Application-wide objects (PTB's bot_data slot). Never persisted, holds no domain data."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.default_language = "zh"
        self.pacer: Pacer | None = None
        self.conversations: Conversations | None = None
        self.intake: Intake | None = None
        self.poll_read_margin = 10.0


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
        # The open conversation's scratch data, set by handlers.conversation for its steps.
        self.flow_data: UserData | None = None
        # The update being handled, set by handlers.conversation for its steps.
        self.update_id: int | None = None

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
    def input_key(self) -> str | None:
        """Names the input being handled, so that processing it again changes nothing twice."""
        return None if self.update_id is None else f"telegram:{self.update_id}"

    def caller(self) -> Caller:
        """The registered caller, now, and the key of the update being handled: what every use
        case needs to act once for this input."""
        return Caller(self.me, self.now(), self.input_key)

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
        """Scratch data of the open conversation, saved with each of its steps."""
        if self.flow_data is None:
            raise RuntimeError("scratch data exists only in the steps of a conversation")
        return self.flow_data

    @property
    def me(self) -> Person:
        """The caller, known to be registered (the gate stops everyone else)."""
        if self.person is None:
            raise RuntimeError("caller is not registered")
        return self.person
