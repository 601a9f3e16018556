"""The composition root: build the Application and run it (used by the CLI, the demo and the tests)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

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
)
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.bootstrap import opened_services
from bot.clock import Clock
from bot.config import Settings
from bot.pacing import pacer_for
from bot.schedule import scheduled
from bot.services import Services
from handlers import (
    add_more,
    bulletin,
    callbacks,
    campaigns,
    catalog_import,
    checkin,
    common,
    console,
    evaluate,
    evaluation,
    export,
    extension_decision,
    forward,
    inbox,
    invite,
    lookback,
    mine,
    observe,
    people,
    plan,
    posters,
    progress,
    projects,
    rating,
    report,
    review,
    summary,
    tally,
)
from handlers.context import BotContext, Runtime
from handlers.conversation import Conversations
from handlers.delivery import delivering
from handlers.feature import Feature
from handlers.flood import PacedRequests
from handlers.flow import MESSAGE
from handlers.intake import Intake
from handlers.polling import LongPoll
from handlers.processor import PerUserUpdateProcessor
from handlers.request import AiohttpRequest
from handlers.webhook import MAX_BODY_BYTES, add_webhook_route
from web.server import serving

log = logging.getLogger(__name__)

BotApplication = Application[Any, BotContext, dict[str, Any], dict[str, Any], Runtime, Any]

ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]

# Conversations mix message and button steps on purpose; PTB's per_message hint does not apply.
warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)


# Features of the closed loop, in menu order (handlers/feature.py). Each gives the commands and
# buttons that open its flow, the flow's states (each with its handlers, see states()), and
# handlers that work outside conversations. Their states, joined into the one conversation:
FEATURES: tuple[Feature, ...] = (
    checkin,  # /checkin: location -> site | project -> photos
    report,  # /problem /suggest: place -> category -> severity -> description -> photos
    #          -> confirm <-> edit
    invite,  # /invite: role -> scope -> name
    review,  # /review: group -> item -> merge | question | reason
    add_more,  # the author's 补充情况 button: more_text -> more_photos
    summary.FEATURE,  # /summary (one step)
    tally.FEATURE,  # /tally (one step)
    bulletin.FEATURE,  # /bulletin and /groupreport (one step each)
    export,  # /export: format -> period
    forward,  # /forward: choose -> number -> [promise, class B] -> answer (paper answers)
    inbox,  # /inbox: browse -> reason | progress | answer_text -> answer_photos -> answer_confirm
    #         | ext_reason -> ext_date (延期申请)
    rating,  # the notice's rating buttons: comment
    lookback,  # /lookback: choose -> photos -> note
    people,  # /people: search -> pick -> card
    catalog_import,  # /catalog: catalog_file -> catalog_confirm
    console.FEATURE,  # /web (one step): a login link to the web console
    posters,  # /posters (one step); a scanned poster's /start site_… opens checkin.location
    progress,  # /progress: choose -> value (per target) -> note -> confirm -> photos
    observe,  # the check-in's 记录进展观察 button: value (per target) -> note
    projects,  # /projects and its page buttons (no conversation)
    plan,  # /plan: project -> target -> window -> deputies; /tasks (one step)
    evaluation,  # /evaluation (staff): menu -> deadline -> voters -> confirm
    evaluate,  # /evaluate or the round's notice (voters): vote <-> comment
    campaigns.FEATURE,  # /campaign (one step): switch the campaign one acts in
    extension_decision,  # staff's 同意延期 / 不同意 buttons on a request's notice (no conversation)
)


def _conversations() -> Conversations:
    """All multi-step flows share one conversation, so starting one ends the other."""
    return Conversations(
        entry_points=[handler for feature in FEATURES for handler in feature.entry_points()],
        # Every state of every flow: each feature's states() lists its own, in order.
        states={state: steps for feature in FEATURES for state, steps in feature.states().items()},
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
async def _console(
    app: BotApplication, settings: Settings, services: Services
) -> AsyncIterator[None]:
    """The web console (web/), on the bot's event loop, when the configuration turns it on."""
    if not settings.web.enabled:
        yield
        return
    token = settings.token()
    assert token is not None
    async with serving(services, bot_token=token, bot_username=app.bot.username):
        yield


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
            _console(app, settings, services),
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


def settled(app: BotApplication) -> bool:
    """Every update that arrived has been answered: none is held, queued or being processed.
    The demo waits for this, not for a quiet spell that a busy machine can outlast."""
    intake = app.bot_data.intake
    processor = app.update_processor
    return (
        app.update_queue.empty()
        and (intake is None or not intake.holding)
        and (not isinstance(processor, PerUserUpdateProcessor) or processor.idle)
    )


async def run_until_stopped(
    settings: Settings,
    started: Callable[[BotApplication, Services], Awaitable[None]],
    clock: Clock | None = None,
) -> None:
    """Run the bot (and its console) on freshly opened services until SIGINT or SIGTERM, once
    `started` has said what is running; on the process's clock unless given one (the demo's).

    The signals end the wait rather than interrupt it, so the updates, the sender and the console
    stop in order before the database closes, and the exit is clean.
    """
    async with opened_services(settings, clock=clock) as services:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            async with running(build_application(settings, services), settings) as app:
                await started(app, services)
                await stop.wait()
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
