"""Targets and progress through the real Application: a lead unit's /progress, a deputy's
observation after a check-in, /projects for each role, and the monthly reminder.

Example catalog facts used: the liaison's unit "health" (市卫健委) leads C01-1 (实验室 1 个),
C01-2 (核酸检测覆盖 100%), C01-3 (负压救护车 30 辆) and C07-4 (照护机构 50 家); the first site of
group G01 belongs to C01-1; group G01 supervises project C01 only.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.people import Role
from bot.schedule import progress_reminder_job
from handlers import projects
from localapi import BotMessage, SimUser
from tests.conftest import SHANGHAI, Harness, answer_to, answer_to_button, reply_to
from tests.steps import arrive_at_site, until


async def _report_up_to_summary(liaison: SimUser, subitem: str, *values: str) -> BotMessage:
    await liaison.send_text("/progress")
    choose = await liaison.next_message()
    assert "请选择要报告进展的子项" in (choose.text or ""), choose.describe()
    await liaison.press(subitem)
    await liaison.next_message(edited=True)
    for value in values:
        ask = await until(liaison, "请输入目前")
        assert ask.text is not None
        await liaison.send_text(value)
    note = await until(liaison, "备注")
    assert note.buttons == ["跳过"]
    await liaison.send_text("6月新增负压救护车12辆，已全部投入使用。")
    summary = await liaison.next_message()
    assert "请核对进展报告" in (summary.text or ""), summary.describe()
    return summary


async def test_a_liaison_reports_progress_once_whatever_the_taps(bot: Harness) -> None:
    liaison = await bot.join("钱联络", Role.LIAISON, group=None, unit="health")
    await liaison.send_text("/progress")
    choose = await liaison.next_message()
    labels = " ".join(choose.buttons)
    # The health unit's sub-items with targets; C07-5 has none (its figure was lost in the seed).
    assert "C01-3" in labels and "C07-4" in labels and "C07-5" not in labels
    assert "C02-1" not in labels  # led by another unit
    await liaison.press("C01-3")
    await liaison.next_message(edited=True)
    ask = await liaison.next_message()
    assert "负压救护车" in (ask.text or "") and "30 辆" in (ask.text or "")
    assert "2020-12-31" in (ask.text or "")

    # Bad numbers are refused politely and change nothing; the question stays.
    for bad in ("十二辆", "-4", "1e99"):
        await liaison.send_text(bad)
        reply = await liaison.next_message()
        assert "请输入一个不小于 0 的数字" in (reply.text or ""), reply.describe()
    assert await bot.value("SELECT COUNT(*) FROM progress_reports") == 0

    await liaison.send_text("１２")  # full-width digits, as Chinese keyboards type them
    await until(liaison, "备注")
    await liaison.send_text("6月新增负压救护车12辆，已全部投入使用。")
    summary = await liaison.next_message()
    assert "12 / 30 辆（40%）" in (summary.text or ""), summary.describe()

    # A double tap on 确认: one report.
    first = await answer_to_button(liaison, summary, "✅ 确认提交")
    second = await answer_to_button(liaison, summary, "✅ 确认提交")
    assert first == "" and "按钮已失效" in second
    # Stored on 确认; photos may follow, and 完成 says it is saved.
    assert await bot.value("SELECT COUNT(*) FROM progress_reports") == 1
    await until(liaison, "可以发送现场照片")
    await liaison.press("完成")
    saved = await until(liaison, "进展已报告")
    assert "随报告保存照片 0 张" in (saved.text or "")
    assert "C01-3" in (saved.text or "") and "40%" in (saved.text or "")
    await liaison.settle()
    assert await bot.value("SELECT COUNT(*) FROM progress_reports") == 1
    assert await bot.value("SELECT value FROM progress_values") == 12
    row = await bot.value(
        "SELECT p.name || '|' || r.via || '|' || r.note FROM progress_reports r "
        "JOIN persons p ON p.id = r.person_id"
    )
    assert row == "钱联络|chat|6月新增负压救护车12辆，已全部投入使用。"

    # A second report is history, not an overwrite; a percentage target takes "52%".
    summary = await _report_up_to_summary(liaison, "C01-2", "52%")
    assert "52 / 100%" in (summary.text or "")
    await liaison.press("✅ 确认提交")
    await until(liaison, "可以发送现场照片")
    await liaison.send_text("/done")
    await until(liaison, "进展已报告")
    assert await bot.value("SELECT COUNT(*) FROM progress_reports") == 2


async def test_the_same_report_processed_twice_is_stored_once(bot: Harness) -> None:
    """A redelivered confirm (the update processed again after a crash) carries the flow's key."""
    from bot.usecases import progress
    from bot.usecases.acting import Caller

    liaison = await bot.join("钱联络", Role.LIAISON, group=None, unit="health")
    person = await bot.person(liaison)
    [sp] = [s for s in await progress.reportable(bot.services, person) if s.subitem.code == "C01-3"]
    typed = {sp.targets[0].id: "5"}
    caller = Caller(person, bot.now(), "progress:telegram:42")
    first = await progress.submit_report(bot.services, caller, sp.subitem.id, typed, "", via="chat")
    again = await progress.submit_report(bot.services, caller, sp.subitem.id, typed, "", via="chat")
    assert first[1] and not again[1] and first[0] == again[0]
    assert await bot.value("SELECT COUNT(*) FROM progress_reports") == 1


