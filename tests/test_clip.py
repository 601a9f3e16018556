"""Cutting text for buttons, list lines and cards: an ellipsis wherever something was left out."""

from __future__ import annotations

import pytest

from bot.views import clip


def test_text_that_fits_is_untouched() -> None:
    assert clip("文三路小学", 5) == "文三路小学"
    assert clip("", 3) == ""


def test_cut_text_ends_with_an_ellipsis_within_the_limit() -> None:
    assert clip("西湖区文三路某小学食堂", 6) == "西湖区文三…"
    assert len(clip("x" * 100, 28)) == 28


def test_whitespace_before_the_ellipsis_is_dropped() -> None:
    assert clip("路面塌陷   严重", 6) == "路面塌陷…"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("工地👨\u200d👩\u200d👧家庭", 4, "工地…"),  # an emoji family is not torn apart
        ("cafe\u0301 ok", 5, "caf…"),  # nor a letter from its combining accent
        ("路口🚧\ufe0f施工", 4, "路口…"),  # nor an emoji from its variation selector
        ("点赞👍🏽很好", 4, "点赞…"),  # nor a skin tone from its emoji
    ],
)
def test_characters_are_not_split_from_what_belongs_to_them(
    text: str, limit: int, expected: str
) -> None:
    assert clip(text, limit) == expected


def test_a_limit_too_small_for_anything_but_the_ellipsis() -> None:
    assert clip("路灯不亮", 1) == "…"
    with pytest.raises(ValueError):
        clip("路灯不亮", 0)
