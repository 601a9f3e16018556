"""The photo store (bot/photostore.py): every file durable before the row that names it, and an
upload staged beside the decode leaves nothing behind when it is rejected or fails."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from bot.evidence import Ingested
from bot.people import Person
from bot.photos import PhotoRejected
from bot.photostore import TMP_PREFIX, PhotoStore
from bot.records import PhotoTarget
from bot.services import Services
from tests.export_helpers import item, person
from tests.images import make_jpeg, truncated_jpeg

ORIGINAL = b"\xff\xd8 original bytes" * 1000
SHA = hashlib.sha256(ORIGINAL).hexdigest()


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_save_writes_the_three_files_and_nothing_else(tmp_path: Path) -> None:
    store = PhotoStore(tmp_path / "photos")
    files = store.save(SHA, "jpg", ORIGINAL, b"display", b"thumb")
    assert store.read(files.original) == ORIGINAL
    assert (store.read(files.display), store.read(files.thumb)) == (b"display", b"thumb")
    assert files_under(store.root) == sorted([files.original, files.display, files.thumb])


def test_discarded_upload_leaves_nothing(tmp_path: Path) -> None:
    store = PhotoStore(tmp_path / "photos")
    staged = store.stage(ORIGINAL)
    assert staged.read_bytes() == ORIGINAL and staged.name.startswith(TMP_PREFIX)
    store.discard(staged)
    assert files_under(store.root) == []


def test_files_already_stored_are_kept_and_the_staged_copy_dropped(tmp_path: Path) -> None:
    store = PhotoStore(tmp_path / "photos")
    first = store.save(SHA, "jpg", ORIGINAL, b"display", b"thumb")
    before = {p: (store.root / p).stat().st_ino for p in files_under(store.root)}
    again = store.keep(store.stage(ORIGINAL), SHA, "jpg", b"other display", b"other thumb")
    assert again == first
    assert {p: (store.root / p).stat().st_ino for p in files_under(store.root)} == before


def _recording(monkeypatch: pytest.MonkeyPatch, events: list[tuple[str, str]]) -> None:
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        events.append(("replace", f"{src} -> {dst}"))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name descriptors")
def test_each_file_is_fsynced_before_its_rename_and_each_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = PhotoStore(tmp_path / "photos")
    events: list[tuple[str, str]] = []
    _recording(monkeypatch, events)
    files = store.save(SHA, "jpg", ORIGINAL, b"display", b"thumb")
    renames = [
        (i, text.split(" -> ")) for i, (kind, text) in enumerate(events) if kind == "replace"
    ]
    assert [dst for _i, (_src, dst) in renames] == [
        str(store.root / p) for p in (files.original, files.display, files.thumb)
    ]
    synced = [(i, path) for i, (kind, path) in enumerate(events) if kind == "fsync"]
    last_rename = renames[-1][0]
    for i, (src, dst) in renames:
        # The bytes are on disk under the temporary name before the name changes...
        assert any(j < i and path == src for j, path in synced), src
        # ...and the folder that gained the name is on disk before save() returns.
        assert any(j > last_rename and path == str(Path(dst).parent) for j, path in synced), dst
    # The shard folders were new: their parents gained a name too.
    for folder in ("originals", "display", "thumbs"):
        assert any(path == str(store.root / folder) for _j, path in synced), folder


def test_a_failed_rename_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = PhotoStore(tmp_path / "photos")
    real_replace = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if "display" in str(dst):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError):
        store.save(SHA, "jpg", ORIGINAL, b"display", b"thumb")
    assert not any(Path(p).name.startswith(TMP_PREFIX) for p in files_under(store.root))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name descriptors")
def test_a_failed_fsync_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = PhotoStore(tmp_path / "photos")
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if "/thumbs/" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(5, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError):
        store.save(SHA, "jpg", ORIGINAL, b"display", b"thumb")
    # Nothing under its final name either: the display copy was fine but waited for the thumbnail.
    assert files_under(store.root) == []


async def upload(
    services: Services, author: Person, item_id: int, data: bytes, file_unique_id: str
) -> Ingested:
    """A photo sent as a file for an item, as the bot's door hands it to the core."""
    return await services.evidence.ingest(
        data,
        person_id=author.id,
        target=PhotoTarget(item_id=item_id),
        site=None,
        reference_time=services.clock.now(),
        as_file=True,
        file_unique_id=file_unique_id,
        now=services.clock.now(),
    )


async def test_a_rejected_upload_leaves_no_file(services: Services) -> None:
    author = await person(services, "甲")
    item_id = await item(services, author, "路面破损，需要修补")
    for data in (truncated_jpeg(), b"not a photo at all" * 100):
        with pytest.raises(PhotoRejected):
            await upload(services, author, item_id, data, "rejected")
    assert files_under(services.store.root) == []


async def test_an_accepted_upload_is_stored_whole(services: Services) -> None:
    author = await person(services, "乙")
    item_id = await item(services, author, "路灯不亮，晚上看不见")
    data = make_jpeg(2400, 1800)
    result = await upload(services, author, item_id, data, "accepted")
    assert result.created
    sha = hashlib.sha256(data).hexdigest()
    files = services.store.paths(sha, "jpg")
    assert files_under(services.store.root) == sorted([files.original, files.display, files.thumb])
    assert services.store.read(files.original) == data
