"""The demo's deadline chapter: a work order as a 12345 hotline runs it.

李建国 raises a problem at the site he has just visited; the leader accepts it and staff forward it
to 钱进's unit. Nobody signs for it: the morning the window ends he is reminded, the morning after
staff see it as 签收超时. He signs for it late and asks for an extension (延期申请) to a date
before the National Day holiday; staff approve it from the notice and the deputy hears the new
date. On that date he is chased (催办); three working days later (the holiday does not count)
staff and the leader get the escalation (通报). Every step goes through the chat; the clock is
moved to each morning and the daily jobs run, as the scheduler runs them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.clock import SetClock
from bot.demo_chat import DemoError, first_with
from bot.jobs import run_daily_jobs
from bot.services import Services

if TYPE_CHECKING:  # bot/demo_year.py imports this module
    from bot.demo_year import Cast

SHANGHAI = ZoneInfo("Asia/Shanghai")
PROBLEM = "实验室通风系统安装滞后，原定6月底完成，施工队至今未进场。"
REASON = "通风设备需重新招标，供货周期约两个月。"
EXTENDED_TO = "2020-09-30"  # the due date was 2020-09-16; National Day (Oct 1-8) follows


def _morning(month: int, day: int) -> datetime:
    return datetime(2020, month, day, 9, 0, tzinfo=SHANGHAI)


async def play_deadlines(cast: Cast, services: Services) -> None:
    clock = services.clock
    if not isinstance(clock, SetClock):
        raise DemoError("the demo needs its own clock to move through the deadlines")
    print(
        "\n== Deadlines (12345 work-order discipline): signed for late, an extension approved, "
        "chased on the due date, escalated after three working days.\n"
    )
    li, leader, staff, liaison = cast.li, cast.leader, cast.staff, cast.liaison
    await li.send("/problem")
    await li.press("签到）")
    await li.press("进度滞后")
    await li.press("较重")
    await li.send(PROBLEM)
    await li.press("跳过 / 完成")
    await li.press("确认提交")
    await leader.send("/review")
    await leader.press("✅ 通过")
    await li.told()
    events = await staff.send("/forward")
    events = await staff.press("按单位交办")
    await staff.press(first_with(events, "（"))
    await staff.press("全部交办")
    notice = await liaison.told()

    # Forwarded on Tuesday: signed for by Thursday. Thursday morning the liaison is reminded;
    # Friday morning staff's digest lists it as 签收超时.
    for moment in (_morning(6, 18), _morning(6, 19)):
        clock.set(moment)
        print(f"\n-- {moment:%Y-%m-%d %H:%M}: the daily jobs run.\n")
        await run_daily_jobs(services, moment)
        for actor in (liaison, staff):
            await actor.told()

    # Signed for late; then more time is asked for, and staff approve it from the notice.
    await liaison.press(first_with(notice, "打开"))
    await liaison.press("接收办理")
    await liaison.press("申请延期")
    await liaison.send(REASON)
    await liaison.send(EXTENDED_TO)
    request = await staff.told()
    await staff.press(first_with(request, "同意延期"))
    await li.told()
    await liaison.told()

    # The new due date: chased. Three working days later (Oct 9, the working Saturday Oct 10,
    # Oct 12; not the holiday): escalated to staff and the group's leader.
    for moment in (_morning(9, 30), _morning(10, 13)):
        clock.set(moment)
        print(f"\n-- {moment:%Y-%m-%d %H:%M}: the daily jobs run.\n")
        await run_daily_jobs(services, moment)
        for actor in (liaison, staff, leader):
            await actor.told()
