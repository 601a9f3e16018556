"""/plan (group leaders): one of the group's projects, then a sub-item or site, then a date
window (typed), then deputies of the group (several, with checkboxes) → the task is stored and
each deputy told. /tasks (deputies and leaders): one's own visits to make.

Every press goes through the use case again (bot/usecases/plan.py), which checks the leader's
current group: a forged site, sub-item or deputy id is refused and nothing is stored.
"""

from __future__ import annotations

import html
from datetime import date

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler

from bot.plan import Window
from bot.plan_render import render_tasks
from bot.records import ProjectRecord
from bot.usecases import plan
from bot.views import clip
from handlers import callbacks
from handlers import flow as flows
from handlers.context import BotContext
from handlers.conversation import END

PROJECT, TARGET, WINDOW, DEPUTIES = "plan.project", "plan.target", "plan.window", "plan.deputies"
PREFIX = callbacks.PLAN
LABEL_CHARS = 40


async def start_plan(update: Update, context: BotContext) -> str | int:
    """The group's projects."""
    projects = await plan.plan_projects(context.services, context.person)
    message, flow = await flows.open_flow(update, context, "plan")
    texts = context.texts
    if not projects:
        flows.end_flow(context)
        await message.reply_text(texts("plan.no_projects"))
        return END
    await message.reply_text(
        texts("plan.choose_project"), reply_markup=_projects_keyboard(context, projects, flow)
    )
    return PROJECT


def _projects_keyboard(
    context: BotContext, projects: list[ProjectRecord], flow: dict[str, object]
) -> InlineKeyboardMarkup:
    choices = [(clip(f"{p.code} {p.title}", LABEL_CHARS), "project", p.id) for p in projects]
    return flows.choices_keyboard(context.texts, PREFIX, str(flow["nonce"]), choices)


@flows.on_press(PREFIX, "plan", PROJECT)
async def project_step(update: Update, context: BotContext, press: flows.Pressed) -> str | int:
    """A project chosen: its sub-items and sites."""
    query = press.query
    if press.verb == "cancel":
        return await _cancel(update, context)
    if press.verb != "project":
        await query.answer(context.texts("button_expired"), show_alert=True)
        return PROJECT
    targets = await plan.plan_targets(context.services, context.person, press.int_arg())
    await query.answer()
    texts = context.texts
    nonce = str(flows.current_flow(context)["nonce"])
    choices: list[flows.Choice] = [
        (clip(texts("plan.target_subitem", title=s.title), LABEL_CHARS), "subitem", s.id)
        for s in targets.subitems
    ]
    choices += [
        (clip(texts("plan.target_site", name=s.name), LABEL_CHARS), "site", s.id)
        for s in targets.sites
    ]
    if not choices:
        await query.answer(texts("plan.no_targets"), show_alert=True)
        return PROJECT
    await query.edit_message_text(
        texts("plan.choose_target", project=html.escape(targets.project.title)),
        reply_markup=flows.choices_keyboard(texts, PREFIX, nonce, choices),
    )
    return TARGET


@flows.on_press(PREFIX, "plan", TARGET)
async def target_step(update: Update, context: BotContext, press: flows.Pressed) -> str | int:
    """A sub-item or site chosen: ask for the window."""
    query = press.query
    if press.verb == "cancel":
        return await _cancel(update, context)
    placed = await plan.place_of(context.services, context.person, press.verb, press.int_arg())
    await query.answer()
    flow = flows.current_flow(context)
    flow.update(target_kind=press.verb, target_id=press.int_arg(), place=placed.place)
    await query.edit_message_text(context.texts("plan.ask_window", place=html.escape(placed.place)))
    return WINDOW


async def window_step(update: Update, context: BotContext) -> str:
    """The typed window; then the group's deputies to choose from."""
    message = update.effective_message
    assert message is not None and message.text is not None
    window = plan.window_of(context.services, context.caller(), message.text)
    flow = flows.current_flow(context)
    flow.update(first=window.first.isoformat(), last=window.last.isoformat(), chosen=[])
    await message.reply_text(
        _deputies_text(context, flow), reply_markup=await _deputies_keyboard(context, flow)
    )
    return DEPUTIES


