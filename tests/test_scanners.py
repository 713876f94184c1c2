"""The shortcuts that earn their place, each checked against the plain code it stands for.

Production code is plain; where the corpus benchmark showed a plain form costing a share of
an article's time (README: "What plain code costs"), a shortcut stays, and the plain form
lives here as its oracle, checked on generated text full of the characters that matter:

- regexes that start with their literal and look back from it, instead of starting with a
  look-behind (which the regex engine tries at every position);
- repairs that skip text without their trigger (typography);
- URLs of the usual shape split by one regex instead of urllib's urlsplit;
- tags indexed for every rule in one scan of the text instead of one scan per tag;
- `rules._closed_items`, linear where the lazy regex reads to the end of the text once per
  "<li" left open (a hostile page has 20,000).
"""

from __future__ import annotations

import copy
import re
from importlib import resources

import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from cleanguide import pagefile, typography
from cleanguide.clean import patterns, rules
from cleanguide.clean.scan import attrs, elements
from cleanguide.meta import Meta
from cleanguide.model import Article

MARKUP = st.text(
    alphabet="`~ \n!x[]()<>/\"'*_.,:;?=-\tulaimgsrcULAIMG\u201d\\#\u017f\u0131é", max_size=120
)
PIECES = st.lists(
    st.sampled_from(
        [
            "```",
            "~~~~",
            "   ```",
            "    ```",
            "\n",
            " ",
            "x",
            "![a](b.png)",
            "[t](http://u)",
            "!",
            "[",
            "](",
            ")",
            "<ul>",
            "</ul>",
            "</UL >",
            "<a href='x'>",
            "</a>",
            "<img src=x>",
            "<ul-x>",
            "<ulx>",
            "</ul x>",
            "<li>",
            "</li>",
            "<li class=x>",
            "</LI >",
            "**b**",
            "__u__",
            "a__b__c",
            "__ s __",
            "x**y** ,",
            "**a**b**c**",
            "****",
            "a** b **c",
            "see[x](y)",
            "_[x](y)",
            "[[x](y)",
            " \t,",
            " ,",
            ' "',
            "`c`",
            "\\*",
        ]
    ),
    max_size=40,
).map("".join)
TEXTS = st.one_of(MARKUP, PIECES)


TAGS = ("ul", "a", "img", "li", "script", "ins")


@given(TEXTS)
def test_one_scan_finds_the_elements_of_each_tag_as_its_own_regexes_do(text: str) -> None:
    index = elements(text, TAGS)
    # a start tag holding a "<" may hold (hide) another tag: one scan sees the outer one only
    assume(not any("<" in m.group(0)[1:] for found in index.values() for m in found.opens))
    # a tag runs to its ">", or is cut short by a blank line (or the end of the text)
    not_blank = r"(?:[^>\n]|\n(?![ \t]*(?:\n|\Z)))"
    for tag in TAGS:
        # ASCII-only case folding: U+017F is not "s" in HTML
        opens = list(re.finditer(rf"<(?ai:{tag})\b{not_blank}*>?", text))
        closes = [
            m.end() for m in re.finditer(rf"</(?ai:{tag})(?:[^\S\n]|\n(?![ \t]*(?:\n|\Z)))*>", text)
        ]
        assert [m.start() for m in index[tag].opens] == [m.start() for m in opens]
        assert index[tag].closes == closes
        # what the rules read: each start tag with the end of the first close after it, none
        # for a start tag cut short
        first_close = [
            next((c for c in closes if c > m.end()), -1) if m.group(0).endswith(">") else -1
            for m in opens
        ]
        assert [end for _, end, _, _ in index[tag]] == first_close


@given(TEXTS, st.integers(min_value=0, max_value=4))
def test_closed_list_items_match_the_lazy_regex(text: str, enough: int) -> None:
    lazy = re.compile(r"<li\b.*?</li\s*>", re.IGNORECASE | re.DOTALL)
    found = len(lazy.findall(text))
    assert rules._closed_items(text, 0, len(text), 10**6) == found
    assert rules._closed_items(text, 0, len(text), enough) == min(found, enough)


