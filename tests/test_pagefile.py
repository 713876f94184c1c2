"""pagefile: the front matter of a page reads back as written; text escaping."""

from __future__ import annotations

import html
import re
import string

import yaml
from hypothesis import given
from hypothesis import strategies as st

from cleanguide.pagefile import (
    _meta_value,
    escape_text,
    front_matter,
)

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


@given(title=text, description=text)
def test_front_matter_reads_back(title: str, description: str) -> None:
    block = front_matter(title, description)
    data = yaml.safe_load(block.removeprefix("---\n").removesuffix("---\n\n"))
    assert data["title"] == _meta_value(title)
    assert data.get("description") == (_meta_value(description) if description else None)


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
