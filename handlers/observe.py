"""记录进展观察: after a check-in at a site of a sub-item with targets, the deputy may record what
they saw against each target (a value, or 跳过) and a note; it is stored with the visit, beside
the unit's own figures (bot/usecases/progress.py record_observation).

The button (ob:<visit id>) comes with the check-in's last message and opens this flow; the
visit must be the presser's own. The flow's key (the press) stores the observation once.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.errors import Refused
from bot.progress import SubitemProgress
from bot.usecases import progress
from bot.usecases.acting import Caller
from handlers import callbacks
from handlers import flow as flows
from handlers.context import BotContext
from handlers.conversation import END
from handlers.progress import ask_value_text, subitem_name, take_value, typed_note

VALUE, NOTE = "observe.value", "observe.note"
PREFIX = callbacks.OBSERVE_FLOW
FLOW_KIND = "observe"


def observe_button(context: BotContext, visit_id: int) -> InlineKeyboardMarkup:
    """The check-in's button that opens this flow."""
    label = context.texts("observe.button")
    data = f"{callbacks.OBSERVE}:{visit_id}"
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])


async def _found(context: BotContext, visit_id: object) -> SubitemProgress:
    found = await progress.observable(context.services, context.person, visit_id)
    if found is None:
        raise Refused("progress.no_targets")
    return found[1]


async def start_observe(update: Update, context: BotContext) -> str | None:
    query = update.callback_query
    assert query is not None
    data = query.data or ""
    raw = data.removeprefix(f"{callbacks.OBSERVE}:")
    visit_id = int(raw) if raw.isdigit() and len(raw) < 12 else 0
    sp = await _found(context, visit_id)  # refused: the alert says why, nothing starts
    await query.answer()
    await flows.abandon_flow(context)
    flow = flows.start_flow(
        context,
        FLOW_KIND,
        visit_id=visit_id,
        index=0,
        typed={},
        key=f"observe:{context.input_key}",
    )
    flow["step"] = VALUE
    message = update.effective_message
    assert message is not None
    await message.reply_text(context.texts("observe.intro", subitem=subitem_name(sp)))
    return await _ask(update, context, sp)


async def _ask(update: Update, context: BotContext, sp: SubitemProgress) -> str:
    flow = flows.current_flow(context)
    index = int(flow["index"])
    texts = context.texts
    text = ask_value_text(context, sp, percent="observe.ask_percent", count="observe.ask_count")
    message = update.effective_message
    assert message is not None
    skip = flows.button(texts("progress.button_skip"), PREFIX, flow["nonce"], "skip", index)
    await context.bot.send_message(
        message.chat_id, text, reply_markup=InlineKeyboardMarkup([[skip]])
    )
    return VALUE


async def _next(update: Update, context: BotContext, sp: SubitemProgress) -> str:
    flow = flows.current_flow(context)
    flow["index"] = int(flow["index"]) + 1
    if flow["index"] < len(sp.targets):
        return await _ask(update, context, sp)
    flow["step"] = NOTE
    message = update.effective_message
    assert message is not None
    skip = flows.button(context.texts("progress.button_skip"), PREFIX, flow["nonce"], "skip_note")
    await context.bot.send_message(
        message.chat_id,
        context.texts("observe.ask_note"),
        reply_markup=InlineKeyboardMarkup([[skip]]),
    )
    return NOTE


async def value_step(update: Update, context: BotContext) -> str:
    sp = await _found(context, flows.current_flow(context).get("visit_id"))
    if not await take_value(update, context, sp):
        return VALUE
    return await _next(update, context, sp)


async def observe_press(update: Update, context: BotContext) -> str | int:
    press = await flows.pressed(update, context, PREFIX, kind=FLOW_KIND)
    flow = flows.current_flow(context)
    if press is None:
        return str(flow.get("step", VALUE))
    await flows.remove_buttons(update)
    sp = await _found(context, flow.get("visit_id"))
    if press.verb == "skip" and flow.get("step") == VALUE and press.int_arg() == flow["index"]:
        return await _next(update, context, sp)
    if press.verb == "skip_note" and flow.get("step") == NOTE:
        return await _save(update, context, sp, "")
    return str(flow.get("step", VALUE))


async def note_step(update: Update, context: BotContext) -> str | int:
    sp = await _found(context, flows.current_flow(context).get("visit_id"))
    note = await typed_note(update, context)
    if note is None:
        return NOTE
    return await _save(update, context, sp, note)


async def _save(update: Update, context: BotContext, sp: SubitemProgress, note: str) -> int:
    flow = flows.end_flow(context)
    message = update.effective_message
    assert message is not None
    typed = {int(k): str(v) for k, v in flow.get("typed", {}).items()}
    if not typed:
        await context.bot.send_message(message.chat_id, context.texts("observe.nothing"))
        return END
    caller = Caller(context.me, context.now(), str(flow.get("key")))
    await progress.record_observation(context.services, caller, flow.get("visit_id"), typed, note)
    await context.bot.send_message(
        message.chat_id,
        context.texts("observe.saved", subitem=subitem_name(sp)),
    )
    return END


def entry_points() -> list[flows.StepHandler]:
    """The check-in's 记录进展观察 button opens this feature's steps."""
    return flows.steps(CallbackQueryHandler(start_observe, pattern=rf"^{callbacks.OBSERVE}:\d+$"))


def states() -> dict[str, list[flows.StepHandler]]:
    """A value (or skip) per target, then a note (or skip)."""
    buttons = CallbackQueryHandler(observe_press, pattern=callbacks.pattern(PREFIX))
    typed_text = flows.TYPED & filters.TEXT
    return {
        VALUE: flows.steps(
            MessageHandler(typed_text, value_step),
            buttons,
            MessageHandler(flows.TYPED, flows.buttons_expected),
        ),
        NOTE: flows.steps(
            MessageHandler(typed_text, note_step),
            buttons,
            MessageHandler(flows.TYPED, flows.buttons_expected),
        ),
    }


def commands() -> list[flows.StepHandler]:
    """Handlers that work outside any conversation."""
    return []
