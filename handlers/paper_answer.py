"""/forward's paper answers: staff record an answer a unit gave on paper, on the unit's behalf.

The item's number is typed, then the answer's class chosen (with the letter's promised date for
class B, its reason category for class C, as a liaison's answer carries them) and its text
typed; the raisers are asked to rate it as for any answer. Part of the /forward run (handlers/forward_run.py):
handlers/forward.py dispatches its buttons and registers its typed steps.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import Update

from bot import unit_rules
from bot.answer_terms import REASONS, AnswerGiven, parse_day
from bot.errors import Refused
from bot.items import format_number, parse_number
from bot.lifecycle import ResponseClass
from bot.usecases import forwarding, unit
from bot.views import clip, item_summary, number_label
from handlers.answer_views import chosen_terms, example_promise_day
from handlers.context import BotContext
from handlers.conversation import END
from handlers.flow import Pressed, current_flow, end_flow
from handlers.forward_run import (
    ANSWER,
    CHOOSE,
    NUMBER,
    PROMISE,
    Next,
    Result,
    Verb,
    keyboard,
    run_button,
    staff_item,
)
from handlers.replies import edit_screen, message_of


async def _ask(update: Update, context: BotContext, question: str) -> None:
    """Ask on the pressed screen for something to type; the only button cancels."""
    rows = [[run_button(context, context.texts("button.cancel"), "cancel")]]
    await edit_screen(update, question, keyboard(rows))


async def _on_paper(update: Update, context: BotContext, press: Pressed) -> Result:
    example = format_number(context.services.campaign.year, 7)
    await _ask(update, context, context.texts("forward.paper_ask_number", example=example))
    return NUMBER, None


async def number_step(update: Update, context: BotContext) -> Next:
    """The number of the item a unit answered on paper."""
    message = message_of(update)
    assert message.text is not None
    texts = context.texts
    services = context.services
    campaign = services.campaign
    example = format_number(campaign.year, 7)
    typed = parse_number(message.text)
    item = None
    if typed and typed[0] in (None, campaign.year):
        item = await services.items.get_by_number(campaign.id, typed[1])
    if item is None:
        number = html.escape(clip(message.text.strip(), 20))
        await message.reply_text(texts("forward.paper_not_found", number=number, example=example))
        return None
    if item.status not in unit_rules.WITH_UNIT:
        await message.reply_text(
            texts(
                "forward.paper_wrong_status",
                label=number_label(item, texts),
                status=texts(f"status.{item.status}"),
            )
        )
        return None
    current_flow(context)["paper_id"] = item.id
    rows = [
        [run_button(context, texts(f"response_class.{c}"), "cls", str(c))] for c in ResponseClass
    ]
    rows.append([run_button(context, texts("button.cancel"), "cancel")])
    text = texts(
        "forward.paper_choose_class",
        summary=item_summary(item, texts, services.settings.zone),
        unit=html.escape(item.unit_name or "—"),
    )
    await message.reply_text(text, reply_markup=keyboard(rows))
    return CHOOSE


async def _on_class(update: Update, context: BotContext, press: Pressed) -> Result:
    """The class is chosen: B asks the promised date, C its reason, A goes to the text."""
    flow = current_flow(context)
    if press.arg not in {c.value for c in ResponseClass} or "paper_id" not in flow:
        raise Refused("button_expired")
    item = await staff_item(context, flow["paper_id"])
    flow["paper_class"] = press.arg
    for key in ("paper_promised", "paper_reason"):
        flow.pop(key, None)
    texts = context.texts
    label = number_label(item, texts)
    if press.arg == ResponseClass.B:
        example = example_promise_day(context)
        await _ask(update, context, texts("answers.ask_promise", label=label, example=example))
        return PROMISE, None
    if press.arg == ResponseClass.C:
        rows = [
            [run_button(context, texts(f"answer_reason.{code}"), "why", code)] for code in REASONS
        ]
        rows.append([run_button(context, texts("button.cancel"), "cancel")])
        await edit_screen(update, texts("answers.choose_reason", label=label), keyboard(rows))
        return CHOOSE, None
    await _ask(update, context, _text_question(context))
    return ANSWER, None


async def _on_reason(update: Update, context: BotContext, press: Pressed) -> Result:
    """Class C: the letter's reason category; then the text."""
    flow = current_flow(context)
    if flow.get("paper_class") != ResponseClass.C or press.arg not in REASONS:
        raise Refused("button_expired")
    flow["paper_reason"] = press.arg
    await _ask(update, context, _text_question(context))
    return ANSWER, None


def _text_question(context: BotContext) -> str:
    cls = context.texts(f"response_class.{current_flow(context).get('paper_class')}")
    return context.texts("forward.paper_ask_text", cls=cls)


async def promise_step(update: Update, context: BotContext) -> Next:
    """Class B: the date the letter promises; after today and within range, or asked again."""
    message = message_of(update)
    assert message.text is not None
    flow = current_flow(context)
    try:
        if flow.get("paper_class") != ResponseClass.B:
            raise Refused("button_expired")
        day = unit.check_promise(context.services, context.caller(), parse_day(message.text))
    except Refused as refused:
        await message.reply_text(context.texts(refused.key, **refused.params))
        return None
    flow["paper_promised"] = day.isoformat()
    rows = [[run_button(context, context.texts("button.cancel"), "cancel")]]
    await message.reply_text(_text_question(context), reply_markup=keyboard(rows))
    return ANSWER


def _terms(flow: dict[str, Any]) -> dict[str, Any]:
    return chosen_terms(flow.get("paper_promised"), flow.get("paper_reason"))


async def answer_step(update: Update, context: BotContext) -> Next:
    """The answer's text: recorded on the unit's behalf; the raisers are asked to rate it."""
    message = message_of(update)
    assert message.text is not None
    texts = context.texts
    flow = current_flow(context)
    response_class = ResponseClass(str(flow.get("paper_class")))
    try:
        given = AnswerGiven(response_class, message.text, **_terms(flow))
        acted = await forwarding.record_paper_answer(
            context.services, context.caller(), flow.get("paper_id"), given
        )
    except Refused as refused:
        await message.reply_text(texts(refused.key, **refused.params))
        if refused.key.startswith("lifecycle_text"):
            return None  # too short or too long: the next message is taken as the text
        end_flow(context)
        return END
    end_flow(context)
    item = acted.item
    if not acted.applied:
        await message.reply_text(texts("item_state_changed", number=item.display_number))
        return END
    await message.reply_text(
        texts(
            "forward.paper_recorded",
            label=number_label(item, texts),
            cls=texts(f"response_class.{response_class}"),
        )
    )
    return END


# The buttons of this part, by the verb they carry.
VERBS: dict[str, Verb] = {"paper": _on_paper, "cls": _on_class, "why": _on_reason}
