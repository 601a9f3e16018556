"""The whole loop in one story, through every role's own screens.

Two deputies of G01 raise the same problem; their leader accepts one and merges the other into it;
staff forward it to the health commission; its liaison takes it on and answers; one raiser is
satisfied and one is not, so it goes back for a second handling; the second answer satisfies
both and it closes; months later a look-back finds it broken and it is reopened. Every status
change is an event, every notice is delivered once, and the tally counts it once.
"""

from __future__ import annotations

from datetime import timedelta

from bot.bootstrap import database_of
from bot.clock import to_db
from bot.jobs import run_daily_jobs
from bot.people import Role
from localapi import BotMessage, SimUser
from tests.conftest import Harness
from tests.rating_steps import delivered
from tests.steps import check_in, report_problem, taps

FIRST = "外立面脚手架已停工两周，现场无施工人员，交付存在风险。"
SECOND = "脚手架停工已有两周，现场没有施工人员，按期交付有风险。"


async def _raise(bot: Harness, deputy: SimUser, text: str) -> None:
    await check_in(bot, deputy)
    said = await report_problem(deputy, text)
    assert any("已提交" in (m.text or "") for m in said), [m.describe() for m in said]


async def _told(bot: Harness, user: SimUser, fragment: str) -> BotMessage:
    """Wait for the outbox to deliver a notice containing `fragment` to this person."""
    await delivered(bot, user)
    for message in reversed(await user.settle(quiet=0.2) or user.messages):
        if fragment in (message.text or ""):
            return message
    for message in reversed(user.messages):
        if fragment in (message.text or ""):
            return message
    raise AssertionError(f"{user.label} was not told {fragment!r}: {user.messages[-1].describe()}")


async def _answer(liaison: SimUser, cls_label: str, text: str, promised: str = "") -> None:
    await taps(liaison, "📨 答复", cls_label)
    if promised:  # class B promises a date first
        await liaison.send_text(promised)
        await liaison.settle()
    await liaison.send_text(text)
    await liaison.settle()
    said = await taps(liaison, "完成", "确认提交")
    assert any("已提交" in (m.text or "") for m in said), [m.describe() for m in said]


async def _rate(bot: Harness, deputy: SimUser, label: str) -> None:
    notice = await _told(bot, deputy, "请评价本次答复")
    assert notice.buttons[:3] == ["满意", "基本满意", "不满意"]
    await taps(deputy, label, "跳过")


