"""render's front matter: the hand-written YAML emitter against PyYAML itself."""

from __future__ import annotations

import html
import re
import string

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from cleanguide.render import (
    _FRAGMENT_LINK,
    _meta_value,
    _yaml_mapping,
    escape_text,
    front_matter,
    prose,
)
from cleanguide.sanitize import neutralise_markdown

# Characters that steer PyYAML's choice of scalar style, folding or quoting.
TRICKY = (
    " '\"#:-?,[]{}&*!|>%@`.~=<\\/\t\n\r\x00\x01\x1b\x7f\x85\xa0"
    "\u2028\u2029\ufeff\ufffe\uffff\U0010ffff\u200b\u202e\U0001f600é"
)
# YAML 1.1 words and shapes that resolve to something other than a string.
RESOLVED = [
    "",
    "~",
    "null",
    "Null",
    "NULL",
    "yes",
    "No",
    "ON",
    "off",
    "true",
    "False",
    "y",
    "0",
    "-1",
    "+12",
    "0x1F",
    "0o17",
    "017",
    "0b101",
    "1_000",
    "1.5",
    ".5",
    "1e3",
    "6.8523015e+5",
    ".inf",
    "-.Inf",
    ".NaN",
    "12:30",
    "190:20:30",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "<<",
    "=",
    "---",
    "...",
    "- a",
    "? a",
    ": a",
    "a: b",
    "a #b",
]

text = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(TRICKY + string.ascii_letters[:6] + "09")),
    st.lists(
        st.one_of(
            st.sampled_from(RESOLVED),
            st.text(alphabet=string.ascii_letters + "'#:&", min_size=1, max_size=30),
        ),
        max_size=30,
    ).map(" ".join),
    st.sampled_from(RESOLVED),
)


def pyyaml(data: dict[str, object]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@given(title=text, description=text)
def test_emitter_matches_pyyaml(title: str, description: str) -> None:
    data: dict[str, object] = {"title": title, "description": description}
    assert _yaml_mapping(data) == pyyaml(data)


@given(
    key=st.one_of(st.sampled_from(["on", "yes", "null", "a", "_x", "title"]), st.text()),
    value=text,
)
def test_emitter_matches_pyyaml_for_any_key(key: str, value: str) -> None:
    data: dict[str, object] = {key: value}
    assert _yaml_mapping(data) == pyyaml(data)


@given(title=text, description=text, extra=text)
def test_front_matter_is_safe_dump(title: str, description: str, extra: str) -> None:
    expected: dict[str, object] = {"title": _meta_value(title)}
    if description:
        expected["description"] = _meta_value(description)
    expected["note"] = extra
    assert front_matter(title, description, note=extra) == "---\n" + pyyaml(expected) + "---\n\n"


@given(title=text, description=text)
def test_front_matter_reads_back(title: str, description: str) -> None:
    block = front_matter(title, description)
    data = yaml.safe_load(block.removeprefix("---\n").removesuffix("---\n\n"))
    assert data["title"] == _meta_value(title)
    assert data.get("description") == (_meta_value(description) if description else None)


@pytest.mark.parametrize(
    "value",
    ["a " * 60, "a" * 79 + " b c", " " + "ab " * 40 + "x ", "x  " * 40, "'" * 100 + " x"],
)
def test_long_values_fold_like_pyyaml(value: str) -> None:
    data: dict[str, object] = {"title": value, "description": "- " + value}
    assert _yaml_mapping(data) == pyyaml(data)


def test_values_pyyaml_owns() -> None:
    data: dict[str, object] = {"title": "t", "count": 3, "tags": ["a", "b"], "on": None}
    assert _yaml_mapping(data) == pyyaml(data)


@pytest.mark.parametrize("value", [" x y", "x y ", " ", "  x", "x", "x y", "'x y'"])
@pytest.mark.parametrize("key", ["k" * n for n in (70, 77, 78, 79, 100)])
def test_long_keys_like_pyyaml(key: str, value: str) -> None:
    data: dict[str, object] = {key: value}
    assert _yaml_mapping(data) == pyyaml(data)


MARKDOWNISH = st.lists(
    st.sampled_from(
        [
            *"\\`*_{}[]()#+-.!|~&<>;'\" \n\t\r\x0b\x1c\x85\xa0\u2028\u3000ax1é😀",
            *[
                "](#",
                "](",
                "[a]",
                "(#b)",
                "]( #b)",
                "](\n#",
                "&amp;",
                "&lt;",
                "markdown",
                "<script>",
            ],
        ]
    )
).map("".join)


@given(st.one_of(st.text(), MARKDOWNISH))
def test_escape_text_is_html_escape_then_backslashes(text: str) -> None:
    collapsed = " ".join(text.split())
    expected = re.sub(r"([\\`*_{}\[\]()#+\-.!|~])", r"\\\1", html.escape(collapsed, quote=False))
    assert escape_text(text) == expected


@given(st.one_of(st.text(), MARKDOWNISH))
def test_prose_skips_fragment_links_only_when_there_are_none(text: str) -> None:
    assert prose(text) == neutralise_markdown(_FRAGMENT_LINK.sub(r"\1", text))
