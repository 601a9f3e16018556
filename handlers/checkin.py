"""/checkin: share a location, pick the site, optionally send photos.

A scanned site poster (handlers/posters.py) opens the same flow with the site already chosen in
the flow's scratch (`site_id`): the location is still asked for, and the visit is judged against
that site instead of offering the nearest ones."""

from __future__ import annotations

import html

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.errors import Refused
from bot.people import Action, can, require_can
from bot.records import PhotoTarget
from bot.texts import Texts
from bot.usecases import deputy, progress
from bot.visits import NearbySite, Position
from handlers import callbacks
from handlers import flow as flows
from handlers.campaigns import sites_around, with_joint_button
from handlers.common import leave_conversation
from handlers.context import BotContext
from handlers.conversation import END
from handlers.observe import observe_button
from handlers.photos import PHOTO_INPUT, receive_photo
from handlers.replies import alongside, replying

LOCATION, SITE, PROJECT, PHOTOS = (
    "checkin.location",
    "checkin.site",
    "checkin.project",
    "checkin.photos",
)
PREFIX = callbacks.CHECKIN


def format_distance(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"


def location_keyboard(texts: Texts) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(texts("checkin_share_button"), request_location=True)],
            [texts("button.cancel")],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def start_checkin(update: Update, context: BotContext) -> str:
    """Ask for the deputy's current location with a location button."""
    require_can(context.person, Action.CHECKIN)
    flows.start_flow(context, "checkin")
    message = update.effective_message
    assert message is not None
    texts = context.texts
    await message.reply_text(texts("checkin_ask_location"), reply_markup=location_keyboard(texts))
    return LOCATION


def _site_keyboard(
    context: BotContext, nonce: str, nearby: list[NearbySite]
) -> InlineKeyboardMarkup:
    texts = context.texts
    sites: list[flows.Choice] = [
        (
            f"{'★ ' if n.in_group else ''}{n.site.name} · {format_distance(n.distance_m)}",
            "site",
            n.site.id,
        )
        for n in nearby
    ]
    return flows.choices_keyboard(
        texts, PREFIX, nonce, sites, (texts("checkin_not_listed"), "projects", "")
    )


async def receive_location(update: Update, context: BotContext) -> str:
    """Offer the sites nearest to the shared location, the deputy's group's first."""
    message = update.effective_message
    assert message is not None and message.location is not None
    texts = context.texts
    if message.forward_origin is not None:
        await message.reply_text(texts("checkin_forwarded_location"))
        return LOCATION
    if message.venue is not None:
        await message.reply_text(texts("checkin_venue_refused"))
        return LOCATION
    loc = message.location
    # Only whether the location is live matters. Reading `live_period` itself warns on every
    # check-in that PTB will return a timedelta, while to_dict() gives Telegram's field as is.
    live = bool(loc.to_dict().get("live_period"))
    try:
        position = Position(loc.latitude, loc.longitude, loc.horizontal_accuracy, live)
    except Refused as refused:
        await message.reply_text(texts(refused.key, **refused.params))
        return LOCATION
    settings = context.services.settings.checkin
    flow = flows.current_flow(context)
    flow["position"] = {
        "lat": position.lat,
        "lon": position.lon,
        "accuracy": position.accuracy_m,
        "live": position.live,
        "key": f"loc:{message.message_id}",
    }
    accuracy = (
        texts("checkin_accuracy", metres=round(loc.horizontal_accuracy))
        if loc.horizontal_accuracy
        else ""
    )
    scanned = flow.get("site_id")
    if isinstance(scanned, int):
        # The poster named the site: record the visit there, on site or not as the location says.
        await message.reply_text(
            texts("checkin_location_received", accuracy=accuracy),
            reply_markup=ReplyKeyboardRemove(),
        )
        await message.reply_text(await _visit(context, scanned, flow["position"]["key"]))
        return await _ask_for_photos(message, context)
    nearby = await sites_around(context, flow, position.lat, position.lon)
    await message.reply_text(
        texts("checkin_location_received", accuracy=accuracy), reply_markup=ReplyKeyboardRemove()
    )
    if not nearby:
        await message.reply_text(
            texts("checkin_none_nearby", km=f"{settings.search_radius_m / 1000:g}"),
            reply_markup=await flows.projects_keyboard(context, PREFIX, flow["nonce"]),
        )
        return PROJECT
    await message.reply_text(
        texts("checkin_choose_site"), reply_markup=_site_keyboard(context, flow["nonce"], nearby)
    )
    return SITE


