"""Multi-step flows: which step each person is at, and the flow's scratch data.

It plays the part of python-telegram-bot's ConversationHandler (entry points, states of step
handlers, fallbacks; a step returns its next state, END, or None to stay), with one difference
that matters on a building site with poor signal: the conversation is not written to the database
on a timer but with the step itself. When a step is done, the intake (handlers/intake.py) marks
the update done and saves the conversation it left in one transaction, so after a crash no
conversation is older than the last step a person saw answered, and an update that was not done
is processed again.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, BaseHandler, ConversationHandler

from bot.records import Conversation, Finished
from bot.usecases import campaigns
from handlers.context import BotContext
from handlers.flow import FLOW

END = ConversationHandler.END

Step = BaseHandler[Update, Any, Any]


async def _unused(update: object, context: object) -> None:
    raise AssertionError("Conversations dispatches to its steps' own callbacks")


async def _follow_flow(context: BotContext, data: dict[str, Any], user_id: int) -> None:
    """A step of an open conversation acts in the campaign its flow began in (handlers/flow.py
    start_flow), whatever the person chose since: a flow ends where it began."""
    flow = data.get(FLOW)
    wanted = flow.get("campaign") if isinstance(flow, dict) else None
    person = context.person
    if not isinstance(wanted, int) or person is None or person.campaign_id == wanted:
        return
    found = await campaigns.act_as(context.services, user_id, wanted)
    if found is not None:
        context.person = found


class Conversations(BaseHandler[Update, BotContext, object]):
    """Every multi-step flow of the bot, one open flow per person: starting one ends another."""

    def __init__(
        self,
        entry_points: Sequence[Step],
        states: Mapping[str, Sequence[Step]],
        fallbacks: Sequence[Step],
    ) -> None:
        super().__init__(_unused)
        self.entry_points = tuple(entry_points)
        self.states = {state: tuple(steps) for state, steps in states.items()}
        self.fallbacks = tuple(fallbacks)
        # In memory for the synchronous matching; loaded at start, saved by the intake.
        self.open: dict[str, Conversation] = {}
        self._staged: dict[int, Finished] = {}

    def load(self, conversations: Mapping[str, Conversation]) -> None:
        self.open = {
            address: conversation
            for address, conversation in conversations.items()
            if conversation.state in self.states
        }

    @staticmethod
    def address(update: Update) -> str | None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or chat.type != ChatType.PRIVATE:
            return None
        return str(user.id)

    def check_update(self, update: object) -> tuple[Step, object] | None:
        if not isinstance(update, Update) or update.edited_message is not None:
            return None
        address = self.address(update)
        if address is None:
            return None
        conversation = self.open.get(address)
        candidates: list[Step] = list(self.entry_points)
        if conversation is not None:
            candidates += self.states.get(conversation.state, ())
            candidates += self.fallbacks
        for step in candidates:
            check = step.check_update(update)
            if check is not None and check is not False:
                return step, check
        return None

    async def handle_update(
        self,
        update: Update,
        application: Application[Any, Any, Any, Any, Any, Any],
        check_result: object,
        context: BotContext,
    ) -> None:
        assert isinstance(check_result, tuple)
        step, check = check_result
        address = self.address(update)
        assert address is not None
        before = self.open.get(address)
        data: dict[str, Any] = before.data if before is not None else {}
        context.flow_data = data
        context.update_id = update.update_id
        if before is not None and step not in self.entry_points:
            await _follow_flow(context, data, int(address))
        state = before.state if before is not None else None
        try:
            returned = await step.handle_update(update, application, check, context)
            if returned == END:
                state = None
            elif returned is not None:
                state = str(returned)
        finally:
            # Also when the step failed: what it changed in its scratch data stays, as it would
            # in memory, and the update is done (it is not tried again after a restart).
            conversation = Conversation(state, copy.deepcopy(data)) if state else None
            if conversation is None:
                self.open.pop(address, None)
            else:
                self.open[address] = Conversation(state or "", data)
            self._staged[update.update_id] = Finished(
                (update.update_id,), address, conversation, touched=True
            )

    def take(self, update_id: int) -> Finished | None:
        """What the step of this update left, for the intake to save (once)."""
        return self._staged.pop(update_id, None)
