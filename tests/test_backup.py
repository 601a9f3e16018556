"""`deputy-bot backup`: a copy made while the bot runs is one consistent moment and restores.

The bot keeps serving a deputy in the middle of a report while items are written next to it; the
copy is checked the way an operator restoring it would: integrity, every item whole, the same
items through the repository when the bot is started on the copy.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.bootstrap import database_of, open_services
from bot.items import ItemFilter, Status
from bot.people import Person
from storage.backup import BackupError, backup_database, photo_files
from tests.cli_helpers import acli, cli_env
from tests.conftest import Harness
from tests.images import make_jpeg
from tests.rating_steps import raise_item
from tests.steps import (
    DESCRIPTION,
    check_in,
    checked_in,
    confirm,
    describe_problem,
    problem_up_to_description,
    skip_photos,
)

DB_NAME = "deputy-bot.sqlite3"


def _scalar(conn: sqlite3.Connection, sql: str) -> int:
    return int(conn.execute(sql).fetchone()[0])


def _figures(db: Path) -> dict[str, int]:
    """Submitted (numbered) items, their events and raisers: what must never go backwards."""
    with closing(sqlite3.connect(db)) as conn:
        return {
            "items": _scalar(conn, "SELECT COUNT(*) FROM items WHERE number IS NOT NULL"),
            "events": _scalar(conn, "SELECT COUNT(*) FROM item_events"),
            "raisers": _scalar(conn, "SELECT COUNT(*) FROM item_raisers"),
        }


def assert_sound_copy(copy: Path) -> dict[str, int]:
    """Integrity, foreign keys, and no numbered item without its events or raisers."""
    with closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        orphans = conn.execute(
            "SELECT i.id FROM items i WHERE i.number IS NOT NULL AND ("
            " NOT EXISTS (SELECT 1 FROM item_events e WHERE e.item_id = i.id)"
            " OR NOT EXISTS (SELECT 1 FROM item_raisers r WHERE r.item_id = i.id))"
        ).fetchall()
        assert orphans == [], orphans
    return _figures(copy)


@dataclass
class Writer:
    """Items raised through the repository, by the bot's own write path, when the test asks.

    Writes happen on request, not on a timer: the test decides at which point of the backup they
    land, so how many land during it does not depend on how fast the machine is.
    """

    bot: Harness
    author: Person
    raised: list[int] = field(default_factory=list)

    async def write(self, count: int = 1) -> list[int]:
        ids: list[int] = []
        for _ in range(count):
            n = len(self.raised) + 1
            ids.append((await raise_item(self.bot, self.author, f"并发写入的第 {n} 个问题")).id)
            self.raised.append(ids[-1])
        return ids


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_backup_while_the_bot_writes_is_one_moment_and_restores(
    bot: Harness, tmp_path: Path
) -> None:
    deputy = await bot.join("王芳")
    writer = await bot.person(await bot.join("李建国"))
    await check_in(bot, deputy)
    await problem_up_to_description(deputy)
    live = bot.settings.storage.database_path
    before = _figures(live)
    out = tmp_path / "backups" / "copy.sqlite3"
    out.parent.mkdir()
    loop = asyncio.get_running_loop()
    writes = Writer(bot, writer)
    await writes.write(2)  # a few items in before the backup starts
    during: list[int] = []

    def on_step(done: int, total: int) -> None:
        # While pages are still to copy, the backup waits for an item committed by the bot's own
        # write path, three times: each makes SQLite start over, and the copy must then hold
        # those items whole. After the last page a write could no longer be in the copy.
        if done < total and len(during) < 3:
            during.extend(asyncio.run_coroutine_threadsafe(writes.write(), loop).result())

    # The deputy goes on with the report while the copy is made.
    sent = asyncio.create_task(deputy.send_text(DESCRIPTION))
    report = await asyncio.to_thread(backup_database, live, out, pages_per_step=1, progress=on_step)
    await sent
    assert "可以发送照片" in ((await deputy.next_message()).text or "")

    assert report.integrity == "ok" and report.restarts >= 1, report
    assert report.page_count > 1 and report.size_bytes == out.stat().st_size
    copied = assert_sound_copy(out)
    assert all(copied[k] >= before[k] for k in before), (copied, before)
    with closing(sqlite3.connect(out)) as conn:
        ids = {r[0] for r in conn.execute("SELECT id FROM items WHERE number IS NOT NULL")}
        assert report.counts["items"] == _scalar(conn, "SELECT COUNT(*) FROM items")
    assert len(during) == 3 and set(during) <= ids
    assert ids == set(writes.raised)  # only the writer numbered items so far

    # The report goes on after the copy; the copy is untouched by it.
    await deputy.send_photo(make_jpeg(640, 480, pattern_seed=5))
    await deputy.next_message()
    await skip_photos(deputy)
    await confirm(deputy)
    author = await bot.person(deputy)
    assert (
        await bot.value("SELECT COUNT(*) FROM items WHERE author_id = ? AND number > 0", author.id)
        == 1
    )
    assert assert_sound_copy(out) == copied

    # Restore: the bot's services opened on the copy see the same items as the live bot.
    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    shutil.copy(out, restored_dir / DB_NAME)
    settings = bot.settings.model_copy(
        update={"storage": bot.settings.storage.model_copy(update={"data_dir": restored_dir})}
    )
    restored = await open_services(settings)
    try:
        campaign_id = restored.campaign.id
        assert campaign_id == bot.services.campaign.id
        found = await restored.items.find(
            campaign_id, ItemFilter(statuses=(Status.SUBMITTED,), limit=1000)
        )
        assert {i.id for i in found} == ids
        for item in found:
            assert item == await bot.services.items.get(item.id)
            assert await restored.items.raiser_names(item.id) == ["李建国"]
            assert len(await restored.items.timeline(item.id)) == len(
                await bot.services.items.timeline(item.id)
            )
        assert await database_of(restored).integrity_check() == "ok"
    finally:
        await restored.close()


async def test_backup_command_while_the_bot_runs(bot: Harness, tmp_path: Path) -> None:
    writer = await bot.person(await bot.join("李建国"))
    folder = tmp_path / "ops"
    folder.mkdir()
    config = folder / "config.toml"
    data_dir = bot.settings.storage.data_dir.resolve()
    config.write_text(f"[storage]\ndata_dir = '{data_dir}'\n", encoding="utf-8")
    out = folder / "deputy-bot-backup.sqlite3"
    env = cli_env()
    before = _figures(bot.settings.storage.database_path)

    writes = Writer(bot, writer)
    await writes.write(2)
    backup = asyncio.create_task(
        acli(
            "--log-level",
            "WARNING",
            "backup",
            "--config",
            config,
            "--out",
            out,
            cwd=folder,
            env=env,
        )
    )
    # The command is another process, with no point to pause it at: the bot writes until it
    # ends (at least once). A write in the middle of a copy is the first test's business.
    while not backup.done():
        await writes.write()
    done = await backup
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    copied = assert_sound_copy(out)
    assert all(copied[k] >= before[k] for k in before)
    lines = done.stdout.splitlines()
    assert lines[0] == f"Backup of {bot.settings.storage.database_path.resolve()} written to {out}"
    assert "integrity ok" in lines[1] and "pages of 4096 bytes" in lines[1]
    with closing(sqlite3.connect(out)) as conn:
        items = _scalar(conn, "SELECT COUNT(*) FROM items")
    assert lines[2] == f"  items {items}, persons 1, photos 0"
    assert lines[3].startswith(f"Photos are files: copy {data_dir / 'photos'} as well, e.g. rsync")

    # A second backup to the same file is refused, and the first copy is left as it was.
    first = _sha(out)
    again = await acli("backup", "--config", config, "--out", out, cwd=folder, env=env)
    assert again.returncode == 1 and again.stdout == ""
    assert again.stderr.splitlines() == [
        f"deputy-bot: error: {out} already exists (use --force to overwrite it)"
    ]
    assert _sha(out) == first

    missing = folder / "no-such-folder" / "copy.sqlite3"
    lost = await acli("backup", "--config", config, "--out", missing, cwd=folder, env=env)
    assert lost.returncode == 1 and lost.stdout == ""
    assert lost.stderr.splitlines() == [
        f"deputy-bot: error: the folder {missing.parent} does not exist"
    ]
    assert not missing.parent.exists()


async def test_force_overwrites_and_photo_files_are_counted(bot: Harness, tmp_path: Path) -> None:
    deputy = await checked_in(bot)
    await describe_problem(deputy)
    await deputy.send_photo(make_jpeg(800, 600, pattern_seed=9))
    await deputy.next_message()
    live = bot.settings.storage.database_path
    out = tmp_path / "copy.sqlite3"
    out.write_bytes(b"an older backup")
    with pytest.raises(BackupError, match="already exists"):
        backup_database(live, out)
    assert out.read_bytes() == b"an older backup"
    report = await asyncio.to_thread(backup_database, live, out, force=True)
    assert report.counts == {"items": 1, "persons": 1, "photos": 1}
    assert assert_sound_copy(out)["items"] == 0  # the draft has no number yet
    photos = photo_files(bot.settings.storage.photos_dir)
    # One photo: its untouched original, a display copy and a thumbnail.
    assert photos.files == 3 and photos.size_bytes > 0


def test_refusals_leave_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="no database at"):
        backup_database(tmp_path / "missing.sqlite3", tmp_path / "copy.sqlite3")
    live = tmp_path / "live.sqlite3"
    with closing(sqlite3.connect(live)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, note TEXT)")
        conn.executemany("INSERT INTO items (note) VALUES (?)", [("x" * 500,)] * 200)
        conn.commit()
    with pytest.raises(BackupError, match="is a folder"):
        backup_database(live, tmp_path)
    with pytest.raises(BackupError, match="is the live database itself"):
        backup_database(live, tmp_path / "." / "live.sqlite3", force=True)
    # A database that "keeps changing" past the time limit: the copy is abandoned cleanly.
    with pytest.raises(BackupError, match="kept changing"):
        backup_database(live, tmp_path / "slow.sqlite3", pages_per_step=1, timeout_seconds=0)
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("live.sqlite3")] == []
    report = backup_database(live, tmp_path / "copy.sqlite3", pages_per_step=4)
    assert report.steps > 1 and report.restarts == 0
    assert report.counts == {"items": 200}
