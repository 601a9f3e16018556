"""Item rules: refusals, cleaning and validating descriptions, completeness, withdrawal, numbers.

Who may do what, and the menus, are in tests/test_people_rules.py."""

from __future__ import annotations

import dataclasses

import pytest

from bot.config import ReportSettings
from bot.errors import Refused, require
from bot.items import (
    DraftFields,
    Kind,
    Severity,
    Status,
    Transition,
    check_complete,
    clean_description,
    format_number,
    has_words,
    meaningful_chars,
    parse_number,
    validate_description,
    withdraw,
)
from bot.people import Role
from bot.texts import Texts
from tests import builders

# --- errors -------------------------------------------------------------------------------------


def test_refused_carries_key_and_params() -> None:
    refused = Refused("report_description_too_long", max=10, got=12)
    assert refused.key == "report_description_too_long"
    assert refused.params == {"max": 10, "got": 12}
    assert str(refused) == "report_description_too_long"
    require(True, "never")
    with pytest.raises(Refused) as info:
        require(False, "invite_unknown_group", code="G99")
    assert (info.value.key, info.value.params) == ("invite_unknown_group", {"code": "G99"})


# --- cleaning descriptions ----------------------------------------------------------------------


def test_clean_strips_zero_width_and_bidi_overrides() -> None:
    assert clean_description("漏\u200b水") == "漏水"
    assert clean_description("a\u202eevil\u202cb") == "aevilb"
    assert clean_description("\u2066isolate\u2069 \ufeffbom") == "isolate bom"


def test_clean_strips_control_characters_but_keeps_line_breaks() -> None:
    assert clean_description("bell\x07 esc\x1b[31m null\x00 del\x7f") == "bell esc[31m null del"
    text = "line one\r\nline two\n\nline four"
    assert clean_description(text) == "line one\nline two\n\nline four"


def test_clean_trims_each_line_and_the_whole_text() -> None:
    assert clean_description("  \n  墙面开裂  \n\t外墙脱落 \n\n ") == "墙面开裂\n外墙脱落"
    assert clean_description("   ") == ""
    assert clean_description("\u200b\u200b") == ""


def test_clean_keeps_cjk_emoji_and_other_scripts() -> None:
    text = "电梯加装进度滞后，居民反映强烈 😠🚧 ❤️ 🇨🇳 Ünïcödé русский العربية 123"
    assert clean_description(text) == text


def test_clean_normalises_to_nfc() -> None:
    assert clean_description("e\u0301") == "\u00e9"


def test_clean_keeps_emoji_zwj_sequences() -> None:
    family = "👨\u200d👩\u200d👧"
    mechanic = "👩\u200d🔧"
    assert clean_description(f"工地 {family} {mechanic}") == f"工地 {family} {mechanic}"


def test_has_words() -> None:
    assert has_words("漏水")
    assert has_words("A")
    assert has_words("3")
    assert not has_words("😀😀😀")
    assert not has_words("!!! ？？？ …")
    assert not has_words("")


# --- validating descriptions --------------------------------------------------------------------


def _refusal(text: str, min_chars: int, max_chars: int) -> Refused:
    """What validate_description refuses the text with."""
    with pytest.raises(Refused) as info:
        validate_description(text, min_chars, max_chars)
    return info.value


def test_validate_returns_the_cleaned_text() -> None:
    assert validate_description("  路面\u200b破损严重  ", 2, 100) == "路面破损严重"


def test_validate_refuses_too_short_after_cleaning() -> None:
    refused = _refusal("ab\u200b\u200b\u200b  ", 5, 100)
    assert (refused.key, refused.params) == ("report_description_too_short", {"min": 5, "got": 2})
    assert validate_description("abcde", 5, 100) == "abcde"  # exactly the minimum is fine


def test_validate_refuses_too_long_with_the_length() -> None:
    refused = _refusal("字" * 11, 1, 10)
    assert (refused.key, refused.params) == ("report_description_too_long", {"max": 10, "got": 11})
    assert validate_description("字" * 10, 1, 10) == "字" * 10


def test_validate_counts_characters_not_bytes() -> None:
    assert validate_description("中文五个字", 5, 5) == "中文五个字"


def test_validate_refuses_emoji_only() -> None:
    refused = _refusal("😀😀😀😀😀😀", 5, 100)
    assert (refused.key, refused.params) == ("report_description_no_words", {})


def test_validate_emoji_alone_needs_words_and_empty_is_too_short() -> None:
    assert _refusal("😀", 4, 100).key == "report_description_no_words"
    assert _refusal(" \u200b ", 4, 100).key == "report_description_too_short"


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("路灯不亮", 4),
        ("路灯不亮！！！", 4),  # full-width punctuation is not a character of the report
        ("路 灯 不 亮", 4),
        ("🚧🚧路灯🚧", 2),
        ("No light", 7),
        ("3号楼", 3),  # digits count: a building number says something
        ("𠀀村路", 3),  # ideographs outside the BMP are one character each
        ("é", 1),  # e + combining accent is one letter once composed
        ("...", 0),
    ],
)
def test_meaningful_characters(text: str, count: int) -> None:
    assert meaningful_chars(clean_description(text)) == count


def test_a_complete_four_character_chinese_report_is_accepted_by_default() -> None:
    minimum = ReportSettings().description_min_chars
    assert validate_description("路灯不亮", minimum, 2000) == "路灯不亮"
    assert validate_description("井盖缺失。", minimum, 2000) == "井盖缺失。"


