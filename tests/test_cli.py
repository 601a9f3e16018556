"""The command line, run as the operator runs it: `python -m bot ...` in a separate process."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import openpyxl
import pytest

from localapi import LocalBotApi
from tests.conftest import EXAMPLE_CATALOG, ROOT
from tests.steps import help_text, open_invitation

DB_NAME = "deputy-bot.sqlite3"
SECRET_ENV = ("DEPUTY_BOT_TOKEN", "DEPUTY_BOT_WEBHOOK_SECRET")
CLI_TIMEOUT = 30.0
# What a fresh token printed by `invite` looks like (secrets.token_urlsafe(32)).
TOKEN_RE = r"[A-Za-z0-9_-]{43}"
# Who most invitations here are for: 王芳, a deputy of 第一监督小组.
WANG_FANG = ("--role", "deputy", "--name", "王芳", "--group", "G01")

# A catalog with three kinds of mistakes: a value out of range, a reference to a unit that does
# not exist and a misspelt key. Its campaign code is the example's, with another name, so that an
# import over the example would show up as a changed row.
BROKEN_CATALOG = """\
[campaign]
code = "hangzhou-2020"
name = "改过名字的专项监督"
year = 2020
authority = "杭州市人大常委会"

[[units]]
code = "health"
name = "市卫健委"

[[projects]]
code = "C01"
title = "提升公共卫生应急能力"
level = "city"

[[subitems]]
code = "C01-1"
project = "C01"
title = "新建市本级生物安全加强型二级实验室"
unit = "no-such-unit"

[[sites]]
code = "S-C01-01"
name = "杭州市疾病预防控制中心"
project = "C01"
subitem = "C01-1"
lat = 95.0
lon = 120.2070
crs = "gcj02"
radius_m = 200

[[groups]]
code = "G01"
name = "第一监督小组"
projets = ["C01"]
"""
BROKEN_ERRORS = (
    "sites[0].lat: must be between -90 and 90",
    "subitems[0].unit: unknown unit 'no-such-unit'",
    "groups[0].projets: unknown key",
)


# --- running the CLI ------------------------------------------------------------------------------


def cli_env(**extra: str) -> dict[str, str]:
    """The caller's environment without the bot's secrets, importing this working tree."""
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


def cli(
    *args: str | Path,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = CLI_TIMEOUT,
) -> Finished:
    """The CLI from a synchronous test. Through asyncio rather than subprocess.run: its wait
    with a timeout sleeps with time.sleep, which fails (EINVAL) under faketime, and the suite
    must pass whatever the clock says."""
    return asyncio.run(
        acli(*args, cwd=cwd, env=env if env is not None else cli_env(), seconds=timeout)
    )


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str


async def acli(
    *args: str | Path, cwd: Path, env: dict[str, str], seconds: float = CLI_TIMEOUT
) -> Finished:
    """The CLI without blocking the event loop (needed while a LocalBotApi serves in it)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *map(str, args),
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), seconds)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return Finished(proc.returncode, out.decode("utf-8"), err.decode("utf-8"))


