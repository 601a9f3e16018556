"""/progress: a lead unit's liaison reports the figures of a sub-item it leads.

Choose the sub-item, type the value reached for each of its targets (a count, or a percentage),
a note (or skip it), check the summary, confirm; then send photos of it, if any, and 完成
(handlers/progress_photos.py). The report is stored with who and when on 确认; the key of the
flow (the press that chose the sub-item) makes a double tap on 确认 or a redelivered update store
it once. Each step first checks that the person still reports for the flow's unit.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import scope
from bot.errors import Refused
from bot.people import Person
from bot.progress import (
    LIGHT_EMOJI,
    Kind,
    SubitemProgress,
    TargetRecord,
    bar,
    number,
    parse_value,
    reached_share,
)
from bot.texts import Texts
from bot.usecases import progress, progress_photos
from bot.usecases.acting import Caller
from handlers import callbacks
from handlers import flow as flows
from handlers.context import BotContext
from handlers.conversation import END
from handlers.guard import within
from handlers.photos import PHOTO_INPUT
from handlers.progress_photos import PHOTOS, ask_for_photos, photos_expected, report_photo
from handlers.replies import message_of, replying

CHOOSE, VALUE, NOTE, CONFIRM = (
    "progress.choose",
    "progress.value",
    "progress.note",
    "progress.confirm",
)
PREFIX = callbacks.PROGRESS
FLOW_KIND = "progress"


def target_label(target: TargetRecord) -> str:
    return f"{html.escape(target.label)}：" if target.label else ""


def subitem_name(sp: SubitemProgress) -> str:
    return html.escape(f"{sp.subitem.code} {sp.subitem.title}")


def ask_value_text(
    context: BotContext, sp: SubitemProgress, *, percent: str, count: str, **params: object
) -> str:
    """The question for the value of the flow's current target: the flow's `percent` or `count`
    text, with the target, its deadline and last reported value, and what else the flow's
    question names."""
    index = int(flows.current_flow(context)["index"])
    texts = context.texts
    target = sp.targets[index]
    shared = {
        "n": index + 1,
        "total": len(sp.targets),
        "label": target_label(target),
        "target": target.describe(),
        "deadline": target.deadline.isoformat(),
        "last": last_value(texts, sp, index),
        **params,
    }
    if target.kind is Kind.PERCENT:
        return texts(percent, **shared)
    return texts(count, measure=html.escape(target.measure), **shared)


def last_value(texts: Texts, sp: SubitemProgress, index: int) -> str:
    """The index-th target's value in the latest report, or that there is none."""
    value = sp.latest.values.get(sp.targets[index].id) if sp.latest else None
    return texts("progress.never") if value is None else number(value)


async def take_value(update: Update, context: BotContext, sp: SubitemProgress) -> bool:
    """Keep the typed value of the flow's current target; False once told why it is not one."""
    message = message_of(update)
    assert message.text is not None
    flow = flows.current_flow(context)
    index = int(flow.get("index", 0))
    if index >= len(sp.targets):  # the catalog changed under the open flow: start over
        raise Refused("button_expired")
    try:
        parse_value(message.text, sp.targets[index])
    except Refused as refused:
        await message.reply_text(context.texts(refused.key, **refused.params))
        return False
    flow["typed"][str(sp.targets[index].id)] = message.text
    return True


async def typed_note(update: Update, context: BotContext) -> str | None:
    """The typed note, checked; None once told why it is not taken."""
    message = message_of(update)
    assert message.text is not None
    try:
        return progress.check_note(message.text)
    except Refused as refused:
        await message.reply_text(context.texts(refused.key, **refused.params))
        return None


def status_text(context: BotContext, sp: SubitemProgress) -> str:
    status = sp.derived.status
    return context.texts(f"progress.status.{status.value if status else 'none'}")


