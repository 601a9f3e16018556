"""Every key the code uses exists in the message catalogs, with the placeholders it is given.

Found by reading the source of bot/ and handlers/: texts(...) calls (literal and computed keys),
the tables of enum values, the menu commands and every Refused(...) and require(...).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pytest

from bot.answer_terms import REASONS
from bot.geo import PresenceReason
from bot.items import Kind, Severity, Status
from bot.people import COMMON_COMMANDS, ROLE_COMMANDS, Role
from bot.photos import PhotoFlag, RejectReason
from bot.progress import Light as ProgressLight
from bot.progress import Status as ProgressStatus
from bot.texts import LANGUAGES, catalog, placeholders

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("bot", "handlers")

# Tables looked up with a computed suffix, e.g. texts(f"status.{item.status}").
PREFIX_TABLES = (
    "status.",
    "role.",
    "photo.",
    "photo_flag.",
    "presence.",
    "help.",
    "severity.",
    "kind.",
    "command.",
    "report_start.",
    "report_ask_description.",
    "report_field.",
    "summary.",
    "notice.",
    "response_class.",
    "rating.",
    "light.",
    "event.",
    "progress.status.",
    "plan.kind.",
    "plan.state.",
    "bulletin.col.",
    "bulletin.light.",
    "groupreport.col.",
    "unitfig.col.",
    "answer_reason.",
)


def _sources() -> list[Path]:
    files = [p for d in SOURCE_DIRS for p in sorted((ROOT / d).rglob("*.py"))]
    assert len(files) > 10, "the source tree was not found"
    return files


# --- every key the code uses exists -------------------------------------------------------------

_CALL_RE = re.compile(r"""\btexts\(\s*(f?)(["'])(.*?)\2""", re.DOTALL)


@dataclass(frozen=True)
class Use:
    where: str
    key: str  # the literal key, or the prefix before the first {field} of an f-string
    computed: bool


def _regex_uses() -> set[Use]:
    uses: set[Use] = set()
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        for match in _CALL_RE.finditer(text):
            is_f, body = match.group(1) == "f", match.group(3)
            line = text.count("\n", 0, match.start()) + 1
            where = f"{path.relative_to(ROOT)}:{line}"
            if is_f and "{" in body:
                uses.add(Use(where, body.split("{", 1)[0], True))
            else:
                uses.add(Use(where, body, False))
    return uses


def _ast_calls(names: set[str]) -> Iterator[tuple[Path, ast.Call]]:
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name in names:
                    yield path, node


def _key_of(arg: ast.expr) -> tuple[str, bool] | None:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value, False
    if isinstance(arg, ast.JoinedStr) and arg.values:
        head = arg.values[0]
        prefix = head.value if isinstance(head, ast.Constant) else ""
        return str(prefix), len(arg.values) > 1 or not isinstance(head, ast.Constant)
    return None


def _ast_uses() -> set[Use]:
    uses: set[Use] = set()
    for path, call in _ast_calls({"texts"}):
        if call.args and (found := _key_of(call.args[0])) is not None:
            where = f"{path.relative_to(ROOT)}:{call.args[0].lineno}"
            uses.add(Use(where, *found))
    return uses


def test_regex_scan_finds_every_texts_call() -> None:
    """The grep below misses nothing the parser sees (and the other way round)."""
    by_regex = {
        (u.key, u.computed) for u in _regex_uses() if not u.where.startswith("bot/texts.py")
    }
    by_ast = {(u.key, u.computed) for u in _ast_uses()}
    assert by_regex == by_ast
    assert len(by_ast) > 60


def test_every_literal_key_used_in_code_exists() -> None:
    known = catalog("zh").keys() & catalog("en").keys()
    missing = sorted(
        f"{u.where}: {u.key}"
        for u in _regex_uses()
        if not u.computed and u.key not in known and not u.where.startswith("bot/texts.py")
    )
    assert missing == []


def test_every_computed_key_prefix_is_a_table() -> None:
    known = catalog("zh").keys() & catalog("en").keys()
    prefixes = {u.key for u in _regex_uses() if u.computed}
    assert prefixes, "no computed keys found"
    unknown = sorted(p for p in prefixes if not p.endswith(".") or p not in PREFIX_TABLES)
    assert unknown == [], "a computed key with a prefix this test does not know"
    empty = sorted(p for p in PREFIX_TABLES if not any(k.startswith(p) for k in known))
    assert empty == []


ENUM_TABLES: list[tuple[type[StrEnum], str]] = [
    (Status, "status."),
    (Role, "role."),
    (Role, "help."),
    (Severity, "severity."),
    (Kind, "kind."),
    (Kind, "report_start."),
    (Kind, "report_ask_description."),
    (PhotoFlag, "photo_flag."),
    (RejectReason, "photo."),
    (PresenceReason, "presence."),
    (ProgressStatus, "progress.status."),
    (ProgressLight, "bulletin.light."),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("enum", "prefix"), ENUM_TABLES, ids=[f"{e.__name__}-{p}" for e, p in ENUM_TABLES]
)
def test_every_enum_value_has_its_text(language: str, enum: type[StrEnum], prefix: str) -> None:
    messages = catalog(language)
    wanted = [f"{prefix}{member.value}" for member in enum]
    missing = [key for key in wanted if key not in messages]
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_answer_reason_has_its_text(language: str) -> None:
    messages = catalog(language)
    assert [code for code in REASONS if f"answer_reason.{code}" not in messages] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_menu_command_has_a_description(language: str) -> None:
    messages = catalog(language)
    names = {"start", *COMMON_COMMANDS}
    for commands in ROLE_COMMANDS.values():
        names.update(commands)
    assert set(ROLE_COMMANDS) == set(Role)
    missing = sorted(n for n in names if f"command.{n}" not in messages)
    assert missing == []
    # Bot API: a command description has 1-256 characters.
    for name in names:
        assert 1 <= len(messages[f"command.{name}"]) <= 256


def test_every_summary_field_exists() -> None:
    for language in LANGUAGES:
        messages = catalog(language)
        for field in ("place", "category", "severity", "description", "photos"):
            assert f"report_field.{field}" in messages
            assert f"summary.{field}" in messages


def _refusal_keys() -> list[tuple[str, str, set[str] | None]]:
    """(where, key, keyword params or None if **params) of every Refused(...) and require(...)."""
    found: list[tuple[str, str, set[str] | None]] = []
    for path, call in _ast_calls({"Refused", "require"}):
        func = call.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        index = 0 if name == "Refused" else 1
        if len(call.args) <= index:
            continue
        arg = call.args[index]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            kws = {k.arg for k in call.keywords}
            params = None if None in kws else {k for k in kws if k is not None}
            found.append((f"{path.relative_to(ROOT)}:{call.lineno}", arg.value, params))
    return found


def test_every_refusal_has_its_text_with_its_parameters() -> None:
    """A Refused key is rendered with its params by the handlers: both must fit the template."""
    refusals = [r for r in _refusal_keys() if not r[0].startswith("bot/errors.py")]
    assert len(refusals) > 10
    for language in LANGUAGES:
        messages = catalog(language)
        for where, key, params in refusals:
            assert key in messages, f"{where}: {key} missing in {language}"
            if params is not None:
                assert placeholders(messages[key]) <= params, f"{where}: {key}"


def test_literal_calls_pass_every_placeholder() -> None:
    """texts(key) without params returns the raw template, so a forgotten param shows "{name}"."""
    zh = catalog("zh")
    problems: list[str] = []
    for path, call in _ast_calls({"texts"}):
        if not call.args or (found := _key_of(call.args[0])) is None:
            continue
        key, computed = found
        kws = {k.arg for k in call.keywords}
        if None in kws:
            continue  # **params: checked through the refusals above
        keys = [k for k in zh if k.startswith(key)] if computed else [key]
        for k in keys:
            if k in zh and not placeholders(zh[k]) <= kws:
                lacking = sorted(placeholders(zh[k]) - kws)
                problems.append(f"{path.relative_to(ROOT)}:{call.lineno}: {k} lacks {lacking}")
    assert problems == []
