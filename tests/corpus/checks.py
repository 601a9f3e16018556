"""The database and the photo files before and after a corpus case, and the extra checks cases name."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.bootstrap import database_of
from bot.items import clean_description
from tests.conftest import Harness
from tests.corpus.model import Case
from tests.corpus.observing import Observed
from tests.corpus.perform import _input
from tests.corpus.stages import Place, World

# The inbound journal records every update, bad or not, and the conversation is saved with each
# step (its scratch data carries draft ids and album acknowledgements): neither is domain data.
VOLATILE_TABLES = {"inbound", "conversations"}
# The console's full-text index (migration 0008) and its shadow tables are kept by triggers from
# items.description: they change exactly when items does, which the snapshot already compares.
DERIVED_TABLES = "items_text"
# What a notice says and to whom is the input's doing; its delivery is the sender's, and may go
# on while a case runs (replies go first).
COMPARED_COLUMNS = {"outbox": "id, dedup_key, person_id, payload"}


# --- the database, before and after -------------------------------------------------------------


async def snapshot(bot: Harness) -> dict[str, str]:
    """Every table's row count and a digest of its rows; the photo files' names."""
    db = database_of(bot.services)
    tables = [
        str(r[0])
        for r in await db.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    shot: dict[str, str] = {}
    for table in tables:
        if table in VOLATILE_TABLES or table.startswith(DERIVED_TABLES):
            continue
        columns = COMPARED_COLUMNS.get(table, "*")
        rows = sorted(
            repr(tuple(r)) for r in await db.fetch_all(f'SELECT {columns} FROM "{table}"')
        )
        digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]
        shot[table] = f"{len(rows)} rows {digest}"
    root = bot.settings.storage.photos_dir
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    shot["photo files"] = (
        f"{len(files)} files " + hashlib.sha256("\n".join(files).encode()).hexdigest()[:16]
    )
    return shot


async def _draft(bot: Harness, place: Place) -> Any:
    return await database_of(bot.services).fetch_one(
        "SELECT * FROM items WHERE author_id = ? AND status = 'draft' ORDER BY id DESC LIMIT 1",
        (place.person_id,),
    )


# --- extra checks named by cases ----------------------------------------------------------------


@dataclass
class Run:
    world: World
    place: Place
    case: Case
    downloads_before: int
    photos_before: int
    seen: Observed | None = None


def _case_text(run: Run) -> str:
    return str(_input(run.case.acts[0]))


async def _description_is_input(run: Run) -> None:
    draft = await _draft(run.world.bot, run.place)
    assert draft["description"] == _case_text(run).strip()


async def _description_is_cleaned(run: Run) -> None:
    draft = await _draft(run.world.bot, run.place)
    stored = draft["description"]
    assert stored == clean_description(_case_text(run))
    assert not any(ch in stored for ch in "\u200b\u202e\u2066\x00\x07\x1b\x7f"), repr(stored)


async def _nothing_downloaded(run: Run) -> None:
    assert run.world.bot.api.downloads[run.downloads_before :] == []


async def _photo_count(run: Run) -> int:
    draft = await _draft(run.world.bot, run.place)
    return int(
        await run.world.bot.value("SELECT COUNT(*) FROM photos WHERE item_id = ?", draft["id"])
    )


async def _photo_stored(run: Run) -> None:
    bot = run.world.bot
    assert await _photo_count(run) == run.photos_before + 1
    row = await database_of(bot.services).fetch_one("SELECT * FROM photos ORDER BY id DESC LIMIT 1")
    assert row is not None
    root = bot.settings.storage.photos_dir
    for column in ("original_path", "display_path", "thumb_path"):
        assert (root / row[column]).is_file(), row[column]


async def _one_photo_added(run: Run) -> None:
    assert await _photo_count(run) == run.photos_before + 1


async def _visit_low_accuracy(run: Run) -> None:
    row = await database_of(run.world.bot.services).fetch_one(
        "SELECT on_site, reason, accuracy_m FROM visits WHERE person_id = ? ORDER BY id DESC",
        (run.place.person_id,),
    )
    assert row is not None and tuple(row) == (0, "low_accuracy", 1500.0), tuple(row or ())


async def _summary_shows_text_escaped(run: Run) -> None:
    assert run.seen is not None
    summary = next(t for t in run.seen.texts() if "请核对" in t)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary, summary
    assert "&amp;amp;" in summary, summary  # the deputy's "&amp;", shown as typed


CHECKS: dict[str, Callable[[Run], Awaitable[None]]] = {
    "summary_shows_text_escaped": _summary_shows_text_escaped,
    "description_is_input": _description_is_input,
    "description_is_cleaned": _description_is_cleaned,
    "nothing_downloaded": _nothing_downloaded,
    "photo_stored": _photo_stored,
    "one_photo_added": _one_photo_added,
    "visit_low_accuracy": _visit_low_accuracy,
}