async def start_progress(update: Update, context: BotContext) -> str | int:
    unit_id = scope.progress_unit(context.person)
    message, flow = await flows.open_flow(update, context, FLOW_KIND, unit_id=unit_id)
    subitems = await progress.reportable(context.services, context.person)
    if not subitems:
        flows.end_flow(context)
        await message.reply_text(context.texts("progress.none"))
        return END
    nonce = flow["nonce"]
    choices: list[flows.Choice] = [
        (
            f"{LIGHT_EMOJI[sp.derived.light] if sp.derived.light else ''} {sp.subitem.code} "
            f"{sp.subitem.title[:30]} · {sp.derived.percent}%",
            "sub",
            sp.subitem.id,
        )
        for sp in subitems
    ]
    await message.reply_text(
        context.texts("progress.choose"),
        reply_markup=flows.choices_keyboard(context.texts, PREFIX, nonce, choices),
    )
    return CHOOSE


async def _ask_value(update: Update, context: BotContext, sp: SubitemProgress) -> str:
    text = ask_value_text(
        context,
        sp,
        percent="progress.ask_percent",
        count="progress.ask_count",
        subitem=subitem_name(sp),
    )
    message = update.effective_message
    assert message is not None
    await context.bot.send_message(message.chat_id, text)
    return VALUE


async def _current(context: BotContext) -> SubitemProgress:
    return await progress.for_report(
        context.services, context.person, flows.current_flow(context).get("subitem")
    )


# The buttons each step takes (取消 is taken at any step before the report is stored).
_FITS = {("sub", CHOOSE), ("skip", NOTE), ("confirm", CONFIRM), ("done", PHOTOS)}


async def progress_button(update: Update, context: BotContext) -> str | int:
    press = await flows.pressed(update, context, PREFIX, kind=FLOW_KIND, answer=False)
    if press is None:
        return str(flows.current_flow(context).get("step", CHOOSE))
    flow = flows.current_flow(context)
    step = flow.get("step", CHOOSE)
    if (press.verb, step) not in _FITS and not (press.verb == "cancel" and step != PHOTOS):
        # A button of a step already passed (a second tap on 确认 once the report is stored;
        # 取消 once it is: too late to cancel): expired, and nothing changes.
        await flows.expired(update, context)
        return str(step)
    await press.query.answer()
    await flows.remove_buttons(update)
    if press.verb == "cancel":
        flows.end_flow(context)
        message = update.effective_message
        assert message is not None
        await message.reply_text(context.texts("progress.cancelled"))
        return END
    if press.verb == "sub" and flow.get("step", CHOOSE) == CHOOSE:
        sp = await progress.for_report(context.services, context.person, press.int_arg())
        # The report's key: this press. Whatever happens after, confirming stores it once.
        flow.update(subitem=sp.subitem.id, index=0, typed={}, key=f"progress:{context.input_key}")
        flow["step"] = VALUE
        return await _ask_value(update, context, sp)
    if press.verb == "skip" and flow.get("step") == NOTE:
        return await _summary(update, context, "")
    if press.verb == "confirm" and flow.get("step") == CONFIRM:
        return await _submit(update, context)
    if press.verb == "done" and flow.get("step") == PHOTOS:
        return await _finish(update, context)
    return str(flow.get("step", CHOOSE))


async def value_step(update: Update, context: BotContext) -> str:
    sp = await _current(context)
    if not await take_value(update, context, sp):
        return VALUE
    flow = flows.current_flow(context)
    flow["index"] = int(flow.get("index", 0)) + 1
    if flow["index"] < len(sp.targets):
        return await _ask_value(update, context, sp)
    flow["step"] = NOTE
    await message_of(update).reply_text(
        context.texts("progress.ask_note"),
        reply_markup=InlineKeyboardMarkup(
            [[flows.button(context.texts("progress.button_skip"), PREFIX, flow["nonce"], "skip")]]
        ),
    )
    return NOTE


async def note_step(update: Update, context: BotContext) -> str:
    note = await typed_note(update, context)
    if note is None:
        return NOTE
    return await _summary(update, context, note)


def _typed(flow: dict[str, Any]) -> dict[int, str]:
    return {int(k): str(v) for k, v in flow.get("typed", {}).items()}


