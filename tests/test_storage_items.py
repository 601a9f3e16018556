"""Storage: items in ItemRepo — drafts, gap-free numbering on submit, transitions and the
author's own list."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.errors import Refused
from bot.items import Kind, Severity, Status, Transition
from tests.storage_helpers import (
    DESCRIPTION,
    NOW,
    World,
    _complete_draft,
    _draft,
    imported_template,
    world,
)

# The fixtures live in tests/storage_helpers.py; world needs imported_template in reach.
__all__ = ["imported_template", "world"]


async def test_create_and_update_a_draft(world: World) -> None:
    item_id = await _draft(world)
    draft = await world.items.get(item_id)
    assert draft is not None
    assert (draft.status, draft.number, draft.kind) == (Status.DRAFT, None, Kind.PROBLEM)
    assert draft.created_at == NOW and draft.submitted_at is None
    assert draft.description == "" and draft.severity is None

    changed = await world.items.update_draft(
        item_id,
        world.deputy_id,
        NOW,
        site_id=world.site.id,
        severity=Severity.GRAVE,
        description="路面塌陷",
        category_id=world.category_id,
    )
    assert changed
    draft = await world.items.get(item_id)
    assert draft is not None
    assert draft.severity is Severity.GRAVE
    assert draft.site_id == world.site.id and draft.site_name == world.site.name
    assert draft.description == "路面塌陷"
    assert draft.category_id == world.category_id and draft.category_name


async def test_update_draft_refuses_unknown_fields(world: World) -> None:
    item_id = await _complete_draft(world)
    for field in ("status", "number", "kind", "campaign_id", "group_id", "nonsense"):
        with pytest.raises(ValueError, match=field):
            await world.items.update_draft(item_id, world.deputy_id, NOW, **{field: 1})
    item = await world.items.get(item_id)
    assert item is not None and item.status is Status.DRAFT and item.number is None


async def test_update_draft_refuses_non_drafts_and_other_authors(world: World) -> None:
    item_id = await _complete_draft(world)
    items = world.items
    assert not await items.update_draft(item_id, world.other_id, NOW, description="改写别人的")
    await world.items.submit(item_id, world.deputy_id, NOW)
    assert not await world.items.update_draft(item_id, world.deputy_id, NOW, description="提交后")
    item = await world.items.get(item_id)
    assert item is not None and item.description == DESCRIPTION


async def test_submit_numbers_gap_free_across_kinds(world: World) -> None:
    kinds = [Kind.PROBLEM, Kind.SUGGESTION, Kind.PROBLEM]
    drafts = [await _complete_draft(world, kind) for kind in kinds]
    numbers = []
    for item_id in drafts:
        item, newly = await world.items.submit(item_id, world.deputy_id, NOW)
        assert newly
        assert item.status is Status.SUBMITTED and item.submitted_at == NOW
        numbers.append(item.number)
    assert numbers == [1, 2, 3]
    second = await world.items.get(drafts[1])
    assert second is not None
    assert second.display_number == f"{world.year}-0002"


async def test_concurrent_submits_take_each_number_exactly_once(world: World) -> None:
    drafts: list[tuple[int, int]] = []
    for i in range(20):
        author = world.deputy_id if i % 2 else world.other_id
        kind = Kind.PROBLEM if i % 3 else Kind.SUGGESTION
        drafts.append((await _complete_draft(world, kind, author), author))
    results = await asyncio.gather(
        *(world.items.submit(item_id, author, NOW) for item_id, author in drafts)
    )
    assert all(newly for _, newly in results)
    numbers = sorted(item.number or 0 for item, _ in results)
    assert numbers == list(range(1, 21))
    assert {item.id for item, _ in results} == {item_id for item_id, _ in drafts}
    next_number = await world.db.fetch_value(
        "SELECT next_number FROM campaigns WHERE id = ?", (world.campaign_id,)
    )
    assert next_number == 21


async def test_a_second_submit_returns_the_same_number(world: World) -> None:
    item_id = await _complete_draft(world)
    first, newly = await world.items.submit(item_id, world.deputy_id, NOW)
    again, again_newly = await world.items.submit(item_id, world.deputy_id, NOW + timedelta(1))
    assert newly and not again_newly
    assert again.number == first.number == 1
    assert again.submitted_at == NOW
    # No number was used up by the repeat: the next item gets 2.
    nxt, _ = await world.items.submit(await _complete_draft(world), world.deputy_id, NOW)
    assert nxt.number == 2
    assert [e[:2] for e in await world.items.events(item_id)] == [("draft", "submitted")]


async def test_the_same_draft_submitted_twice_at_once_gets_one_number(world: World) -> None:
    item_id = await _complete_draft(world)
    results = await asyncio.gather(
        *(world.items.submit(item_id, world.deputy_id, NOW) for _ in range(5))
    )
    assert [newly for _, newly in results].count(True) == 1
    assert {item.number for item, _ in results} == {1}


async def test_an_incomplete_draft_is_refused_without_using_a_number(world: World) -> None:
    item_id = await _draft(world)
    await world.items.update_draft(item_id, world.deputy_id, NOW, site_id=world.site.id)
    with pytest.raises(Refused) as info:
        await world.items.submit(item_id, world.deputy_id, NOW)
    assert info.value.key == "report_missing_category"
    item = await world.items.get(item_id)
    assert item is not None and item.status is Status.DRAFT and item.number is None
    done, _ = await world.items.submit(await _complete_draft(world), world.deputy_id, NOW)
    assert done.number == 1


async def test_submit_of_someone_elses_or_a_missing_draft_is_refused(world: World) -> None:
    item_id = await _complete_draft(world)
    for author, target in ((world.other_id, item_id), (world.deputy_id, 99_999)):
        with pytest.raises(Refused) as info:
            await world.items.submit(target, author, NOW)
        assert info.value.key == "report_draft_gone"


async def test_delete_draft(world: World) -> None:
    submitted = await _complete_draft(world)
    await world.items.submit(submitted, world.deputy_id, NOW)
    await world.items.delete_draft(submitted, world.deputy_id)
    assert await world.items.get(submitted) is not None  # a submitted item is never deleted

    draft = await _complete_draft(world)
    await world.items.delete_draft(draft, world.other_id)
    assert await world.items.get(draft) is not None  # nor someone else's draft
    await world.items.delete_draft(draft, world.deputy_id)
    assert await world.items.get(draft) is None


async def test_apply_moves_only_from_the_expected_status(world: World) -> None:
    item_id = await _complete_draft(world)
    await world.items.submit(item_id, world.deputy_id, NOW)
    later = NOW + timedelta(hours=1)

    wrong = Transition(item_id, Status.REVIEWED, Status.FORWARDED, world.deputy_id)
    assert not await world.items.apply(wrong, later)
    withdraw = Transition(item_id, Status.SUBMITTED, Status.WITHDRAWN, world.deputy_id, "重复")
    assert await world.items.apply(withdraw, later)
    assert not await world.items.apply(withdraw, later)  # already moved on

    item = await world.items.get(item_id)
    assert item is not None and item.status is Status.WITHDRAWN and item.number == 1
    events = await world.items.events(item_id)
    assert [e[:2] for e in events] == [("draft", "submitted"), ("submitted", "withdrawn")]
    assert events[1][2] == later
    rows = await world.db.fetch_all(
        "SELECT actor_id, note FROM item_events WHERE item_id = ? ORDER BY id", (item_id,)
    )
    assert [tuple(r) for r in rows] == [(world.deputy_id, ""), (world.deputy_id, "重复")]


async def test_own_items_lists_only_submitted_ones(world: World) -> None:
    drafts = [await _complete_draft(world) for _ in range(3)]
    await _complete_draft(world)  # stays a draft
    others = await _complete_draft(world, author=world.other_id)
    await world.items.submit(others, world.other_id, NOW)
    for i, item_id in enumerate(drafts):
        await world.items.submit(item_id, world.deputy_id, NOW + timedelta(minutes=i))
    assert await world.items.count_own(world.deputy_id) == 3
    page = await world.items.list_own(world.deputy_id, offset=0, limit=2)
    assert [i.id for i in page] == [drafts[2], drafts[1]]  # newest first
    rest = await world.items.list_own(world.deputy_id, offset=2, limit=2)
    assert [i.id for i in rest] == [drafts[0]]
