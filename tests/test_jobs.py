"""The daily jobs: liaisons are reminded of their unit's overdue and due-soon items, staff get a
digest, rating windows close, groups hear of due look-backs; running them twice sends nothing twice."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.bootstrap import database_of
from bot.items import Item
from bot.jobs import run_daily_jobs
from bot.lifecycle import Rating, ResponseClass
from bot.people import Person, Role
from bot.rating_rules import vote
from bot.review_rules import accept
from bot.unit_rules import forward
from localapi import SimUser
from tests.conftest import Harness
from tests.rating_steps import (
    answered_item,
    apply,
    closed_item,
    delivered,
    raise_item,
    reload,
)


async def _forwarded(
    bot: Harness, author: Person, leader: Person, staff: Person, unit_id: int, days_ago: int
) -> Item:
    """A problem forwarded `days_ago` days ago: due three months after that."""
    services = bot.services
    then = bot.now() - timedelta(days=days_ago)
    item = await raise_item(bot, author)
    await apply(bot, accept(item, leader, await services.items.parties(item), then), then)
    item = await reload(bot, item)
    parties = await services.items.parties(item, unit_id=unit_id)
    await apply(bot, forward(item, staff, unit_id, parties, then, services.policy), then)
    return await reload(bot, item)


async def _people(bot: Harness) -> tuple[SimUser, SimUser, SimUser, Person, Person, Person, Person]:
    deputy = await bot.join("王芳")
    staff_phone = await bot.join("陈工作人员", Role.STAFF)
    liaison_phone = await bot.join("周联络员", Role.LIAISON, unit="health")
    leader = await bot.person(await bot.join("赵组长", Role.LEADER))
    return (
        deputy,
        staff_phone,
        liaison_phone,
        await bot.person(deputy),
        leader,
        await bot.person(staff_phone),
        await bot.person(liaison_phone),
    )


async def _payloads(bot: Harness, dedup_prefix: str) -> list[tuple[int, dict[str, object]]]:
    rows = await database_of(bot.services).fetch_all(
        "SELECT person_id, payload FROM outbox WHERE dedup_key LIKE ? ORDER BY id",
        (f"{dedup_prefix}%",),
    )
    return [(r[0], json.loads(r[1])) for r in rows]


async def test_liaisons_and_staff_are_reminded_once_a_day(bot: Harness) -> None:
    deputy, staff_phone, liaison_phone, author, leader, staff, liaison = await _people(bot)
    assert liaison.unit_id is not None
    overdue = await _forwarded(bot, author, leader, staff, liaison.unit_id, days_ago=120)
    soon = await _forwarded(bot, author, leader, staff, liaison.unit_id, days_ago=85)
    await _forwarded(bot, author, leader, staff, liaison.unit_id, days_ago=1)  # on time
    await delivered(bot, deputy, staff_phone, liaison_phone)

    first = await run_daily_jobs(bot.services, bot.now())
    assert first["reminders"] == 2  # the liaison, and staff's digest
    again = await run_daily_jobs(bot.services, bot.now() + timedelta(hours=3))
    assert again == {
        "ratings_closed": 0,
        "lookbacks_announced": 0,
        "promises_due": 0,
        "reminders": 0,
        "plan_reminders": 0,
        "evaluation_reminders": 0,
        "evaluation_closed": 0,
        "sign_reminders": 0,
        "chased": 0,
        "escalated": 0,
        "deadline_digest": 0,
    }

    [(person_id, reminder)] = await _payloads(bot, "remind:")
    assert person_id == liaison.id and reminder["key"] == "jobs.remind_liaison"
    params = reminder["params"]
    assert isinstance(params, dict)
    assert (params["overdue"], params["soon"]) == (1, 1)
    assert overdue.display_number in str(params["overdue_list"])
    assert soon.display_number in str(params["soon_list"])
    [(person_id, digest)] = await _payloads(bot, "digest:")
    assert person_id == staff.id
    digest_params = digest["params"]
    assert isinstance(digest_params, dict) and digest_params["overdue"] == 1
    assert "市卫健委: 1" in str(digest_params["by_unit"])

    await delivered(bot, liaison_phone, staff_phone)
    [reminded] = [m for m in liaison_phone.messages if "交办事项提醒" in (m.text or "")]
    assert overdue.display_number in (reminded.text or "") and "已逾期 1 条" in (
        reminded.text or ""
    )
    assert [m for m in staff_phone.messages if "每日办理情况" in (m.text or "")]


async def test_nothing_due_means_no_reminder(bot: Harness) -> None:
    _deputy, _staff_phone, _liaison_phone, author, leader, staff, liaison = await _people(bot)
    assert liaison.unit_id is not None
    await _forwarded(bot, author, leader, staff, liaison.unit_id, days_ago=1)
    counts = await run_daily_jobs(bot.services, bot.now())
    assert counts["reminders"] == 0
    assert await _payloads(bot, "remind:") == [] and await _payloads(bot, "digest:") == []


async def test_staff_digest_carries_the_satisfaction_figures(bot: Harness) -> None:
    """Nothing overdue, but answers and votes: staff still hear the campaign's satisfaction."""
    deputy, staff_phone, _liaison, wang, leader, staff, liaison = await _people(bot)
    li = await bot.person(await bot.join("李强"))
    await closed_item(bot, wang, leader, staff, liaison)  # class A, 满意
    planned = await answered_item(
        bot, [wang, li], leader, staff, liaison, response_class=ResponseClass.B
    )
    parties = await bot.services.items.parties(planned)
    assert await bot.services.items.record_vote(
        vote(planned, li, planned.round, Rating.DISSATISFIED, "", parties), bot.now()
    )
    await delivered(bot, deputy, staff_phone)

    counts = await run_daily_jobs(bot.services, bot.now())
    assert counts["reminders"] == 1  # staff's digest; no unit has anything due
    [(person_id, digest)] = await _payloads(bot, "digest:")
    assert person_id == staff.id
    params = digest["params"]
    assert isinstance(params, dict)
    assert {k: params[k] for k in ("rate", "valid", "satisfied", "dissatisfied", "abstain")} == {
        "rate": "50.0%",
        "valid": 2,
        "satisfied": 1,
        "dissatisfied": 1,
        "abstain": 0,
    }
    assert (params["answers"], params["a"], params["b"], params["c"]) == (2, 1, 1, 0)

    await delivered(bot, staff_phone)
    [text] = [m.text or "" for m in staff_phone.messages if "每日办理情况" in (m.text or "")]
    assert "答复满意率 50.0%" in text and "有效票 2 票：满意 1、基本满意 0、不满意 1" in text
    assert "单位答复 2 条：A 已解决 1、B 列入计划 1、C 暂缓/留作参考 0" in text


