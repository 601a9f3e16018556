"""The evaluation's votes are secret: the stored data cannot link a voter to a vote. And the
command line writes a closed round's results."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import openpyxl

from bot.bootstrap import database_of
from bot.evaluation import VoterInput
from bot.jobs import run_daily_jobs
from bot.people import Role
from localapi import SimUser
from tests.cli_helpers import acli, assert_clean_failure, cli_env, write_config
from tests.conftest import Harness, answer_to
from tests.evaluation_steps import morning, notice, open_round, reads

COMMENT = "路面修复后又出现坑洼，希望彻底整改。"
# Every table a vote or comment writes to, and the columns each may have: none names a person
# or a time beside a value, and none has a rowid that would keep the order rows were written in.
VOTE_TABLES = {
    "evaluation_counts": {"round_id", "project_id", "value", "votes"},
    "evaluation_comments": {"id", "round_id", "project_id", "text"},
}
MARKER_COLUMNS = {"round_id", "person_id", "project_id"}


async def _vote(user: SimUser, label: str, *, comment: str | None = None) -> str:
    """Open the ballot, press `label` on the first project, comment or not; returns the press's
    callback data."""
    await notice(user, "满意度测评")
    await user.send_text("/evaluate")
    ballot = await reads(user, "第 1/20 项")
    assert label in ballot.button_data, ballot.describe()
    data = ballot.button_data[label]
    press = await user.press_data(ballot.message_id, data)
    assert "已保存" in await answer_to(user, press)
    await user.settle()
    if comment is not None:
        await user.send_text(comment)
        await user.settle()
    await user.press("稍后再评")
    await user.settle()
    return data


async def _voted(bot: Harness) -> tuple[list[SimUser], list[str]]:
    staff = await bot.join("赵敏", Role.STAFF, group=None)
    wang = await bot.join("王芳")
    li = await bot.join("李明")
    await open_round(staff)
    pressed = [
        await _vote(wang, "满意", comment=COMMENT),
        await _vote(li, "不满意"),
    ]
    return [wang, li], pressed


async def test_the_stored_data_cannot_link_a_voter_to_a_vote(bot: Harness) -> None:
    voters, pressed = await _voted(bot)
    db = database_of(bot.services)
    ids = [(await bot.person(u)).id for u in voters]
    tables = [
        r[0]
        for r in await db.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]

    # The values live in counters and anonymous comments: no person, no time, no rowid.
    for table, allowed in VOTE_TABLES.items():
        columns = {r[1] for r in await db.fetch_all(f"PRAGMA table_info({table})")}
        assert columns == allowed, (table, columns)
        sql = await db.fetch_value("SELECT sql FROM sqlite_master WHERE name = ?", (table,))
        assert "WITHOUT ROWID" in str(sql), table
    counts = await db.fetch_all(
        "SELECT value, SUM(votes) FROM evaluation_counts GROUP BY value ORDER BY value"
    )
    assert [tuple(r) for r in counts] == [("basically", 0), ("dissatisfied", 1), ("satisfied", 1)]
    # Every counter exists from the opening: a first vote creates no row that would date it.
    projects = await db.fetch_value("SELECT COUNT(*) FROM evaluation_projects")
    assert await db.fetch_value("SELECT COUNT(*) FROM evaluation_counts") == 3 * projects
    [(comment_id, text)] = await db.fetch_all("SELECT id, text FROM evaluation_comments")
    assert text == COMMENT and isinstance(comment_id, bytes) and len(comment_id) == 16

    # Who voted is kept apart, without the value; the two voters' markers look alike.
    columns = {r[1] for r in await db.fetch_all("PRAGMA table_info(evaluation_cast)")}
    assert columns == MARKER_COLUMNS
    markers = await db.fetch_all("SELECT person_id, project_id FROM evaluation_cast")
    assert sorted(tuple(r) for r in markers) == sorted((i, markers[0][1]) for i in ids)

    # Nowhere else does what they chose or wrote survive: not in the journal of updates (sealed
    # in the vote's own transaction), not in the open conversations, not in the outbox.
    for data in pressed:
        assert not await db.fetch_value(
            "SELECT COUNT(*) FROM inbound WHERE json_extract(payload, '$.callback_query.data') = ?",
            (data,),
        ), data
    secrets_ = [COMMENT, "satisfied", "dissatisfied", "您的评价：", "Your rating is"]
    for table in tables:
        if table in VOTE_TABLES:
            continue
        names = [r[1] for r in await db.fetch_all(f"PRAGMA table_info({table})")]
        for column in names:
            for secret in secrets_:
                found = await db.fetch_value(
                    f'SELECT COUNT(*) FROM "{table}" WHERE instr(CAST("{column}" AS TEXT), ?) > 0',
                    (secret,),
                )
                assert found == 0, (table, column, secret)
    sealed = await db.fetch_value(
        "SELECT COUNT(*) FROM inbound WHERE json_extract(payload, '$.callback_query.data') "
        "= 'sealed' OR json_extract(payload, '$.message.text') = 'sealed'"
    )
    assert sealed == 3  # two votes and one comment


async def test_a_comment_is_kept_only_on_a_project_the_person_voted_on(bot: Harness) -> None:
    voters, _ = await _voted(bot)
    db = database_of(bot.services)
    li = (await bot.person(voters[1])).id
    round_id = await db.fetch_int("SELECT id FROM evaluation_rounds")
    [first] = await db.fetch_ints(
        "SELECT project_id FROM evaluation_cast WHERE person_id = ?", (li,)
    )
    other = await db.fetch_int(
        "SELECT MIN(project_id) FROM evaluation_projects WHERE project_id != ?", (first,)
    )
    assert not await bot.services.evaluation.add_comment(
        VoterInput(round_id, li, other, None), "未评的项目"
    )
    assert await bot.services.evaluation.add_comment(VoterInput(round_id, li, first, None), "补充")
    texts = await db.fetch_all("SELECT project_id, text FROM evaluation_comments")
    assert sorted(tuple(r) for r in texts) == sorted([(first, COMMENT), (first, "补充")])


async def test_the_command_line_writes_the_results(bot: Harness, tmp_path: Path) -> None:
    await _voted(bot)
    config = write_config(tmp_path)
    env = cli_env()
    out = tmp_path / "测评结果.xlsx"
    # Results come when the round is closed.
    assert "closed" in assert_clean_failure(
        await acli("evaluation", "--config", config, "--out", out, cwd=tmp_path, env=env)
    )
    bot.clock.set(morning(27))
    assert (await run_daily_jobs(bot.services, bot.now()))["evaluation_closed"] == 1

    done = await acli("evaluation", "--config", config, "--out", out, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(out)["测评结果"]
    first = next(sheet.iter_rows(min_row=5, values_only=True))
    assert first == ("C01", "提升公共卫生应急能力", 1, 0, 1, 2, 0.5, "不满意")

    report = tmp_path / "测评结果.docx"
    done = await acli("evaluation", "--config", config, "--out", report, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    table = docx.Document(io.BytesIO(report.read_bytes())).tables[0]
    assert [c.text for c in table.rows[1].cells] == [
        "C01",
        "提升公共卫生应急能力",
        "1",
        "0",
        "1",
        "2",
        "50.0%",
        "不满意",
    ]
    wrong = await acli(
        "evaluation", "--config", config, "--out", tmp_path / "x.pdf", cwd=tmp_path, env=env
    )
    assert ".xlsx or .docx" in assert_clean_failure(wrong)
