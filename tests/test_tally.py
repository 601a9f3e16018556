"""Staff's tally: headline figures in the seeds' form, breakdowns, deadlines; /tally and the CLI."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.__main__ import main
from bot.bootstrap import database_of
from bot.catalog_file import load_catalog
from bot.clock import from_db, to_db
from bot.config import Settings, StorageSettings
from bot.deadlines import Light, light
from bot.items import Status
from bot.lifecycle import Rating, ResponseClass
from bot.people import Role
from bot.rating_rules import satisfaction_rate
from bot.satisfaction import satisfaction_of
from bot.split import split_message
from bot.tally import compute_tally, tally_json
from bot.tally_period import Period, PeriodError, parse_day
from bot.unit_rules import answer
from tests.conftest import EXAMPLE_CATALOG, START, Harness, open_with_example, reply_to, start_clock
from tests.rating_steps import ANSWER, answered_item, apply, default_terms, rate, reload
from tests.steps import check_in, imported_example, report_problem

SHANGHAI_OFFSET = timedelta(hours=8)

# Items in statuses the review and forwarding flows will produce are written directly: the state
# machine is being built elsewhere, and the tally only reads status, dates and places.
_INSERT_ITEM = """
INSERT INTO items (campaign_id, kind, status, number, author_id, group_id, site_id, project_id,
                   subitem_id, category_id, severity, description, created_at, submitted_at,
                   updated_at, due_at)
SELECT c.id, :kind, :status, :number, p.id, p.group_id, NULL, s.project_id, s.id,
       (SELECT id FROM categories WHERE campaign_id = c.id AND code = :category),
       CASE :kind WHEN 'problem' THEN 'normal' END, '现场发现的情况说明', :at, :at, :at, :due
FROM campaigns c JOIN persons p ON p.name = :author JOIN subitems s ON s.code = :subitem
"""


def _item(
    number: int,
    author: str,
    status: str,
    *,
    kind: str = "problem",
    subitem: str = "C02-1",
    category: str | None = "quality",
    at: datetime | None = None,
    due: datetime | None = None,
) -> dict[str, Any]:
    return {
        "number": number,
        "author": author,
        "status": status,
        "kind": kind,
        "subitem": subitem,
        "category": category if kind == "problem" else None,
        "at": to_db(at or START),
        "due": to_db(due) if due else None,
    }


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


@pytest.mark.parametrize(
    "votes",
    [
        [],
        [Rating.ABSTAIN],
        [Rating.SATISFIED, Rating.BASICALLY, Rating.DISSATISFIED],
        [Rating.SATISFIED, Rating.ABSTAIN, Rating.DISSATISFIED, Rating.DISSATISFIED],
    ],
)
def test_the_rate_from_counts_is_the_lifecycles_rule(votes: list[Rating]) -> None:
    counts = {str(v): votes.count(v) for v in set(votes)}
    figures = satisfaction_of(counts, {"A": 1})
    assert figures.rate == satisfaction_rate(votes)
    assert figures.valid == sum(v is not Rating.ABSTAIN for v in votes)
    assert figures.answered == 1 and figures.answers[ResponseClass.C] == 0
    rate = satisfaction_rate(votes)
    assert figures.percent() == ("—" if rate is None else f"{rate * 100:.1f}%")


# --- periods and splitting ----------------------------------------------------------------------

TODAY = date(2025, 6, 15)


@pytest.mark.parametrize(
    ("args", "first", "last"),
    [
        ([], None, None),
        (["2025-06"], date(2025, 6, 1), date(2025, 6, 30)),
        (["2025-12"], date(2025, 12, 1), date(2025, 12, 31)),
        (["2024-2"], date(2024, 2, 1), date(2024, 2, 29)),
        (["2025-06-03"], date(2025, 6, 3), TODAY),
        (["2025-05-01", "2025-06-30"], date(2025, 5, 1), date(2025, 6, 30)),
        (["2025-05", "2025-06"], date(2025, 5, 1), date(2025, 6, 30)),
        (["2025-05-20", "2025-05-20"], date(2025, 5, 20), date(2025, 5, 20)),
    ],
)
def test_period_forms(args: list[str], first: date | None, last: date | None) -> None:
    assert Period.parse(args, TODAY) == Period(first, last)


@pytest.mark.parametrize(
    "args",
    [
        ["2025-13"],
        ["2025-06-31"],
        ["today"],
        ["2025/06/01"],
        ["2025-06-02", "2025-06-01"],
        ["1", "2", "3"],
    ],
)
def test_bad_periods(args: list[str]) -> None:
    with pytest.raises(PeriodError):
        Period.parse(args, TODAY)


def test_period_bounds_are_local_midnights_in_utc() -> None:
    start, end = Period(date(2025, 6, 1), date(2025, 6, 1)).bounds(ZoneInfo("Asia/Shanghai"))
    assert (start, end) == ("2025-05-31T16:00:00+00:00", "2025-06-01T16:00:00+00:00")
    assert parse_day("2025-06-01") == date(2025, 6, 1)
    with pytest.raises(PeriodError):
        parse_day("2025-06")


def test_split_keeps_lines_whole_and_cuts_only_an_over_long_line() -> None:
    lines = [f"<b>第 {n} 行</b> " + "内容" * 30 for n in range(200)]
    parts = split_message("\n".join(lines), limit=500)
    assert all(len(p) <= 500 for p in parts)
    assert "\n".join(parts).split("\n") == lines
    # One line longer than a message: cut between characters, never inside a tag or an entity.
    long = "<b>标题</b>" + "甲&amp;乙" * 200
    pieces = split_message(long, limit=100)
    assert "".join(pieces) == long and all(len(p) <= 100 for p in pieces)
    assert all(p.count("&amp;") * 5 == len(p) - len(p.replace("&amp;", "")) for p in pieces)
    # Telegram counts UTF-16 units: an emoji takes two.
    assert split_message("😀" * 60, limit=100) == ["😀" * 50, "😀" * 10]
    assert split_message("\n\n") == []


# --- the command line ---------------------------------------------------------------------------


def test_cli_prints_the_same_figures_as_text_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = imported_example(tmp_path)
    capsys.readouterr()
    june = datetime(2020, 6, 10, 2, 0, tzinfo=UTC)
    with closing(sqlite3.connect(tmp_path / "data" / "deputy-bot.sqlite3")) as db, db:
        db.execute(
            "INSERT INTO persons (campaign_id, name, role, group_id, created_at) "
            "SELECT c.id, '张三', 'deputy', g.id, ? FROM campaigns c JOIN groups g ON g.code = 'G02'",
            (to_db(june),),
        )
        for item in (
            _item(1, "张三", "submitted", at=june),
            _item(2, "张三", "reviewed", kind="suggestion", at=june),
            _item(3, "张三", "submitted", at=june + timedelta(days=40)),  # in July
        ):
            db.execute(_INSERT_ITEM, item)

    args = ["tally", "--config", str(config), "--from", "2020-06-01", "--to", "2020-06-30"]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["groups"], data["deputies"], data["problems"], data["suggestions"]) == (1, 1, 1, 1)
    assert data["period"] == {"from": "2020-06-01", "to": "2020-06-30"}
    assert data["by_group"] == [{"label": "第二监督小组", "problems": 1, "suggestions": 1}]
    # Every unit of the catalog, in its order, with the ones that got nothing at zero.
    units = load_catalog(EXAMPLE_CATALOG).units
    assert [(u["code"], u["label"]) for u in data["by_unit"]] == [(u.code, u.name) for u in units]
    assert [u["problems"] + u["suggestions"] for u in data["by_unit"]].count(0) == len(units) - 1
    assert data["satisfaction"]["valid_votes"] == 0 and data["satisfaction"]["rate"] is None

    assert main(args) == 0
    text = capsys.readouterr().out
    assert "1个监督小组、1名代表参加，累计发现问题1个、提出意见建议1条" in text
    assert "答复满意率：尚无有效评价票" in text and f"· {units[-1].name}：问题 0 个" in text
    assert "<b>" not in text and "2020-06-01 至 2020-06-30" in text
    assert main([*args, "--lang", "en"]) == 0
    assert "1 groups, 1 deputies took part, 1 problems and 1 suggestions" in capsys.readouterr().out
    # Without dates: the whole campaign, July included.
    assert main(["tally", "--config", str(config), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["problems"] == 2

    assert main(["tally", "--config", str(config), "--from", "2020-06-31"]) == 1
    assert "--from '2020-06-31'" in capsys.readouterr().err
    assert (
        main(["tally", "--config", str(config), "--from", "2020-07-01", "--to", "2020-06-01"]) == 1
    )
    assert "after" in capsys.readouterr().err


def test_a_year_of_twenty_thousand_items_is_counted_whole(tmp_path: Path) -> None:
    """20,000 items over a year and every group; how fast is bench/tally.py's business."""
    asyncio.run(_bulk_tally(tmp_path))


