"""What /evaluation shows: the menu of the current round, and a round's turnout and results."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.evaluation import Results
from bot.evaluation_files import verdict_text
from bot.rates import percent
from bot.texts import Texts
from bot.usecases import evaluation
from handlers import callbacks
from handlers.context import BotContext
from handlers.flow import button, current_flow

PREFIX = callbacks.EVALUATION
TEXT_MAX = 4000


def flow_button(
    context: BotContext, key: str, verb: str, arg: str | int = ""
) -> InlineKeyboardButton:
    return button(context.texts(key), PREFIX, current_flow(context)["nonce"], verb, arg)


async def menu(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    services, texts = context.services, context.texts
    round_ = await evaluation.current(services, context.person)
    if round_ is None:
        rows = [[flow_button(context, "evaluation.button_new", "new")]]
        text = texts("evaluation.status_none")
    else:
        current_flow(context)["shown"] = round_.id
        results = await evaluation.results(services, context.person, round_.id)
        text = results_text(results, texts)
        if round_.open:
            rows = [
                [flow_button(context, "evaluation.button_refresh", "refresh")],
                [flow_button(context, "evaluation.button_close", "close")],
            ]
        else:
            rows = [
                [
                    flow_button(context, "evaluation.button_xlsx", "file", "xlsx"),
                    flow_button(context, "evaluation.button_docx", "file", "docx"),
                ],
                [flow_button(context, "evaluation.button_new", "new")],
            ]
    rows.append([flow_button(context, "button.done", "done")])
    return text, InlineKeyboardMarkup(rows)


def results_text(results: Results, texts: Texts) -> str:
    """A round's turnout, and per project its votes, rate and verdict once it is closed."""
    round_, turnout = results.round, results.turnout
    figures = {
        "deadline": round_.deadline.isoformat(),
        "voters": turnout.voters,
        "finished": turnout.finished,
        "started": turnout.started,
        "projects": turnout.projects,
        "votes": turnout.votes,
    }
    if round_.open:
        head = texts("evaluation.status_open", **figures)
    else:
        head = texts("evaluation.status_closed", **figures)
    lines = [head]
    for r in results.projects:
        lines.append(
            texts(
                "evaluation.result_line",
                code=html.escape(r.code),
                title=html.escape(r.title),
                satisfied=r.satisfied,
                basically=r.basically,
                dissatisfied=r.dissatisfied,
                votes=r.votes,
                rate=percent(r.rate),
                verdict=verdict_text(r, texts),
            )
        )
    if results.projects:
        lines.append(texts("evaluation.rule"))
    text = "\n\n".join(lines)
    return text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1] + "…"
