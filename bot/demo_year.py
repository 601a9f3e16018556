"""The demo's second half: the year of the projects themselves, after the loop of one problem.

The unit's liaison reports progress against a sub-item's target and the leader sees it on
/projects; the leader plans a visit for a deputy, who finds it on /tasks and fulfils it by checking
in on site; at the year's end staff open the satisfaction evaluation, deputies rate projects, and
staff close the round and read the results. Like the first half (bot/demo_script.py), every step
goes through the chat; only the results file is written directly, by the CLI's own code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import SetClock
from bot.demo_chat import DemoError, Transcript, demo_photo, first_with, press, step, told
from bot.demo_deadlines import play_deadlines
from bot.evaluation_cli import write_results
from bot.records import SiteRecord
from bot.services import Services
from localapi import BotMessage, SimUser

# The evaluation is held at the year's end (总结测评), a week before its deadline.
EVALUATION_DAY = datetime(2020, 12, 21, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
EVALUATION_DEADLINE = "2020-12-28"
PROGRESS_SUBITEM = "C01-3"  # 全市新增负压救护车 30 辆, led by the liaison's unit (市卫健委)


@dataclass(frozen=True)
class Actor:
    """Someone in the demo: their phone, and the name the transcript shows."""

    t: Transcript
    user: SimUser
    name: str

    async def send(self, text: str) -> list[BotMessage]:
        await self.user.send_text(text)
        return await step(self.t, self.user, self.name, text)

    async def press(self, label: str) -> list[BotMessage]:
        return await press(self.t, self.user, self.name, label)

    async def told(self) -> list[BotMessage]:
        return await told(self.t, self.user, self.name)


class Cast:
    """The five people of the demo, as the first half left them."""

    def __init__(
        self,
        t: Transcript,
        *,
        wang: SimUser,
        li: SimUser,
        leader: SimUser,
        staff: SimUser,
        liaison: SimUser,
    ) -> None:
        self.wang = Actor(t, wang, "王芳")
        self.li = Actor(t, li, "李建国")
        self.leader = Actor(t, leader, "张伟")
        self.staff = Actor(t, staff, "赵敏")
        self.liaison = Actor(t, liaison, "钱进")


async def play_the_year(cast: Cast, services: Services, site: SiteRecord) -> None:
    """Progress, the plan, the deadlines and the evaluation, in that order (the clock moves on
    for the last two)."""
    await _progress(cast, services, site)
    await _plan(cast, services, site)
    await play_deadlines(cast, services)
    await _evaluation(cast, services)


async def _progress(cast: Cast, services: Services, site: SiteRecord) -> None:
    print("\n== Targets and progress: the liaison reports the month's figure; /projects.\n")
    liaison = cast.liaison
    await liaison.send("/progress")
    await liaison.press(PROGRESS_SUBITEM)
    await liaison.send("12")
    await liaison.send("6月新增负压救护车12辆，已全部投入使用，其余18辆已完成招标。")
    await liaison.press("✅ 确认提交")
    # A photo with the report, then 完成: "saved" comes once the photo is stored.
    await liaison.user.send_photo(demo_photo(7, services.clock.now(), site.lat, site.lon))
    await step(liaison.t, liaison.user, liaison.name, "[发送照片]")
    await liaison.press("完成")
    # The leader sees the group's projects: bars, status and light derived from the reports;
    # staff open the sub-item, its reports and the report's photo.
    await cast.leader.send("/projects")
    await cast.staff.send(f"/projects {PROGRESS_SUBITEM}")
    await cast.staff.press("📷")


async def _plan(cast: Cast, services: Services, site: SiteRecord) -> None:
    print("\n== The plan: the leader assigns a visit; the deputy's check-in fulfils it.\n")
    project = await services.catalog.project(services.campaign.id, site.project_id)
    if project is None:
        raise DemoError(f"the demo's site {site.name} has no project")
    leader, li = cast.leader, cast.li
    await leader.send("/plan")
    await leader.press(f"{project.code} ")
    await leader.press(f"点位：{site.name[:10]}")
    await leader.send("6-16 6-20")
    await leader.press(f"☐ {li.name}")
    await leader.press("✅ 确定")
    await li.told()
    await li.send("/tasks")
    # 李建国 goes there and checks in: the visit is the task done.
    await li.send("/checkin")
    lat, lon = site.lat - 0.0001, site.lon + 0.0002
    await li.user.send_location(lat, lon, horizontal_accuracy=15.0)
    await step(li.t, li.user, li.name, f"[位置 {lat:.5f}, {lon:.5f} ±15 m]")
    await li.press(site.name)
    await li.press("完成")
    await li.send("/tasks")


async def _evaluation(cast: Cast, services: Services) -> None:
    clock = services.clock
    if not isinstance(clock, SetClock):
        raise DemoError("the demo needs its own clock to reach the year's end")
    clock.set(EVALUATION_DAY)
    print(
        f"\n== {EVALUATION_DAY:%Y-%m-%d}: the year-end satisfaction evaluation (满意度测评); "
        "votes are secret.\n"
    )
    staff, wang, li = cast.staff, cast.wang, cast.li
    await staff.send("/evaluation")
    await staff.press("发起新一轮测评")
    await staff.send(EVALUATION_DEADLINE)
    await staff.press("全体代表和组长")
    await staff.press("确认发起")
    # Every deputy and leader is told, with a button that opens the ballot.
    events = await wang.told()
    await li.told()
    leader_told = await cast.leader.told()

    await wang.press(first_with(events, "开始测评"))
    await wang.press("满意")
    await wang.send("负压救护车已配齐到位，希望继续加强急救人员培训。")
    await wang.press("基本满意")
    await wang.press("稍后再评")
    await li.send("/evaluate")
    await li.press("基本满意")
    await li.press("下一项")
    await li.press("不满意")
    await li.press("稍后再评")
    await cast.leader.press(first_with(leader_told, "开始测评"))
    await cast.leader.press("满意")
    await cast.leader.press("稍后再评")

    # Staff see the turnout while it is open, then close the round and read the results.
    await staff.send("/evaluation")
    await staff.press("结束测评")
    await staff.press("确认结束")


async def write_evaluation(services: Services, out: Path) -> None:
    """The closed round's results, as `deputy-bot evaluation --out` writes them."""
    projects, number = await write_results(services, out)
    print(f"   {out}  ({projects} projects, round {number}; deputy-bot evaluation)")