def test_punctuation_spaces_and_emoji_do_not_make_a_description_long_enough() -> None:
    minimum = ReportSettings().description_min_chars
    for text in ("路灯！！！！", "灯  坏  了", "🚧🚧🚧 漏水 🚧🚧"):
        refused = _refusal(text, minimum, 2000)
        assert refused.key == "report_description_too_short", text
        assert refused.params["min"] == minimum


def test_too_short_tells_the_rule_and_the_count_in_both_languages() -> None:
    refused = _refusal("路灯！！！", 4, 2000)
    assert refused.params == {"min": 4, "got": 2}
    zh = Texts("zh")(refused.key, **refused.params)
    en = Texts("en")(refused.key, **refused.params)
    assert "4" in zh and "2" in zh and "标点" in zh and "表情" in zh and "汉字" in zh
    assert "4" in en and "2" in en and "punctuation" in en and "emoji" in en
    assert "letters" in en and "digits" in en


def test_the_maximum_still_counts_every_character() -> None:
    assert _refusal("灯！" * 6, 1, 10).params == {"max": 10, "got": 12}


# --- completeness -------------------------------------------------------------------------------

PROBLEM = DraftFields(
    kind=Kind.PROBLEM,
    site_id=1,
    project_id=None,
    subitem_id=None,
    category_id=3,
    severity=Severity.SERIOUS,
    description="外墙脱落",
)
SUGGESTION = DraftFields(
    kind=Kind.SUGGESTION,
    site_id=None,
    project_id=4,
    subitem_id=None,
    category_id=None,
    severity=None,
    description="建议增加休息座椅",
)


def test_complete_drafts_pass() -> None:
    check_complete(PROBLEM)
    check_complete(SUGGESTION)
    check_complete(dataclasses.replace(PROBLEM, site_id=None, project_id=2))  # project only


@pytest.mark.parametrize(
    ("draft", "key"),
    [
        (dataclasses.replace(PROBLEM, site_id=None, project_id=None), "report_missing_place"),
        (dataclasses.replace(PROBLEM, category_id=None), "report_missing_category"),
        (dataclasses.replace(PROBLEM, severity=None), "report_missing_severity"),
        (dataclasses.replace(PROBLEM, description=""), "report_missing_description"),
        (dataclasses.replace(SUGGESTION, project_id=None), "report_missing_place"),
        (dataclasses.replace(SUGGESTION, description=""), "report_missing_description"),
    ],
)
def test_incomplete_drafts_are_refused(draft: DraftFields, key: str) -> None:
    with pytest.raises(Refused) as info:
        check_complete(draft)
    assert info.value.key == key


def test_suggestions_need_no_category_or_severity() -> None:
    check_complete(dataclasses.replace(SUGGESTION, category_id=None, severity=None))


def test_the_place_is_checked_first() -> None:
    empty = DraftFields(Kind.PROBLEM, None, None, None, None, None, "")
    with pytest.raises(Refused) as info:
        check_complete(empty)
    assert info.value.key == "report_missing_place"


# --- withdrawal ---------------------------------------------------------------------------------


def test_the_author_withdraws_a_submitteditem() -> None:
    transition = withdraw(builders.item(), builders.person(1))
    assert transition == Transition(7, Status.SUBMITTED, Status.WITHDRAWN, 1)
    assert transition.note == ""


def test_only_the_author_may_withdraw() -> None:
    for other in (
        builders.person(2),
        builders.person(3, Role.STAFF),
        builders.person(4, Role.LEADER),
    ):
        with pytest.raises(Refused) as info:
            withdraw(dataclasses.replace(builders.item(), author_id=1), other)
        assert info.value.key == "item_not_yours"


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.SUBMITTED])
def test_only_submitted_items_can_be_withdrawn(status: Status) -> None:
    with pytest.raises(Refused) as info:
        withdraw(builders.item(status=status), builders.person(1))
    assert info.value.key == "withdraw_not_possible"


def test_ownership_is_checked_before_status() -> None:
    with pytest.raises(Refused) as info:
        withdraw(
            dataclasses.replace(builders.item(status=Status.FORWARDED), author_id=1),
            builders.person(2),
        )
    assert info.value.key == "item_not_yours"


# --- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "number", "text"),
    [
        (2025, 1, "2025-0001"),
        (2025, 42, "2025-0042"),
        (2024, 9999, "2024-9999"),
        (2025, 12345, "2025-12345"),
    ],
)
def test_format_number(year: int, number: int, text: str) -> None:
    assert format_number(year, number) == text


def test_display_number() -> None:
    assert dataclasses.replace(builders.item(), number=42).display_number == "2025-0042"
    assert dataclasses.replace(builders.item(status=Status.DRAFT), number=None).display_number == ""


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("2025-0042", (2025, 42)),
        (" 2025－42 ", (2025, 42)),
        ("2025—0042", (2025, 42)),
        ("0042", (None, 42)),
        ("7", (None, 7)),
        ("2025-", None),
        ("第42号", None),
        ("", None),
    ],
)
def test_a_typed_number_is_read_as_people_write_it(
    typed: str, parsed: tuple[int | None, int] | None
) -> None:
    assert parse_number(typed) == parsed
