"""/problem and /suggest: place, (category and severity), description, photos, confirm.

The draft is a row in our items table from the first step, so nothing typed is lost on a restart;
it gets its number only when confirmed.
"""

from __future__ import annotations

import html
from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler

from bot.errors import Refused
from bot.items import Kind, Severity, validate_description
from bot.people import Action, require_can
from bot.records import SiteRecord
from bot.usecases import deputy
from bot.views import place_of
from handlers import callbacks
from handlers import flow as flows
from handlers.context import BotContext
from handlers.photos import PHOTO_INPUT, receive_item_photo
from handlers.replies import alongside, replying
from handlers.report_confirm import cancel_report, confirm_step, edit_step, late_confirm
from handlers.report_flow import (
    CATEGORY,
    CONFIRM,
    DESCRIPTION,
    EDIT,
    PHOTOS,
    PLACE,
    PREFIX,
    SEVERITY,
    ask_category,
    ask_description,
    ask_severity,
    draft,
    save,
    show_summary,
)


async def start_report(update: Update, context: BotContext) -> str:
    """Open a draft problem or suggestion and ask where it was found."""
    require_can(context.person, Action.REPORT)
    message = update.effective_message
    assert message is not None and message.text is not None
    kind = Kind.SUGGESTION if message.text.split()[0].split("@")[0] == "/suggest" else Kind.PROBLEM
    await flows.abandon_flow(context)
    services = context.services
    me = context.me
    item_id = await deputy.start_report(services, context.caller(), kind)
    flow = flows.start_flow(context, "report", item_id=item_id, report_kind=str(kind))
    since = context.now() - timedelta(hours=services.settings.checkin.recent_hours)
    recent = await services.visits.recent(me.id, since)
    texts = context.texts
    intro = texts(f"report_start.{kind}")
    if recent:
        seen: set[int] = set()
        visits: list[flows.Choice] = []
        for visit in recent:
            if visit.site_id in seen:
                continue
            seen.add(visit.site_id)
            local = visit.at.astimezone(services.settings.zone).strftime("%H:%M")
            label = texts("report_recent_site", site=visit.site_name, time=local)
            visits.append((label, "visit", visit.id))
        other = (texts("report_other_place"), "projects", "")
        markup = flows.choices_keyboard(texts, PREFIX, flow["nonce"], visits, other)
        await message.reply_text(
            intro + "\n\n" + texts("report_choose_recent"), reply_markup=markup
        )
    else:
        await message.reply_text(
            intro + "\n\n" + texts("report_choose_project"),
            reply_markup=await flows.projects_keyboard(context, PREFIX, flow["nonce"]),
        )
    return PLACE


def _at_site(site: SiteRecord, visit_id: int | None = None) -> dict[str, int | None]:
    """The draft's place at a site, picked from a recent visit there or from the project's list."""
    return {
        "visit_id": visit_id,
        "site_id": site.id,
        "project_id": site.project_id,
        "subitem_id": site.subitem_id,
    }


async def place_step(update: Update, context: BotContext) -> str | int:
    """A recent visit, a project, a site or a sub-item was picked."""
    press = await flows.pressed(update, context, PREFIX)
    if press is None:
        return PLACE
    query = press.query
    services = context.services
    campaign_id = services.campaign.id
    flow = flows.current_flow(context)
    nonce = flow["nonce"]
    texts = context.texts
    arg = press.int_arg()
    if press.verb == "cancel":
        return await cancel_report(update, context)
    if press.verb == "projects":
        await query.edit_message_text(
            texts("report_choose_project"),
            reply_markup=await flows.projects_keyboard(context, PREFIX, nonce),
        )
        return PLACE
    if press.verb == "project" and arg is not None:
        project = await services.catalog.project(campaign_id, arg)
        if project is None:
            raise Refused("button_expired")
        sites = await services.catalog.sites_of_project(campaign_id, arg)
        subitems = await services.catalog.subitems_of_project(campaign_id, arg)
        rows = [[flows.button(f"📍 {s.name}", PREFIX, nonce, "site", s.id)] for s in sites]
        rows += [[flows.button(f"📋 {s.title}", PREFIX, nonce, "subitem", s.id)] for s in subitems]
        rows.append([flows.button(texts("report_whole_project"), PREFIX, nonce, "whole", arg)])
        rows.append([flows.button(texts("button.back"), PREFIX, nonce, "projects")])
        await query.edit_message_text(
            texts("report_choose_site", project=html.escape(project.title)),
            reply_markup=InlineKeyboardMarkup(rows),
        )
        return PLACE
    fields: dict[str, int | None] | None = None
    if press.verb == "visit" and arg is not None:
        visit = await services.visits.get(arg)
        site = await services.catalog.site(campaign_id, visit.site_id) if visit else None
        if visit is None or visit.person_id != context.me.id or site is None:
            raise Refused("button_expired")
        fields = _at_site(site, visit.id)
    elif press.verb == "site" and arg is not None:
        site = await services.catalog.site(campaign_id, arg)
        if site is None:
            raise Refused("button_expired")
        fields = _at_site(site)
    elif press.verb == "subitem" and arg is not None:
        subitem = await services.catalog.subitem(campaign_id, arg)
        if subitem is None:
            raise Refused("button_expired")
        fields = {
            "visit_id": None,
            "site_id": None,
            "project_id": subitem.project_id,
            "subitem_id": subitem.id,
        }
    elif press.verb == "whole" and arg is not None:
        if await services.catalog.project(campaign_id, arg) is None:
            raise Refused("button_expired")
        fields = {"visit_id": None, "site_id": None, "project_id": arg, "subitem_id": None}
    if fields is None:
        return PLACE
    await save(context, **fields)
    item = await draft(context)
    edit = query.edit_message_text(texts("report_place_set", place=html.escape(place_of(item))))
    if flow.get("editing"):
        return await alongside(edit, show_summary(update, context))
    if item.kind is Kind.PROBLEM:
        return await alongside(edit, ask_category(update, context))
    return await alongside(edit, ask_description(update, context))