async def _bulk_tally(tmp_path: Path) -> None:
    settings = Settings(storage=StorageSettings(data_dir=tmp_path / "data"))
    services = await open_with_example(settings, start_clock())
    try:
        async with database_of(services).transaction() as conn:
            await conn.execute(
                "INSERT INTO persons (campaign_id, name, role, group_id, created_at) "
                "SELECT c.id, '代表' || g.code, 'deputy', g.id, '2020-01-01T00:00:00+00:00' "
                "FROM campaigns c JOIN groups g ON g.campaign_id = c.id"
            )
            # 20,000 items spread over the year, all groups, sub-items, categories and statuses.
            await conn.execute(
                """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                INSERT INTO items (campaign_id, kind, status, number, author_id, group_id,
                                   project_id, subitem_id, category_id, description, created_at,
                                   submitted_at, updated_at)
                SELECT 1, CASE i % 3 WHEN 0 THEN 'suggestion' ELSE 'problem' END,
                       CASE i % 5 WHEN 0 THEN 'forwarded' WHEN 1 THEN 'declined'
                                  WHEN 2 THEN 'closed' ELSE 'submitted' END,
                       i, p.id, p.group_id, s.project_id, s.id,
                       1 + i % 9, 'x',
                       strftime('%Y-%m-%dT%H:%M:%S+00:00', '2020-01-01', '+' || (i % 365) || ' days'),
                       strftime('%Y-%m-%dT%H:%M:%S+00:00', '2020-01-01', '+' || (i % 365) || ' days'),
                       'x'
                FROM n
                JOIN persons p ON p.id = 1 + i % (SELECT COUNT(*) FROM persons)
                JOIN subitems s ON s.id = 1 + i % (SELECT COUNT(*) FROM subitems)
                """
            )
        tally = await compute_tally(
            services, Period(date(2020, 1, 1), date(2020, 12, 31)), now=services.clock.now()
        )
    finally:
        await services.close()
    assert tally.problems + tally.suggestions == 16000  # a fifth were declined
    assert tally.deputies == await _count_groups(settings)


async def _count_groups(settings: Any) -> int:
    with closing(sqlite3.connect(settings.storage.database_path)) as db:
        return int(db.execute("SELECT COUNT(*) FROM groups").fetchone()[0])
