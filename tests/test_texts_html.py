"""Message catalogs are well-formed Telegram HTML, as written and once formatted."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bot.texts import LANGUAGES, catalog, placeholders

ALLOWED_TAGS = {"b", "i", "code", "a"}


def _all_templates() -> Iterator[tuple[str, str, str]]:
    for language in LANGUAGES:
        for key, template in catalog(language).items():
            yield language, key, template


_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[^<>]*)?)>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9A-Fa-f]+);")


def html_problems(text: str) -> list[str]:
    """What Telegram's HTML parse mode would reject or misread in `text`."""
    problems: list[str] = []
    stack: list[str] = []
    for match in _TAG.finditer(text):
        closing, name, attrs = match.group(1) == "/", match.group(2), match.group(3)
        if name not in ALLOWED_TAGS:
            problems.append(f"tag <{name}> not allowed")
            continue
        if closing:
            if attrs.strip():
                problems.append(f"closing tag </{name}> with attributes")
            if not stack or stack[-1] != name:
                problems.append(f"</{name}> does not close the innermost open tag {stack[-1:]}")
            else:
                stack.pop()
        else:
            if name == "a" and not re.fullmatch(r'\s+href="[^"<>]*"', attrs):
                problems.append("<a> needs exactly an href")
            elif name != "a" and attrs.strip():
                problems.append(f"<{name}> takes no attributes")
            stack.append(name)
    if stack:
        problems.append(f"unclosed tags {stack}")
    bare = _TAG.sub("", text)
    if "<" in bare or ">" in bare:
        problems.append("bare < or >")
    if "&" in _ENTITY.sub("", bare):
        problems.append("bare & (write &amp;)")
    return problems


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("<b>bold</b> and <i>it</i> <code>x</code>", True),
        ('<a href="https://t.me/x">link</a>', True),
        ("a &lt; b &amp;&amp; c &gt; d &#39;", True),
        ("<b>unclosed", False),
        ("<b><i>crossed</b></i>", False),
        ("<u>underline</u>", False),
        ("<br>", False),
        ("1 < 2", False),
        ("fish & chips", False),
        ('<b class="x">y</b>', False),
        ("<a>no href</a>", False),
    ],
)
def test_the_html_checker_itself(text: str, ok: bool) -> None:
    assert (html_problems(text) == []) is ok


def test_templates_are_well_formed_telegram_html() -> None:
    bad = {
        f"{language}:{key}": problems
        for language, key, template in _all_templates()
        if (problems := html_problems(template))
    }
    assert bad == {}


def test_templates_stay_well_formed_after_formatting() -> None:
    """Values are escaped by the caller; the template's own markup must still balance."""
    for language, key, template in _all_templates():
        rendered = template.format(**{name: "x" for name in placeholders(template)})
        assert html_problems(rendered) == [], (language, key)
