"""Storage: the closed loop — a change, its events, records and notices committed in one
transaction, once, through review, forwarding, answering and rating."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import lifecycle, rating_rules, review_rules, unit_rules
from bot.config import DeadlineSettings
from bot.items import Item, Status
from bot.notices import Notice
from bot.people import Person, Role
from tests.storage_helpers import NOW, World, _complete_draft, _invite, imported_template, world

# The fixtures live in tests/storage_helpers.py; world needs imported_template in reach.
__all__ = ["imported_template", "world"]


async def _person(w: World, person_id: int) -> Person:
    person = await w.people.by_id(person_id)
    assert person is not None
    return person


async def _submitted(w: World, author: int | None = None) -> Item:
    item_id = await _complete_draft(w, author=author)
    item, _ = await w.items.submit(item_id, author or w.deputy_id, NOW)
    return item


async def _leader(w: World) -> Person:
    leader_id = await _invite(
        w.people, w.campaign_id, "张组长", role=Role.LEADER, group_id=w.group_id
    )
    # Joined: only people with a Telegram account are told anything.
    async with w.db.transaction() as conn:
        await conn.execute("UPDATE persons SET telegram_user_id = 4242 WHERE id = ?", (leader_id,))
    return await _person(w, leader_id)


async def _outbox(w: World) -> list[tuple[int, str]]:
    rows = await w.db.fetch_all("SELECT person_id, dedup_key FROM outbox ORDER BY id")
    return [(r[0], r[1]) for r in rows]


async def test_a_change_is_applied_once_with_its_event_and_notice(world: World) -> None:
    item = await _submitted(world)
    leader = await _leader(world)
    parties = await world.items.parties(item)
    assert parties.raisers == (world.deputy_id,) and parties.leaders == (leader.id,)
    change = review_rules.accept(item, leader, parties, NOW)
    assert await world.items.commit(change, NOW)
    # A double tap: the same change again finds the item reviewed already.
    assert not await world.items.commit(change, NOW)
    after = await world.items.get(item.id)
    assert after is not None and after.status is Status.REVIEWED
    events = await world.db.fetch_all(
        "SELECT from_status, to_status, actor_id, kind FROM item_events WHERE item_id = ? ORDER BY id",
        (item.id,),
    )
    assert [tuple(e) for e in events] == [
        ("draft", "submitted", world.deputy_id, "transition"),
        ("submitted", "reviewed", leader.id, "transition"),
    ]
    outbox = await _outbox(world)
    assert [p for p, _ in outbox] == [world.deputy_id]


async def test_a_question_processed_again_after_a_crash_is_asked_once(world: World) -> None:
    item = await _submitted(world)
    leader = await _leader(world)
    ask = review_rules.ask_more(item, leader, "现场照片能否补充？", await world.items.parties(item))
    # The status stays submitted, so the status guard alone would let it in twice.
    assert await world.items.commit(ask, NOW, key="telegram:5001")
    assert await world.items.commit(ask, NOW, key="telegram:5001")  # the same input again
    assert await world.items.commit(ask, NOW, key="telegram:5002")  # asked again, on purpose
    asked = await world.db.fetch_value(
        "SELECT COUNT(*) FROM item_events WHERE item_id = ? AND kind = 'ask_more'", (item.id,)
    )
    assert asked == 2
    assert len(await _outbox(world)) == 2


async def test_one_input_may_change_several_items(world: World) -> None:
    first, second = await _submitted(world), await _submitted(world)
    leader = await _leader(world)
    for item in (first, second):
        change = review_rules.accept(item, leader, await world.items.parties(item), NOW)
        assert await world.items.commit(change, NOW, key="telegram:6001")
    for item in (first, second):
        after = await world.items.get(item.id)
        assert after is not None and after.status is Status.REVIEWED


async def test_a_change_that_cannot_queue_its_notice_changes_nothing(world: World) -> None:
    item = await _submitted(world)
    leader = await _leader(world)
    # A notice to a person who does not exist breaks the foreign key: all or nothing.
    parties = lifecycle.Parties(raisers=(999_999,))
    with pytest.raises(sqlite3.IntegrityError):
        await world.items.commit(review_rules.accept(item, leader, parties, NOW), NOW)
    after = await world.items.get(item.id)
    assert after is not None and after.status is Status.SUBMITTED
    assert await _outbox(world) == []
    assert (
        await world.db.fetch_value("SELECT COUNT(*) FROM item_events WHERE item_id = ?", (item.id,))
        == 1
    )


async def test_a_merged_item_hands_its_raisers_to_the_target(world: World) -> None:
    first = await _submitted(world)
    second = await _submitted(world, author=world.other_id)
    leader = await _leader(world)
    change = review_rules.merge(second, first, leader, await world.items.parties(second))
    assert await world.items.commit(change, NOW)
    merged = await world.items.get(second.id)
    assert merged is not None and merged.status is Status.MERGED
    assert merged.merged_into_id == first.id
    raisers = await world.db.fetch_all(
        "SELECT person_id, via_item_id FROM item_raisers WHERE item_id = ? ORDER BY added_at, person_id",
        (first.id,),
    )
    assert sorted(tuple(r) for r in raisers) == sorted(
        [(world.deputy_id, None), (world.other_id, second.id)]
    )
    assert (await world.items.parties(first)).raisers == (world.deputy_id, world.other_id)


async def _answered(w: World, item: Item) -> Item:
    """Through review, forwarding (to a unit without liaison) and a paper answer."""
    leader = await _leader(w)
    staff = await _person(w, await _invite(w.people, w.campaign_id, "办公厅", role=Role.STAFF))
    policy = lifecycle.Policy(DeadlineSettings(), ZoneInfo("Asia/Shanghai"))
    assert await w.items.commit(
        review_rules.accept(item, leader, await w.items.parties(item), NOW), NOW
    )
    reviewed = await w.items.get(item.id)
    assert reviewed is not None
    unit_id = int(await w.db.fetch_value("SELECT id FROM units ORDER BY id LIMIT 1"))
    parties = await w.items.parties(reviewed, unit_id=unit_id)
    assert await w.items.commit(
        unit_rules.forward(reviewed, staff, unit_id, parties, NOW, policy), NOW
    )
    forwarded = await w.items.get(item.id)
    assert forwarded is not None and forwarded.for_letter and forwarded.round == 1
    assert forwarded.due_at == datetime(2025, 9, 3, 1, 30, tzinfo=UTC)
    change = unit_rules.answer(
        forwarded,
        staff,
        lifecycle.ResponseClass.A,
        "已完成整改",
        await w.items.parties(forwarded),
        NOW,
        on_paper=True,
    )
    assert await w.items.commit(change, NOW)
    answered = await w.items.get(item.id)
    assert answered is not None and answered.status is Status.ANSWERED
    return answered


async def test_one_vote_per_raiser_and_the_rating_closes_the_item(world: World) -> None:
    item = await _answered(world, await _submitted(world))
    deputy = await _person(world, world.deputy_id)
    parties = await world.items.parties(item)
    vote = rating_rules.vote(item, deputy, 1, lifecycle.Rating.BASICALLY, "", parties)
    assert await world.items.record_vote(vote, NOW)
    assert not await world.items.record_vote(vote, NOW)
    votes = await world.items.votes(item.id)
    assert [v.value for v in votes] == [lifecycle.Rating.BASICALLY]
    policy = lifecycle.Policy(DeadlineSettings(), ZoneInfo("Asia/Shanghai"))
    change = rating_rules.conclude_rating(item, votes, parties, NOW, policy, window_over=False)
    assert change is not None and await world.items.commit(change, NOW)
    closed = await world.items.get(item.id)
    assert closed is not None and closed.status is Status.CLOSED and closed.rating == "basically"
    lookback = await world.db.fetch_one(
        "SELECT round, due_at FROM lookbacks WHERE item_id = ?", (item.id,)
    )
    assert lookback is not None and lookback[0] == 1
    assert lookback[1] == "2025-09-01T01:30:00+00:00"  # 90 days after closing
    # A vote arriving after the item closed is not counted.
    late = lifecycle.Vote(item.id, 1, world.other_id, lifecycle.Rating.DISSATISFIED, "")
    assert not await world.items.record_vote(late, NOW)


async def test_notices_of_one_change_to_one_person_are_all_kept(world: World) -> None:
    item = await _submitted(world)
    notices = (
        Notice(world.deputy_id, "notice.reviewed"),
        Notice(world.deputy_id, "notice.forwarded"),
    )
    leader = await _leader(world)
    change = review_rules.accept(item, leader, await world.items.parties(item), NOW)
    assert await world.items.commit(replace(change, notices=notices), NOW)
    assert len(await _outbox(world)) == 2