async def test_only_liaisons_report_progress(bot: Harness) -> None:
    deputy = await bot.join("王芳")
    await deputy.send_text("/progress")
    reply = await deputy.next_message()
    assert "您的角色无权使用此功能" in (reply.text or ""), reply.describe()


async def test_a_deputy_records_what_they_saw_after_a_check_in(bot: Harness) -> None:
    deputy = await bot.join("王芳")
    await arrive_at_site(bot, deputy)
    await deputy.press("完成")
    finished = await until(deputy, "签到")
    assert finished.buttons == ["📏 记录进展观察"], finished.describe()
    await deputy.press("📏 记录进展观察")
    intro = await deputy.next_message()
    assert "C01-1" in (intro.text or "")
    ask = await deputy.next_message()
    assert "1 个" in (ask.text or "") and ask.buttons == ["跳过"]
    assert "单位上次报告：尚无" in (ask.text or ""), ask.describe()  # no report from the unit yet
    assert "不小于 0 的数字" in await reply_to(deputy, "两个")
    await deputy.send_text("0.5")
    note = await deputy.next_message()
    assert "现场看到的情况" in (note.text or "")
    await deputy.send_text("现场看到实验室主体已完工，设备尚未安装。")
    saved = await deputy.next_message()
    assert "观察已记录" in (saved.text or "")
    visit_id = await bot.value("SELECT id FROM visits")
    assert await bot.value("SELECT visit_id FROM observations") == visit_id
    assert await bot.value("SELECT value FROM observation_values") == 0.5
    assert await bot.value("SELECT COUNT(*) FROM progress_reports") == 0

    # Another deputy cannot use the button of someone else's visit.
    other = await bot.join("李四")
    await other.send_text("/help")
    help_message = await other.next_message()
    # A forged press, as a modified client could send: the visit is not theirs.
    refusal = await answer_to(other, await other.press_data(help_message, f"ob:{visit_id}"))
    assert "本人的签到" in refusal
    assert await bot.value("SELECT COUNT(*) FROM observations") == 1


async def _projects(user: SimUser) -> BotMessage:
    await user.send_text("/projects")
    return await user.next_message()


async def test_projects_per_role(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    # Smaller pages than Telegram needs, so that the example's board takes several.
    monkeypatch.setattr(projects, "PAGE_CHARS", 1500)
    liaison = await bot.join("钱联络", Role.LIAISON, group=None, unit="health")
    staff = await bot.join("赵工作", Role.STAFF, group=None)
    leader = await bot.join("李组长", Role.LEADER, group="G01")
    deputy = await bot.join("王芳", group="G02")

    from bot.usecases import progress
    from bot.usecases.acting import Caller

    person = await bot.person(liaison)
    [sp] = [s for s in await progress.reportable(bot.services, person) if s.subitem.code == "C01-3"]
    await progress.submit_report(
        bot.services,
        Caller(person, bot.now(), "test:1"),
        sp.subitem.id,
        {sp.targets[0].id: "15"},
        "",
        via="chat",
    )

    seen = (await _projects(leader)).text or ""
    assert "C01 提升公共卫生应急能力" in seen and "C02" not in seen
    # 15 of 30 by 16 June (45 % of the year elapsed): on track.
    assert "C01-3 全市新增负压救护车" in seen and "▓▓▓▓░░░░ 50% · 推进中" in seen
    assert "上次报告 2020-06-16 钱联络" in seen
    assert "🔴" in seen and "滞后" in seen  # C01-1: nothing reported by mid-June

    seen = (await _projects(liaison)).text or ""
    assert "C01-3" in seen and "C07-4" in seen
    assert "C01-1 " in seen and "C02-1" not in seen and "C07-1 " not in seen  # edu leads C07-1

    seen = (await _projects(deputy)).text or ""
    assert "C02 城乡居民同质饮水" in seen and "C01 " not in seen

    first = await _projects(staff)
    assert "C01 " in (first.text or "") and "第 1/" in (first.text or "")
    await staff.press("下一页 »")
    second = await staff.next_message(edited=True)
    assert "第 2/" in (second.text or "") and "« 上一页" in second.buttons
    assert "<b>C01 " not in (second.text or "")


async def test_the_monthly_reminder_asks_each_liaison_once(bot: Harness) -> None:
    liaison = await bot.join("钱联络", Role.LIAISON, group=None, unit="health")
    nothing = await bot.join("孙联络", Role.LIAISON, group=None, unit="sc-fire")
    # sc-fire leads SC09-1 (8 个小区): it is asked too; a deputy is not.
    deputy = await bot.join("王芳")
    bot.clock.set(datetime(2020, 7, 1, 9, 0, tzinfo=SHANGHAI))
    assert await progress_reminder_job(bot.services, bot.now()) == 2
    assert await progress_reminder_job(bot.services, bot.now()) == 0  # the same month: once
    reminder = await until(liaison, "请报告 2020-07 月份的进展")
    assert "4 个子项" in (reminder.text or "")
    assert "1 个子项" in ((await until(nothing, "请报告")).text or "")
    bot.clock.set(datetime(2020, 8, 3, 9, 0, tzinfo=SHANGHAI))  # missed the 1st: caught up
    assert await progress_reminder_job(bot.services, bot.now()) == 2
    await until(liaison, "2020-08")
    deputy_id = (await bot.person(deputy)).id
    assert await bot.value("SELECT COUNT(*) FROM outbox WHERE person_id = ?", deputy_id) == 0
