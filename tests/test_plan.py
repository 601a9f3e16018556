"""The supervision plan end to end: a leader plans a visit in the chat, the deputies are told,
/tasks lists it, a check-in on site fulfils it, the window closes, reminders go out on their
days, and the coverage shows in the summary and the tally."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.errors import Refused
from bot.jobs import run_daily_jobs
from bot.people import Role
from bot.plan_jobs import plan_reminders
from bot.records import SiteRecord
from bot.summary import group_summary
from bot.summary_render import render_summary
from bot.tally import compute_tally, render_tally, tally_json
from bot.tally_period import Period
from bot.texts import Texts
from bot.usecases import deputy, plan
from bot.usecases.acting import Caller
from bot.visits import Position
from localapi import BotMessage, SimUser
from tests.conftest import SHANGHAI, Harness, answer_to, reply_to
from tests.steps import check_in, help_text


async def _open_deputies_step(
    bot: Harness, leader: SimUser, site: SiteRecord, window: str = "6-16 6-20"
) -> BotMessage:
    """/plan → the site's project → the site → the window: the deputies to tick."""
    project = await bot.services.catalog.project(bot.services.campaign.id, site.project_id)
    assert project is not None
    await leader.send_text("/plan")
    projects = await leader.next_message()
    assert "安排监督任务" in (projects.text or ""), projects.describe()
    await leader.press(f"{project.code} ")
    targets = await leader.next_message(edited=True)
    assert any(b.startswith("子项：") for b in targets.buttons), targets.describe()
    await leader.press(f"点位：{site.name[:10]}")
    asked = await leader.next_message(edited=True)
    assert "请输入时间段" in (asked.text or ""), asked.describe()
    await leader.send_text(window)
    return await leader.next_message()


async def _tasks(user: SimUser) -> str:
    await user.send_text("/tasks")
    return (await user.next_message()).text or ""


