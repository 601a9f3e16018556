"""Settings: defaults, the example file, secrets from the environment, and clear errors."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from bot.config import (
    TOKEN_ENV,
    WEBHOOK_SECRET_ENV,
    ConfigError,
    Settings,
    load_settings,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"


@pytest.fixture(autouse=True)
def _no_secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    monkeypatch.delenv(WEBHOOK_SECRET_ENV, raising=False)


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- defaults -----------------------------------------------------------------------------------


def test_defaults() -> None:
    s = load_settings(None)
    assert s == Settings()
    assert s.telegram.mode == "polling"
    assert s.telegram.base_url == "https://api.telegram.org/bot"
    assert s.telegram.base_file_url == "https://api.telegram.org/file/bot"
    assert s.telegram.poll_timeout_seconds == 30
    assert s.telegram.webhook.port == 8443 and s.telegram.webhook.listen == "127.0.0.1"
    assert s.storage.data_dir == Path("data")
    assert s.storage.database_path == Path("data") / "deputy-bot.sqlite3"
    assert s.storage.photos_dir == Path("data") / "photos"
    assert s.campaign.code == "" and s.campaign.timezone == "Asia/Shanghai"
    assert str(s.zone) == "Asia/Shanghai"
    assert s.i18n.default_language == "zh"
    assert s.invitations.ttl_days == 7
    assert s.checkin.search_radius_m == 3000 and s.checkin.max_accuracy_m == 500
    assert s.reports.description_min_chars == 4 and s.reports.description_max_chars == 2000
    assert s.photos.max_file_mb == 20
    assert s.runtime.max_concurrent_updates == 256
    assert s.token() is None
    assert s.webhook_secret() is None


def test_an_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, ""))
    assert s.model_dump(exclude={"storage"}) == Settings().model_dump(exclude={"storage"})
    assert s.storage.data_dir == tmp_path / "data"


def test_settings_are_frozen() -> None:
    s = Settings()
    with pytest.raises(ValidationError):
        s.checkin.search_radius_m = 1


# --- the example file ---------------------------------------------------------------------------


def test_the_example_loads_and_equals_the_defaults() -> None:
    s = load_settings(EXAMPLE)
    assert s.model_dump(exclude={"storage": {"data_dir"}}) == Settings().model_dump(
        exclude={"storage": {"data_dir"}}
    )
    assert s.storage.data_dir == EXAMPLE.parent / "data"


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def test_every_key_the_example_sets_is_a_default() -> None:
    """The file says "every key is optional and shows its default": check key by key."""
    stated = _flatten(tomllib.loads(EXAMPLE.read_text(encoding="utf-8")))
    defaults = _flatten(Settings().model_dump(mode="json"))
    assert len(stated) > 30
    for key, value in stated.items():
        assert key in defaults, f"{key} is not a setting"
        assert defaults[key] == value, key


def test_the_example_mentions_every_setting() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    stated = _flatten(tomllib.loads(text))
    for key in _flatten(Settings().model_dump(mode="json")):
        name = key.rsplit(".", 1)[-1]
        # Secrets are shown commented out.
        assert key in stated or f"# {name} =" in text, key


# --- the token ----------------------------------------------------------------------------------


def test_token_from_the_file(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, '[telegram]\ntoken = " 123:file "\n'))
    assert s.token() == "123:file"
    assert "123:file" not in repr(s)  # a secret never shows in logs


def test_the_environment_overrides_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = load_settings(write(tmp_path, '[telegram]\ntoken = "123:file"\n'))
    monkeypatch.setenv(TOKEN_ENV, " 456:env\n")
    assert s.token() == "456:env"
    monkeypatch.setenv(TOKEN_ENV, "   ")  # blank counts as unset
    assert s.token() == "123:file"


def test_the_environment_overrides_token_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_file = write(tmp_path, "789:secretfile\n", "token")
    s = Settings.model_validate({"telegram": {"token_file": str(token_file)}})
    assert s.token() == "789:secretfile"
    monkeypatch.setenv(TOKEN_ENV, "456:env")
    assert s.token() == "456:env"


def test_token_file_wins_over_the_token_in_the_file(tmp_path: Path) -> None:
    token_file = write(tmp_path, "789:secretfile", "token")
    s = load_settings(
        write(tmp_path, f'[telegram]\ntoken = "123:file"\ntoken_file = "{token_file}"\n')
    )
    assert s.token() == "789:secretfile"


def test_an_unreadable_token_file_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-token"
    s = load_settings(write(tmp_path, f'[telegram]\ntoken_file = "{missing}"\n'))
    with pytest.raises(ConfigError, match=r"telegram\.token_file"):
        s.token()
    directory = Settings(telegram={"token_file": tmp_path})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"cannot read telegram\.token_file"):
        directory.token()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_a_token_file_without_permission_is_a_config_error(tmp_path: Path) -> None:
    token_file = write(tmp_path, "789:x", "token")
    token_file.chmod(0)
    s = Settings.model_validate({"telegram": {"token_file": str(token_file)}})
    with pytest.raises(ConfigError, match=r"telegram\.token_file"):
        s.token()


def test_webhook_secret_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = load_settings(write(tmp_path, '[telegram.webhook]\nsecret_token = "from-file"\n'))
    assert s.webhook_secret() == "from-file"
    monkeypatch.setenv(WEBHOOK_SECRET_ENV, "from-env")
    assert s.webhook_secret() == "from-env"


def test_settings_built_in_code() -> None:
    s = Settings(telegram={"token": SecretStr("1:abc")})  # type: ignore[arg-type]
    assert s.token() == "1:abc"


# --- errors -------------------------------------------------------------------------------------


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, "[telegram\nmode = polling\n")
    with pytest.raises(ConfigError, match="invalid TOML") as info:
        load_settings(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[telegram]\nmode = "pull"\n', "telegram.mode"),
        ("[telegram]\npoll_timeout_seconds = 51\n", "telegram.poll_timeout_seconds"),
        ("[telegram.webhook]\nport = 0\n", "telegram.webhook.port"),
        ("[storage]\nbusy_timeout_ms = -1\n", "storage.busy_timeout_ms"),
        ('[i18n]\ndefault_language = "fr"\n', "i18n.default_language"),
        ("[invitations]\nttl_days = 0\n", "invitations.ttl_days"),
        ("[checkin]\nmax_sites_listed = 21\n", "checkin.max_sites_listed"),
        ("[checkin]\nsearch_radius_m = -5\n", "checkin.search_radius_m"),
        ("[reports]\ndescription_max_chars = 4096\n", "reports.description_max_chars"),
        ("[photos]\nmax_file_mb = 50\n", "photos.max_file_mb"),
        ('[runtime]\nmax_concurrent_updates = "many"\n', "runtime.max_concurrent_updates"),
        ("[runtime]\nmax_concurrent_updates = 0\n", "runtime.max_concurrent_updates"),
        ('checkin = "yes"\n', "checkin"),
    ],
)
def test_invalid_values_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert f"  {key}:" in message
    assert str(path) in message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[telegram]\ntokn = 'x'\n", "telegram.tokn"),
        ("[checkin]\nradius = 100\n", "checkin.radius"),
        ("[telegram.webhook]\nsecret = 'x'\n", "telegram.webhook.secret"),
        ("[nonsense]\na = 1\n", "nonsense"),
        ("debug = true\n", "debug"),
    ],
)
def test_unknown_keys_are_rejected(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text))
    assert f"  {key}:" in str(info.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = '[checkin]\nmax_sites_listed = 0\n[i18n]\ndefault_language = "fr"\n'
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text))
    assert "checkin.max_sites_listed" in str(info.value)
    assert "i18n.default_language" in str(info.value)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Asia/Beijing", "", "../etc/passwd"])
def test_a_bad_timezone_is_rejected(tmp_path: Path, zone: str) -> None:
    with pytest.raises(ConfigError, match=r"campaign\.timezone") as info:
        load_settings(write(tmp_path, f'[campaign]\ntimezone = "{zone}"\n'))
    assert "time zone" in str(info.value) or "timezone" in str(info.value)


def test_another_timezone_is_accepted(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, '[campaign]\ntimezone = "Asia/Urumqi"\n'))
    assert str(s.zone) == "Asia/Urumqi"


# --- paths --------------------------------------------------------------------------------------


def test_a_relative_data_dir_is_relative_to_the_config_file(tmp_path: Path) -> None:
    folder = tmp_path / "etc" / "deputy-bot"
    folder.mkdir(parents=True)
    s = load_settings(write(folder, '[storage]\ndata_dir = "var/data"\n'))
    assert s.storage.data_dir == folder / "var" / "data"
    assert s.storage.database_path == folder / "var" / "data" / "deputy-bot.sqlite3"
    assert s.storage.photos_dir == folder / "var" / "data" / "photos"


def test_an_absolute_data_dir_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    s = load_settings(write(tmp_path, f'[storage]\ndata_dir = "{target}"\n'))
    assert s.storage.data_dir == target


def test_the_default_data_dir_is_next_to_the_config_file(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, "[campaign]\ncode = 'hangzhou-2020'\n"))
    assert s.storage.data_dir == tmp_path / "data"
    assert s.campaign.code == "hangzhou-2020"


def test_a_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes("\ufeff[campaign]\ncode = 'x-2025'\n".encode())
    assert load_settings(path).campaign.code == "x-2025"
