"""The wheel `pip install .` builds holds the whole program: every module and every data file.

An editable install (scripts/setup) reads the source tree and hides a package the build leaves
out; a server installed from a wheel would fail at its first import. The packages were once
listed by hand, and bot/usecases was missing from the wheel.
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

from tests.cli_helpers import run_program

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage", "localapi", "web")
# What the build reads besides the packages (pyproject's readme).
BUILD_FILES = ("pyproject.toml", "README.md")
# Left behind by running the code, not part of it.
JUNK = shutil.ignore_patterns("__pycache__", "*.pyc")


def _program_files(root: Path) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for package in PACKAGES
        for path in (root / package).rglob("*")
        if path.is_file()
    }


async def test_the_wheel_holds_every_module_and_data_file(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in BUILD_FILES:
        shutil.copy2(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=JUNK)
    # No build isolation: the development install carries the setuptools pyproject asks for,
    # so the build needs no network.
    built = await run_program(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--disable-pip-version-check",
        "--no-cache-dir",
        "--wheel-dir",
        tmp_path / "dist",
        source,
        cwd=tmp_path,
        seconds=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp_path / "dist").glob("deputy_bot-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name for name in archive.namelist() if ".dist-info/" not in name}
    expected = _program_files(source)
    assert {
        "bot/usecases/__init__.py",
        "bot/locales/zh/review.toml",
        "storage/migrations/0001_initial.sql",
        "bot/examples/hangzhou.toml",
    } <= expected
    assert sorted(expected - shipped) == []
    assert sorted(shipped - expected) == []
