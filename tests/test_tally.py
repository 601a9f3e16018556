"""Staff's tally over one story told through the bot: /tally in the seeds' form, breakdowns,
deadlines and satisfaction, and compute_tally's figures checked against the rules."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.bootstrap import database_of
from bot.catalog_file import EXAMPLE_CATALOG, load_catalog
from bot.clock import from_db, to_db
from bot.deadlines import Light, light
from bot.items import Status
from bot.lifecycle import Rating, ResponseClass
from bot.people import Role
from bot.tally import compute_tally, tally_json
from bot.tally_period import Period
from bot.unit_rules import answer
from tests.conftest import Harness, reply_to
from tests.rating_steps import ANSWER, answered_item, apply, default_terms, rate, reload
from tests.steps import check_in, report_problem
from tests.tally_items import _INSERT_ITEM, _item

SHANGHAI_OFFSET = timedelta(hours=8)


async def _insert(bot: Harness, *items: dict[str, Any]) -> None:
    async with database_of(bot.services).transaction() as conn:
        for item in items:
            await conn.execute(_INSERT_ITEM, item)


async def _story(bot: Harness) -> tuple[Any, Any]:
    """Two deputies of G01 check in, one reports; a deputy of G02 has items in every status."""
    alice = await bot.join("王芳")
    bob = await bot.join("李建国")
    await check_in(bot, alice)
    await report_problem(alice)
    await check_in(bot, bob)
    await bot.invite("张三", Role.DEPUTY, "G02")
    await bot.invite("何四", Role.DEPUTY, "G03")  # does nothing: not counted
    now = bot.now()
    await _insert(
        bot,
        _item(101, "张三", "submitted", kind="suggestion"),
        _item(102, "张三", "declined"),  # in the status breakdown only
        _item(103, "张三", "merged", kind="suggestion"),  # lives on in the item it joined
        _item(104, "张三", "withdrawn"),
        _item(105, "张三", "forwarded", due=now - timedelta(days=2)),  # red
        _item(106, "张三", "in_progress", due=now + timedelta(days=3)),  # yellow
        _item(107, "张三", "forwarded", category=None, due=now + timedelta(days=60)),  # green
        _item(108, "张三", "draft"),
    )
    async with database_of(bot.services).transaction() as conn:
        await conn.execute("UPDATE items SET submitted_at = NULL WHERE status = 'draft'")
    staff = await bot.join("钱干事", Role.STAFF, group=None)
    return alice, staff


async def test_staff_tally_reads_like_the_seeds_report(bot: Harness) -> None:
    alice, staff = await _story(bot)

    await staff.send_text("/tally")
    parts = await staff.settle()
    text = "\n".join(m.text or "" for m in parts)
    assert "整个监督期" in text
    assert "2个监督小组、3名代表参加，累计发现问题4个、提出意见建议1条" in text
    assert "· 提升公共卫生应急能力：问题 1 个，意见建议 0 条" in text
    assert "· 城乡居民同质饮水：问题 3 个，意见建议 1 条" in text
    assert "· 市林水局：问题 3 个，意见建议 1 条" in text  # the sub-item's lead unit
    assert "· 第一监督小组：问题 1 个" in text and "· 第二监督小组：问题 3 个" in text
    assert "· 进度滞后：1 个" in text and "· 工程质量：2 个" in text
    assert "· （未指定）：1 个" in text  # the problem without a category
    assert "· 已提交：2 条" in text and "· 未采纳：1 条" in text
    assert "· 已交办：2 条" in text and "· 办理中：1 条" in text
    assert "已合并" not in text and "已撤回" not in text and "草稿" not in text
    assert "🔴 超期 1 条 · 🟡 即将到期 1 条 · 🟢 按期办理中 1 条" in text

    today = (bot.now() + SHANGHAI_OFFSET).date()
    await staff.send_text(f"/tally {today:%Y-%m}")
    month = "\n".join(m.text or "" for m in await staff.settle())
    assert f"{today.replace(day=1)} 至" in month and "累计发现问题4个" in month

    await staff.send_text("/tally 2020-01-01 2020-01-31")
    empty = "\n".join(m.text or "" for m in await staff.settle())
    assert "0个监督小组、0名代表参加，累计发现问题0个、提出意见建议0条" in empty
    assert "本期间没有提交问题和意见建议" in empty

    for bad in ("/tally 2020-13", "/tally yesterday", "/tally 2020-06-30 2020-06-01"):
        await staff.send_text(bad)
        answer = (await staff.next_message()).text or ""
        assert "/tally 2025-05-01 2025-06-30" in answer, (bad, answer)

    assert "无权使用" in await reply_to(alice, "/tally")


async def test_tally_counts_and_lights_agree_with_the_rules(bot: Harness) -> None:
    await _story(bot)
    now = bot.now()
    tally = await compute_tally(bot.services, Period(), now=now)
    assert (tally.groups, tally.deputies, tally.problems, tally.suggestions) == (2, 3, 4, 1)
    assert dict(tally.by_status) == {
        Status.SUBMITTED: 2,
        Status.DECLINED: 1,
        Status.FORWARDED: 2,
        Status.IN_PROGRESS: 1,
    }
    # The SQL counts give what bot.deadlines.light says item by item.
    rows = await database_of(bot.services).fetch_all("SELECT status, due_at FROM items")
    lights = [
        light(Status(r[0]), from_db(r[1]), now, bot.services.settings.deadlines.due_soon_days)
        for r in rows
    ]
    assert tally.lights == {c: lights.count(c) for c in Light}
    assert tally.lights == {Light.RED: 1, Light.YELLOW: 1, Light.GREEN: 1}

    data = tally_json(tally)
    assert data["period"] == {"from": None, "to": None}
    assert data["by_status"] == {"submitted": 2, "declined": 1, "forwarded": 2, "in_progress": 1}
    assert data["deadlines"] == {"red": 1, "yellow": 1, "green": 1}
    assert {"code": "C02", "label": "城乡居民同质饮水", "problems": 3, "suggestions": 1} in data[
        "by_project"
    ]
    json.dumps(data, ensure_ascii=False)  # plain data all the way down

    # Items count by the local date of submission: 23:30 in Shanghai is still that day.
    late = datetime(2020, 6, 1, 15, 30, tzinfo=UTC)  # 23:30 at UTC+8
    async with database_of(bot.services).transaction() as conn:
        await conn.execute("UPDATE items SET submitted_at = ? WHERE number = 101", (to_db(late),))
    june1 = await compute_tally(
        bot.services, Period(date(2020, 6, 1), date(2020, 6, 1)), now=bot.now()
    )
    june2 = await compute_tally(
        bot.services, Period(date(2020, 6, 2), date(2020, 6, 2)), now=bot.now()
    )
    assert (june1.suggestions, june1.deputies, june1.groups) == (1, 1, 1)
    assert june2.suggestions == 0


async def test_satisfaction_counts_each_items_latest_votes_and_answers(bot: Harness) -> None:
    """满意率 = (满意 + 基本满意) / valid votes, abstentions apart; an item handled again counts
    with its latest answer and the votes on it, not with what was said before."""
    wang = await bot.person(await bot.join("王芳"))
    li = await bot.person(await bot.join("李强"))
    zhang = await bot.person(await bot.join("张伟"))
    leader = await bot.person(await bot.join("赵组长", Role.LEADER))
    staff_phone = await bot.join("钱干事", Role.STAFF, group=None)
    staff = await bot.person(staff_phone)
    liaison = await bot.person(await bot.join("周联络员", Role.LIAISON, unit="health"))

    # Three raisers (two through merged items): 满意, 基本满意, 弃权; closed as 基本满意.
    first = await answered_item(bot, [wang, li, zhang], leader, staff, liaison)
    first = await rate(
        bot, first, [(wang, Rating.SATISFIED), (li, Rating.BASICALLY), (zhang, Rating.ABSTAIN)]
    )
    assert first.status is Status.CLOSED
    # Answered B, rated 不满意, handled again, answered C and rated 满意: only round 2 counts.
    second = await answered_item(
        bot, [wang], leader, staff, liaison, response_class=ResponseClass.B
    )
    second = await rate(bot, second, [(wang, Rating.DISSATISFIED)])
    assert second.status is Status.IN_PROGRESS and second.round == 2
    parties = await bot.services.items.parties(second)
    terms = default_terms(bot, ResponseClass.C, bot.now())
    await apply(
        bot, answer(second, liaison, ResponseClass.C, ANSWER, parties, bot.now(), terms=terms)
    )
    second = await rate(bot, await reload(bot, second), [(wang, Rating.SATISFIED)])
    assert second.status is Status.CLOSED
    # Answered A, rated 不满意, back with the unit: its only votes say 不满意.
    third = await answered_item(bot, [li], leader, staff, liaison)
    third = await rate(bot, third, [(li, Rating.DISSATISFIED)])
    assert third.status is Status.IN_PROGRESS

    tally = await compute_tally(bot.services, Period(), now=bot.now())
    figures = tally.satisfaction
    assert figures.votes == {
        Rating.SATISFIED: 2,
        Rating.BASICALLY: 1,
        Rating.DISSATISFIED: 1,
        Rating.ABSTAIN: 1,
    }
    assert (figures.valid, figures.rate) == (4, 0.75)
    assert figures.answers == {ResponseClass.A: 2, ResponseClass.B: 0, ResponseClass.C: 1}
    assert tally_json(tally)["satisfaction"] == {
        "rate": 0.75,
        "valid_votes": 4,
        "votes": {"satisfied": 2, "basically": 1, "dissatisfied": 1, "abstain": 1},
        "answers": {"A": 2, "B": 0, "C": 1},
        "reasons": {"policy": 0, "funding": 0, "not_our_duty": 0, "conditions": 0, "other": 1},
    }
    # Items count by the day they were submitted, their votes and answers with them.
    january = await compute_tally(
        bot.services, Period(date(2020, 1, 1), date(2020, 1, 31)), now=bot.now()
    )
    assert (january.satisfaction.valid, january.satisfaction.rate) == (0, None)
    assert tally_json(january)["satisfaction"]["rate"] is None

    await staff_phone.send_text("/tally")
    text = "\n".join(m.text or "" for m in await staff_phone.settle())
    assert "<b>答复满意率 75.0%</b>（满意 2 票、基本满意 1 票，有效票 4 票）" in text
    for line in (
        "· 满意：2 票",
        "· 基本满意：1 票",
        "· 不满意：1 票",
        "· 弃权：1 票（不计入有效票）",
        "· A 类（已解决）：2 条",
        "· B 类（列入计划解决）：0 条",
        "· C 类（暂缓解决或留作参考）：1 条",
    ):
        assert line in text, line


async def test_every_project_subitem_and_unit_is_listed_in_catalog_order(bot: Harness) -> None:
    """A year's figures name all of the catalog, zeros included, in the catalog's order."""
    await _story(bot)
    catalog = load_catalog(EXAMPLE_CATALOG)
    tally = await compute_tally(bot.services, Period(), now=bot.now())
    named = [r for r in tally.by_subitem if r.label]
    assert [r.label for r in tally.by_project] == [p.title for p in catalog.projects]
    assert [r.label for r in named] == [s.title for s in catalog.subitems]
    assert [r.label for r in tally.by_unit] == [u.name for u in catalog.units]
    assert sum(r.problems for r in tally.by_unit) == tally.problems
    idle = [r for r in tally.by_unit if (r.problems, r.suggestions) == (0, 0)]
    assert len(idle) == len(catalog.units) - 2  # items reached two lead units only

    data = tally_json(tally)
    assert [r["code"] for r in data["by_project"]] == [p.code for p in catalog.projects]
    assert [r["code"] for r in data["by_subitem"] if r["code"]] == [
        s.code for s in catalog.subitems
    ]
    assert [r["code"] for r in data["by_unit"]] == [u.code for u in catalog.units]
    assert {
        "code": "C02-1",
        "label": "提升农村居民饮用水标准",
        "problems": 3,
        "suggestions": 1,
    } in data["by_subitem"]

    staff = await bot.join("孙干事", Role.STAFF, group=None)
    await staff.send_text("/tally")
    text = "\n".join(m.text or "" for m in await staff.settle())
    lines = [f"· {u.name}：" for u in catalog.units]
    at = [text.index(line, text.index("按牵头实施单位")) for line in lines]
    assert at == sorted(at), "units in the catalog's order"
    assert f"· {catalog.units[-1].name}：问题 0 个，意见建议 0 条" in text
    assert f"· {catalog.subitems[-1].title}：问题 0 个，意见建议 0 条" in text
