"""The house rules that keep the layers apart: doors -> core <- stores.

- The core (`bot/`, outside its entry points) imports no door (`handlers`, `telegram`, `localapi`)
  and no store (`storage`): it speaks through the ports in bot/ports.py and bot/query_ports.py.
- The stores (`storage/`) import the core's types and nothing of any door.
- The Telegram door (`handlers/`) and the web door (`web/`) import the core, never a store, and
  never each other.
- Only the entry points wire things together: the composition root (bot/bootstrap.py, and
  bot/app.py for the Telegram door) and the command line's modules.
"""

from __future__ import annotations

import ast
from collections.abc import Set
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The composition root and the command line: the only modules that may see every layer.
ENTRY_POINTS = frozenset(
    {
        "bot/__main__.py",
        "bot/app.py",
        "bot/bootstrap.py",
        "bot/demo.py",
        "bot/demo_script.py",
        "bot/demo_chat.py",
        "bot/demo_year.py",
        "bot/demo_deadlines.py",
        "bot/backup_cli.py",
        "bot/bulletin_cli.py",
        "bot/export_cli.py",
        "bot/posters_cli.py",
        "bot/evaluation_cli.py",
        "bot/tally_cli.py",
    }
)
DOORS = ("handlers", "telegram", "localapi", "web")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in packages)


def _modules(layer: str) -> list[tuple[str, set[str]]]:
    # Imports inside functions count too: ast.walk sees them all.
    return [
        (path.relative_to(ROOT).as_posix(), _imports(path))
        for path in sorted((ROOT / layer).rglob("*.py"))
    ]


def _offenders(
    layer: str, forbidden: tuple[str, ...], *, skip: Set[str] = frozenset()
) -> list[str]:
    return [
        f"{module} imports {name}"
        for module, names in _modules(layer)
        if module not in skip
        for name in sorted(names)
        if _within(name, forbidden)
    ]


def test_the_core_imports_no_door_and_no_store() -> None:
    assert _offenders("bot", (*DOORS, "storage"), skip=ENTRY_POINTS) == []


def test_the_core_does_not_lean_on_its_entry_points() -> None:
    entries = tuple(m.removesuffix(".py").replace("/", ".") for m in ENTRY_POINTS)
    assert _offenders("bot", entries, skip=ENTRY_POINTS) == []
    assert _offenders("storage", entries) == []
    assert _offenders("handlers", entries) == []
    assert _offenders("web", entries) == []


def test_stores_import_no_door() -> None:
    assert _offenders("storage", DOORS) == []


def test_the_telegram_door_imports_no_store() -> None:
    assert _offenders("handlers", ("storage", "web")) == []


def test_the_web_door_imports_no_store_and_no_other_door() -> None:
    assert _offenders("web", ("storage", "handlers", "telegram", "localapi")) == []


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [("bot", ("storage",)), ("handlers", ("storage",)), ("storage", ("handlers",))],
)
def test_the_rule_sees_a_breach(tmp_path: Path, layer: str, forbidden: tuple[str, ...]) -> None:
    # The checks above pass on an empty list; make sure they would see an import if one came.
    module = tmp_path / "m.py"
    module.write_text(f"def f() -> None:\n    from {forbidden[0]}.x import y\n", encoding="utf-8")
    assert any(_within(name, forbidden) for name in _imports(module))


def test_every_feature_has_the_one_shape_and_its_own_states() -> None:
    from bot.app import FEATURES

    seen: dict[str, object] = {}
    for feature in FEATURES:
        assert callable(feature.entry_points) and callable(feature.commands)
        for state in feature.states():
            # State names are stored with open conversations: "<flow>.<step>", never shared.
            flow, _, step = state.partition(".")
            assert flow and step, state
            assert state not in seen, (state, seen.get(state), feature)
            seen[state] = feature
    assert len(seen) == 62
