"""The house rules that keep the layers apart: the domain and storage never see Telegram."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Where python-telegram-bot may appear outside handlers/: the composition root and the CLI that
# starts it (which asks the Bot API for the bot's name), and PTB's persistence class, which stores
# conversation state in our database.
ALLOWED = {"bot/app.py", "bot/__main__.py", "storage/persistence.py"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", ["bot", "storage"])
def test_the_domain_and_storage_do_not_import_telegram(layer: str) -> None:
    offenders = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in ALLOWED:
            continue
        # Imports inside functions count too: ast.walk sees them all.
        if any(name == "telegram" or name.startswith("telegram.") for name in _imports(path)):
            offenders.append(relative)
    assert offenders == []


def test_storage_does_not_import_handlers() -> None:
    offenders = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "storage").rglob("*.py"))
        if any(name.startswith("handlers") for name in _imports(path))
    ]
    assert offenders == []