def assert_clean_failure(result: Finished) -> str:
    """Exit status 1 and an operator's message on stderr, no Python traceback. Returns stderr."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert "deputy-bot: error:" in result.stderr, result.stderr
    return result.stderr


def write_config(folder: Path, body: str = "") -> Path:
    """config.toml in `folder` with data_dir "data" (relative: tmp/data) plus `body`."""
    path = folder / "config.toml"
    path.write_text(f'[storage]\ndata_dir = "data"\n\n{body}', encoding="utf-8")
    return path


# --- the database, read as a separate client ------------------------------------------------------


def query(db: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return list(conn.execute(sql, params).fetchall())


def scalar(db: Path, sql: str, *params: object) -> object:
    rows = query(db, sql, *params)
    assert len(rows) == 1, rows
    return rows[0][0]


def row_counts(db: Path) -> dict[str, int]:
    with closing(sqlite3.connect(db)) as conn:
        tables = [
            str(r[0])
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: int(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]) for t in tables}


def dump(db: Path) -> list[str]:
    with closing(sqlite3.connect(db)) as conn:
        return list(conn.iterdump())


# --- an imported example catalog, made once per module and copied into each test -----------------


@pytest.fixture(scope="module")
def imported_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("imported")
    config = write_config(folder)
    result = cli("import", "--config", config, EXAMPLE_CATALOG, cwd=folder)
    assert result.returncode == 0, result.stderr
    assert (folder / "data" / DB_NAME).exists()
    return folder / "data"


@pytest.fixture
def imported(imported_template: Path, tmp_path: Path) -> Path:
    """tmp_path/data holds the example campaign; returns the database path."""
    shutil.copytree(imported_template, tmp_path / "data")
    return tmp_path / "data" / DB_NAME


# The tables `import` reports a line for (created / updated / unchanged).
IMPORTED_TABLES = (
    "campaigns",
    "units",
    "projects",
    "subitems",
    "sites",
    "groups",
    "categories",
    "campaign_phases",
    "campaign_key_dates",
)


# --- 1. import ------------------------------------------------------------------------------------


def test_import_example_twice_second_run_changes_nothing(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    db = tmp_path / "data" / DB_NAME

    first = cli("import", "--config", config, EXAMPLE_CATALOG, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Imported campaign hangzhou-2020" in first.stdout
    created = {
        m["table"]: int(m["n"])
        for m in re.finditer(r"^\s+(?P<table>\w+)\s+created\s+(?P<n>\d+)", first.stdout, re.M)
    }
    counts = row_counts(db)
    for table in IMPORTED_TABLES:
        assert created[table] == counts[table] > 0, (table, first.stdout)
    assert created["campaigns"] == 1
    assert "Nothing changed" not in first.stdout
    assert "Traceback" not in first.stderr
    before = dump(db)

    second = cli("import", "--config", config, EXAMPLE_CATALOG, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "Nothing changed" in second.stdout
    for table in IMPORTED_TABLES:
        line = rf"^\s+{table}\s+created\s+0\s+updated\s+0\s+unchanged\s+{counts[table]}$"
        assert re.search(line, second.stdout, re.M), (table, second.stdout)
    assert row_counts(db) == counts
    assert dump(db) == before


# --- 2. a broken catalog ----------------------------------------------------------------------------


def test_import_of_broken_catalog_lists_every_error_and_writes_nothing(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    catalog = tmp_path / "broken.toml"
    catalog.write_text(BROKEN_CATALOG, encoding="utf-8")

    result = cli("import", "--config", config, catalog, cwd=tmp_path)

    stderr = assert_clean_failure(result)
    for error in BROKEN_ERRORS:
        assert error in stderr, stderr
    assert "broken.toml" in stderr
    assert "Imported" not in result.stdout
    db = tmp_path / "data" / DB_NAME
    assert not db.exists() or scalar(db, "SELECT COUNT(*) FROM campaigns") == 0


def test_broken_catalog_over_an_imported_campaign_leaves_it_untouched(
    tmp_path: Path, imported: Path
) -> None:
    config = write_config(tmp_path)
    catalog = tmp_path / "broken.toml"
    catalog.write_text(BROKEN_CATALOG, encoding="utf-8")
    before = dump(imported)

    result = cli("import", "--config", config, catalog, cwd=tmp_path)

    stderr = assert_clean_failure(result)
    for error in BROKEN_ERRORS:
        assert error in stderr, stderr
    assert dump(imported) == before
    assert scalar(imported, "SELECT name FROM campaigns") == "杭州市2020年民生实事项目专项监督"


# --- 3. invite ----------------------------------------------------------------------------------------


def test_invite_prints_link_and_stores_only_the_token_hash(tmp_path: Path, imported: Path) -> None:
    config = write_config(tmp_path, '[telegram]\nbot_username = "x_bot"\n')

    result = cli("invite", "--config", config, *WANG_FANG, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    link = re.search(rf"https://t\.me/x_bot\?start=(?P<token>{TOKEN_RE})(?!\S)", result.stdout)
    assert link is not None, result.stdout
    token = link["token"]
    assert re.search(rf"^token:\s+{re.escape(token)}$", result.stdout, re.M), result.stdout
    assert "王芳" in result.stdout
    # The database keeps the SHA-256 of the token, never the token itself.
    rows = query(
        imported,
        "SELECT i.token_hash, p.name, p.role, g.code, p.telegram_user_id, i.used_at "
        "FROM invitations i JOIN persons p ON p.id = i.person_id JOIN groups g ON g.id = p.group_id",
    )
    assert rows == [
        (hashlib.sha256(token.encode()).hexdigest(), "王芳", "deputy", "G01", None, None)
    ]
    assert not any(token in line for line in dump(imported))
    assert token not in result.stderr


def test_invite_liaison_with_a_unit(tmp_path: Path, imported: Path) -> None:
    config = write_config(tmp_path, '[telegram]\nbot_username = "@x_bot"\n')
    result = cli(
        "invite",
        "--config",
        config,
        "--role",
        "liaison",
        "--name",
        "赵联络",
        "--unit",
        "health",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(rf"https://t\.me/x_bot\?start={TOKEN_RE}", result.stdout), result.stdout
    assert query(
        imported,
        "SELECT p.role, u.code, p.group_id FROM persons p JOIN units u ON u.id = p.unit_id",
    ) == [("liaison", "health", None)]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--role", "deputy", "--name", "王芳", "--group", "G99"],
            "There is no supervision group with code G99.",
        ),
        (["--role", "liaison", "--name", "王芳"], "Unit liaisons need a unit."),
        (["--role", "deputy", "--name", "王芳"], "Deputies and leaders need a supervision group."),
        (
            ["--role", "liaison", "--name", "王芳", "--unit", "nope"],
            "There is no unit with code nope.",
        ),
    ],
    ids=["unknown-group", "liaison-without-unit", "deputy-without-group", "unknown-unit"],
)
def test_invite_refusals_are_clear_and_create_nobody(
    tmp_path: Path, imported: Path, options: list[str], message: str
) -> None:
    config = write_config(tmp_path, '[telegram]\nbot_username = "x_bot"\n')
    result = cli("invite", "--config", config, *options, cwd=tmp_path)
    stderr = assert_clean_failure(result)
    assert message in stderr
    assert "t.me" not in result.stdout
    assert scalar(imported, "SELECT COUNT(*) FROM persons") == 0
    assert scalar(imported, "SELECT COUNT(*) FROM invitations") == 0


def test_invite_before_any_import_says_to_import_first(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[telegram]\nbot_username = "x_bot"\n')
    result = cli("invite", "--config", config, *WANG_FANG, cwd=tmp_path)
    stderr = assert_clean_failure(result)
    assert "import a catalog first" in stderr
    assert "deputy-bot import" in stderr
    assert "t.me" not in result.stdout


# --- 4. configuration and start-up errors ---------------------------------------------------------


def test_run_without_any_token_is_one_clear_line(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    result = cli("run", "--config", config, cwd=tmp_path, timeout=15)
    stderr = assert_clean_failure(result)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "DEPUTY_BOT_TOKEN" in lines[0]
    assert result.stdout == ""


def test_run_with_missing_config_file(tmp_path: Path) -> None:
    result = cli("run", "--config", tmp_path / "nope.toml", cwd=tmp_path)
    stderr = assert_clean_failure(result)
    assert "config file not found" in stderr
    assert "nope.toml" in stderr


def test_run_with_invalid_toml_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "broken-config.toml"
    config.write_text('[telegram]\nmode = "polling\n', encoding="utf-8")
    result = cli("run", "--config", config, cwd=tmp_path, env=cli_env(DEPUTY_BOT_TOKEN="1:x"))
    stderr = assert_clean_failure(result)
    assert "broken-config.toml" in stderr
    assert "invalid TOML" in stderr


def test_run_with_invalid_setting_names_the_key(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[telegram]\nmode = "push"\n\n[checkin]\nradius = 5\n')
    result = cli("run", "--config", config, cwd=tmp_path, env=cli_env(DEPUTY_BOT_TOKEN="1:x"))
    stderr = assert_clean_failure(result)
    assert "config.toml" in stderr
    assert "telegram.mode" in stderr
    assert "checkin.radius" in stderr


@pytest.mark.parametrize("command", ["run", "import"])
def test_data_dir_that_cannot_be_a_directory(tmp_path: Path, command: str) -> None:
    (tmp_path / "plain-file").write_text("not a folder\n", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('[storage]\ndata_dir = "plain-file/data"\n', encoding="utf-8")
    token = "987654:secret-that-must-not-be-printed"
    extra = [EXAMPLE_CATALOG] if command == "import" else []
    result = cli(
        command, "--config", config, *extra, cwd=tmp_path, env=cli_env(DEPUTY_BOT_TOKEN=token)
    )
    stderr = assert_clean_failure(result)
    assert "cannot open database" in stderr
    assert "plain-file" in stderr
    assert token not in stderr + result.stdout
    assert (tmp_path / "plain-file").read_text(encoding="utf-8") == "not a folder\n"


def test_unreadable_token_file_is_a_clear_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[telegram]\ntoken_file = "missing-token"\n')
    result = cli("run", "--config", config, cwd=tmp_path)
    stderr = assert_clean_failure(result)
    assert "telegram.token_file" in stderr


# --- 5. `run` for real, against a local Bot API server --------------------------------------------

RUN_TOKEN = "555111:RUN-token-must-stay-secret"


@pytest.fixture
async def run_api() -> AsyncIterator[LocalBotApi]:
    async with LocalBotApi(token=RUN_TOKEN, bot_username="deputy_run_bot") as server:
        yield server


async def wait_for_call(api: LocalBotApi, method: str, proc: asyncio.subprocess.Process) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while not api.calls_to(method):
        assert proc.returncode is None, f"the bot exited with {proc.returncode} before {method}"
        assert loop.time() < deadline, f"no {method} call within 20 s: {api.calls[-5:]}"
        await asyncio.sleep(0.05)


@dataclass
class ServedRun:
    """What `run` printed while serving one deputy, and the secrets it must never print."""

    returncode: int
    stdout: str
    stderr: str
    setup_output: str
    secrets: tuple[str, ...]


async def serve_one_deputy(tmp_path: Path, api: LocalBotApi, *options: str) -> ServedRun:
    """Import, invite and `run` by the CLI; the invited deputy joins and asks for help; SIGTERM."""
    config = write_config(
        tmp_path,
        f'[telegram]\nbase_url = "{api.base_url}"\nbase_file_url = "{api.base_file_url}"\n'
        "\n[runtime]\npersistence_interval_seconds = 0.2\n",
    )
    env = cli_env(DEPUTY_BOT_TOKEN=api.token)
    imported = await acli("import", "--config", config, EXAMPLE_CATALOG, cwd=tmp_path, env=env)
    assert imported.returncode == 0, imported.stderr
    # No bot_username in the config: `invite` asks the Bot API (getMe) with the token.
    invited = await acli("invite", "--config", config, *WANG_FANG, cwd=tmp_path, env=env)
    assert invited.returncode == 0, invited.stderr
    link = re.search(rf"https://t\.me/deputy_run_bot\?start=(?P<token>{TOKEN_RE})", invited.stdout)
    assert link is not None, invited.stdout
    invitation = link["token"]
    assert api.calls_to("getMe")

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *options,
        "run",
        "--config",
        str(config),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await wait_for_call(api, "getUpdates", proc)
        deputy = api.user(880001, "王芳", language_code="zh-hans")
        await open_invitation(deputy, invitation, "王芳", quiet=0.2)
        assert "/checkin" in await help_text(deputy)

        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 10)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    assert not api.internal_errors, api.internal_errors
    db = tmp_path / "data" / DB_NAME
    assert scalar(db, "SELECT telegram_user_id FROM persons WHERE name = '王芳'") == 880001
    assert scalar(db, "SELECT used_by FROM invitations") == 880001
    return ServedRun(
        returncode=proc.returncode,
        stdout=out.decode("utf-8"),
        stderr=err.decode("utf-8"),
        setup_output=imported.stdout + imported.stderr + invited.stderr,
        secrets=(api.token, api.token.partition(":")[2], invitation),
    )


async def test_run_polls_welcomes_a_deputy_and_stops_on_sigterm(
    tmp_path: Path, run_api: LocalBotApi
) -> None:
    served = await serve_one_deputy(tmp_path, run_api)

    assert served.returncode == 0, served.stderr
    assert "deputy-bot is running as @deputy_run_bot" in served.stdout
    assert "Traceback" not in served.stderr, served.stderr
    # Neither secret reaches the output: not the bot token, not the invitation; nor the name.
    for secret in served.secrets:
        assert secret not in served.stdout + served.stderr
        assert secret not in served.setup_output
    assert "王芳" not in served.stderr


async def test_run_at_debug_level_keeps_secrets_out_of_the_logs(
    tmp_path: Path, run_api: LocalBotApi
) -> None:
    served = await serve_one_deputy(tmp_path, run_api, "--log-level", "DEBUG")

    assert served.returncode == 0, served.stderr
    assert "DEBUG" in served.stderr  # the level took effect
    for secret in served.secrets:
        assert secret not in served.stdout + served.stderr


# --- 6. the demo ------------------------------------------------------------------------------------

DEMO_MARKERS = (
    "欢迎您",
    "已签到",
    "已提交：问题",
    "已提交：建议",
    "不会重复记录",
    # The year: progress on /projects, a planned visit done, the evaluation's results.
    "进展已报告：C01-3",
    "随报告保存照片 1 张",
    "🟢 ▓▓▓░░░░░ 40% · 推进中 · 上次报告 2020-06-16 钱进",
    "已安排监督任务",
    "✅ 已完成 杭州市疾病预防控制中心",
    "满意 2 · 基本满意 1 · 不满意 0（共 3 票），满意率 100.0%，测评结果：满意",
    # The deadlines: signed for late, an extension approved, chased, escalated.
    "请于 2020-06-18 前签收",
    "签收超时 2 条",
    "经同意延期，责任单位的答复期限调整为 2020-09-30",
    "已到答复期限（2020-09-30），尚未答复",
    "市卫健委 办理的问题 2020-0003（提升公共卫生应急能力）答复期限为 2020-09-30，已超过 3 个工作日",
    "Database:",
)


def demo_paths(stdout: str) -> tuple[Path, Path]:
    db = re.search(r"^Database:\s+(.+)$", stdout, re.M)
    photos = re.search(r"^Photos:\s+(.+)$", stdout, re.M)
    assert db is not None and photos is not None, stdout
    return Path(db[1].strip()), Path(photos[1].strip())


def check_demo_run(result: Finished, data: Path) -> None:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for marker in DEMO_MARKERS:
        assert marker in result.stdout, marker
    db, photos_dir = demo_paths(result.stdout)
    assert db == data / DB_NAME
    assert db.exists()
    assert (data / ".deputy-bot-demo").exists()
    items = query(db, "SELECT kind, status, number FROM items ORDER BY number")
    # The whole loop: reviewed, forwarded, answered, rated 满意 and closed; the suggestion went to
    # a unit without a liaison, by letter; the third is still with the unit, escalated.
    assert items == [
        ("problem", "closed", 1),
        ("suggestion", "forwarded", 2),
        ("problem", "in_progress", 3),
    ]
    assert query(db, "SELECT decision, proposed_day FROM extensions") == [
        ("approved", "2020-09-30")
    ]
    assert scalar(db, "SELECT COUNT(*) FROM escalations") == 2
    assert query(db, "SELECT value FROM ratings") == [("satisfied",)]
    assert query(db, "SELECT class, on_paper FROM responses") == [("A", 0)]
    assert scalar(db, "SELECT COUNT(*) FROM lookbacks") == 1
    assert scalar(db, "SELECT for_letter FROM items WHERE number = 2") == 1
    # Every notice was delivered, none twice.
    assert scalar(db, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == 0
    # A count is an int; scalar() says object, as sqlite3's rows are untyped.
    assert cast(int, scalar(db, "SELECT COUNT(*) FROM outbox")) >= 8
    for name, what in (
        ("问题与建议清单.xlsx", "3 rows"),
        ("问题与建议清单.csv", "3 rows"),
        ("关于交办问题与建议清单的函.docx", "3 rows"),
        ("照片包.zip", "1 photos of 1 items; 3 listed"),  # the suggestion has no photo
        ("点位签到二维码.docx", "39 sites, one page each; deputy-bot posters"),
        ("满意度测评结果.xlsx", "20 projects, round 1; deputy-bot evaluation"),
        ("半年工作通报.docx", "20 projects; deputy-bot bulletin"),
        ("第一监督小组书面监督报告.docx", "3 items; deputy-bot group-report"),
    ):
        assert f"{data / 'exports' / name}  ({what})" in result.stdout
        assert (data / "exports" / name).stat().st_size > 0
    # The evaluation's workbook holds the chat's figures: C01 and C02 rated, the rest not.
    sheet = openpyxl.load_workbook(data / "exports" / "满意度测评结果.xlsx")["测评结果"]
    rows = {r[0]: r[2:6] for r in sheet.iter_rows(min_row=5, values_only=True) if r[1]}
    assert rows["C01"] == (2, 1, 0, 3) and rows["C02"] == (0, 1, 1, 2)
    assert rows["C03"] == (0, 0, 0, 0) and len(rows) == 20
    assert scalar(db, "SELECT COUNT(*) FROM evaluation_rounds WHERE closed_at IS NOT NULL") == 1
    assert scalar(db, "SELECT COUNT(*) FROM progress_reports") == 1
    assert scalar(db, "SELECT COUNT(*) FROM task_deputies WHERE done_at IS NOT NULL") == 1
    assert "已办结，评价结果：满意" in result.stdout
    visits = scalar(db, "SELECT COUNT(*) FROM visits")
    assert isinstance(visits, int) and visits >= 1
    photos = query(db, "SELECT original_path, display_path, thumb_path, size_bytes FROM photos")
    assert len(photos) >= 2  # one on the check-in, one on the problem
    for original, display, thumb, size in photos:
        for relative in (original, display, thumb):
            assert (photos_dir / str(relative)).is_file(), relative
        assert (photos_dir / str(original)).stat().st_size == size
    assert scalar(db, "SELECT COUNT(*) FROM photos WHERE item_id IS NOT NULL") == 1  # evidence
    assert scalar(db, "SELECT COUNT(*) FROM photos WHERE visit_id IS NOT NULL") == 1
    assert scalar(db, "SELECT COUNT(*) FROM photos WHERE progress_report_id IS NOT NULL") == 1


def test_demo_runs_offline_twice_in_the_same_folder(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    first = cli("demo", "--data", data, cwd=tmp_path, timeout=120)
    check_demo_run(first, data)
    # Something left from the last run is gone after the next: the folder is made afresh.
    (data / "leftover.txt").write_text("from the first run\n", encoding="utf-8")

    second = cli("demo", "--data", data, cwd=tmp_path, timeout=120)
    check_demo_run(second, data)
    assert not (data / "leftover.txt").exists()


def test_demo_refuses_a_folder_that_is_not_a_demo_folder(tmp_path: Path) -> None:
    data = tmp_path / "important"
    data.mkdir()
    (data / "minutes.txt").write_text("do not delete\n", encoding="utf-8")

    result = cli("demo", "--data", data, cwd=tmp_path, timeout=60)

    stderr = assert_clean_failure(result)
    assert "not a demo folder" in stderr
    assert str(data) in stderr
    assert sorted(p.name for p in data.iterdir()) == ["minutes.txt"]
    assert (data / "minutes.txt").read_text(encoding="utf-8") == "do not delete\n"


def test_demo_refuses_a_data_path_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep me\n", encoding="utf-8")

    result = cli("demo", "--data", target, cwd=tmp_path, timeout=60)

    stderr = assert_clean_failure(result)
    assert "notes.txt" in stderr
    assert target.read_text(encoding="utf-8") == "keep me\n"


def test_demo_data_path_under_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me\n", encoding="utf-8")

    result = cli("demo", "--data", tmp_path / "notes.txt" / "demo", cwd=tmp_path, timeout=60)

    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me\n"
    stderr = assert_clean_failure(result)
    assert "notes.txt" in stderr
