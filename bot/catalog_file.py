"""Reading a catalog file: its bytes and TOML decoded, every entry validated, every problem at once.

Validation is strict and complete: `parse_catalog` reports every problem it finds at once, each as
"path: message" with list indices as [n], e.g. "sites[12].lat: must be between -90 and 90".
Unknown keys are errors, so a misspelt key never silently falls back to a default.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.catalog import (
    SECTION_ORDER,
    SECTIONS,
    Campaign,
    Catalog,
    CatalogError,
    Found,
    reference_errors,
)

# The Hangzhou example campaign, built from the seed documents: the demo's and the tests' data. It
# sits in the package so that an installed bot carries it.
EXAMPLE_CATALOG = Path(__file__).resolve().parent / "examples" / "hangzhou.toml"

_TYPE_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "unknown key",
    "string_type": "must be a string (in quotes)",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "model_type": "must be a table",
    "dict_type": "must be a table",
    "date_type": "must be a date like 2020-12-31 (without quotes)",
    "too_long": "has too many entries",
}


def _path(prefix: str, loc: Iterable[int | str]) -> str:
    out = prefix
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _pydantic_messages(prefix: str, exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors(include_url=False):
        if err["type"] == "catalog":  # bot/catalog_fields.py's checks: already our words
            message = str(err.get("ctx", {}).get("reason", err["msg"]))
        else:
            message = _TYPE_MESSAGES.get(err["type"]) or err["msg"][:1].lower() + err["msg"][1:]
        out.append(f"{_path(prefix, err['loc'])}: {message}")
    return out


_TOML_POS = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")


def _toml_error(text: str, exc: tomllib.TOMLDecodeError) -> str:
    message = str(exc)
    m = _TOML_POS.search(message)
    if m is None:
        return f"file: invalid TOML: {message}"
    detail = message[: m.start()]
    if m.group(1) is None:
        return f"file: line {text.count(chr(10)) + 1}: invalid TOML: {detail} (at end of file)"
    return f"file: line {m.group(1)}: invalid TOML: {detail} (column {m.group(2)})"


def parse_catalog(text: str, *, source: str = "catalog") -> Catalog:
    """Parse and validate catalog TOML text; raise CatalogError listing every problem found."""
    text = text.removeprefix("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError([_toml_error(text, exc)], source) from None
    if not data:
        raise CatalogError(
            ["file: is empty (a catalog needs at least a [campaign] section)"], source
        )

    found: list[Found] = []
    for key in data:
        if key != "campaign" and key not in SECTIONS:
            found.append(((SECTION_ORDER["file"], 0), f"{key}: unknown key"))

    campaign: Campaign | None = None
    raw_campaign = data.get("campaign")
    campaign_key = (SECTION_ORDER["campaign"], 0)
    if raw_campaign is None:
        found.append((campaign_key, "campaign: is required (add a [campaign] section)"))
    elif not isinstance(raw_campaign, dict):
        found.append((campaign_key, "campaign: must be a table ([campaign])"))
    else:
        try:
            campaign = Campaign.model_validate(raw_campaign)
        except ValidationError as exc:
            found.extend((campaign_key, m) for m in _pydantic_messages("campaign", exc))

    raw_sections: dict[str, list[Any]] = {}
    models: dict[str, list[Any]] = {}
    for section, model in SECTIONS.items():
        if section not in data:
            continue
        raw = data[section]
        if not isinstance(raw, list):
            found.append(
                (
                    (SECTION_ORDER[section], -1),
                    f"{section}: must be an array of tables ([[{section}]])",
                )
            )
            continue
        raw_sections[section] = raw
        models[section] = []
        for i, entry in enumerate(raw):
            where = (SECTION_ORDER[section], i)
            if not isinstance(entry, dict):
                found.append((where, f"{section}[{i}]: must be a table ([[{section}]])"))
                continue
            try:
                models[section].append(model.model_validate(entry))
            except ValidationError as exc:
                found.extend((where, m) for m in _pydantic_messages(f"{section}[{i}]", exc))

    found.extend(reference_errors(raw_sections))
    if found or campaign is None:
        found.sort(key=lambda f: f[0])  # stable: within one entry, the order checks ran in
        raise CatalogError([message for _, message in found], source)
    return Catalog(campaign=campaign, **models)


def load_catalog(path: Path) -> Catalog:
    """Read a catalog file (UTF-8, with or without BOM) and parse it; raise CatalogError."""
    source = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CatalogError([f"file: not found: {path}"], source) from None
    except OSError as exc:
        raise CatalogError([f"file: cannot read {path}: {exc.strerror or exc}"], source) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CatalogError(
            [
                f"file: line {line}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
                "save the file as UTF-8 (it may have been saved as GBK/ANSI)"
            ],
            source,
        ) from None
    return parse_catalog(text, source=source)
