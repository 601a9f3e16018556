"""Running `python -m bot ...` as the operator does, in a separate process, and reading its
database as a separate client: what tests/test_cli.py, tests/test_cli_import.py and
tests/test_cli_demo.py share. Other programs a test runs go through run_program too."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

DB_NAME = "deputy-bot.sqlite3"
SECRET_ENV = ("DEPUTY_BOT_TOKEN", "DEPUTY_BOT_WEBHOOK_SECRET")
CLI_TIMEOUT = 30.0
# What a fresh token printed by `invite` looks like (secrets.token_urlsafe(32)).
TOKEN_RE = r"[A-Za-z0-9_-]{43}"
# Who most invitations here are for: 王芳, a deputy of 第一监督小组.
WANG_FANG = ("--role", "deputy", "--name", "王芳", "--group", "G01")


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
    return await run_program(sys.executable, "-m", "bot", *args, cwd=cwd, env=env, seconds=seconds)


async def run_program(
    *args: str | Path,
    cwd: Path,
    env: dict[str, str] | None = None,
    seconds: float = CLI_TIMEOUT,
) -> Finished:
    """Any program, run to its end within `seconds`; its output read as UTF-8. Tests run other
    programs through this, never subprocess.run with a timeout, which fails under faketime (see
    cli)."""
    proc = await asyncio.create_subprocess_exec(
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
