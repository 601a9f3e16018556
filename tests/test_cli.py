"""The command line, run as the operator runs it: configuration and start-up errors, and `run`
for real against a local Bot API server. `import` and `invite` are in tests/test_cli_import.py,
`demo` in tests/test_cli_demo.py, the helpers in tests/cli_helpers.py."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.catalog_file import EXAMPLE_CATALOG
from localapi import LocalBotApi
from tests.cli_helpers import (
    DB_NAME,
    TOKEN_RE,
    WANG_FANG,
    acli,
    assert_clean_failure,
    cli,
    cli_env,
    scalar,
    write_config,
)
from tests.serving import free_port
from tests.steps import help_text, open_invitation

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
    port = free_port()
    config = write_config(
        tmp_path,
        f'[telegram]\nbase_url = "{api.base_url}"\nbase_file_url = "{api.base_file_url}"\n'
        "\n[runtime]\npersistence_interval_seconds = 0.2\n"
        # The console runs as in production, on a port of its own (8080 may be taken).
        f'\n[web]\nport = {port}\npublic_url = "http://127.0.0.1:{port}"\n',
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
