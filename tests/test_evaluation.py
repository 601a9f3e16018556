"""The satisfaction evaluation (满意度测评) end to end, through the real Application: staff open
a round, voters are told and rate the projects one by one (once each, secretly), reminders come
on their days, the round closes at its deadline, and the results in the chat, the workbook and
the Word report agree."""

from __future__ import annotations

import io
import re

import docx
import openpyxl

from bot.jobs import run_daily_jobs
from bot.people import Role
from tests.conftest import Harness, answer_to, reply_to
from tests.evaluation_steps import (
    DEADLINE,
    choose,
    document,
    first_ballot,
    morning,
    notice,
    open_round,
    reads,
    vote_count,
)


async def test_a_round_from_opening_to_results(bot: Harness) -> None:
    staff = await bot.join("赵敏", Role.STAFF, group=None)
    wang = await bot.join("王芳")
    zhang = await bot.join("张伟", Role.LEADER)
    qian = await bot.join("钱进", Role.LIAISON)

    # Only staff open rounds.
    assert "无权使用" in await reply_to(wang, "/evaluation")
    assert await bot.value("SELECT COUNT(*) FROM evaluation_rounds") == 0

    opened = await open_round(staff)
    assert "20 个项目" in (opened.text or "") and "已通知 2 名投票人" in (opened.text or "")
    # Voters are the deputies and leaders; the liaison (whose unit is rated) is not one.
    voters = await bot.value("SELECT GROUP_CONCAT(person_id) FROM evaluation_voters")
    ids = {(await bot.person(u)).id for u in (wang, zhang)}
    assert set(map(int, str(voters).split(","))) == ids
    assert "无权使用" in await reply_to(qian, "/evaluate")
    assert not [m for m in qian.messages if "满意度测评" in (m.text or "")]

    # The deputy is told, and the notice's button opens the first project.
    told = await notice(wang, "满意度测评", "2020-06-26")
    assert told.buttons == ["开始测评"]
    await wang.press("开始测评")
    first = await reads(wang, "第 1/20 项")
    assert "第 1/20 项" in (first.text or "") and "C01" in (first.text or ""), first.describe()
    assert first.buttons == ["满意", "基本满意", "不满意", "稍后再评"]

    # A double tap records one vote; the second tap is told so.
    tap = await wang.press_data(first.message_id, first.button_data["满意"])
    again = await wang.press_data(first.message_id, first.button_data["满意"])
    assert "已保存您的评价：满意" in await answer_to(wang, tap)
    assert "已经评价过" in await answer_to(wang, again)
    assert await vote_count(bot) == 1
    said = await wang.settle()
    # The ballot says it was rated, not how: the choice is shown in the toast above only.
    rated = [m.text or "" for m in said if m.edited]
    assert any("已评价" in t and "C01" in t for t in rated), rated
    assert not any("满意" in t for t in rated), rated
    assert any("意见建议" in (m.text or "") for m in said if not m.edited), said

    # An optional comment, then the next project.
    await wang.send_text("希望加快工程进度，按期交付。")
    thanks = await wang.next_message()
    assert "已收到您的意见" in (thanks.text or "")
    second = await wang.next_message()
    assert "第 2/20 项" in (second.text or "") and "C02" in (second.text or "")
    await choose(wang, "不满意")
    # Changing a vote already given is refused politely, and nothing changes.
    change = await wang.press_data(first.message_id, first.button_data["基本满意"])
    assert "不能更改" in await answer_to(wang, change)
    assert await vote_count(bot) == 2
    await wang.press("稍后再评")
    later = [m.text or "" for m in await wang.settle()]
    assert any("进度已保存" in t for t in later), later

    # The leader votes too, by /evaluate.
    await first_ballot(zhang)
    await choose(zhang, "满意")
    await zhang.press("下一项")
    assert "第 2/20 项" in ((await zhang.next_message(edited=False)).text or "")
    await choose(zhang, "基本满意")
    await choose(zhang, "稍后再评")

    # Progress is kept: the deputy goes on at the third project.
    assert "第 3/20 项" in await reply_to(wang, "/evaluate")
    await wang.send_text("/cancel")
    await wang.settle()

    # While the round is open staff see its turnout, not its results.
    await staff.send_text("/evaluation")
    status = await staff.next_message()
    assert "进行中" in (status.text or "") and "已投票数：4" in (status.text or "")
    assert "C01" not in (status.text or "")
    await staff.press("完成")
    await staff.settle()

    # Reminders 3 days and 1 day before the deadline, once a day, to those not finished.
    bot.clock.set(morning(22))
    assert (await run_daily_jobs(bot.services, bot.now()))["evaluation_reminders"] == 0
    bot.clock.set(morning(23))
    assert (await run_daily_jobs(bot.services, bot.now()))["evaluation_reminders"] == 2
    assert (await run_daily_jobs(bot.services, bot.now()))["evaluation_reminders"] == 0
    reminder = await notice(wang, "提醒", "还有 3 天")
    assert reminder.buttons == ["继续测评"]
    bot.clock.set(morning(25))
    assert (await run_daily_jobs(bot.services, bot.now()))["evaluation_reminders"] == 2
    await notice(zhang, "提醒", "还有 1 天")
    bot.clock.set(morning(26))
    counts = await run_daily_jobs(bot.services, bot.now())
    assert counts["evaluation_reminders"] == 0 and counts["evaluation_closed"] == 0

    # The deadline day is the last day of voting; the next morning the round closes.
    bot.clock.set(morning(27))
    assert (await run_daily_jobs(bot.services, bot.now()))["evaluation_closed"] == 1
    assert (await run_daily_jobs(bot.services, bot.now()))["evaluation_closed"] == 0
    await notice(staff, "已于 2020-06-26 截止并关闭", "投票人 2 人")
    staff.drain()
    await wang.send_text("/evaluate")
    await reads(wang, "没有需要您参加")
    assert await vote_count(bot) == 4

    # Results in the chat: C01 2 满意 -> 满意; C02 1 基本满意, 1 不满意 -> 不满意 (50%).
    await staff.send_text("/evaluation")
    results = (await reads(staff, "测评结果")).text or ""
    assert "测评结果" in results
    chat_rows = {
        code: (int(s), int(b), int(d), int(v), rate, verdict)
        for code, s, b, d, v, rate, verdict in re.findall(
            r"<b>(C\d\d) [^<]*</b>\n满意 (\d+) · 基本满意 (\d+) · 不满意 (\d+)（共 (\d+) 票），"
            r"满意率 ([^，]+)，测评结果：<b>([^<]+)</b>",
            results,
        )
    }
    assert chat_rows["C01"] == (2, 0, 0, 2, "100.0%", "满意")
    assert chat_rows["C02"] == (0, 1, 1, 2, "50.0%", "不满意")
    assert chat_rows["C03"] == (0, 0, 0, 0, "—", "无投票")

    # The same figures in the workbook ...
    await staff.press("结果 Excel")
    book_message = await document(staff)
    book = openpyxl.load_workbook(io.BytesIO(book_message.files[0]))
    sheet = book["测评结果"]
    header = [c.value for c in sheet[4]]
    assert header == ["编号", "项目", "满意", "基本满意", "不满意", "票数", "满意率", "测评结果"]
    xlsx_rows = {row[0]: row[2:] for row in sheet.iter_rows(min_row=5, values_only=True) if row[1]}
    assert len(xlsx_rows) == 20
    for code, (s, b, d, v, rate, verdict) in chat_rows.items():
        xs, xb, xd, xv, xrate, xverdict = xlsx_rows[code]
        assert (xs, xb, xd, xv, xverdict) == (s, b, d, v, verdict)
        assert (f"{xrate * 100:.1f}%" if isinstance(xrate, int | float) else xrate) == rate
    comments = list(book["意见建议"].iter_rows(min_row=2, values_only=True))
    assert comments == [("C01", "提升公共卫生应急能力", "希望加快工程进度，按期交付。")]

    # ... and in the Word report, in the letter's fonts.
    await staff.press("结果 Word")
    word_message = await document(staff)
    report = docx.Document(io.BytesIO(word_message.files[0]))
    table = report.tables[0]
    assert [c.text for c in table.rows[0].cells] == header
    docx_rows = {r.cells[0].text: [c.text for c in r.cells[2:]] for r in table.rows[1:]}
    for code, (s, b, d, v, rate, verdict) in chat_rows.items():
        assert docx_rows[code] == [str(s), str(b), str(d), str(v), rate, verdict]
    assert "满意度测评结果" in report.paragraphs[0].text
    assert any("希望加快工程进度" in p.text for p in report.paragraphs)
    section = report.sections[0]
    assert section.top_margin is not None and section.left_margin is not None
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28


