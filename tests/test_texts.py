"""Message catalogs: both languages complete and alike, each in its own language; choosing the language.

A required product test: both catalogs have the same keys and the same placeholders. Their Telegram
HTML is checked in test_texts_html.py, the keys the code uses in test_texts_keys.py.
"""

from __future__ import annotations

import re

import pytest

from bot.texts import DEFAULT_LANGUAGE, LANGUAGES, Texts, catalog, pick_language, placeholders

# --- same keys, same placeholders --------------------------------------------------------------


def test_both_catalogs_have_the_same_keys() -> None:
    zh, en = catalog("zh"), catalog("en")
    assert sorted(set(zh) - set(en)) == [], "keys only in zh.toml"
    assert sorted(set(en) - set(zh)) == [], "keys only in en.toml"
    assert len(zh) > 100


def test_both_catalogs_have_the_same_placeholders_per_key() -> None:
    zh, en = catalog("zh"), catalog("en")
    mismatched = {
        key: (sorted(placeholders(zh[key])), sorted(placeholders(en[key])))
        for key in zh.keys() & en.keys()
        if placeholders(zh[key]) != placeholders(en[key])
    }
    assert mismatched == {}


def test_placeholders_helper() -> None:
    assert placeholders("{a} and {b}, {a}") == {"a", "b"}
    assert placeholders("no fields, {{literal}} braces") == set()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_formats_with_its_placeholders(language: str) -> None:
    texts = Texts(language)
    for key, template in catalog(language).items():
        params = {name: f"<{name}>" for name in placeholders(template)}
        rendered = texts(key, **params)
        for name in params:
            assert f"<{name}>" in rendered, (language, key)
        assert "{" not in rendered.replace("{{", "") or not params, (language, key)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_template_is_empty_or_untranslated_placeholder_only(language: str) -> None:
    for key, template in catalog(language).items():
        assert template.strip(), (language, key)


def test_templates_are_in_their_language() -> None:
    cjk = re.compile(r"[\u4e00-\u9fff]")
    words = re.compile(r"[A-Za-z]{2,}")

    def prose(template: str) -> str:
        """The template without placeholders, tags, entities and /commands."""
        return re.sub(r"\{[^}]*\}|<[^>]*>|&[#\w]+;|/[a-z]+", "", template)

    zh, en = catalog("zh"), catalog("en")
    bilingual = {"command.lang"}  # the language switch is labelled in both on purpose
    chinese_in_en = [k for k, v in en.items() if k not in bilingual and cjk.search(v)]
    english_in_zh = [
        k
        for k, v in zh.items()
        if k not in bilingual and words.search(prose(v)) and not cjk.search(v)
    ]
    assert chinese_in_en == []
    assert english_in_zh == []


# --- choosing the language ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "client", "default", "expected"),
    [
        ("en", "zh-hans", "zh", "en"),  # the person's own choice wins
        ("zh", "en", "en", "zh"),
        (None, "zh-hans", "en", "zh"),  # then the Telegram client's language
        (None, "zh-hant", "en", "zh"),
        (None, "en-US", "zh", "en"),
        (None, "EN", "zh", "en"),
        (None, "zh", "en", "zh"),
        ("fr", "en-GB", "zh", "en"),  # an unknown stored value is ignored
        (None, "ru", "zh", "zh"),  # then the configured default
        (None, "ru", "en", "en"),
        (None, None, "en", "en"),
        (None, "", "en", "en"),
        (None, None, "de", DEFAULT_LANGUAGE),  # a bad default falls back to Chinese
        ("", "de-AT", "xx", DEFAULT_LANGUAGE),
    ],
)
def test_pick_language(stored: str | None, client: str | None, default: str, expected: str) -> None:
    assert pick_language(stored, client, default) == expected


def test_texts_of_an_unknown_language_are_chinese() -> None:
    texts = Texts("fr")
    assert texts.language == "zh"
    assert texts("lang_set") == catalog("zh")["lang_set"]
    assert Texts("en")("lang_set") == catalog("en")["lang_set"]


def test_texts_renders_and_knows_its_keys() -> None:
    en = Texts("en")
    assert en("start_welcome", name="Li", role="deputy") == (
        "Welcome, Li! You are registered as <b>deputy</b>."
    )
    assert en.has("start_welcome") and en.has("role.deputy")
    assert not en.has("no_such_key") and not en.has("role")
    with pytest.raises(KeyError):
        en("no_such_key")
