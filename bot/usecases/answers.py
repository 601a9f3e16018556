"""The raisers' ratings as each side may see them, and staff's say over their comments.

A unit sees the aggregate only: the verdict of each rated round and how many votes of each value,
never who voted what; of the comments, only the texts staff chose to show it, without author or
vote. Staff see every comment with its author and decide, per comment, whether the unit reads it.
"""

from __future__ import annotations

import hashlib
import html
import logging
from dataclasses import dataclass

from bot import scope
from bot.answer_ports import RatingComment
from bot.errors import Refused, require
from bot.items import Item, Status
from bot.notices import Act, Notice, NoticeButton
from bot.people import Person
from bot.services import Services
from bot.usecases.acting import Caller, item_id_of

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UnitRating:
    """What the unit may know of the raisers' rating of its latest rated answer."""

    round: int
    verdict: str | None  # the item's aggregated rating (satisfied / basically / dissatisfied)
    counts: dict[str, int]  # votes by value, abstentions included
    comments: list[str]  # the texts staff showed the unit, of every round


async def unit_rating(services: Services, item: Item) -> UnitRating | None:
    """The aggregate of the latest round anyone voted in (None before any vote). The caller has
    checked the person may see the item as its unit."""
    for round_ in range(item.round, 0, -1):
        counts = await services.ratings.counts(item.id, round_)
        if counts:
            shown = [text for _, text in await services.answers.shown_comments(item.id)]
            # A round still being voted on has no verdict yet; else the latest verdict stands.
            voting = round_ == item.round and item.status is Status.ANSWERED
            verdict = None if voting else item.rating
            return UnitRating(round_, verdict, counts, shown)
    return None


async def staff_comments(
    services: Services, person: Person | None, item: Item
) -> list[RatingComment]:
    """Every comment on the item's votes, with its author: for staff only."""
    scope.require_staff(person, item)
    return await services.answers.comments(item.id)


async def show_comment(
    services: Services,
    caller: Caller,
    item_id: object,
    round_: object,
    person_id: object,
    shown: bool,
) -> tuple[Item, RatingComment]:
    """Staff show one comment to the unit (without its author), or hide it again.

    Idempotent: showing a shown comment changes nothing and says so through the result's state.
    """
    item = await services.items.get(item_id_of(item_id))
    if item is None or item.campaign_id != services.campaign.id:
        raise Refused("button_expired")
    scope.require_staff(caller.person, item)
    if not isinstance(round_, int) or not isinstance(person_id, int):
        raise Refused("button_expired")
    comment = await services.answers.comment(item.id, round_, person_id)
    require(comment is not None, "answers.comment_gone")
    assert comment is not None
    if await services.answers.show_comment(item.id, round_, person_id, shown):
        log.info(
            "Staff %s: comment of round %s on item %s %s",
            caller.person.id,
            round_,
            item.id,
            "shown to the unit" if shown else "hidden from the unit",
        )
    fresh = await services.answers.comment(item.id, round_, person_id)
    assert fresh is not None
    return item, fresh


def comment_button(comment: RatingComment) -> NoticeButton:
    """The staff's toggle: show to the unit (or hide again)."""
    return NoticeButton(
        "answers.button_hide" if comment.shown else "answers.button_show",
        Act.SHOW_COMMENT,
        (comment.item_id, comment.round, comment.person_id, 0 if comment.shown else 1),
    )


async def tell_staff_of_comment(
    services: Services, caller: Caller, item_id: int, round_: int
) -> int:
    """A raiser commented on their vote: staff get it, with its author, and the toggle that
    shows it to the unit. Keyed by the comment's text, so a repeated comment is told once."""
    item = await services.items.get(item_id)
    comment = await services.answers.comment(item_id, round_, caller.person.id)
    if item is None or comment is None:
        return 0
    digest = hashlib.sha256(comment.text.encode()).hexdigest()[:16]
    notices = [
        Notice(
            staff_id,
            "answers.notice_comment_staff",
            params={
                "number": item.display_number,
                # Notices are Telegram HTML.
                "author": html.escape(comment.author),
                "text": html.escape(comment.text),
            },
            localized={"rating": f"rating.{comment.value}"},
            buttons=((comment_button(comment),),),
            dedup=f"comment:{item.id}:{round_}:{caller.person.id}:{digest}:{staff_id}",
        )
        for staff_id in await services.jobs.staff(services.campaign.id)
    ]
    added = await services.outbox.enqueue(notices, caller.now)
    if added:
        services.wake_sender()
    return added