async def _summary(update: Update, context: BotContext, note: str) -> str:
    flow = flows.current_flow(context)
    sp = await _current(context)
    typed = _typed(flow)
    texts = context.texts
    lines = []
    for target in sp.targets:
        value = parse_value(typed.get(target.id, ""), target) if target.id in typed else 0.0
        lines.append(
            texts(
                "progress.value_line",
                label=target_label(target),
                value=number(value),
                target=target.describe(),
                percent=int(reached_share(target, value) * 100),
            )
        )
    flow.update(note=note, step=CONFIRM)
    message = update.effective_message
    assert message is not None
    nonce = flow["nonce"]
    await context.bot.send_message(
        message.chat_id,
        texts(
            "progress.summary",
            subitem=subitem_name(sp),
            lines="\n".join(lines),
            note=html.escape(note) or "—",
        ),
        reply_markup=InlineKeyboardMarkup(
            [
                [flows.button(texts("progress.button_confirm"), PREFIX, nonce, "confirm")],
                [flows.button(texts("button.cancel"), PREFIX, nonce, "cancel")],
            ]
        ),
    )
    return CONFIRM


async def _submit(update: Update, context: BotContext) -> str:
    """Store the report (once, whatever the taps), then take its photos."""
    flow = flows.current_flow(context)
    caller = Caller(context.me, context.now(), str(flow.get("key")))
    report_id, _created = await progress.submit_report(
        context.services,
        caller,
        flow.get("subitem"),
        _typed(flow),
        str(flow.get("note", "")),
        via="chat",
    )
    return await ask_for_photos(update, context, report_id)


async def _finish(update: Update, context: BotContext) -> int:
    """完成: the report and its photos are stored; say so, with what the database holds."""
    flow = flows.current_flow(context)
    services = context.services
    report, photos = await progress_photos.report_photos(
        services, context.person, flow.get("report_id")
    )
    sp = await _current(context)
    flows.end_flow(context)
    message = update.effective_message
    assert message is not None
    texts = context.texts
    saved = texts(
        "progress.saved",
        subitem=subitem_name(sp),
        at=report.at.astimezone(services.settings.zone).strftime("%Y-%m-%d %H:%M"),
        bar=bar(sp.derived.reached),
        percent=sp.derived.percent,
        status=status_text(context, sp),
    )
    await message.reply_text(f"{saved}\n{texts('progress.photos_saved', count=len(photos))}")
    return END


async def photos_done(update: Update, context: BotContext) -> str | int:
    """/done in the photo step, as 完成."""
    if flows.current_flow(context).get("step") != PHOTOS:
        return str(flows.current_flow(context).get("step", CHOOSE))
    return await _finish(update, context)


value_expected = replying("progress.bad_number_hint")


def _still_reporting(person: Person | None, flow: dict[str, Any]) -> object:
    try:
        unit_id = scope.progress_unit(person)
    except Refused:
        raise Refused("progress.scope_lost") from None
    if unit_id != flow.get("unit_id"):
        raise Refused("progress.scope_lost")
    return unit_id


_guarded = within(FLOW_KIND, _still_reporting)


def entry_points() -> list[flows.StepHandler]:
    """/progress opens this feature's steps."""
    return flows.steps(CommandHandler("progress", start_progress))


def states() -> dict[str, list[flows.StepHandler]]:
    """Choose the sub-item, a value per target, a note, confirm, then photos and 完成."""
    buttons = CallbackQueryHandler(_guarded(progress_button), pattern=callbacks.pattern(PREFIX))
    typed_text = flows.TYPED & filters.TEXT
    return {
        CHOOSE: flows.steps(buttons, MessageHandler(flows.TYPED, _guarded(flows.buttons_expected))),
        VALUE: flows.steps(
            MessageHandler(typed_text, _guarded(value_step)),
            buttons,
            MessageHandler(flows.TYPED, _guarded(value_expected)),
        ),
        NOTE: flows.steps(
            MessageHandler(typed_text, _guarded(note_step)),
            buttons,
            MessageHandler(flows.TYPED, _guarded(flows.buttons_expected)),
        ),
        CONFIRM: flows.steps(
            buttons, MessageHandler(flows.TYPED, _guarded(flows.buttons_expected))
        ),
        PHOTOS: flows.steps(
            MessageHandler(PHOTO_INPUT, _guarded(report_photo)),
            buttons,
            CommandHandler("done", _guarded(photos_done)),
            MessageHandler(flows.TYPED, _guarded(photos_expected)),
        ),
    }


def commands() -> list[flows.StepHandler]:
    """Handlers that work outside any conversation."""
    return []