@given(st.text(alphabet="ab\n\r ", max_size=60), st.data())
def test_line_of_counts_newlines_before_the_offset(body: str, data: st.DataObject) -> None:
    article = Article(source="a.md", meta=Meta("t"), body=body, body_line=4)
    offset = data.draw(st.integers(0, len(body)))
    assert article.line_of(offset) == 4 + body.count("\n", 0, offset)


def test_attrs_take_each_attributes_first_value() -> None:
    tag = '<a HREF="one" href=\'two\' title="&amp;" data-x=y>'
    assert attrs(tag) == {"href": "one", "title": "&", "data-x": "y"}


@given(TEXTS)
def test_links_found_from_their_bracket_are_the_look_behind_regexes_matches(text: str) -> None:
    not_image = r"(?<!!)\[([^\[\]\n]*)\]"
    md_link = re.compile(not_image + r"\(\s*<?([^\s()<>]*)>?(?:\s+\"[^\"\n]*\")?\s*\)")
    assert [m.span() for m in rules._MD_LINK.finditer(text)] == [
        m.span() for m in md_link.finditer(text)
    ]
    fragment = re.compile(not_image + r"\(\s*#[^)\s\[\]]*\s*\)")
    assert pagefile._FRAGMENT_LINK.sub(r"\1", text) == fragment.sub(r"\1", text)


def plain_fix_prose(text: str) -> str:
    """Every repair of `typography._fix_prose`, on any text, each regex in its look-behind
    first form."""
    text = typography._space_around_bold(text)
    text = re.sub(r"(?<=[^\W_])(?=\[[^\[\]\n]+\]\()", " ", text)
    text = typography._LINK_GLUED.sub(r"\1 ", text)
    text = re.sub(r"(?<=[^\s\"])[ \t]+([\"\u201d])(?=[\s,.;:!?)]|$)", r"\1", text)
    return re.sub(r"(?<=[^\s(\[])[ \t]+([,.;:!?])(?=\s|$|\))", r"\1", text)


def plain_plain(text: str) -> str:
    text, literals = typography._set_aside_literals(text)
    for emphasis in typography._EMPHASIS:
        text = emphasis.sub(r"\1", text)
    return " ".join(typography._restore_literals(text, literals).split())


@given(TEXTS)
def test_typography_shortcuts_change_nothing(text: str) -> None:
    assert typography._fix_prose(text) == plain_fix_prose(text)
    assert typography.plain(text) == plain_plain(text)
    joined = "\n".join(line.strip() for line in text.split("\n") if line.strip())
    assert typography.tidy(text) == typography._outside_code(joined, plain_fix_prose)


# fmt: off
_URL_BITS = [
    "https:", "HTTP:", "http:", "ftp:", "javascript:", "//", "/", "a.com", "A.B.", "x_y",
    "[::1]", "u@h", ":80", ":8x", ":", "\u00e4", "..", "-", "/c/1/2/3", "?", "#", "AFFILIATE=1",
    "aff", "&", "Aff_ID=2", "=", "%20", "+", "\\", "www.techidaily.com", "sjv.io", ";", " ",
    "\t", "\n", "\x00", "\x7f", "\u00a0",
]
# fmt: on
URL_PIECES = st.lists(st.sampled_from(_URL_BITS), max_size=12).map("".join)


@given(st.one_of(URL_PIECES, st.text(max_size=30)))
def test_url_split_by_one_regex_agrees_with_urlsplit(url: str) -> None:
    assert patterns._split(url) == patterns._split_by_urlsplit(url.strip())


def test_usual_urls_are_split_by_the_regex() -> None:
    for url in ("https://www.techidaily.com/a/?AFFILIATE=1#x", "//x.sjv.io/c/1/2/3", "http://a.b"):
        assert patterns._SIMPLE_URL.fullmatch(url), url


DEFAULT_PATTERN_DATA = yaml.safe_load(
    resources.files("cleanguide").joinpath("data/patterns.yml").read_text("utf-8")
)


@pytest.mark.parametrize(
    ("section", "words"), [("disclaimers", ["sponsor"]), ("comment_calls", ["reply"])]
)
def test_patterns_naming_none_of_their_words_are_refused(section: str, words: list[str]) -> None:
    # a paragraph without any of the words is not searched: each pattern must name one
    data = copy.deepcopy(DEFAULT_PATTERN_DATA)
    data[section]["words"] = words
    with pytest.raises(ValueError, match="names none of the words"):
        patterns.from_mapping(data)