def _deputies_text(context: BotContext, flow: dict[str, object]) -> str:
    return context.texts(
        "plan.choose_deputies",
        place=html.escape(str(flow["place"])),
        first=flow["first"],
        last=flow["last"],
    )


async def _deputies_keyboard(context: BotContext, flow: dict[str, object]) -> InlineKeyboardMarkup:
    members = await plan.plan_members(context.services, context.person)
    chosen = set(flow.get("chosen") or [])  # type: ignore[call-overload]
    nonce = str(flow["nonce"])
    texts = context.texts
    rows = [
        [
            flows.button(
                ("☑ " if pid in chosen else "☐ ") + clip(name, 30), PREFIX, nonce, "toggle", pid
            )
        ]
        for pid, name in members
    ]
    rows.append(
        [
            flows.button(texts("plan.button_all"), PREFIX, nonce, "all"),
            flows.button(texts("plan.button_confirm"), PREFIX, nonce, "ok"),
        ]
    )
    rows.append([flows.button(texts("button.cancel"), PREFIX, nonce, "cancel")])
    return InlineKeyboardMarkup(rows)


@flows.on_press(PREFIX, "plan", DEPUTIES)
async def deputies_step(update: Update, context: BotContext, press: flows.Pressed) -> str | int:
    """Tick deputies; OK stores the task and tells them."""
    query = press.query
    if press.verb == "cancel":
        return await _cancel(update, context)
    flow = flows.current_flow(context)
    chosen: list[int] = list(flow.get("chosen") or [])
    members = dict(await plan.plan_members(context.services, context.person))
    if press.verb in ("toggle", "all"):
        if press.verb == "all":
            chosen = sorted(members)
        else:
            pid = press.int_arg()
            if pid not in members:
                await query.answer(context.texts("plan.not_your_group"), show_alert=True)
                return DEPUTIES
            chosen = sorted(set(chosen) ^ {pid})
        flow["chosen"] = chosen
        await query.answer()
        await query.edit_message_text(
            _deputies_text(context, flow), reply_markup=await _deputies_keyboard(context, flow)
        )
        return DEPUTIES
    if press.verb != "ok":
        await query.answer(context.texts("button_expired"), show_alert=True)
        return DEPUTIES
    planned = await plan.create_task(
        context.services,
        context.caller(),
        kind=str(flow["target_kind"]),
        target_id=flow["target_id"],
        window=Window(date.fromisoformat(flow["first"]), date.fromisoformat(flow["last"])),
        person_ids=chosen,
        source_key=f"plan:{flow['nonce']}",
    )
    await query.answer()
    flows.end_flow(context)
    texts = context.texts
    await query.edit_message_text(
        texts(
            "plan.created",
            place=html.escape(planned.place),
            project=html.escape(planned.project),
            first=planned.window.first.isoformat(),
            last=planned.window.last.isoformat(),
            names=texts("dailysum.name_separator").join(html.escape(n) for n in planned.names),
        )
    )
    return END


async def _cancel(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    flows.end_flow(context)
    await query.edit_message_text(context.texts("cancelled"))
    return END


async def tasks_command(update: Update, context: BotContext) -> None:
    """/tasks: the caller's own visits to make, open and overdue first."""
    message = update.effective_message
    assert message is not None
    rows = await plan.my_tasks(context.services, context.person)
    today = context.now().astimezone(context.services.settings.zone).date()
    for part in render_tasks(rows, today, context.texts):
        await message.reply_text(part)


# --- wiring --------------------------------------------------------------------------------------


def entry_points() -> list[flows.StepHandler]:
    """/plan (leaders) opens this feature's steps."""
    return flows.steps(CommandHandler("plan", start_plan))


def states() -> dict[str, list[flows.StepHandler]]:
    """The project, the sub-item or site, the window (typed), the deputies."""
    return {
        PROJECT: flows.button_step(project_step, PREFIX),
        TARGET: flows.button_step(target_step, PREFIX),
        WINDOW: flows.typed_step(window_step, "plan.window_expected"),
        DEPUTIES: flows.button_step(deputies_step, PREFIX),
    }


def commands() -> list[flows.StepHandler]:
    """/tasks works anywhere, also in the middle of another flow."""
    return flows.steps(CommandHandler("tasks", tasks_command))