async def test_a_second_round_waits_for_the_first_and_bad_deadlines_are_refused(
    bot: Harness,
) -> None:
    staff = await bot.join("赵敏", Role.STAFF, group=None)
    await bot.join("王芳")
    await staff.send_text("/evaluation")
    await staff.next_message()
    await staff.press("发起新一轮测评")
    await staff.next_message(edited=False)
    for typed, told in (
        ("明天", "不是有效日期"),
        ("2020-06-16", "须晚于今天"),
        ("2021-06-16", "不能超过 60 天"),
    ):
        assert told in await reply_to(staff, typed)
    await staff.send_text("/cancel")
    await staff.settle()
    assert await bot.value("SELECT COUNT(*) FROM evaluation_rounds") == 0

    await open_round(staff)
    # While it is open, the menu offers to close it, not to open another.
    await staff.send_text("/evaluation")
    menu = await staff.next_message()
    assert "发起新一轮测评" not in menu.buttons and "结束测评" in menu.buttons
    await staff.press("结束测评")
    await staff.next_message(edited=True)
    await staff.press("确认结束")
    closed = await staff.next_message(edited=True)
    assert "测评结果" in (closed.text or "") and "结果 Excel" in closed.buttons
    assert await bot.value("SELECT COUNT(*) FROM evaluation_rounds WHERE closed_at IS NULL") == 0


async def test_staff_name_the_voters(bot: Harness) -> None:
    staff = await bot.join("赵敏", Role.STAFF, group=None)
    wang = await bot.join("王芳")
    li = await bot.join("李明")
    await bot.join("钱进", Role.LIAISON)
    await staff.send_text("/evaluation")
    await staff.next_message()
    await staff.press("发起新一轮测评")
    await staff.next_message(edited=False)
    await staff.send_text(DEADLINE)
    await staff.next_message()
    await staff.press("指定人员")
    assert "姓名" in ((await staff.next_message(edited=False)).text or "")
    await staff.send_text("钱进")  # a liaison cannot be named
    assert "没有找到" in ((await staff.next_message()).text or "")
    await staff.send_text("王")
    found = await staff.next_message()
    assert found.buttons[0].startswith("王芳 · 人大代表")
    await staff.press("王芳")
    chosen = await staff.next_message(edited=True)
    assert "已选投票人 1 人：王芳" in (chosen.text or "")
    await staff.press("选好了")
    confirm = await staff.next_message(edited=False)
    assert "指定人员 1 人：王芳" in (confirm.text or "")
    await staff.press("确认发起")
    assert "已通知 1 名投票人" in ((await staff.next_message(edited=True)).text or "")
    await notice(wang, "满意度测评")
    assert "没有需要您参加" in await reply_to(li, "/evaluate")
