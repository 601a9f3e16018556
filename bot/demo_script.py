"""The demo's scripted session: who does what, in order, and the transcript of what each saw.

Two deputies join and report, then a leader, staff and a unit's liaison close the loop (review,
summary, tally, forwarding, answer, rating); then the year goes on (bot/demo_year.py: progress,
the plan, the evaluation) and the demo writes the files. Every step goes through the local Bot API
server as a Telegram client would send it; bot/demo.py sets the world up and hands it over.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.app import build_application, running, settled
from bot.bulletin_cli import write_bulletin, write_group_report
from bot.config import Settings
from bot.demo_chat import DemoError, Transcript, demo_photo, first_with, press, step, told
from bot.demo_year import Cast, play_the_year, write_evaluation
from bot.exports import export_list
from bot.invitations import InvitationRequest
from bot.listing import Format, ListFilter
from bot.people import Role
from bot.posters import write_posters
from bot.services import Services
from bot.tally_period import Period
from bot.usecases.membership import issue_invitation
from localapi import LocalBotApi, SimUser

DEMO_BOT = "deputy_demo_bot"


async def play(t: Transcript, api: LocalBotApi, settings: Settings, services: Services) -> None:
    """Two deputies join, check in, report a problem and a suggestion; then the loop is closed."""
    campaign = services.campaign
    groups = await services.catalog.groups(campaign.id)
    group = groups[0]
    projects = await services.catalog.group_project_ids(group.id)
    sites = []
    for project_id in sorted(projects):
        sites.extend(await services.catalog.sites_of_project(campaign.id, project_id))
    site = sites[0]
    wang = await issue_invitation(
        services,
        InvitationRequest("王芳", Role.DEPUTY, group.code),
        bot_username=DEMO_BOT,
        created_by=None,
    )
    li = await issue_invitation(
        services,
        InvitationRequest("李建国", Role.DEPUTY, group.code),
        bot_username=DEMO_BOT,
        created_by=None,
    )
    print(f"== Campaign {campaign.name}: group {group.name}, site {site.name}")
    print(
        "== Staff issued two invitations (deputy-bot invite ...); the deputies open their links.\n"
    )

    alice = api.user(910001, "王芳", language_code="zh-hans")
    bob = api.user(910002, "李建国", language_code="zh-hans")
    app = build_application(settings, services)
    t.settled = lambda: settled(app)
    async with running(app, settings):
        await alice.send_text(f"/start {wang.token}")
        await step(t, alice, "王芳", "/start <邀请码>")
        await bob.send_text(f"/start {li.token}")
        await step(t, bob, "李建国", "/start <邀请码>")

        # 王芳 checks in on site and sends an evidence photo as a file (EXIF kept).
        await alice.send_text("/checkin")
        await step(t, alice, "王芳", "/checkin")
        near_lat, near_lon = site.lat + 0.0002, site.lon + 0.0001
        await alice.send_location(near_lat, near_lon, horizontal_accuracy=12.0)
        await step(t, alice, "王芳", f"[位置 {near_lat:.5f}, {near_lon:.5f} ±12 m]")
        await alice.press(site.name)
        await step(t, alice, "王芳", f"[点按] {site.name}")
        taken = (
            (services.clock.now() - timedelta(minutes=5))
            .astimezone(settings.zone)
            .replace(tzinfo=None)
        )
        photo = demo_photo(1, taken, near_lat, near_lon)
        await alice.send_document(photo, file_name="IMG_0001.jpg", mime_type="image/jpeg")
        await step(t, alice, "王芳", "[以文件发送照片 IMG_0001.jpg]")
        await alice.press("完成")
        await step(t, alice, "王芳", "[点按] 完成")

        # ... then reports a problem at the site she just checked in at.
        await alice.send_text("/problem")
        await step(t, alice, "王芳", "/problem")
        await alice.press(site.name)
        await step(t, alice, "王芳", f"[点按] {site.name}")
        await alice.press("进度滞后")
        await step(t, alice, "王芳", "[点按] 进度滞后")
        await alice.press("较重")
        await step(t, alice, "王芳", "[点按] 较重")
        description = (
            "主体结构已完工，但外立面脚手架已停工两周，现场无施工人员，按计划 8 月底交付存在风险。"
        )
        await alice.send_text(description)
        await step(t, alice, "王芳", description)
        await alice.send_photo(demo_photo(2, taken, near_lat, near_lon))
        await step(t, alice, "王芳", "[发送照片]")
        await alice.press("跳过 / 完成")
        await step(t, alice, "王芳", "[点按] 跳过 / 完成")
        summary = alice.messages[-1]
        confirm = summary.button_data["✅ 确认提交"]
        await alice.press_data(summary.message_id, confirm)
        await step(t, alice, "王芳", "[点按] ✅ 确认提交")
        # A nervous double tap: the same button pressed again before its message changed.
        second = await alice.press_data(summary.message_id, confirm)
        await step(t, alice, "王芳", "[再次点按] ✅ 确认提交")
        answer = await alice.next_answer(timeout=5)
        while answer.query_id != second.query_id:
            answer = await alice.next_answer(timeout=5)
        t.lines.append(f"🤖 (提示) {answer.text}")
        print(f"🤖 (提示) {answer.text}", flush=True)

        # 李建国 has no check-in: he picks the project and a sub-item for his suggestion.
        await bob.send_text("/suggest")
        events = await step(t, bob, "李建国", "/suggest")
        first_project = next((b for b in events[-1].buttons if "学校" in b), events[-1].buttons[0])
        await bob.press(first_project)
        events = await step(t, bob, "李建国", f"[点按] {first_project}")
        choice = next(b for b in events[-1].buttons if b.startswith("📋"))
        await bob.press(choice)
        await step(t, bob, "李建国", f"[点按] {choice}")
        suggestion = "建议在校门口增设家长等候区和临时停车泊位，缓解放学高峰拥堵。"
        await bob.send_text(suggestion)
        await step(t, bob, "李建国", suggestion)
        await bob.press("跳过 / 完成")
        await step(t, bob, "李建国", "[点按] 跳过 / 完成")
        await bob.press("确认提交")
        await step(t, bob, "李建国", "[点按] ✅ 确认提交")

        await alice.send_text("/mine")
        events = await step(t, alice, "王芳", "/mine")
        await alice.press(events[-1].buttons[0])
        await step(t, alice, "王芳", f"[点按] {events[-1].buttons[0]}")

        zhang, zhao, qian = await _close_the_loop(t, api, services, group.code, alice, bob)
        cast = Cast(t, wang=alice, li=bob, leader=zhang, staff=zhao, liaison=qian)
        await play_the_year(cast, services, site)
    await _write_files(settings, services)


async def _invite_and_join(
    t: Transcript,
    api: LocalBotApi,
    services: Services,
    request: InvitationRequest,
    user_id: int,
) -> SimUser:
    issued = await issue_invitation(services, request, bot_username=DEMO_BOT, created_by=None)
    user = api.user(user_id, request.name, language_code="zh-hans")
    await user.send_text(f"/start {issued.token}")
    await step(t, user, request.name, "/start <邀请码>")
    return user


async def _close_the_loop(
    t: Transcript,
    api: LocalBotApi,
    services: Services,
    group_code: str,
    alice: SimUser,
    bob: SimUser,
) -> tuple[SimUser, SimUser, SimUser]:
    """Review, summary, tally, forwarding, the unit's answer, the rating, the export in chat;
    returns the leader, the staff member and the liaison who joined for it."""
    problem = await services.items.get_by_number(services.campaign.id, 1)
    if problem is None or problem.lead_unit_id is None:
        raise DemoError("the demo's problem has no lead unit")
    unit = next(
        u
        for u in await services.catalog.units(services.campaign.id)
        if u.id == problem.lead_unit_id
    )
    print(f"\n== Closing the loop: leader, staff and the liaison of {unit.name} join.\n")
    zhang = await _invite_and_join(
        t, api, services, InvitationRequest("张伟", Role.LEADER, group_code), 910003
    )
    zhao = await _invite_and_join(
        t, api, services, InvitationRequest("赵敏", Role.STAFF, None), 910004
    )
    qian = await _invite_and_join(
        t, api, services, InvitationRequest("钱进", Role.LIAISON, None, unit.code), 910005
    )

    # The leader reviews the group's two items; the deputies are told.
    await zhang.send_text("/review")
    events = await step(t, zhang, "张伟", "/review")
    while any("通过" in label for e in events for label in e.buttons):
        events = await press(t, zhang, "张伟", "✅ 通过")
    await told(t, alice, "王芳")
    await told(t, bob, "李建国")

    # The leader's summary of the day (also pushed every evening at summary_time).
    await zhang.send_text("/summary")
    await step(t, zhang, "张伟", "/summary")

    # Staff: the figures, then forwarding to the units.
    await zhao.send_text("/tally")
    await step(t, zhao, "赵敏", "/tally")
    # One unit at a time, until nothing is left to forward.
    while True:
        await zhao.send_text("/forward")
        events = await step(t, zhao, "赵敏", "/forward")
        if "按单位交办（0）" in first_with(events, "按单位交办"):
            await press(t, zhao, "赵敏", "取消")
            break
        events = await press(t, zhao, "赵敏", "按单位交办")
        events = await press(t, zhao, "赵敏", first_with(events, "（"))
        await press(t, zhao, "赵敏", "全部交办")
    await told(t, alice, "王芳")
    await told(t, bob, "李建国")

    # The unit's liaison opens the item from the notice, takes it on and answers (class A).
    events = await told(t, qian, "钱进")
    await press(t, qian, "钱进", first_with(events, "打开"))
    await press(t, qian, "钱进", "接收办理")
    events = await press(t, qian, "钱进", "答复")
    await press(t, qian, "钱进", first_with(events, "A"))
    answer = "已协调施工单位增派人员，外立面脚手架于本周复工，预计 8 月 20 日完成外立面施工。"
    await qian.send_text(answer)
    await step(t, qian, "钱进", answer)
    await press(t, qian, "钱进", "完成")
    await press(t, qian, "钱进", "确认提交")

    # 王芳 raised it: she rates the answer from the notice; with every vote in, it closes.
    events = await told(t, alice, "王芳")
    await press(t, alice, "王芳", first_with(events, "满意"))
    await press(t, alice, "王芳", "跳过")
    await told(t, alice, "王芳")

    # Staff export the list in chat, and the demo writes every format to disk.
    await zhao.send_text("/export")
    events = await step(t, zhao, "赵敏", "/export")
    events = await press(t, zhao, "赵敏", first_with(events, "Excel"))
    await press(t, zhao, "赵敏", first_with(events, "全部"))
    await zhao.settle(quiet=1.0, timeout=60)
    return zhang, zhao, qian


async def _write_files(settings: Settings, services: Services) -> None:
    """Every export, the site posters and the evaluation's results, as the CLI writes them."""
    folder = settings.storage.data_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    print("\n== Exports written by the demo (deputy-bot export does the same):")
    formats: tuple[tuple[Format, str], ...] = (
        ("xlsx", "问题与建议清单.xlsx"),
        ("csv", "问题与建议清单.csv"),
        ("docx", "关于交办问题与建议清单的函.docx"),
        ("zip", "照片包.zip"),
    )
    for fmt, name in formats:
        result = await export_list(
            services, fmt, folder / name, ListFilter(), now=services.clock.now()
        )
        if fmt == "zip":
            print(
                f"   {folder / name}  ({result.photos} photos of {result.rows} items; "
                f"{result.listed} listed)"
            )
        else:
            print(f"   {folder / name}  ({result.rows} rows)")
    posters = await write_posters(
        services,
        folder / "点位签到二维码.docx",
        bot_username=DEMO_BOT,
        project_id=None,
        language="zh",
    )
    print(f"   {posters.path}  ({posters.pages} sites, one page each; deputy-bot posters)")
    await write_evaluation(services, folder / "满意度测评结果.xlsx")
    # The half-year report is the bulletin for January to June; G01's report covers the year.
    half_year = Period(date(2020, 1, 1), date(2020, 6, 30))
    projects = await write_bulletin(services, half_year, folder / "半年工作通报.docx", "zh")
    print(f"   {folder / '半年工作通报.docx'}  ({projects} projects; deputy-bot bulletin)")
    report = folder / "第一监督小组书面监督报告.docx"
    items = await write_group_report(services, "G01", Period(), report, "zh")
    print(f"   {report}  ({items} items; deputy-bot group-report)")
