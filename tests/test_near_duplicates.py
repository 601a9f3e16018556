"""Near-duplicate photos: a copy that was cropped a little, shifted, resized, re-compressed or
brightened is flagged; a different photo of a similar scene is not.

The rates are measured on a labelled set made here: distinct photo-like street scenes (the
same composition, so every pair is "a similar scene"), copies derived from them the ways people
make copies, and other shots of the same streets. Run with -s to see the figures.
"""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from bot.config import PhotoSettings
from bot.likeness import Earlier, IndexedPhoto, SignatureIndex, likeness
from bot.photos import PhotoFlag, ProcessedPhoto, photo_flags, process_photo
from tests.conftest import Harness
from tests.images import derived_copy, encode, street_scene
from tests.steps import check_in, describe_problem

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCENES = 24
COPIES = 6  # derived copies per scene


def flagged(new: ProcessedPhoto, earlier: ProcessedPhoto) -> bool:
    flags = photo_flags(
        new,
        reference_time=datetime(2025, 6, 1, tzinfo=SHANGHAI),
        tz=SHANGHAI,
        max_age=timedelta(days=3),
        site=None,
        max_distance_m=1000,
        earlier=Earlier([earlier.signature]),
        min_likeness=PhotoSettings().duplicate_likeness,
        legacy_distance=6,
    )
    return PhotoFlag.NEAR_DUPLICATE in flags


@cache
def labelled_set() -> tuple[
    list[ProcessedPhoto], list[tuple[int, ProcessedPhoto, str]], list[tuple[int, ProcessedPhoto]]
]:
    """(originals, derived copies with their scene and recipe, other shots with their scene)."""
    rng = random.Random(2024)
    originals, copies, reshots = [], [], []
    for n in range(SCENES):
        scene = street_scene(1200, 900, seed=500 + n)
        originals.append(process_photo(encode(scene, "JPEG", quality=90)))
        for _ in range(COPIES):
            data, recipe = derived_copy(scene, rng)
            copies.append((n, process_photo(data), recipe))
        # The same street photographed again: other clouds and grain, other light, the camera
        # turned by 8-15 % of the frame, one more car.
        again = street_scene(
            1200,
            900,
            seed=900 + n,
            layout=500 + n,
            light=rng.uniform(0.85, 1.15),
            pan=rng.choice((-1, 1)) * rng.uniform(0.08, 0.15),
            car=True,
        )
        reshots.append((n, process_photo(encode(again, "JPEG", quality=88))))
    return originals, copies, reshots


def test_copies_are_flagged_and_different_photos_of_similar_scenes_are_not() -> None:
    originals, copies, reshots = labelled_set()
    missed = [
        f"scene {n}: {recipe}"
        for n, copy, recipe in copies
        if not (flagged(copy, originals[n]) and flagged(originals[n], copy))
    ]
    distinct = [
        (a, b)
        for a, b in itertools.permutations(range(SCENES), 2)
        if flagged(originals[a], originals[b])
    ]
    cross = [
        (n, other)
        for n, copy, _ in copies
        for other in range(SCENES)
        if other != n and flagged(copy, originals[other])
    ]
    same_street = sum(flagged(photo, originals[n]) for n, photo in reshots)
    copy_scores = [
        min(
            likeness(c.probes, [originals[n].signature]),
            likeness(originals[n].probes, [c.signature]),
        )
        for n, c, _ in copies
    ]
    other_scores = [
        likeness(originals[a].probes, [originals[b].signature])
        for a, b in itertools.permutations(range(SCENES), 2)
    ]
    fn = len(missed) / len(copies)
    fp = (len(distinct) + len(cross)) / (SCENES * (SCENES - 1) + len(copies) * (SCENES - 1))
    print(
        f"\nnear-duplicates: {len(copies)} derived copies, false negatives {len(missed)} "
        f"({fn:.1%}); {SCENES * (SCENES - 1) + len(copies) * (SCENES - 1)} pairs of different "
        f"photos of similar scenes, false positives {len(distinct) + len(cross)} ({fp:.2%}); "
        f"another shot of the same street flagged {same_street} of {len(reshots)}; likeness of "
        f"copies {min(copy_scores):.2f}-{max(copy_scores):.2f}, of different photos "
        f"{min(other_scores):.2f}-{max(other_scores):.2f}, flagged from "
        f"{PhotoSettings().duplicate_likeness}"
    )
    assert missed == []
    assert distinct == [] and cross == []


async def test_a_cropped_resaved_copy_of_another_deputys_photo_is_flagged(bot: Harness) -> None:
    alice = await bot.join("王芳")
    bob = await bot.join("李建国")
    scene = street_scene(1600, 1200, seed=4242)
    for deputy in (alice, bob):
        await check_in(bot, deputy)
        await describe_problem(deputy, "外立面脚手架已停工两周，现场无施工人员。")
    await alice.send_photo(encode(scene, "JPEG", quality=92))
    assert "⚠️" not in ((await alice.next_message()).text or "")
    # Bob crops 2 % off the left and top and saves it again.
    width, height = scene.size
    copy = scene.crop((round(width * 0.02), round(height * 0.02), width, height))
    await bob.send_photo(encode(copy, "JPEG", quality=80))
    ack = (await bob.next_message()).text or ""
    assert "非常相似" in ack, ack
    flags = await bot.value("SELECT flags FROM photos ORDER BY id DESC LIMIT 1")
    assert flags == "near_duplicate"


def test_the_index_compares_with_other_records_only_and_starts_again_on_deletions() -> None:
    originals, copies, _ = labelled_set()
    scene, copy, _ = copies[0]
    index = SignatureIndex()
    index.clear(deletions=0)
    index.add(
        [
            IndexedPhoto(1, 10, None, originals[scene].phash, originals[scene].signature),
            IndexedPhoto(2, None, 20, originals[scene + 1].phash, originals[scene + 1].signature),
            IndexedPhoto(3, 11, None, originals[scene].phash ^ 0b11, None),  # before signatures
        ]
    )
    index.add([IndexedPhoto(2, None, 20, 0, None)])  # read twice: kept once
    assert len(index) == 3 and index.last_id == 3
    setting = PhotoSettings()

    def repeated(earlier: Earlier) -> bool:
        return earlier.repeated_by(
            copy.probes,
            copy.phash,
            min_likeness=setting.duplicate_likeness,
            legacy_distance=setting.duplicate_distance,
        )

    assert repeated(index.elsewhere(item_id=99, visit_id=None))
    # The original is on the same item as the copy: no flag from it.
    mine = index.elsewhere(item_id=10, visit_id=None)
    assert mine.among is not None and int(mine.among.sum()) == 1
    assert list(mine.legacy_hashes) == [originals[scene].phash ^ 3]
    assert index.elsewhere(visit_id=20, item_id=None).legacy_hashes == [originals[scene].phash ^ 3]
    index.clear(deletions=1)
    assert len(index) == 0 and index.last_id == 0
    assert not repeated(index.elsewhere(item_id=99, visit_id=None))