location_expected = replying("checkin_need_location")


async def site_step(update: Update, context: BotContext) -> str | int:
    """The deputy picked a site, asked for the full list, or cancelled."""
    press = await flows.pressed(update, context, PREFIX)
    if press is None:
        return SITE
    query = press.query
    flow = flows.current_flow(context)
    if press.verb == "projects":
        await query.edit_message_text(
            context.texts("checkin_choose_project"),
            reply_markup=await flows.projects_keyboard(context, PREFIX, flow["nonce"]),
        )
        return PROJECT
    if press.verb == "project" and press.int_arg() is not None:
        return await _show_project_sites(update, context, press.int_arg() or 0)
    if press.verb == "site" and press.int_arg() is not None:
        return await _record_visit(update, context, press.int_arg() or 0)
    if press.verb == "cancel":
        flows.end_flow(context)
        await query.edit_message_text(context.texts("cancelled"))
        return END
    return SITE


async def _show_project_sites(update: Update, context: BotContext, project_id: int) -> str:
    services = context.services
    query = update.callback_query
    assert query is not None
    flow = flows.current_flow(context)
    project = await services.catalog.project(services.campaign.id, project_id)
    sites = (
        await services.catalog.sites_of_project(services.campaign.id, project_id) if project else []
    )
    if project is None or not sites:
        await query.edit_message_text(
            context.texts("checkin_project_has_no_sites"),
            reply_markup=await flows.projects_keyboard(context, PREFIX, flow["nonce"]),
        )
        return PROJECT
    rows = [
        [flows.button(f"{s.name}（{s.district}）", PREFIX, flow["nonce"], "site", s.id)]
        for s in sites
    ]
    rows.append([flows.button(context.texts("button.back"), PREFIX, flow["nonce"], "projects")])
    await query.edit_message_text(
        context.texts("checkin_choose_site_of", project=html.escape(project.title)),
        reply_markup=InlineKeyboardMarkup(rows),
    )
    return SITE


async def _record_visit(update: Update, context: BotContext, site_id: int) -> str:
    query = update.callback_query
    assert query is not None and query.message is not None
    # A refusal here comes after the press was answered; the error handler says it in the chat.
    recorded = await _visit(context, site_id, f"pick:{query.message.message_id}")
    message = update.effective_message
    assert message is not None
    return await alongside(query.edit_message_text(recorded), _ask_for_photos(message, context))


async def _visit(context: BotContext, site_id: int, pick_key: str) -> str:
    """Record the visit at the site (with the shared location, if any: `pick_key` keys a visit
    without one) and say what was recorded."""
    services = context.services
    flow = flows.current_flow(context)
    pos = flow.get("position")
    position = (
        Position(pos["lat"], pos["lon"], pos["accuracy"], pos["live"])
        if isinstance(pos, dict)
        else None
    )
    source_key = pos["key"] if isinstance(pos, dict) else pick_key
    checked_in = await deputy.check_in(
        services, context.caller(), site_id, position, source_key=source_key
    )
    visit = checked_in.visit
    flow["visit_id"] = visit.id
    texts = context.texts
    distance = (
        texts("checkin_distance", distance=format_distance(visit.distance_m))
        if visit.distance_m is not None
        else ""
    )
    local = visit.at.astimezone(services.settings.zone)
    said = texts(
        "checkin_recorded",
        site=html.escape(visit.site_name),
        time=local.strftime("%H:%M"),
        distance=distance,
        verdict=texts(f"presence.{visit.reason}"),
    )
    if checked_in.tasks:
        places = texts("plan.fulfilled_separator").join(
            html.escape(task.place) for task in checked_in.tasks
        )
        said += "\n" + texts("plan.fulfilled", places=places)
    return said


