"""`deputy-bot export`: the file written and described, and bad arguments refused clearly."""

from __future__ import annotations

import argparse
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from bot import export_cli
from bot.errors import CliError
from bot.services import Services
from tests.export_helpers import sample

# --- the command line -----------------------------------------------------------------------------


def cli_args(*argv: str) -> argparse.Namespace:
    def with_config(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", type=Path)

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    export_cli.export_command.add_to(sub, with_config)
    return parser.parse_args(["export", *argv])


async def test_cli_writes_the_file_and_says_what_is_in_it(
    services: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await sample(services)
    out = tmp_path / "清单.xlsx"
    code = await export_cli.run(
        services.settings, cli_args("--format", "xlsx", "--out", str(out), "--group", "G01")
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert str(out) in printed and "5 items: 3 problems, 2 suggestions" in printed
    assert openpyxl.load_workbook(out).sheetnames == ["问题", "意见建议", "各单位办理情况"]
    letter = tmp_path / "函.docx"
    await export_cli.run(
        services.settings,
        cli_args(
            "--format",
            "docx",
            "--out",
            str(letter),
            "--letter-number",
            "12",
            "--status",
            "submitted",
        ),
    )
    assert any("〔" in p.text and "12号" in p.text for p in Document(str(letter)).paragraphs)
    archive = tmp_path / "照片.zip"
    await export_cli.run(services.settings, cli_args("--format", "zip", "--out", str(archive)))
    printed = capsys.readouterr().out
    assert "2 photos of 1 items (1 problems, 0 suggestions); 5 items listed" in printed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--from", "2020-07-01", "--to", "2020-06-01"), "is after --to"),
        (("--from", "2020-13-01"), "expected a date like 2020-06-30"),
        (("--project", "NOPE"), "no such project"),
        (("--group", "G99"), "no such group"),
        (("--unit", "nobody"), "no such unit"),
        (("--status", "lost"), "expected one of"),
        (("--status", "draft"), "expected one of"),
        (("--letter-number", "0"), "--letter-number"),
    ],
)
async def test_cli_refuses_bad_arguments_clearly(
    services: Services, tmp_path: Path, argv: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "list.xlsx"
    with pytest.raises(CliError, match=message):
        await export_cli.run(
            services.settings, cli_args("--format", "xlsx", "--out", str(out), *argv)
        )
    assert not out.exists()


async def test_cli_refuses_a_missing_folder_or_a_folder_as_the_file(
    services: Services, tmp_path: Path
) -> None:
    with pytest.raises(CliError, match="does not exist"):
        await export_cli.run(
            services.settings, cli_args("--format", "csv", "--out", str(tmp_path / "no" / "x.csv"))
        )
    with pytest.raises(CliError, match="is a folder"):
        await export_cli.run(services.settings, cli_args("--format", "csv", "--out", str(tmp_path)))
