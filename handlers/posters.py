"""Site posters. /posters: staff get the sites' check-in QR posters as a Word document (all
sites, or one project's: `/posters C01`, or the buttons). Scanning one sends `/start site_<code>`
(bot/site_links.py), which opens /checkin's flow at its location step with the site chosen."""

from __future__ import annotations

import html
from typing import cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.errors import Refused
from bot.people import Action, require_can
from bot.posters import place
from bot.records import ProjectRecord
from bot.site_links import SITE_PREFIX
from bot.usecases import poster_document, posters
from handlers import callbacks
from handlers.checkin import LOCATION, location_keyboard
from handlers.context import BotContext
from handlers.flow import StepHandler, open_flow, steps

PREFIX = callbacks.POSTERS
ALL = "all"


async def posters_command(update: Update, context: BotContext) -> None:
    """`/posters [project code]`: the posters of that project, else a choice of which."""
    message = update.effective_message
    assert message is not None
    services, texts, caller = context.services, context.texts, context.caller()
    args = list(context.args or [])
    if args:
        project = await posters.project_by_code(services, caller, args[0])
        if project is None:
            await message.reply_text(texts("posters.unknown_project", code=html.escape(args[0])))
            return
        await _send(message, context, project)
        return
    found = await posters.choices(services, caller)
    if not found:
        raise Refused("posters.no_sites")
    total = sum(choice.sites for choice in found)
    rows = [
        [InlineKeyboardButton(texts("posters.all", count=total), callback_data=f"{PREFIX}:{ALL}")]
    ]
    rows += [
        [
            InlineKeyboardButton(
                texts(
                    "posters.project_choice",
                    project=f"{c.project.code} {c.project.title}",
                    count=c.sites,
                ),
                callback_data=f"{PREFIX}:{c.project.id}",
            )
        ]
        for c in found
    ]
    await message.reply_text(texts("posters.choose"), reply_markup=InlineKeyboardMarkup(rows))


async def posters_button(update: Update, context: BotContext) -> None:
    """Staff chose all sites or a project: checked again on the press, as they are now."""
    query = update.callback_query
    assert query is not None
    # Before the press is answered, so a refusal shows on the button (make_posters asks again).
    require_can(context.person, Action.POSTERS)
    arg = (query.data or "").removeprefix(f"{PREFIX}:")
    if arg == ALL:
        project = None
    elif arg.isdigit() and len(arg) < 12:
        found = await context.services.catalog.project(context.services.campaign.id, int(arg))
        if found is None:
            raise Refused("button_expired")
        project = found
    else:
        raise Refused("button_expired")
    await query.answer()
    assert isinstance(query.message, Message)
    await _send(query.message, context, project)


async def _send(message: Message, context: BotContext, project: ProjectRecord | None) -> None:
    services, texts = context.services, context.texts
    status = await message.reply_text(texts("posters.making"))
    result, data = await poster_document.posters_docx(
        services,
        context.caller(),
        bot_username=context.bot.username,
        project_id=project.id if project else None,
        language=texts.language,
    )
    stem = texts("posters.file_name")
    name = f"{stem}-{project.code}.docx" if project else f"{stem}.docx"
    scope = (
        html.escape(f"{project.code} {project.title}") if project else texts("posters.scope_all")
    )
    await status.edit_text(texts("posters.done", count=result.pages, scope=scope))
    await message.reply_document(document=data, filename=name)


async def start_at_site(update: Update, context: BotContext) -> str | int | None:
    """`/start site_<code>` from a scanned poster: /checkin with the site remembered, so the
    shared location is judged against it rather than offered the nearest sites."""
    message = update.effective_message
    assert message is not None
    texts = context.texts
    if context.person is None:
        # Posters hang where anyone can scan them: a stranger learns how one joins, nothing more.
        await message.reply_text(texts("start_need_invitation"))
        return None
    # Refused (a role that does not check in, an unknown site) before anything changes: an open
    # flow stays as it was.
    site = await posters.scanned_site(context.services, context.caller(), (context.args or [""])[0])
    await open_flow(update, context, "checkin", site_id=site.id)
    where = place(site.district, site.address)
    await message.reply_text(
        texts(
            "posters.checkin_at",
            site=html.escape(site.name),
            address=texts("posters.checkin_address", address=html.escape(where)) if where else "",
        ),
        reply_markup=location_keyboard(texts),
    )
    return LOCATION


def entry_points() -> list[StepHandler]:
    """A scanned poster opens /checkin's flow (its states are handlers/checkin.py's). Tried
    before /start's own handler, for strangers too: they are told how one joins."""
    poster = filters.Regex(rf"^/start(@\w+)?\s+{SITE_PREFIX}")
    return steps(CommandHandler("start", start_at_site, filters=poster))


def states() -> dict[str, list[StepHandler]]:
    """None of its own: /posters is one step, and a scan continues in /checkin's states."""
    return {}


def commands() -> list[StepHandler]:
    """Handlers that work outside any conversation."""
    return [
        cast(StepHandler, CommandHandler("posters", posters_command)),
        cast(StepHandler, CallbackQueryHandler(posters_button, pattern=callbacks.pattern(PREFIX))),
    ]
