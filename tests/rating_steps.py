"""Steps that bring an item through the closed loop the way the product does: the repository
submits it, the lifecycle rules decide and Services.apply commits (as the review, forward and
inbox screens do), so rating, look-back and job tests start from a real answered or closed item.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.answer_terms import AnswerTerms, answer_terms
from bot.bootstrap import database_of
from bot.items import Item, Kind, NewDraft, Severity
from bot.lifecycle import Change, Rating, ResponseClass
from bot.people import Person
from bot.rating_rules import conclude_rating, vote
from bot.review_rules import accept, merge
from bot.unit_rules import answer, forward
from localapi import BotMessage, CallbackPress, SimUser
from tests.conftest import Harness

ANSWER = "已完成实验室设备安装调试，并通过验收。"


async def delivered(bot: Harness, *users: SimUser) -> None:
    """Wait until the outbox has delivered everything queued for these people, then for quiet."""
    ids = [(await bot.person(u)).id for u in users]
    marks = ", ".join("?" * len(ids))
    for _ in range(200):
        pending = await bot.value(
            f"SELECT COUNT(*) FROM outbox WHERE person_id IN ({marks}) "
            "AND sent_at IS NULL AND gave_up_at IS NULL",
            *ids,
        )
        if not pending:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError(f"notices for {ids} still pending")
    for user in users:
        await user.settle(quiet=0.1)


async def raise_item(bot: Harness, author: Person, description: str = "实验室建设进度滞后") -> Item:
    """A submitted problem at the first site of the author's group, as /problem leaves it."""
    services = bot.services
    campaign_id = services.campaign.id
    site = await bot.site_of_group("G01")
    category = (await services.catalog.categories(campaign_id))[0]
    now = bot.now()
    item_id = await services.items.create_draft(
        NewDraft(campaign_id, Kind.PROBLEM, author.id, author.group_id), now
    )
    await services.items.update_draft(
        item_id,
        author.id,
        now,
        site_id=site.id,
        project_id=site.project_id,
        subitem_id=site.subitem_id,
        category_id=category.id,
        severity=Severity.SERIOUS,
        description=description,
    )
    item, _ = await services.items.submit(item_id, author.id, now)
    return item


async def reload(bot: Harness, item: Item) -> Item:
    fresh = await bot.services.items.get(item.id)
    assert fresh is not None
    return fresh


async def apply(bot: Harness, change: Change, now: datetime | None = None) -> None:
    assert await bot.services.apply(change, now or bot.now())


async def answered_item(
    bot: Harness,
    raisers: list[Person],
    leader: Person,
    staff: Person,
    liaison: Person,
    *,
    now: datetime | None = None,
    response_class: ResponseClass = ResponseClass.A,
    terms: AnswerTerms | None = None,
) -> Item:
    """Raised by every raiser (the later ones merged into the first), accepted, forwarded to the
    liaison's unit and answered (class A unless told) by the liaison: a B answer promises a day
    two months ahead, a C answer gives the reason "other", unless `terms` say otherwise."""
    services = bot.services
    now = now or bot.now()
    first = await raise_item(bot, raisers[0])
    for other in raisers[1:]:
        duplicate = await raise_item(bot, other, "实验室工程进度明显滞后")
        target = await reload(bot, first)
        await apply(bot, merge(duplicate, target, leader, await services.items.parties(duplicate)))
    item = await reload(bot, first)
    await apply(bot, accept(item, leader, await services.items.parties(item), now), now)
    item = await reload(bot, first)
    assert liaison.unit_id is not None
    parties = await services.items.parties(item, unit_id=liaison.unit_id)
    await apply(bot, forward(item, staff, liaison.unit_id, parties, now, services.policy), now)
    item = await reload(bot, first)
    parties = await services.items.parties(item)
    terms = terms or default_terms(bot, response_class, now)
    await apply(bot, answer(item, liaison, response_class, ANSWER, parties, now, terms=terms), now)
    return await reload(bot, first)


def default_terms(bot: Harness, response_class: ResponseClass, now: datetime) -> AnswerTerms:
    """What an answer of the class must carry, as a liaison would give it."""
    promised = (now + timedelta(days=60)).astimezone(bot.services.policy.zone).date()
    return answer_terms(response_class, promised, "other", now, bot.services.policy)


async def closed_item(
    bot: Harness,
    raiser: Person,
    leader: Person,
    staff: Person,
    liaison: Person,
    *,
    now: datetime | None = None,
) -> Item:
    """Answered, rated 满意 by its one raiser, closed: its look-back is scheduled."""
    services = bot.services
    now = now or bot.now()
    item = await answered_item(bot, [raiser], leader, staff, liaison, now=now)
    parties = await services.items.parties(item)
    assert await services.items.record_vote(
        vote(item, raiser, item.round, Rating.SATISFIED, "", parties), now
    )
    change = conclude_rating(
        item, await services.items.votes(item.id), parties, now, services.policy, window_over=False
    )
    assert change is not None
    await apply(bot, change, now)
    return await reload(bot, item)


def rating_message(user: SimUser) -> BotMessage:
    """The answer's notice with its rating buttons once the outbox delivers it; until then the
    latest message in the chat (the buttons' data is what the bot checks, not the message)."""
    for message in reversed(user.messages):
        if any(data.startswith("rt:") for data in message.button_data.values()):
            return message
    return user.messages[-1]


async def press_rating(
    user: SimUser, item: Item, value: str, round_: int | None = None
) -> CallbackPress:
    message = rating_message(user)
    round_ = item.round if round_ is None else round_
    return await user.press_data(message.message_id, f"rt:{item.id}:{round_}:{value}")


async def outbox_keys(bot: Harness, person: Person) -> list[str]:
    rows = await database_of(bot.services).fetch_all(
        "SELECT json_extract(payload, '$.key') FROM outbox WHERE person_id = ? ORDER BY id",
        (person.id,),
    )
    return [str(r[0]) for r in rows]


async def rate(
    bot: Harness, item: Item, votes: list[tuple[Person, Rating]], *, now: datetime | None = None
) -> Item:
    """The raisers' votes on the current answer; once every raiser has voted the votes decide
    (closed, or back to the unit on 不满意), as the rating buttons do."""
    services = bot.services
    now = now or bot.now()
    parties = await services.items.parties(item)
    for person, value in votes:
        assert await services.items.record_vote(
            vote(item, person, item.round, value, "", parties), now
        )
    change = conclude_rating(
        item, await services.items.votes(item.id), parties, now, services.policy, window_over=False
    )
    if change is not None:
        await apply(bot, change, now)
    return await reload(bot, item)
