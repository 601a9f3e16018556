"""/evaluate: a voter rates the projects of the open satisfaction evaluation, one at a time.

满意 / 基本满意 / 不满意 per project, once: the vote is stored (secretly, see
bot/usecases/evaluation.py) before the voter is thanked, and a second press on any project
already rated is told politely that a vote cannot be given twice or changed. An optional comment
follows each vote. The voter may stop at any time (稍后再评) and go on later where they left off:
the progress is what the store says they voted on, nothing kept in the chat. The round's notice
and its reminders carry a button that opens this flow.
"""

from __future__ import annotations

import contextlib
import html
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler

from bot.errors import Refused
from bot.evaluation import COMMENT_MAX, Ballot, Mark
from bot.usecases import evaluation
from bot.views import clip
from handlers import callbacks
from handlers import flow as flows
from handlers.context import BotContext
from handlers.conversation import END
from handlers.replies import message_of, replying, send_screen, typed_comment

log = logging.getLogger(__name__)

VOTE, COMMENT = "evaluate.vote", "evaluate.comment"
PREFIX = callbacks.EVALUATE
NOTICE_DATA = rf"^{callbacks.EVALUATE_NOTICE}:\d{{1,12}}$"
# A vote button's argument: "<project id>-<mark>"; the mark's one letter keeps data short.
_MARKS = {"s": Mark.SATISFIED, "b": Mark.BASICALLY, "d": Mark.DISSATISFIED}
DESCRIPTION_SHOWN = 300


async def start(update: Update, context: BotContext) -> str | int:
    """/evaluate, or the button of the round's notice: the first project not yet rated."""
    query = update.callback_query
    chat = update.effective_chat
    assert chat is not None
    ballot = await evaluation.ballot(context.services, context.person)
    if query is not None:
        await query.answer()
        await flows.remove_buttons(update)
    await flows.open_flow(update, context, "evaluate", round=ballot.round.id)
    return await _show(context, chat.id, ballot)


async def _show(context: BotContext, chat_id: int, ballot: Ballot) -> str | int:
    """The next project with its three buttons, or the thanks when every project is rated."""
    texts = context.texts
    project = ballot.project
    if project is None:
        flows.end_flow(context)
        await context.bot.send_message(chat_id, texts("evaluation.all_done", total=ballot.total))
        return END
    flow = flows.current_flow(context)
    nonce = flow["nonce"]
    marks = [
        flows.button(texts(f"rating.{mark}"), PREFIX, nonce, "v", f"{project.id}-{code}")
        for code, mark in _MARKS.items()
    ]
    markup = InlineKeyboardMarkup(
        [marks, [flows.button(texts("evaluation.button_later"), PREFIX, nonce, "later")]]
    )
    text = texts(
        "evaluation.ballot",
        position=ballot.position,
        total=ballot.total,
        code=html.escape(project.code),
        title=html.escape(project.title),
        description=html.escape(clip(project.description, DESCRIPTION_SHOWN)) or "—",
        deadline=ballot.round.deadline.isoformat(),
    )
    await context.bot.send_message(chat_id, text, reply_markup=markup)
    return VOTE


def _parse(arg: str) -> tuple[int, Mark]:
    project, _, code = arg.partition("-")
    if not project.isdigit() or len(project) > 12 or code not in _MARKS:
        raise Refused("button_expired")
    return int(project), _MARKS[code]


async def vote_button(update: Update, context: BotContext) -> str | int:
    """A mark for a project: counted once; a second press is told, politely, it stands."""
    press = await flows.pressed(update, context, PREFIX, kind="evaluate", answer=False)
    if press is None:
        return VOTE if flows.current_flow(context) else END
    query = press.query
    texts = context.texts
    flow = flows.current_flow(context)
    if press.verb == "later":
        await query.answer()
        flows.end_flow(context)
        await flows.remove_buttons(update)
        await send_screen(update, context, texts("evaluation.later"))
        return END
    if press.verb == "next":
        await query.answer()
        await flows.remove_buttons(update)
        return await _next(update, context)
    if press.verb != "v":
        raise Refused("button_expired")
    project_id, mark = _parse(press.arg)
    voted = await evaluation.vote(
        context.services, context.caller(), flow.get("round"), project_id, mark
    )
    if not voted.counted:
        await query.answer(texts("evaluation.already_voted"), show_alert=True)
        return COMMENT if flow.get("project") is not None else VOTE
    # The choice shows in the answer's toast only: the message keeps no trace of it, since
    # Telegram sends the message's current text with every later press on it, and those
    # presses are journaled (handlers/intake.py).
    await query.answer(texts("evaluation.vote_saved", rating=texts(f"rating.{mark}")))
    chat = update.effective_chat
    assert chat is not None
    with contextlib.suppress(BadRequest):
        # The ballot stays in the chat, without its buttons, as a record that it was rated.
        await query.edit_message_text(
            texts(
                "evaluation.voted",
                code=html.escape(voted.project.code),
                title=html.escape(voted.project.title),
            ),
            reply_markup=None,
        )
    flow["project"] = project_id
    await context.bot.send_message(
        chat.id,
        texts("evaluation.ask_comment", max=COMMENT_MAX),
        reply_markup=InlineKeyboardMarkup(
            [
                [flows.button(texts("evaluation.button_next"), PREFIX, flow["nonce"], "next")],
                [flows.button(texts("evaluation.button_later"), PREFIX, flow["nonce"], "later")],
            ]
        ),
    )
    return COMMENT


async def _next(update: Update, context: BotContext) -> str | int:
    chat = update.effective_chat
    assert chat is not None
    flows.current_flow(context).pop("project", None)
    return await _show(context, chat.id, await evaluation.ballot(context.services, context.person))


async def comment_step(update: Update, context: BotContext) -> str | int:
    """The voter's comment on the project just rated, kept without their name."""
    texts = context.texts
    text = await typed_comment(
        update,
        context,
        empty="evaluation.comment_expected",
        too_long="evaluation.comment_too_long",
        most=COMMENT_MAX,
    )
    if text is None:
        return COMMENT
    message = message_of(update)
    flow = flows.current_flow(context)
    saved = await evaluation.comment(
        context.services, context.caller(), flow.get("round"), flow.get("project"), text
    )
    await message.reply_text(
        texts("evaluation.comment_saved") if saved else texts("evaluation.comment_lost")
    )
    return await _next(update, context)


def entry_points() -> list[flows.StepHandler]:
    return flows.steps(
        CommandHandler("evaluate", start),
        CallbackQueryHandler(start, pattern=NOTICE_DATA),
    )


def states() -> dict[str, list[flows.StepHandler]]:
    buttons = CallbackQueryHandler(vote_button, pattern=callbacks.pattern(PREFIX))
    return {
        VOTE: flows.steps(
            buttons, MessageHandler(flows.TYPED, replying("evaluation.press_a_button"))
        ),
        COMMENT: flows.steps(
            buttons, *flows.typed_step(comment_step, "evaluation.comment_expected")
        ),
    }


def commands() -> list[flows.StepHandler]:
    return []
