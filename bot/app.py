"""The composition root: build the Application and run it (used by the CLI, the demo and the tests)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest
from telegram.warnings import PTBUserWarning

from bot.config import Settings
from bot.schedule import scheduled
from bot.services import Services
from handlers import (
    checkin,
    common,
    export,
    forward,
    inbox,
    invite,
    lookback,
    manage,
    mine,
    rating,
    report,
    review,
    summary,
    tally,
)
from handlers.context import BotContext, Runtime
from handlers.delivery import delivering
from handlers.flow import CANCEL_LABELS, MESSAGE, TYPED, StepHandler, buttons_expected
from handlers.photos import PHOTO_INPUT
from handlers.processor import PerUserUpdateProcessor
from handlers.request import AiohttpRequest
from storage.persistence import SqlitePersistence

log = logging.getLogger(__name__)

BotApplication = Application[Any, BotContext, dict[str, Any], dict[str, Any], Runtime, Any]

ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]

# Conversations mix message and button steps on purpose; PTB's per_message hint does not apply.
warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)


# Features of the closed loop, in menu order. Each contributes conversation entry points and
# steps (joined into the one conversation below) and handlers that work outside conversations.
FEATURES = (review, summary, tally, export, forward, inbox, rating, lookback, manage)


def _conversations() -> ConversationHandler[BotContext]:
    """All multi-step flows share one conversation, so starting one ends the other."""
    # Shared by several steps; the cast only widens the return type the step lists expect.
    buttons_only = cast(StepHandler, MessageHandler(TYPED, buttons_expected))
    cancel_key = cast(
        StepHandler, MessageHandler(MESSAGE & CANCEL_LABELS, common.leave_conversation)
    )
    return ConversationHandler(
        entry_points=[
            CommandHandler("checkin", checkin.start_checkin),
            CommandHandler(["problem", "suggest"], report.start_report),
            CommandHandler("invite", invite.start_invite),
            *(handler for feature in FEATURES for handler in feature.entry_points()),
        ],
        states={
            # /checkin
            checkin.LOCATION: [
                MessageHandler(MESSAGE & filters.LOCATION, checkin.receive_location),
                cancel_key,
                MessageHandler(TYPED, checkin.location_expected),
            ],
            checkin.SITE: [CallbackQueryHandler(checkin.site_step, pattern=r"^ck:"), buttons_only],
            checkin.PROJECT: [
                CallbackQueryHandler(checkin.site_step, pattern=r"^ck:"),
                buttons_only,
            ],
            checkin.PHOTOS: [
                MessageHandler(PHOTO_INPUT, checkin.visit_photo),
                CallbackQueryHandler(checkin.photos_done, pattern=r"^ck:"),
                CommandHandler("done", checkin.photos_done),
                MessageHandler(TYPED, checkin.photos_expected),
            ],
            # /problem and /suggest
            report.PLACE: [CallbackQueryHandler(report.place_step, pattern=r"^rp:"), buttons_only],
            report.CATEGORY: [
                CallbackQueryHandler(report.category_step, pattern=r"^rp:"),
                buttons_only,
            ],
            report.SEVERITY: [
                CallbackQueryHandler(report.severity_step, pattern=r"^rp:"),
                buttons_only,
            ],
            report.DESCRIPTION: [
                MessageHandler(TYPED & filters.TEXT, report.description_step),
                MessageHandler(TYPED, report.description_expected),
            ],
            report.PHOTOS: [
                MessageHandler(PHOTO_INPUT, report.report_photo),
                CallbackQueryHandler(report.photos_done, pattern=r"^rp:"),
                MessageHandler(TYPED, report.photos_expected),
            ],
            report.CONFIRM: [
                CallbackQueryHandler(report.confirm_step, pattern=r"^rp:"),
                buttons_only,
            ],
            report.EDIT: [CallbackQueryHandler(report.edit_step, pattern=r"^rp:"), buttons_only],
            # /invite (staff)
            invite.ROLE: [CallbackQueryHandler(invite.role_step, pattern=r"^iv:"), buttons_only],
            invite.SCOPE: [CallbackQueryHandler(invite.scope_step, pattern=r"^iv:"), buttons_only],
            invite.NAME: [
                MessageHandler(TYPED & filters.TEXT, invite.name_step),
                MessageHandler(TYPED, invite.name_expected),
            ],
            # review, export, forward, inbox, rating, look-back, manage
            **{state: steps for feature in FEATURES for state, steps in feature.states().items()},
        },
        fallbacks=[CommandHandler("cancel", common.leave_conversation)],
        allow_reentry=True,
        name="main",
        persistent=True,
    )


def build_application(
    settings: Settings,
    services: Services,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
) -> BotApplication:
    """The bot with every handler registered, in the order they are tried."""
    token = settings.token()
    if not token:
        raise ValueError("no bot token configured")
    runtime_settings = settings.runtime
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram.base_url)
        .base_file_url(settings.telegram.base_file_url)
        .context_types(ContextTypes(context=BotContext, bot_data=Runtime))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                tzinfo=settings.zone,
            )
        )
        .persistence(
            SqlitePersistence(
                services.db, update_interval=runtime_settings.persistence_interval_seconds
            )
        )
        .concurrent_updates(PerUserUpdateProcessor(runtime_settings.max_concurrent_updates))
    )
    # Long polling holds one connection open; give it its own pool so replies never wait for it.
    builder = builder.request(request or AiohttpRequest(connection_pool_size=256, read_timeout=30))
    builder = builder.get_updates_request(
        get_updates_request
        or HTTPXRequest(read_timeout=settings.telegram.poll_timeout_seconds + 10)
    )
    app: BotApplication = builder.build()
    app.bot_data.services = services
    app.bot_data.default_language = settings.i18n.default_language

    # 1. The gate: every update, before anything else. Groups, strangers and edits stop here.
    app.add_handler(TypeHandler(Update, common.gate), group=-1)

    # 2. Conversations (check-in, problem/suggestion, invite); their commands restart them.
    app.add_handler(_conversations())

    # 3. Commands that work anywhere, also in the middle of a conversation.
    app.add_handler(CommandHandler("start", common.start))
    app.add_handler(CommandHandler("help", common.help_command))
    app.add_handler(CommandHandler("lang", common.lang_command))
    app.add_handler(CommandHandler("mine", mine.mine))
    app.add_handler(CommandHandler("cancel", common.cancel_idle))
    for feature in FEATURES:
        for handler in feature.commands():
            app.add_handler(handler)

    # 4. Buttons that live outside conversations.
    app.add_handler(CallbackQueryHandler(common.lang_chosen, pattern=r"^lang:"))
    app.add_handler(CallbackQueryHandler(mine.mine_button, pattern=r"^mine:"))
    app.add_handler(
        CallbackQueryHandler(report.late_confirm, pattern=r"^rp:[0-9a-f]+:confirm:\d+$")
    )

    # 5. Whatever is left: stale or forged buttons, and messages nobody waits for.
    app.add_handler(CallbackQueryHandler(common.expired_button))
    app.add_handler(MessageHandler(MESSAGE, common.unknown_message))

    app.add_error_handler(common.on_error)
    return app


@asynccontextmanager
async def running(app: BotApplication, settings: Settings) -> AsyncIterator[BotApplication]:
    """Initialise, fetch updates (long polling or webhook), and stop cleanly on exit."""
    async with app:
        await common.set_default_commands(app.bot, settings.i18n.default_language)
        assert app.updater is not None
        tg = settings.telegram
        if tg.mode == "webhook":
            hook = tg.webhook
            await app.updater.start_webhook(
                listen=hook.listen,
                port=hook.port,
                url_path=hook.url_path,
                webhook_url=f"{hook.public_url.rstrip('/')}/{hook.url_path}",
                secret_token=settings.webhook_secret(),
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            await app.updater.start_polling(
                poll_interval=0.0,
                timeout=tg.poll_timeout_seconds,
                allowed_updates=ALLOWED_UPDATES,
            )
        services = app.bot_data.services
        assert services is not None
        await app.start()
        # The sender stops before the database closes; notices still queued stay in the outbox.
        async with delivering(app, settings, services) as sender, scheduled(services):
            services.on_queued = sender.wake
            log.info("Bot @%s is running (%s)", app.bot.username, tg.mode)
            try:
                yield app
            finally:
                services.on_queued = None
                await app.updater.stop()
                await app.stop()
