"""What a reviewer sees in /review: the queues to choose from, an item's photos and card with the
items it may repeat, the merge choices and the prompts for a question or a reason.

Rendering only; handlers/review.py runs the steps and bot/usecases/review.py decides.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import review_rules, scope
from bot.duplicates import likely_duplicates
from bot.items import Item
from bot.readmodels import GroupQueue
from bot.records import PhotoTarget
from bot.texts import Texts
from bot.views import clip, item_summary, number_label
from handlers import callbacks
from handlers.context import BotContext
from handlers.flow import button, current_flow
from handlers.replies import send_album

PREFIX = callbacks.REVIEW  # nonce'd buttons of /review and of the author's addition
ALL = "all"  # the queue of every group, for staff

EXCERPT_CHARS = 40  # of a likely duplicate's text on its line

Screen = tuple[str, InlineKeyboardMarkup]


def queues_view(texts: Texts, nonce: str, queues: Sequence[GroupQueue], total: int) -> Screen:
    """Staff's choice of a group's queue, or all of them."""
    rows = [
        [
            button(
                texts("review.group_button", code=q.code, name=q.name, count=q.count),
                PREFIX,
                nonce,
                "group",
                q.group_id,
            )
        ]
        for q in queues
    ]
    rows.append([button(texts("review.all_button", count=total), PREFIX, nonce, "group", ALL)])
    rows.append([button(texts("review.button_end"), PREFIX, nonce, "end")])
    return texts("review.choose_group"), InlineKeyboardMarkup(rows)


async def send_photos(context: BotContext, chat_id: int, item: Item) -> None:
    """The evidence (and any photos the author added since) before the card, as an album; the
    card says how many there are in all."""
    photos = context.services.photos
    shown = await photos.of(PhotoTarget(item_id=item.id))
    shown += await photos.of(PhotoTarget(item_id=item.id, purpose="more_info"))
    await send_album(context, chat_id, shown, number_label(item, context.texts))


async def card_view(context: BotContext, item: Item) -> Screen:
    """The item as the leader reviews it: summary, raisers, questions asked, likely duplicates.

    Remembers which duplicates it offers to merge into: a merge button is honoured only for those.
    """
    services = context.services
    texts = context.texts
    flow = current_flow(context)
    repo = services.review
    zone = services.settings.zone
    group_id = scope.review_queue_group(context.person, flow.get("group_id"))
    remaining = await repo.count_submitted(services.campaign.id, group_id)
    names = await services.items.raiser_names(item.id)
    lines = [
        texts("review.card_title", count=remaining),
        "",
        item_summary(item, texts, zone),
        texts("review.raisers", count=len(names), names=html.escape("、".join(names)) or "—"),
    ]
    asked = await repo.ask_state(item.id)
    if asked is not None:
        date = asked.asked_at.astimezone(zone).strftime("%m-%d %H:%M")
        if asked.waiting:
            lines.append(
                texts("review.asked_waiting", date=date, question=html.escape(asked.question))
            )
        else:
            lines.append(
                texts(
                    "review.asked_answered",
                    question=html.escape(asked.question),
                    answers=html.escape("\n".join(asked.answers)),
                )
            )
        extra = await services.photos.count(PhotoTarget(item_id=item.id, purpose="more_info"))
        if extra:
            lines.append(texts("review.more_photo_count", count=extra))
    me = context.me
    # Only items within the caller's reach are shown as duplicates; of those, only the ones still
    # awaiting their answer are offered to merge into (an answered one is shown for information).
    candidates = await repo.duplicate_candidates(item, group_id=scope.review_reach(me))
    proposals = likely_duplicates(
        item, [c for c in candidates if scope.may_merge_into(me, item, c)]
    )
    flow["proposals"] = [o.id for o, _score in proposals if review_rules.takes_raisers(o)]
    if proposals:
        lines += ["", texts("review.duplicates")]
        for other, _score in proposals:
            lines.append(
                texts(
                    "review.duplicate_line",
                    label=number_label(other, texts),
                    status=texts(f"status.{other.status}"),
                    place=html.escape(_where(other)),
                    excerpt=html.escape(clip(" ".join(other.description.split()), EXCERPT_CHARS)),
                )
            )
    return "\n".join(lines), _card_buttons(texts, flow["nonce"], item)


def _where(item: Item) -> str:
    """The most precise place of an item, for a one-line mention."""
    return item.site_name or item.subitem_title or item.project_title or "—"


def _card_buttons(texts: Texts, nonce: str, item: Item) -> InlineKeyboardMarkup:
    def b(label: str, verb: str) -> InlineKeyboardButton:
        return button(label, PREFIX, nonce, verb, item.id)

    return InlineKeyboardMarkup(
        [
            [
                b(texts("review.button_accept"), "accept"),
                b(texts("review.button_merge"), "merge"),
            ],
            [b(texts("review.button_ask"), "ask"), b(texts("review.button_decline"), "decline")],
            [b(texts("review.button_skip"), "skip"), b(texts("review.button_end"), "end")],
        ]
    )


def button_ids(arg: str) -> tuple[int | None, int | None]:
    """(item id, merge target id) of a review button's argument "item[.target]"."""
    item_part, _, target_part = arg.partition(".")
    item_id = int(item_part) if item_part.isdigit() and len(item_part) < 12 else None
    target_id = int(target_part) if target_part.isdigit() and len(target_part) < 12 else None
    return item_id, target_id


def number_example(context: BotContext) -> str:
    """A number of the running campaign, to show how one is typed."""
    return f"{context.services.campaign.year}-0001"


async def merge_view(context: BotContext, item: Item) -> Screen:
    """The proposed items to merge into, still open to it, as buttons; a number may be typed."""
    texts = context.texts
    flow = current_flow(context)
    nonce = flow["nonce"]
    rows = []
    for target_id in flow.get("proposals", []):
        target = await context.services.items.get(target_id)
        if (
            target is not None
            and scope.may_merge_into(context.me, item, target)
            and review_rules.takes_raisers(target)
        ):
            rows.append(
                [
                    button(
                        texts("review.merge_into", number=target.display_number),
                        PREFIX,
                        nonce,
                        "merge_into",
                        f"{item.id}.{target.id}",
                    )
                ]
            )
    rows.append([button(texts("button.back"), PREFIX, nonce, "back", item.id)])
    number, example = item.display_number, number_example(context)
    prompt = (
        texts("review.merge_prompt", number=number, example=example)
        if len(rows) > 1
        else texts("review.merge_prompt_none", number=number, example=example)
    )
    return prompt, InlineKeyboardMarkup(rows)


def prompt_view(texts: Texts, nonce: str, item: Item, *, asking: bool) -> Screen:
    """Ask for the question to the author (or the reason to decline), with a way back."""
    number = item.display_number
    prompt = (
        texts("review.question_prompt", number=number)
        if asking
        else texts("review.reason_prompt", number=number)
    )
    back = button(texts("button.back"), PREFIX, nonce, "back", item.id)
    return prompt, InlineKeyboardMarkup([[back]])
