"""The composition root: build the Application and run it (used by the CLI, the demo and the tests)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from aiohttp import web
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.config import Settings
from bot.pacing import pacer_for
from bot.schedule import scheduled
from bot.services import Services
from handlers import (
    add_more,
    callbacks,
    catalog_import,
    checkin,
    common,
    export,
    forward,
    inbox,
    invite,
    lookback,
    mine,
    people,
    rating,
    report,
    report_confirm,
    report_flow,
    review,
    summary,
    tally,
)
from handlers.context import BotContext, Runtime
from handlers.conversation import Conversations
from handlers.delivery import delivering
from handlers.flood import PacedRequests
from handlers.flow import CANCEL_LABELS, MESSAGE, TYPED, StepHandler, buttons_expected
from handlers.intake import Intake
from handlers.photos import PHOTO_INPUT
from handlers.polling import LongPoll
from handlers.processor import PerUserUpdateProcessor
from handlers.request import AiohttpRequest
from handlers.webhook import MAX_BODY_BYTES, add_webhook_route

log = logging.getLogger(__name__)

BotApplication = Application[Any, BotContext, dict[str, Any], dict[str, Any], Runtime, Any]

ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]

# Conversations mix message and button steps on purpose; PTB's per_message hint does not apply.
warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)


# Features of the closed loop, in menu order. Each contributes conversation entry points and
# steps (joined into the one conversation below) and handlers that work outside conversations.
FEATURES = (
    review,
    add_more,
    summary,
    tally,
    export,
    forward,
    inbox,
    rating,
    lookback,
    people,
    catalog_import,
)


def _conversations() -> Conversations:
    """All multi-step flows share one conversation, so starting one ends the other."""
    # Shared by several steps; the cast only widens the return type the step lists expect.
    buttons_only = cast(StepHandler, MessageHandler(TYPED, buttons_expected))
    cancel_key = cast(
        StepHandler, MessageHandler(MESSAGE & CANCEL_LABELS, common.leave_conversation)
    )
    return Conversations(
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
            checkin.SITE: [
                CallbackQueryHandler(
                    checkin.site_step, pattern=callbacks.pattern(callbacks.CHECKIN)
                ),
                buttons_only,
            ],
            checkin.PROJECT: [
                CallbackQueryHandler(
                    checkin.site_step, pattern=callbacks.pattern(callbacks.CHECKIN)
                ),
                buttons_only,
            ],
            checkin.PHOTOS: [
                MessageHandler(PHOTO_INPUT, checkin.visit_photo),
                CallbackQueryHandler(
                    checkin.photos_done, pattern=callbacks.pattern(callbacks.CHECKIN)
                ),
                CommandHandler("done", checkin.photos_done),
                MessageHandler(TYPED, checkin.photos_expected),
            ],
            # /problem and /suggest
            report_flow.PLACE: [
                CallbackQueryHandler(
                    report.place_step, pattern=callbacks.pattern(callbacks.REPORT)
                ),
                buttons_only,
            ],
            report_flow.CATEGORY: [
                CallbackQueryHandler(
                    report.category_step, pattern=callbacks.pattern(callbacks.REPORT)
                ),
                buttons_only,
            ],
            report_flow.SEVERITY: [
                CallbackQueryHandler(
                    report.severity_step, pattern=callbacks.pattern(callbacks.REPORT)
                ),
                buttons_only,
            ],
            report_flow.DESCRIPTION: [
                MessageHandler(TYPED & filters.TEXT, report.description_step),
                MessageHandler(TYPED, report.description_expected),
            ],
            report_flow.PHOTOS: [
                MessageHandler(PHOTO_INPUT, report.report_photo),
                CallbackQueryHandler(
                    report.photos_done, pattern=callbacks.pattern(callbacks.REPORT)
                ),
                MessageHandler(TYPED, report.photos_expected),
            ],
            report_flow.CONFIRM: [
                CallbackQueryHandler(
                    report_confirm.confirm_step, pattern=callbacks.pattern(callbacks.REPORT)
                ),
                buttons_only,
            ],
            report_flow.EDIT: [
                CallbackQueryHandler(
                    report_confirm.edit_step, pattern=callbacks.pattern(callbacks.REPORT)
                ),
                buttons_only,
            ],
            # /invite (staff)
            invite.ROLE: [
                CallbackQueryHandler(invite.role_step, pattern=callbacks.pattern(callbacks.INVITE)),
                buttons_only,
            ],
            invite.SCOPE: [
                CallbackQueryHandler(
                    invite.scope_step, pattern=callbacks.pattern(callbacks.INVITE)
                ),
                buttons_only,
            ],
            invite.NAME: [
                MessageHandler(TYPED & filters.TEXT, invite.name_step),
                MessageHandler(TYPED, invite.name_expected),
            ],
            # review, export, forward, inbox, rating, look-back, people, catalog
            **{state: steps for feature in FEATURES for state, steps in feature.states().items()},
        },
        fallbacks=[CommandHandler("cancel", common.leave_conversation)],
    )


def build_application(
    settings: Settings,
    services: Services,
    *,
    request: BaseRequest | None = None,
    poll_read_margin: float = 10.0,
) -> BotApplication:
    """The bot with every handler registered, in the order they are tried."""
    token = settings.token()
    if not token:
        raise ValueError("no bot token configured")
    runtime_settings = settings.runtime
    # One flood budget for everything the bot sends: replies here, notices in the sender.
    pacer = pacer_for(settings.outbox)
    conversations = _conversations()
    processor = PerUserUpdateProcessor(runtime_settings.max_concurrent_updates)
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
        # Updates come from the durable intake (handlers/intake.py), not PTB's Updater.
        .updater(None)
        .rate_limiter(PacedRequests(pacer, attempts=settings.outbox.reply_attempts))
        .concurrent_updates(processor)
    )
    builder = builder.request(request or AiohttpRequest(connection_pool_size=256, read_timeout=30))
    app: BotApplication = builder.build()
    runtime = app.bot_data
    runtime.services = services
    runtime.default_language = settings.i18n.default_language
    runtime.pacer = pacer
    runtime.conversations = conversations
    runtime.intake = Intake(app, services.intake, conversations, services.clock)
    runtime.poll_read_margin = poll_read_margin
    processor.on_done = runtime.intake.finish

    # 1. The gate: every update, before anything else. Groups, strangers and edits stop here.
    app.add_handler(TypeHandler(Update, common.gate), group=-1)

    # 2. Conversations (every multi-step flow); their commands restart them.
    app.add_handler(conversations)

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
    app.add_handler(
        CallbackQueryHandler(common.lang_chosen, pattern=callbacks.pattern(callbacks.LANGUAGE))
    )
    app.add_handler(
        CallbackQueryHandler(mine.mine_button, pattern=callbacks.pattern(callbacks.MINE))
    )
    app.add_handler(
        CallbackQueryHandler(
            report_confirm.late_confirm, pattern=rf"^{callbacks.REPORT}:[0-9a-f]+:confirm:\d+$"
        )
    )

    # 5. Whatever is left: stale or forged buttons, and messages nobody waits for.
    app.add_handler(CallbackQueryHandler(common.expired_button))
    app.add_handler(MessageHandler(MESSAGE, common.unknown_message))

    app.add_error_handler(common.on_error)
    return app


@asynccontextmanager
async def _receiving(
    app: BotApplication, settings: Settings, intake: Intake
) -> AsyncIterator[None]:
    """Take updates by long polling or on a webhook, for the life of the block."""
    tg = settings.telegram
    if tg.mode == "webhook":
        hook = tg.webhook
        web_app = web.Application(client_max_size=MAX_BODY_BYTES)
        add_webhook_route(web_app, intake, hook.url_path, settings.webhook_secret())
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, hook.listen, hook.port).start()
        try:
            await app.bot.set_webhook(
                f"{hook.public_url.rstrip('/')}/{hook.url_path}",
                secret_token=settings.webhook_secret(),
                allowed_updates=ALLOWED_UPDATES,
            )
            yield
        finally:
            await runner.cleanup()
        return
    await app.bot.delete_webhook()
    stop = asyncio.Event()
    # Its own connection, so replies never wait for the long poll's.
    source = LongPoll(app.bot.base_url, read_margin_seconds=app.bot_data.poll_read_margin)
    polling = asyncio.create_task(
        intake.poll(
            source, stop, poll_seconds=tg.poll_timeout_seconds, allowed_updates=ALLOWED_UPDATES
        ),
        name="getUpdates",
    )
    try:
        yield
    finally:
        stop.set()
        polling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
        await source.close()


@asynccontextmanager
async def running(app: BotApplication, settings: Settings) -> AsyncIterator[BotApplication]:
    """Initialise, take updates (long polling or webhook), and stop cleanly on exit."""
    async with app:
        await common.set_default_commands(app.bot, settings.i18n.default_language)
        runtime = app.bot_data
        services, intake = runtime.services, runtime.intake
        assert services is not None and intake is not None and runtime.conversations is not None
        runtime.conversations.load(await intake.repo.conversations())
        await app.start()
        # What was sent before a crash and not done goes first, each person's in order.
        await intake.replay()
        # The sender stops before the database closes; notices still queued stay in the outbox.
        async with (
            delivering(app, settings, services, runtime.pacer) as sender,
            scheduled(services),
            _receiving(app, settings, intake),
        ):
            services.on_queued = sender.wake
            log.info("Bot @%s is running (%s)", app.bot.username, settings.telegram.mode)
            try:
                yield app
            finally:
                services.on_queued = None
        # No more updates come in: finish what arrived, then stop.
        await intake.drain()
        await app.stop()
