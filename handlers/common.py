"""The gate every update passes, and the commands every role has: /start, /help, /lang, /cancel."""

from __future__ import annotations

import html
import logging

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.errors import Refused
from bot.invitations import looks_like_token
from bot.people import ROLE_COMMANDS, Action, Person, can, commands_for
from bot.plan_render import render_calendar
from bot.texts import LANGUAGES, Texts, pick_language
from bot.usecases import campaigns, plan
from bot.usecases.membership import join
from handlers import callbacks
from handlers.context import BotContext
from handlers.conversation import END
from handlers.flow import abandon_flow, remove_buttons

log = logging.getLogger(__name__)


async def gate(update: Update, context: BotContext) -> None:
    """Runs first for every update: private chats only, registered people only, edits refused."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    query = update.callback_query
    if user is None or chat is None:
        raise ApplicationHandlerStop
    # The membership this update acts as, when the account takes part in several campaigns.
    person = await campaigns.acting_person(
        context.services, user.id, callbacks.named_record(query.data if query else None)
    )
    context.person = person
    context.texts = Texts(
        pick_language(
            person.language if person else None,
            user.language_code,
            context.bot_data.default_language,
        )
    )
    if chat.type != ChatType.PRIVATE:
        # No data is ever shown in groups; answer commands and buttons only, to avoid noise.
        if query is not None:
            await query.answer(context.texts("group_chat_note"), show_alert=True)
        elif message is not None and message.text and message.text.startswith("/"):
            await message.reply_text(context.texts("group_chat_note"))
        raise ApplicationHandlerStop
    if query is not None and not query.data:
        # PTB offers a press without data to every button handler, whatever its pattern.
        await query.answer(context.texts("button_expired"), show_alert=True)
        raise ApplicationHandlerStop
    if update.edited_message is not None:
        # Live locations arrive as a stream of edits; only typed edits deserve an answer.
        if update.edited_message.location is None:
            await update.edited_message.reply_text(context.texts("edit_ignored"))
        raise ApplicationHandlerStop
    if context.person is None:
        is_start = (
            message is not None and (message.text or "").split(" ")[0].split("@")[0] == "/start"
        )
        if is_start:
            return
        if query is not None:
            await query.answer(context.texts("not_registered"), show_alert=True)
        elif message is not None:
            await message.reply_text(context.texts("not_registered"))
        raise ApplicationHandlerStop
    # Writing to the bot again after blocking it: what could not be delivered comes back.
    # (Every membership of the account: each campaign's notices to it were held.)
    elif context.person.blocked and await campaigns.unblock(
        context.services, user.id, context.now()
    ):
        context.services.wake_sender()


async def set_person_commands(
    context: BotContext, chat_id: int, person: Person, texts: Texts
) -> None:
    """Show only the commands of the person's role in their chat's menu."""
    names = list(commands_for(person.role))
    own = len(ROLE_COMMANDS[person.role])
    if len(context.services.served) > 1 and can(person, Action.REVIEW):
        # Several campaigns served: reviewers share items with a partner (handlers/campaigns.py).
        names.insert(own, "joint")
        own += 1
    user_id = person.telegram_user_id
    if user_id is not None and len(await campaigns.memberships(context.services, user_id)) > 1:
        # Someone of several campaigns switches between them (handlers/campaigns.py).
        names.insert(own, "campaign")
    commands = [BotCommand(name, texts(f"command.{name}")) for name in names]
    try:
        await context.bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        # The menu is a convenience; joining must not fail because of it.
        log.warning("Could not set commands for chat %s: %s", chat_id, exc)


async def set_default_commands(bot: Bot, default_language: str) -> None:
    """The menu strangers see: /start, /help and /lang, in each language."""
    for language in LANGUAGES:
        texts = Texts(language)
        commands = [BotCommand(n, texts(f"command.{n}")) for n in ("start", "help", "lang")]
        code = None if language == default_language else language
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=code)


async def start(update: Update, context: BotContext) -> None:
    """Join with an invitation token, or explain how to get one."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None and user is not None
    registered = context.person
    joined: tuple[Person, bool] | None = None
    if context.args and looks_like_token(context.args[0]):
        try:
            # Someone registered may join another campaign (a city deputy a district's).
            joined = await join(context.services, context.args[0], user.id)
        except Refused:
            if registered is None:
                raise
    if registered is not None and (joined is None or not joined[1]):
        await message.reply_text(
            context.texts("start_welcome_back", name=html.escape(registered.name))
            + "\n\n"
            + context.texts(f"help.{registered.role}"),
            reply_markup=ReplyKeyboardRemove(),
        )
        return
    if not context.args:
        await message.reply_text(context.texts("start_need_invitation"))
        return
    person, _newly = joined or await join(context.services, context.args[0], user.id)
    context.person = person
    texts = Texts(
        pick_language(person.language, user.language_code, context.bot_data.default_language)
    )
    context.texts = texts
    await set_person_commands(context, message.chat_id, person, texts)
    await message.reply_text(
        texts("start_welcome", name=html.escape(person.name), role=texts(f"role.{person.role}"))
        + "\n\n"
        + texts(f"help.{person.role}")
    )


