"""The leaders' daily summary: queued to the outbox each evening, and on demand with /summary."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

import bot.summary as summary_module
import bot.summary_pictures as pictures_module
from bot.bootstrap import database_of
from bot.chart import FontMissing
from bot.clock import from_db, to_db
from bot.items import Kind
from bot.people import Role
from bot.summary import GroupSummary, ItemLine, VisitLine, group_summary
from bot.summary_push import queue_daily_summaries
from bot.summary_render import render_summary
from bot.texts import Texts
from localapi import SimUser
from tests.conftest import Harness, answer_to, reply_to
from tests.images import make_jpeg
from tests.steps import DESCRIPTION, check_in, confirm, describe_problem, skip_photos

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def _report_problem_with_photo(deputy: SimUser) -> None:
    await describe_problem(deputy)
    await deputy.send_photo(make_jpeg(640, 480, pattern_seed=9))
    await deputy.settle()
    await skip_photos(deputy)
    await confirm(deputy)


async def _today(bot: Harness) -> date:
    """The local day of the visits just made (not of the clock, so midnight cannot flake)."""
    at = from_db(await bot.value("SELECT MAX(at) FROM visits"))
    assert at is not None
    return at.astimezone(SHANGHAI).date()


async def _outbox(bot: Harness, person_telegram_id: int) -> list[tuple[str, dict[str, object]]]:
    person = await bot.services.people.by_telegram_id(person_telegram_id)
    assert person is not None
    rows = await database_of(bot.services).fetch_all(
        "SELECT dedup_key, payload FROM outbox WHERE person_id = ? ORDER BY id", (person.id,)
    )
    return [(r[0], json.loads(r[1])) for r in rows]


async def test_evening_summary_is_queued_once_for_every_leader(bot: Harness) -> None:
    alice = await bot.join("王芳")
    bob = await bot.join("李建国")
    await bot.join("赵六")  # in the group, does nothing today
    await check_in(bot, alice, make_jpeg(800, 600, pattern_seed=5))
    await _report_problem_with_photo(alice)
    await check_in(bot, bob)
    leader = await bot.join("陈组长", Role.LEADER)
    quiet_leader = await bot.join("周组长", Role.LEADER, group="G02")
    day = await _today(bot)
    now = bot.now()

    added = await queue_daily_summaries(bot.services, day, now)

    rows = await _outbox(bot, leader.user_id)
    keys = [key for key, _ in rows]
    person = await bot.services.people.by_telegram_id(leader.user_id)
    assert person is not None
    prefix = f"summary:{person.id}:{day.isoformat()}"
    assert keys == [f"{prefix}:text1", f"{prefix}:chart", f"{prefix}:sheet1"]
    text = str(rows[0][1]["text"])
    assert f"第一监督小组 每日汇总</b>（{day.isoformat()}）" in text
    assert "签到 2 次" in text and "王芳" in text and "李建国" in text and "在现场" in text
    assert "新的问题 1 个、意见建议 0 条" in text
    assert "问题类别“进度滞后”：1 个" in text
    assert "问题 2020-0001" in text and DESCRIPTION[:10] in text
    # Of the four members, only 赵六 and the leader did nothing today.
    assert "今日无签到或提交的成员（2/4）" in text and "赵六、陈组长" in text

    chart = rows[1][1]
    assert chart["file_kind"] == "photo" and "第一监督小组" in str(chart["text"])
    with Image.open(str(chart["file_path"])) as image:
        assert image.format == "PNG" and image.width >= 800
    sheet = rows[2][1]
    with Image.open(str(sheet["file_path"])) as image:
        assert image.format == "JPEG"
    assert "共 2 张" in str(sheet["text"])  # the check-in photo and the problem's photo

    # A group with nothing today still hears so, briefly, and without pictures.
    quiet = await _outbox(bot, quiet_leader.user_id)
    assert len(quiet) == 1
    assert "今日没有签到，也没有新的问题和意见建议" in str(quiet[0][1]["text"])
    assert "本组 1 名成员今日均无签到或提交" in str(quiet[0][1]["text"])
    assert added == 4

    # Deputies get no summary; running the job again (a restart's catch-up) queues nothing.
    assert await _outbox(bot, alice.user_id) == []
    assert await queue_daily_summaries(bot.services, day, now + timedelta(minutes=5)) == 0
    assert await bot.value("SELECT COUNT(*) FROM outbox") == 4


async def test_summary_follows_each_leaders_language(bot: Harness) -> None:
    deputy = await bot.join("王芳")
    await check_in(bot, deputy)
    zh_leader = await bot.join("陈组长", Role.LEADER)
    en_leader = await bot.join("Chen", Role.LEADER, language_code="en")
    await en_leader.send_text("/lang")
    await en_leader.next_message()
    await en_leader.press("English")
    await en_leader.settle()
    day = await _today(bot)
    await queue_daily_summaries(bot.services, day, bot.now())
    zh_text = str((await _outbox(bot, zh_leader.user_id))[0][1]["text"])
    en_text = str((await _outbox(bot, en_leader.user_id))[0][1]["text"])
    assert "每日汇总" in zh_text and "在现场" in zh_text
    assert "daily summary" in en_text and "1 check-ins" in en_text and "王芳" in en_text


async def test_a_missing_cjk_font_costs_the_pictures_not_the_summary(
    bot: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    deputy = await bot.join("王芳")
    await check_in(bot, deputy)
    await _report_problem_with_photo(deputy)
    leader = await bot.join("陈组长", Role.LEADER)

    def no_font() -> None:
        raise FontMissing([])

    monkeypatch.setattr(pictures_module, "_font_path", None)
    monkeypatch.setattr(pictures_module, "find_cjk_font", no_font)
    with caplog.at_level(logging.WARNING, logger="bot.summary_pictures"):
        added = await queue_daily_summaries(bot.services, await _today(bot), bot.now())
    rows = await _outbox(bot, leader.user_id)
    assert added == 1 and [k.rsplit(":", 1)[1] for k, _ in rows] == ["text1"]
    assert "新的问题 1 个" in str(rows[0][1]["text"])
    assert any("fonts-wqy-microhei" in r.getMessage() for r in caplog.records)


async def test_leader_asks_for_the_summary_and_gets_text_chart_and_photos(bot: Harness) -> None:
    deputy = await bot.join("王芳")
    await check_in(bot, deputy, make_jpeg(800, 600, pattern_seed=5))
    await _report_problem_with_photo(deputy)
    leader = await bot.join("陈组长", Role.LEADER)
    day = await _today(bot)

    await leader.send_text(f"/summary {day.isoformat()}")
    replies = await leader.settle()
    texts = [m for m in replies if m.kind == "text"]
    photos = [m for m in replies if m.kind == "photo"]
    assert "第一监督小组 每日汇总" in (texts[0].text or "") and "王芳" in (texts[0].text or "")
    assert len(photos) == 2, [m.describe() for m in replies]
    with Image.open(io.BytesIO(photos[0].files[0])) as chart:
        assert chart.format == "PNG"
    assert "现场照片" in (photos[1].text or "")

    # A leader sees their own group only, and bad input is explained.
    assert "组长只能查看本组的汇总" in await reply_to(leader, "/summary G02")
    assert "/summary 2025-06-01" in await reply_to(leader, "/summary 2020-13-45")
    tomorrow = (bot.now().astimezone(SHANGHAI) + timedelta(days=2)).date()
    assert "还没有到" in await reply_to(leader, f"/summary {tomorrow.isoformat()}")
    # Nothing was queued by asking.
    assert await bot.value("SELECT COUNT(*) FROM outbox WHERE dedup_key LIKE 'summary:%'") == 0


async def test_staff_pick_a_group_and_deputies_are_refused(bot: Harness) -> None:
    deputy = await bot.join("王芳")
    await check_in(bot, deputy)
    staff = await bot.join("钱干事", Role.STAFF, group=None)
    day = await _today(bot)

    await staff.send_text(f"/summary {day.isoformat()}")
    choose = await staff.next_message()
    assert f"{day.isoformat()} 汇总" in (choose.text or "")
    assert choose.buttons[0] == "G01 第一监督小组"
    await staff.press("G01 第一监督小组")
    shown = await staff.settle()
    assert any("第一监督小组 每日汇总" in (m.text or "") for m in shown)
    assert any("签到 1 次" in (m.text or "") for m in shown)

    await staff.send_text("/summary g02")  # codes are read case-insensitively
    quiet = await staff.settle()
    assert any("第二监督小组 每日汇总" in (m.text or "") for m in quiet)
    assert "没有编号为 G99 的监督小组" in await reply_to(staff, "/summary G99")

    # A forged button for a group id that does not exist is an expired button.
    press = await staff.press_data(choose.message_id, f"dsum:99999:{day.isoformat()}")
    assert "已失效" in await answer_to(staff, press)

    assert "无权使用" in await reply_to(deputy, "/summary")
    press = await deputy.press_data(choose.message_id, f"dsum:1:{day.isoformat()}")
    assert "无权使用" in await answer_to(deputy, press)


# --- splitting, never cutting ------------------------------------------------------------------


def _big_summary(visits: int, stale: int) -> GroupSummary:
    at = datetime(2025, 6, 1, 9, 30, tzinfo=SHANGHAI)
    return GroupSummary(
        group_id=1,
        group_code="G01",
        group_name="第一监督小组",
        day=date(2025, 6, 1),
        visits=[
            VisitLine(
                at, f"代表{n:03d}", f"某某街道某某社区养老服务中心{n}号点", n % 3 != 0, "too_far"
            )
            for n in range(visits)
        ],
        items=[ItemLine(Kind.SUGGESTION, "2025-0001", "点位", "代表", "建议" * 50)],
        projects=[summary_module.ProjectDay("提升公共卫生应急能力", {}, 1)],
        categories=[],
        stale_days=14,
        stale_sites=[(f"未签到点位{n}", None) for n in range(stale)],
        members=3,
        idle_members=["甲", "乙"],
        overdue=2,
        due_soon=1,
        most_overdue=[("2025-0003", 40)],
        photos=[],
    )


@pytest.mark.parametrize("language", ["zh", "en"])
def test_long_summaries_are_split_between_lines_under_the_limit(language: str) -> None:
    summary = _big_summary(visits=400, stale=300)
    parts = render_summary(summary, Texts(language))
    assert len(parts) > 2
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    whole = "\n".join(parts)
    # Every visit line arrives whole, in order.
    for n in (0, 199, 399):
        line = next(line for line in whole.split("\n") if f"代表{n:03d}" in line)
        assert f"某某社区养老服务中心{n}号点" in line
    assert whole.count("代表") >= 400 and "未签到点位299" in whole
    # Every part that opens a tag closes it.
    assert all(p.count("<b>") == p.count("</b>") for p in parts)


def test_quiet_day_is_short() -> None:
    quiet = replace(_big_summary(visits=0, stale=0), items=[], projects=[])
    parts = render_summary(quiet, Texts("zh"))
    assert len(parts) == 1 and "今日没有签到" in parts[0]


async def test_summary_of_an_earlier_day_uses_that_days_bounds(bot: Harness) -> None:
    """A visit at 23:30 Shanghai time belongs to that local day, not to the UTC date."""
    deputy = await bot.join("王芳")
    await check_in(bot, deputy)
    group = await bot.services.catalog.group_by_code(bot.services.campaign.id, "G01")
    assert group is not None
    late = datetime(2020, 6, 1, 23, 30, tzinfo=SHANGHAI)
    async with database_of(bot.services).transaction() as conn:
        await conn.execute("UPDATE visits SET at = ?", (to_db(late),))
    on_day = await group_summary(bot.services, group.id, date(2020, 6, 1), now=bot.now())
    next_day = await group_summary(bot.services, group.id, date(2020, 6, 2), now=bot.now())
    assert len(on_day.visits) == 1 and on_day.visits[0].at.hour == 23
    assert next_day.visits == []
    # Sites not visited for 14 days, as they stood on the evening of each day.
    site = (await bot.site_of_group("G01")).name
    assert site not in dict(on_day.stale_sites) and site not in dict(next_day.stale_sites)
    weeks_later = await group_summary(bot.services, group.id, date(2020, 6, 20), now=bot.now())
    assert dict(weeks_later.stale_sites)[site] == date(2020, 6, 1)
    before = await group_summary(bot.services, group.id, date(2020, 5, 31), now=bot.now())
    assert dict(before.stale_sites)[site] is None
    text = "\n".join(render_summary(weeks_later, Texts("zh")))
    assert f"14 天以上无人签到的点位（{len(weeks_later.stale_sites)} 个）" in text
    assert f"· {site}（最近一次 2020-06-01）" in text and "（从未签到）" in text