async def test_a_leader_plans_a_visit_that_a_check_in_fulfils(bot: Harness) -> None:
    leader = await bot.join("张伟", Role.LEADER)
    wang, li, zhao = [await bot.join(n) for n in ("王芳", "李强", "赵六")]
    site = await bot.site_of_group("G01")

    choose = await _open_deputies_step(bot, leader, site)
    assert "2020-06-16 至 2020-06-20" in (choose.text or ""), choose.describe()
    assert {"☐ 王芳", "☐ 李强", "☐ 赵六", "☐ 张伟"} <= set(choose.buttons)
    await leader.press("☐ 王芳")
    await leader.next_message(edited=True)
    await leader.press("☐ 李强")
    ticked = await leader.next_message(edited=True)
    assert "☑ 王芳" in ticked.buttons and "☑ 李强" in ticked.buttons and "☐ 赵六" in ticked.buttons
    ok = ticked.button_data["✅ 确定"]
    await leader.press("✅ 确定")
    created = await leader.next_message(edited=True)
    assert "已安排监督任务" in (created.text or "") and "李强、王芳" in (created.text or "")
    # A second tap on the same button (the client still has it): the flow is over, nothing new.
    press = await leader.press_data(created.message_id, ok)
    assert "失效" in await answer_to(leader, press)
    assert await bot.value("SELECT COUNT(*) FROM tasks") == 1
    assert await bot.value("SELECT COUNT(*) FROM task_deputies") == 2

    for deputy_user in (wang, li):
        notice = await deputy_user.next_message()
        assert "新的监督任务" in (notice.text or "") and site.name in (notice.text or "")
        assert "张伟" in (notice.text or "")
    await zhao.settle()
    assert not any("新的监督任务" in (m.text or "") for m in zhao.messages)

    listed = await _tasks(wang)
    assert "待完成" in listed and site.name in listed and "2020-06-20" in listed
    assert "没有监督任务" in await _tasks(zhao)

    # 王芳 checks in on site: her part is done, 李强's is not; the check-in's reply says so.
    await check_in(bot, wang)
    recorded = [m.text or "" for m in wang.messages if "已签到" in (m.text or "")]
    assert recorded and f"已完成任务：{site.name}" in recorded[-1], recorded
    wang_id = (await bot.person(wang)).id
    assert await bot.value("SELECT person_id FROM task_deputies WHERE done_at IS NOT NULL") == (
        wang_id
    )
    done_at = await bot.value("SELECT done_at FROM task_deputies WHERE person_id = ?", wang_id)
    assert "已完成" in await _tasks(wang)
    assert "待完成" in await _tasks(li)

    # The same check-in processed again (a redelivered update): one visit, the task done once.
    source_key = await bot.value("SELECT source_key FROM visits")
    me = await bot.person(wang)
    again = Caller(me, bot.now() + timedelta(minutes=5))
    redone = await deputy.check_in(
        bot.services, again, site.id, Position(site.lat, site.lon, 10, False), source_key=source_key
    )
    # Processed again, the check-in still names the task it fulfilled (for the reply).
    assert [t.place for t in redone.tasks] == [site.name]
    assert await bot.value("SELECT COUNT(*) FROM visits") == 1
    assert await bot.value("SELECT COUNT(*) FROM task_deputies WHERE done_at IS NOT NULL") == 1
    assert (
        await bot.value("SELECT done_at FROM task_deputies WHERE person_id = ?", wang_id) == done_at
    )

    # The window closes without 李强's visit: overdue for him, still done for her.
    bot.clock.set(datetime(2020, 6, 21, 10, 0, tzinfo=SHANGHAI))
    assert "已逾期" in await _tasks(li)
    assert "已完成" in await _tasks(wang)
    # A check-in after the window does not fulfil it, and says nothing of a task.
    await check_in(bot, li)
    assert not any("已完成任务" in (m.text or "") for m in li.messages)
    assert await bot.value("SELECT COUNT(*) FROM task_deputies WHERE done_at IS NOT NULL") == 1

    # Coverage in the group's summary: the leader and 赵六 had neither a task nor a visit.
    group = await bot.services.catalog.group_by_code(bot.services.campaign.id, "G01")
    assert group is not None
    summary = await group_summary(bot.services, group.id, date(2020, 6, 21), now=bot.now())
    assert summary.coverage is not None
    assert summary.coverage.idle == ["张伟", "赵六"] and summary.coverage.overdue == 1
    text = "\n".join(render_summary(summary, Texts("zh")))
    assert "无任务且未签到的代表：2 人（共 4 人）" in text and "张伟、赵六" in text
    assert "逾期未完成的监督任务：1 项" in text
    # Only C01's three sub-items are the group's; the visited one is no longer missing.
    assert "尚未有人现场监督的子项：2 个（共 3 个）" in text
    english = "\n".join(render_summary(summary, Texts("en")))
    assert "Visits overdue: 1" in english

    # And in the tally, for the campaign.
    tally = await compute_tally(bot.services, Period(), now=bot.now())
    shown = "\n".join(render_tally(tally, Texts("zh")))
    assert "逾期未完成的监督任务：1 项" in shown and "任务覆盖" in shown
    figures = tally_json(tally)["coverage"]
    assert figures["tasks_overdue"] == 1 and figures["without_task_or_visit"] == 2
    # A month without any task or visit: everyone is uncovered, nothing is overdue.
    july = await compute_tally(
        bot.services, Period(date(2020, 7, 1), date(2020, 7, 31)), now=bot.now()
    )
    assert july.coverage is not None and july.coverage.overdue == 0
    assert len(july.coverage.idle) == july.coverage.deputies == 4


