"""The lines a liaison's item card adds about the answer's terms and the raisers' rating: the
promise to follow up, the reason given, and the rating as the unit may know it (the verdict and
the counts, and the comments staff showed it; never who rated what); and the example date a
promised date is asked with."""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any

from bot.items import Item, Status
from bot.promises import awaiting_followup
from bot.usecases import answers
from bot.views import clip
from handlers.context import BotContext

COMMENT_CHARS = 300


def chosen_terms(promised: object, reason: object) -> dict[str, Any]:
    """An answer's terms as a flow keeps them (the promised day in ISO form, the reason's code),
    as the answer's use case takes them."""
    return {
        "promised": date.fromisoformat(promised) if isinstance(promised, str) else None,
        "reason": reason if isinstance(reason, str) else None,
    }


def example_promise_day(context: BotContext) -> str:
    """A date a month ahead, in the form a class-B answer's promised date is asked for (the
    liaison's in /inbox, staff's for a paper answer)."""
    ahead = context.now().astimezone(context.services.policy.zone) + timedelta(days=30)
    return ahead.strftime("%Y-%m-%d")


async def unit_card_lines(context: BotContext, item: Item) -> list[str]:
    texts = context.texts
    policy = context.services.policy
    lines: list[str] = []
    if item.promised_at is not None:
        day = policy.day(item.promised_at)
        if awaiting_followup(item):
            lines.append(texts("answers.card_followup", date=day))
        elif item.status in {Status.ANSWERED, Status.RATED}:
            lines.append(texts("answers.card_promised", date=day))
    if item.answer_reason and item.status is Status.ANSWERED:
        lines.append(
            texts("answers.card_reason", reason=texts(f"answer_reason.{item.answer_reason}"))
        )
    rated = await answers.unit_rating(context.services, item)
    if rated is not None:
        counts = {
            value: rated.counts.get(value, 0)
            for value in ("satisfied", "basically", "dissatisfied", "abstain")
        }
        verdict = (
            texts(f"rating.{rated.verdict}") if rated.verdict else texts("answers.verdict_pending")
        )
        lines.append(texts("answers.card_rating", round=rated.round, verdict=verdict, **counts))
        for text in rated.comments:
            lines.append(texts("answers.card_comment", text=html.escape(clip(text, COMMENT_CHARS))))
    return lines