async def help_command(update: Update, context: BotContext) -> None:
    """Explain the commands of the caller's role; the campaign's phase and next key dates."""
    message = update.effective_message
    assert message is not None
    texts = context.texts
    services = context.services
    today = context.now().astimezone(services.settings.zone).date()
    calendar = render_calendar(await plan.calendar(services), today, texts)
    text = texts(f"help.{context.me.role}")
    await message.reply_text("\n\n".join([text, "\n".join(calendar)]) if calendar else text)


async def lang_command(update: Update, context: BotContext) -> None:
    """Offer the two languages."""
    message = update.effective_message
    assert message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("中文", callback_data=f"{callbacks.LANGUAGE}:zh"),
                InlineKeyboardButton("English", callback_data=f"{callbacks.LANGUAGE}:en"),
            ]
        ]
    )
    await message.reply_text(context.texts("lang_choose"), reply_markup=keyboard)


async def lang_chosen(update: Update, context: BotContext) -> None:
    """Store the chosen language and re-label the command menu."""
    query = update.callback_query
    assert query is not None and query.message is not None
    language = (query.data or "").removeprefix(f"{callbacks.LANGUAGE}:")
    if language not in LANGUAGES:
        await query.answer(context.texts("button_expired"), show_alert=True)
        return
    await context.services.people.set_language(context.me.id, language)
    texts = Texts(language)
    context.texts = texts
    await query.answer()
    await query.edit_message_text(texts("lang_set"))
    await set_person_commands(context, query.message.chat.id, context.me, texts)


async def cancel_idle(update: Update, context: BotContext) -> None:
    """/cancel outside any conversation: nothing to leave."""
    message = update.effective_message
    assert message is not None
    await message.reply_text(context.texts("cancel_nothing"), reply_markup=ReplyKeyboardRemove())


async def unknown_message(update: Update, context: BotContext) -> None:
    """Anything no conversation is waiting for."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(context.texts("unknown_input"))


async def expired_button(update: Update, context: BotContext) -> None:
    """Buttons of finished conversations, and forged callback data."""
    query = update.callback_query
    if query is not None:
        await query.answer(context.texts("button_expired"), show_alert=True)


async def leave_conversation(update: Update, context: BotContext) -> int:
    """/cancel inside a conversation: drop its scratch state; saved records stay saved."""
    await abandon_flow(context)
    message = update.effective_message
    text = context.texts("cancelled")
    if update.callback_query is not None:
        await update.callback_query.answer()
        await remove_buttons(update)
    if message is not None:
        await message.reply_text(text, reply_markup=ReplyKeyboardRemove())
    return END


async def on_error(update: object, context: BotContext) -> None:
    """Refusals become polite answers; anything else is logged by update id only."""
    error = context.error
    if not isinstance(update, Update):
        log.error("Error outside an update: %r", error, exc_info=error)
        return
    if isinstance(error, Forbidden):
        log.info("Update %s: the user has blocked the bot", update.update_id)
        return
    if isinstance(error, Refused):
        text = context.texts(error.key, **error.params)
    else:
        log.error("Update %s failed", update.update_id, exc_info=error)
        text = context.texts("internal_error")
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(text, show_alert=True)
                return
            except BadRequest:
                # Already answered by the step (a query is answered once): say it in the chat.
                if update.effective_message is None:
                    raise
                await update.effective_message.reply_text(text)
        elif update.effective_message is not None and (
            update.effective_chat is None or update.effective_chat.type == ChatType.PRIVATE
        ):
            await update.effective_message.reply_text(text)
    except TelegramError as exc:
        log.warning("Could not report an error to update %s: %s", update.update_id, exc)