async def category_step(update: Update, context: BotContext) -> str:
    press = await flows.pressed(update, context, PREFIX)
    if press is None or press.verb != "cat" or press.int_arg() is None:
        return CATEGORY
    services = context.services
    category = await services.catalog.category(services.campaign.id, press.int_arg() or 0)
    if category is None:
        raise Refused("button_expired")
    await save(context, category_id=category.id)
    edit = press.query.edit_message_text(
        context.texts(
            "report_category_set", category=html.escape(category.label(context.texts.language))
        )
    )
    if flows.current_flow(context).get("editing"):
        return await alongside(edit, show_summary(update, context))
    return await alongside(edit, ask_severity(update, context))


async def severity_step(update: Update, context: BotContext) -> str:
    press = await flows.pressed(update, context, PREFIX)
    if press is None or press.verb != "sev" or press.arg not in {s.value for s in Severity}:
        return SEVERITY
    severity = Severity(press.arg)
    await save(context, severity=severity)
    edit = press.query.edit_message_text(
        context.texts("report_severity_set", severity=context.texts(f"severity.{severity}"))
    )
    if flows.current_flow(context).get("editing"):
        return await alongside(edit, show_summary(update, context))
    return await alongside(edit, ask_description(update, context))


async def description_step(update: Update, context: BotContext) -> str:
    """Store the description (cleaned, within limits), then ask for photos."""
    message = update.effective_message
    assert message is not None and message.text is not None
    settings = context.services.settings.reports
    try:
        text = validate_description(
            message.text, settings.description_min_chars, settings.description_max_chars
        )
    except Refused as refused:
        await message.reply_text(context.texts(refused.key, **refused.params))
        return DESCRIPTION
    await save(context, description=text)
    flow = flows.current_flow(context)
    if flow.get("editing"):
        return await show_summary(update, context)
    markup = InlineKeyboardMarkup(
        [[flows.button(context.texts("report_photos_skip"), PREFIX, flow["nonce"], "photos_done")]]
    )
    await message.reply_text(
        context.texts("report_ask_photos", max=settings.max_photos), reply_markup=markup
    )
    return PHOTOS


async def report_photo(update: Update, context: BotContext) -> str:
    """A photo for the draft."""
    item = await draft(context)
    # Photos are judged against the visit when the report is tied to one.
    visit = await context.services.visits.get(item.visit_id) if item.visit_id else None
    await receive_item_photo(
        update, context, item, reference_time=visit.at if visit else item.created_at
    )
    return PHOTOS


async def photos_done(update: Update, context: BotContext) -> str:
    press = await flows.pressed(update, context, PREFIX)
    if press is None or press.verb != "photos_done":
        return PHOTOS
    return await alongside(flows.remove_buttons(update), show_summary(update, context))


photos_expected = replying("report_photos_expected")

# --- wiring --------------------------------------------------------------------------------------


def entry_points() -> list[flows.StepHandler]:
    """/problem and /suggest open this feature's steps."""
    return flows.steps(CommandHandler(["problem", "suggest"], start_report))


def states() -> dict[str, list[flows.StepHandler]]:
    """Place, (category and severity), description, photos, then confirm or change an answer."""
    pattern = callbacks.pattern(PREFIX)
    return {
        PLACE: flows.button_step(place_step, PREFIX),
        CATEGORY: flows.button_step(category_step, PREFIX),
        SEVERITY: flows.button_step(severity_step, PREFIX),
        DESCRIPTION: flows.typed_step(description_step, "report_description_expected"),
        PHOTOS: flows.steps(
            MessageHandler(PHOTO_INPUT, report_photo),
            CallbackQueryHandler(photos_done, pattern=pattern),
            MessageHandler(flows.TYPED, photos_expected),
        ),
        CONFIRM: flows.button_step(confirm_step, PREFIX),
        EDIT: flows.button_step(edit_step, PREFIX),
    }


def commands() -> list[flows.StepHandler]:
    """A second tap on confirm after the item was stored says its number."""
    return flows.steps(
        CallbackQueryHandler(late_confirm, pattern=rf"^{PREFIX}:[0-9a-f]+:confirm:\d+$")
    )