async def test_an_item_goes_round_the_whole_loop(bot: Harness) -> None:
    wang = await bot.join("王芳")
    li = await bot.join("李明")
    leader = await bot.join("张伟", Role.LEADER)
    staff = await bot.join("赵敏", Role.STAFF, group=None)
    liaison = await bot.join("钱进", Role.LIAISON, group=None, unit="health")

    # Two deputies raise the same problem at the same site.
    await _raise(bot, wang, FIRST)
    await _raise(bot, li, SECOND)

    # The leader accepts the first and merges the second into it (the bot proposes it).
    await leader.send_text("/review")
    await leader.settle()
    await leader.press("✅ 通过")
    card = (await leader.settle())[-1]
    assert "2020-0002" in (card.text or "") and "可能重复" in (card.text or "")
    said = await taps(leader, "🔗 合并到…", "合并到 2020-0001")
    assert any("已将 2020-0002 合并到 2020-0001" in (m.text or "") for m in said)
    await _told(bot, li, "已合并办理")

    # Staff forward it to the health commission, whose liaison is in the bot.
    await staff.send_text("/forward")
    await staff.settle()
    await taps(staff, "按单位交办", "市卫健委（1）", "全部交办")
    await _told(bot, wang, "已交办责任单位办理")
    await _told(bot, li, "已交办责任单位办理")  # raised it too, through the merge

    # The liaison opens it from the notice, takes it on and answers (class B).
    await _told(bot, liaison, "新交办事项")
    await liaison.press("打开查看")
    card = (await liaison.settle())[-1]
    assert "🟢 按期" in (card.text or "") and "提出代表：2 人" in (card.text or "")
    await liaison.press("✅ 接收办理")
    await liaison.settle()
    await _answer(
        liaison, "B 类（列入计划解决）", "已约谈施工单位，列入下月施工计划。", "2020-07-31"
    )

    # One raiser is satisfied, the other is not: no majority, so 不满意 and a second handling.
    await _rate(bot, wang, "满意")
    await _rate(bot, li, "不满意")
    told = await _told(bot, liaison, "评价为不满意")
    assert "请重新办理" in (told.text or "")
    row = await database_of(bot.services).fetch_one(
        "SELECT status, round, rating FROM items WHERE number = 1"
    )
    assert row is not None and tuple(row) == ("in_progress", 2, "dissatisfied")

    # The second answer, from the inbox; both are satisfied now and it closes.
    await liaison.send_text("/inbox")
    page = (await liaison.settle())[-1]
    await liaison.press(next(b for b in page.buttons if "2020-0001" in b))
    card = (await liaison.settle())[-1]
    assert "第 2 轮" in (card.text or "")
    await _answer(liaison, "A 类（已解决）", "脚手架已复工，外立面施工已完成并通过验收。")
    await _rate(bot, wang, "满意")
    await _rate(bot, li, "满意")
    await _told(bot, wang, "已办结，评价结果：满意")
    row = await database_of(bot.services).fetch_one(
        "SELECT status, round, rating FROM items WHERE number = 1"
    )
    assert row is not None and tuple(row) == ("closed", 2, "satisfied")

    # Months later (the look-back is made due rather than waited for) the group is told, and a
    # deputy finds the problem back.
    async with database_of(bot.services).transaction() as conn:
        await conn.execute(
            "UPDATE lookbacks SET due_at = ?", (to_db(bot.now() - timedelta(days=1)),)
        )
    counts = await run_daily_jobs(bot.services, bot.now())
    assert counts["lookbacks_announced"] >= 3  # both deputies and the leader
    assert (await run_daily_jobs(bot.services, bot.now()))["lookbacks_announced"] == 0
    await _told(bot, li, "/lookback")
    await li.send_text("/lookback")
    await li.settle()
    await taps(li, "⚠️ 问题反弹")
    await li.send_text("外墙又出现脱落，脚手架已拆除但未修复。")
    said = await li.settle()
    assert any("已重新交办责任单位" in (m.text or "") for m in said)
    await _told(bot, liaison, "回头看发现")
    row = await database_of(bot.services).fetch_one(
        "SELECT status, round, lookback_result FROM items WHERE number = 1"
    )
    assert row is not None and tuple(row) == ("in_progress", 3, "broken")

    # Every step is an event, with who did it.
    events = await database_of(bot.services).fetch_all(
        "SELECT e.to_status, p.name FROM item_events e LEFT JOIN persons p ON p.id = e.actor_id "
        "WHERE e.item_id = (SELECT id FROM items WHERE number = 1) AND e.kind = 'transition' "
        "ORDER BY e.id"
    )
    assert [tuple(e) for e in events] == [
        ("submitted", "王芳"),
        ("reviewed", "张伟"),
        ("forwarded", "赵敏"),
        ("in_progress", "钱进"),
        ("answered", "钱进"),
        ("rated", None),
        ("in_progress", None),
        ("answered", "钱进"),
        ("rated", None),
        ("closed", None),
        ("in_progress", "李明"),
    ]
    # Nothing queued twice, everything delivered.
    assert await bot.value("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == 0
    assert (
        await bot.value(
            "SELECT COUNT(*) FROM (SELECT payload, person_id FROM outbox "
            "GROUP BY payload, person_id HAVING COUNT(*) > 1)"
        )
        == 0
    )

    # The tally counts the problem once, with both deputies taking part.
    await _told(bot, staff, "回头看发现")  # staff are told of the reopening too
    await staff.send_text("/tally")
    tally = (await staff.settle())[0].text or ""
    assert "1个监督小组、2名代表参加" in tally and "问题1个" in tally