async def test_an_expired_rating_window_concludes_with_the_votes_cast(bot: Harness) -> None:
    _deputy, _staff_phone, _liaison_phone, wang, leader, staff, liaison = await _people(bot)
    li = await bot.person(await bot.join("李强"))
    window = bot.settings.deadlines.rating_window_days
    long_ago = bot.now() - timedelta(days=window + 1)
    # Two raisers, one voted 不满意, the other never did.
    rated = await answered_item(bot, [wang, li], leader, staff, liaison, now=long_ago)
    parties = await bot.services.items.parties(rated)
    vote_ = vote(rated, wang, rated.round, Rating.DISSATISFIED, "", parties)
    assert await bot.services.items.record_vote(vote_, long_ago)
    # Nobody voted on this one.
    silent = await answered_item(bot, [li], leader, staff, liaison, now=long_ago)
    # Answered yesterday: its window is still open.
    fresh = await answered_item(bot, [wang], leader, staff, liaison)

    counts = await run_daily_jobs(bot.services, bot.now())
    assert counts["ratings_closed"] == 2
    rated, silent, fresh = [await reload(bot, i) for i in (rated, silent, fresh)]
    assert (rated.status, rated.rating, rated.round) == ("in_progress", "dissatisfied", 2)
    assert (silent.status, silent.rating) == ("closed", None)
    assert await bot.value("SELECT COUNT(*) FROM lookbacks WHERE item_id = ?", silent.id) == 1
    assert fresh.status == "answered"
    assert (await run_daily_jobs(bot.services, bot.now()))["ratings_closed"] == 0


async def test_a_due_look_back_is_announced_to_its_group_once(bot: Harness) -> None:
    deputy, _staff_phone, _liaison_phone, author, leader, staff, liaison = await _people(bot)
    other_group = await bot.join("吴代表", group="G02")
    item = await closed_item(
        bot, author, leader, staff, liaison, now=bot.now() - timedelta(days=91)
    )
    not_yet = await closed_item(bot, author, leader, staff, liaison)
    await delivered(bot, deputy)

    counts = await run_daily_jobs(bot.services, bot.now())
    assert counts["lookbacks_announced"] == 2  # the deputy and the leader of G01
    assert (await run_daily_jobs(bot.services, bot.now()))["lookbacks_announced"] == 0
    announced = await _payloads(bot, "lookback:")
    assert sorted(p for p, _ in announced) == sorted([author.id, leader.id])
    assert all(
        json.loads(json.dumps(n))["params"]["number"] == item.display_number for _, n in announced
    )
    assert not_yet.display_number not in json.dumps([n for _, n in announced])

    await delivered(bot, deputy, other_group)
    assert [
        m
        for m in deputy.messages
        if "回头看提醒" in (m.text or "") and item.display_number in (m.text or "")
    ]
    assert not any("回头看提醒" in (m.text or "") for m in other_group.messages)