async def _ask_for_photos(message: Message, context: BotContext) -> str:
    texts = context.texts
    done = flows.button(texts("button.done"), PREFIX, flows.current_flow(context)["nonce"], "done")
    await message.reply_text(
        texts("checkin_photos_prompt"), reply_markup=InlineKeyboardMarkup([[done]])
    )
    return PHOTOS


async def visit_photo(update: Update, context: BotContext) -> str:
    """A photo for the visit just recorded."""
    flow = flows.current_flow(context)
    services = context.services
    visit_id = flow.get("visit_id")
    if not isinstance(visit_id, int):
        return PHOTOS
    visit = await services.visits.get(visit_id)
    assert visit is not None
    site = await services.catalog.site(services.campaign.id, visit.site_id)
    await receive_photo(
        update,
        context,
        target=PhotoTarget(visit_id=visit_id),
        site=site,
        reference_time=visit.at,
        limit=services.settings.reports.max_photos,
    )
    return PHOTOS


async def photos_done(update: Update, context: BotContext) -> str | int:
    """Finish the check-in."""
    if update.callback_query is not None:
        press = await flows.pressed(update, context, PREFIX)
        if press is None or press.verb != "done":
            return PHOTOS
        return await alongside(flows.remove_buttons(update), _finish(update, context))
    return await _finish(update, context)


async def _finish(update: Update, context: BotContext) -> int:
    flow = flows.end_flow(context)
    services = context.services
    visit_id = flow.get("visit_id")
    count = (
        await services.photos.count(PhotoTarget(visit_id=visit_id))
        if isinstance(visit_id, int)
        else 0
    )
    message = update.effective_message
    assert message is not None
    # At a site of a sub-item with targets, the deputy may record the progress they saw.
    markup = None
    if (
        isinstance(visit_id, int)
        and can(context.person, Action.OBSERVE)
        and await progress.observable(services, context.person, visit_id) is not None
    ):
        markup = observe_button(context, visit_id)
    if isinstance(visit_id, int):
        # Several campaigns served: the visit may be shared with a partner's group (联合视察).
        markup = with_joint_button(context, visit_id, markup)
    await message.reply_text(context.texts("checkin_finished", count=count), reply_markup=markup)
    return END


photos_expected = replying("checkin_photos_expected")

# --- wiring --------------------------------------------------------------------------------------


def entry_points() -> list[flows.StepHandler]:
    """/checkin opens this feature's steps (and so does a scanned poster, handlers/posters.py)."""
    return flows.steps(CommandHandler("checkin", start_checkin))


def states() -> dict[str, list[flows.StepHandler]]:
    """Share a location, pick the site (or a project, then a site), send photos."""
    return {
        LOCATION: flows.steps(
            MessageHandler(flows.MESSAGE & filters.LOCATION, receive_location),
            MessageHandler(flows.MESSAGE & flows.CANCEL_LABELS, leave_conversation),
            MessageHandler(flows.TYPED, location_expected),
        ),
        SITE: flows.button_step(site_step, PREFIX),
        PROJECT: flows.button_step(site_step, PREFIX),
        PHOTOS: flows.steps(
            MessageHandler(PHOTO_INPUT, visit_photo),
            CallbackQueryHandler(photos_done, pattern=callbacks.pattern(PREFIX)),
            CommandHandler("done", photos_done),
            MessageHandler(flows.TYPED, photos_expected),
        ),
    }


def commands() -> list[flows.StepHandler]:
    """Handlers that work outside any conversation."""
    return []