async def test_a_deputy_cannot_plan_and_a_leader_only_for_the_own_group(bot: Harness) -> None:
    leader = await bot.join("张伟", Role.LEADER)
    wang = await bot.join("王芳")
    other = await bot.join("钱七", group="G02")
    assert "无权使用" in await reply_to(wang, "/plan")

    site = await bot.site_of_group("G01")
    foreign = await bot.site_of_group("G02")
    await leader.send_text("/plan")
    projects = await leader.next_message()
    assert len(projects.buttons) == 2  # G01 covers C01 only; and cancel
    nonce = bot.flow(leader)["nonce"]
    # Another group's project, by forged data.
    press = await leader.press_data(projects.message_id, f"pl:{nonce}:project:{foreign.project_id}")
    assert "失效" in await answer_to(leader, press)
    project = await bot.services.catalog.project(bot.services.campaign.id, site.project_id)
    assert project is not None
    await leader.press(f"{project.code} ")
    targets = await leader.next_message(edited=True)
    # Another group's site.
    press = await leader.press_data(targets.message_id, f"pl:{nonce}:site:{foreign.id}")
    assert "只能为本组" in await answer_to(leader, press)
    await leader.press(f"点位：{site.name[:10]}")
    await leader.next_message(edited=True)
    # A window that is over, then a readable one.
    assert "已经过去" in await reply_to(leader, "6-01 6-10")
    assert "没看懂" in await reply_to(leader, "明天")
    await leader.send_text("2020-06-17 2020-06-19")
    choose = await leader.next_message()
    assert "☐ 钱七" not in choose.buttons
    # Another group's deputy, by forged data.
    other_id = (await bot.person(other)).id
    press = await leader.press_data(choose.message_id, f"pl:{nonce}:toggle:{other_id}")
    assert "只能为本组" in await answer_to(leader, press)
    # OK with nobody ticked.
    press = await leader.press_data(choose.message_id, choose.button_data["✅ 确定"])
    assert "至少选择一名代表" in await answer_to(leader, press)
    assert await bot.value("SELECT COUNT(*) FROM tasks") == 0

    # The use case itself refuses another group's deputy, whatever the door.
    me = await bot.person(leader)
    with pytest.raises(Refused) as refused:
        await plan.create_task(
            bot.services,
            Caller(me, bot.now()),
            kind="site",
            target_id=site.id,
            window=plan.window_of(bot.services, Caller(me, bot.now()), "6-17 6-19"),
            person_ids=[other_id],
            source_key="test:forged",
        )
    assert refused.value.key == "plan.not_your_group"
    assert await bot.value("SELECT COUNT(*) FROM tasks") == 0


async def test_reminders_fire_on_their_days_and_once(bot: Harness) -> None:
    leader = await bot.join("张伟", Role.LEADER)
    wang = await bot.join("王芳")
    me, wang_id = await bot.person(leader), (await bot.person(wang)).id
    group = await bot.services.catalog.group_by_code(bot.services.campaign.id, "G01")
    assert group is not None
    subitems = await bot.services.catalog.subitems_of_project(
        bot.services.campaign.id, (await bot.site_of_group("G01")).project_id
    )
    caller = Caller(me, bot.now())
    planned = await plan.create_task(
        bot.services,
        caller,
        kind="subitem",
        target_id=subitems[0].id,
        window=plan.window_of(bot.services, caller, "6-17 6-19"),
        person_ids=[wang_id],
        source_key="test:reminders",
    )
    assert planned.created and planned.names == ["王芳"]
    await wang.next_message()  # the task's notice

    def at(day: int, month: int = 6) -> datetime:
        return datetime(2020, month, day, 9, 0, tzinfo=SHANGHAI)

    keys = [n.key for n in await plan_reminders(bot.services, at(16))]
    assert keys == []
    assert [n.key for n in await plan_reminders(bot.services, at(17))] == ["plan.remind_opens"]
    assert [n.key for n in await plan_reminders(bot.services, at(18))] == ["plan.remind_closes"]
    assert [n.key for n in await plan_reminders(bot.services, at(19))] == []

    # Through the daily jobs, as the schedule runs them: once, however often they run.
    bot.clock.set(at(18))
    counts = await run_daily_jobs(bot.services, at(18))
    assert counts["plan_reminders"] == 1
    assert (await run_daily_jobs(bot.services, at(18) + timedelta(hours=2)))["plan_reminders"] == 0
    closing = await wang.next_message()
    assert "明天（2020-06-19）截止" in (closing.text or ""), closing.describe()

    # The day before a key date, every deputy and leader of the campaign is told.
    bot.clock.set(at(24, 8))
    counts = await run_daily_jobs(bot.services, at(24, 8))
    assert counts["plan_reminders"] == 2
    told = await wang.next_message()
    assert "明天（2020-08-25）" in (told.text or "") and "报告会" in (told.text or "")
    assert "报告会" in ((await leader.next_message()).text or "")


async def test_help_shows_the_current_phase_and_the_next_key_dates(bot: Harness) -> None:
    wang = await bot.join("王芳")
    text = await help_text(wang)
    assert "/tasks" in text
    assert "当前阶段：<b>监督推进</b>（2020-05-11 至 2020-11-30）" in text
    assert "下一阶段：总结测评（2020-12-01 起）" in text
    assert "2020-08-25" in text and "2020-09-22 专项督查（专项督查）" in text
    assert "2020-06-08" not in text  # past key dates are not listed
    bot.clock.set(datetime(2021, 3, 1, 10, 0, tzinfo=SHANGHAI))
    assert "当前不在任何监督阶段" in await help_text(wang)
