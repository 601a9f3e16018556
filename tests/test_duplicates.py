"""Likely duplicates: same place and similar Chinese wording are proposed, unrelated items are not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.duplicates import likely_duplicates, normalise, shingles, text_similarity
from bot.items import Item, Kind, Status

SCAFFOLD = "外立面脚手架已停工两周，现场无施工人员，交付存在风险。"
SCAFFOLD_AGAIN = "外立面脚手架停工已两周，现场没有施工人员，按期交付有风险。"
PAVEMENT = "校门口人行道破损严重，雨天积水，学生通行不便。"
FENCE = "施工现场围挡破损，存在安全隐患，夜间照明不足。"


def item(
    item_id: int,
    description: str,
    *,
    site: int | None = 1,
    subitem: int | None = 10,
    project: int | None = 100,
    status: Status = Status.SUBMITTED,
    campaign: int = 1,
) -> Item:
    return Item(
        id=item_id,
        campaign_id=campaign,
        kind=Kind.PROBLEM,
        status=status,
        number=item_id,
        year=2025,
        author_id=1,
        visit_id=None,
        site_id=site,
        site_name=None,
        project_id=project,
        project_title=None,
        subitem_id=subitem,
        subitem_title=None,
        category_id=None,
        category_name=None,
        category_name_en=None,
        severity=None,
        description=description,
        created_at=datetime(2025, 5, 1, tzinfo=UTC),
        submitted_at=datetime(2025, 5, 1, tzinfo=UTC),
        photo_count=0,
    )


def test_text_is_compared_by_character_bigrams() -> None:
    assert normalise("Ａ栋 电梯，停运！") == "a栋电梯停运"
    assert shingles("电梯停运") == {"电梯", "梯停", "停运"}
    assert shingles("梯") == {"梯"} and shingles("，。") == frozenset()
    assert text_similarity(SCAFFOLD, SCAFFOLD) == 1.0
    assert text_similarity(SCAFFOLD, SCAFFOLD_AGAIN) > 0.5
    assert text_similarity(SCAFFOLD, PAVEMENT) < 0.1
    assert text_similarity("", SCAFFOLD) == 0.0


def test_the_same_problem_at_the_same_site_is_proposed_first() -> None:
    new = item(9, SCAFFOLD_AGAIN)
    candidates = [item(1, PAVEMENT), item(2, SCAFFOLD), item(3, FENCE)]
    found = likely_duplicates(new, candidates)
    assert [other.id for other, _ in found] == [2]


def test_place_alone_does_not_make_a_duplicate_but_wording_anywhere_does() -> None:
    new = item(9, SCAFFOLD)
    elsewhere = item(5, SCAFFOLD, site=2, subitem=20, project=200)
    same_project = item(6, SCAFFOLD_AGAIN, site=3, subitem=30)
    unrelated_same_site = item(7, PAVEMENT)
    found = likely_duplicates(new, [unrelated_same_site, elsewhere, same_project])
    assert [other.id for other, _ in found] == [5, 6]
    scores = [score for _, score in found]
    assert scores == sorted(scores, reverse=True)


def test_gone_items_the_item_itself_and_other_campaigns_are_never_proposed() -> None:
    new = item(9, SCAFFOLD)
    candidates = [
        new,
        item(1, SCAFFOLD, status=Status.DRAFT),
        item(2, SCAFFOLD, status=Status.WITHDRAWN),
        item(3, SCAFFOLD, status=Status.DECLINED),
        item(4, SCAFFOLD, status=Status.MERGED),
        item(5, SCAFFOLD, campaign=2),
        replace(item(6, SCAFFOLD, status=Status.REVIEWED), merged_into_id=1),
        item(7, SCAFFOLD, status=Status.CLOSED),
    ]
    assert [other.id for other, _ in likely_duplicates(new, candidates)] == [7]


def test_at_most_limit_best_first_earlier_numbers_on_ties() -> None:
    new = item(9, SCAFFOLD)
    candidates = [item(n, SCAFFOLD) for n in (8, 4, 6, 2)]
    assert [o.id for o, _ in likely_duplicates(new, candidates)] == [2, 4, 6]
    assert [o.id for o, _ in likely_duplicates(new, candidates, limit=1)] == [2]
