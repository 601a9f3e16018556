"""The command line's `import` and `invite`, run as the operator runs them: a catalog imported
twice, a broken catalog refused whole, invitations printed and refused."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from bot.catalog_file import EXAMPLE_CATALOG
from tests.cli_helpers import (
    DB_NAME,
    TOKEN_RE,
    WANG_FANG,
    assert_clean_failure,
    cli,
    dump,
    query,
    row_counts,
    scalar,
    write_config,
)
from tests.storage_helpers import CATALOG_TABLES, LINK_TABLES

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


# The tables `import` reports a line for, counted in rows (a group's links are counted by group).
ROW_TABLES = [t for t in CATALOG_TABLES if t not in LINK_TABLES]


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
    for table in ROW_TABLES:
        assert created[table] == counts[table] > 0, (table, first.stdout)
    assert created["campaigns"] == 1
    assert "Nothing changed" not in first.stdout
    assert "Traceback" not in first.stderr
    before = dump(db)

    second = cli("import", "--config", config, EXAMPLE_CATALOG, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "Nothing changed" in second.stdout
    for table in ROW_TABLES:
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
