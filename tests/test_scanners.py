"""The fast scanners agree with the plain definitions they replace.

Cleaning and structuring run on every article, so a few scans avoid slow regex shapes (a
look-behind or a multi-line `^` in front, one regex per tag). Each is checked here against
the obvious regex it stands for, on generated text full of the characters that matter.
"""

from __future__ import annotations

import copy
import html
import re
from importlib import resources

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from cleanguide import render, typography
from cleanguide.clean import engine, patterns, rules
from cleanguide.clean.patterns import from_mapping, lines_containing, may_contain
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
DEFAULT_PATTERN_DATA = yaml.safe_load(
    resources.files("cleanguide").joinpath("data/patterns.yml").read_text("utf-8")
)


@given(TEXTS)
def test_markdown_links_match_the_lookbehind_regex(text: str) -> None:
    lookbehind = re.compile(r"(?<!!)" + rules._MD_LINK.pattern)
    assert [m.span() for m in rules._md_links(text)] == [
        m.span() for m in lookbehind.finditer(text)
    ]


@given(TEXTS, st.sampled_from(["ul", "a", "img", "li", "script", "ins"]))
def test_elements_match_per_tag_regexes(text: str, tag: str) -> None:
    # the regexes each tag had, with ASCII-only case folding (U+017F is not "s" in HTML)
    opens = [m.start() for m in re.finditer(rf"<(?ai:{tag})\b[^>]*>", text)]
    closes = [m.end() for m in re.finditer(rf"</(?ai:{tag})\s*>", text)]
    found = rules.Elements(text, tag)
    assert [m.start() for m in found.opens] == opens
    assert found.closes == closes
    # what the rules read: each start tag with the end of the first close after it
    first_close = [next((c for c in closes if c > m.end()), -1) for m in found.opens]
    assert [end for _, end, _, _ in found] == first_close


@given(TEXTS)
def test_lines_tile_the_text(text: str) -> None:
    lines = rules.lines_of(text)
    pieces = [lines.with_newline(i) for i in range(len(lines))]
    assert "".join(pieces) == text
    assert [p.rstrip("\n") for p in pieces] == lines.parts
    assert all(p.endswith("\n") for p in pieces[:-1])
    assert [lines.start(i) for i in range(len(lines))] == [
        sum(map(len, pieces[:i])) for i in range(len(lines))
    ]


def reference_space_around_bold(text: str) -> str:
    out: list[str] = []
    pos = 0
    for m in typography._BOLD.finditer(text):
        out.append(text[pos : m.start()])
        inner = (m.group(2) or "").strip()
        fixed = f"{m.group(1)}{inner}{m.group(1)}" if inner else ""
        if fixed and out and out[-1][-1:].isalnum():
            out.append(" ")
        out.append(fixed)
        pos = m.end()
        if fixed and text[pos : pos + 1].isalnum():
            out.append(" ")
    out.append(text[pos:])
    return "".join(out)


def reference_fix_prose(text: str) -> str:
    text = reference_space_around_bold(text)
    # a link's text holds no bracket: a pattern that may run over brackets is quadratic
    text = re.sub(r"(?<=[^\W_])(?=\[[^\[\]\n]+\]\()", " ", text)
    text = typography._LINK_GLUED.sub(r"\1 ", text)
    text = re.sub(r"(?<=[^\s\"])[ \t]+([\"\u201d])(?=[\s,.;:!?)]|$)", r"\1", text)
    return re.sub(r"(?<=[^\s(\[])[ \t]+([,.;:!?])(?=\s|$|\))", r"\1", text)


def reference_plain(text: str) -> str:
    text = re.sub(r"!?\[([^\[\]]*)\]\([^)\[\]]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|\*|_|`)(.+?)\1", r"\2", text)
    text = typography._ESCAPE.sub(r"\1", text)
    return " ".join(text.split())


@given(TEXTS)
def test_typography_shortcuts_change_nothing(text: str) -> None:
    assert typography._fix_prose(text) == reference_fix_prose(text)
    assert typography.plain(text) == reference_plain(text)
    joined = "\n".join(line.strip() for line in text.split("\n") if line.strip())
    if "`" not in joined:
        assert typography.tidy(text) == reference_fix_prose(joined)


@given(TEXTS, st.integers(min_value=0, max_value=4))
def test_closed_list_items_match_the_lazy_regex(text: str, enough: int) -> None:
    lazy = re.compile(r"<li\b.*?</li\s*>", re.IGNORECASE | re.DOTALL)
    found = len(lazy.findall(text))
    assert rules._closed_items(text, 0, len(text), 10**6) == found
    assert rules._closed_items(text, 0, len(text), enough) == min(found, enough)


@given(st.text(alphabet="adsbygoglekisADSBYGOGLEKIS\u017f\u0131\u0130\u212a .-", max_size=40))
def test_may_contain_never_misses_a_case_insensitive_match(text: str) -> None:
    for word in ("adsbygoogle", "kiss", "sky"):
        if re.search(re.escape(word), text, re.IGNORECASE):
            assert may_contain(text, (word,)), (word, text)


def test_non_ascii_words_are_never_ruled_out() -> None:
    # bytes.lower() folds ASCII letters only, so such a word could hide in another case
    assert may_contain("ÜBER", ("über",))
    assert lines_containing("ÜBER", "über") is None


def test_may_contain_rules_out_absent_words() -> None:
    assert not may_contain("Back up photos (Google Photos) — step 1", ("adsbygoogle", "affiliate"))
    assert may_contain("x AdsByGoogle y", ("adsbygoogle",))


@pytest.mark.parametrize(
    ("section", "change"),
    [
        ("ad_script_lines", {"needle": "doubleclick"}),
        ("disclaimers", {"keywords": ["sponsor"]}),
        ("block_markers", {"begin": "<p>ads begin</p>"}),
        ("rating_widget", {"needles": ["this page"]}),
        ("byline", {"needles": ["author"]}),
    ],
)
def test_patterns_whose_shortcut_word_is_missing_are_refused(
    section: str, change: dict[str, object]
) -> None:
    data = copy.deepcopy(DEFAULT_PATTERN_DATA)
    data[section].update(change)
    with pytest.raises(ValueError, match=r"contain|start with"):
        from_mapping(data)


@given(st.text(alphabet=" \n\tab", max_size=900))
def test_excerpt_flattens_like_the_whole_text(text: str) -> None:
    flat = " ".join(text.split())
    cut = engine.EXCERPT_CHARS
    expected = flat if len(flat) <= cut else flat[: cut - 1] + "…"
    assert engine._excerpt(text) == expected


@given(st.text(alphabet="ab\n\r ", max_size=60), st.data())
def test_line_of_counts_newlines_before_the_offset(body: str, data: st.DataObject) -> None:
    article = Article(source="a.md", meta=Meta("t"), body=body, body_line=4)
    offset = data.draw(st.integers(0, len(body)))
    assert article.line_of(offset) == 4 + body.count("\n", 0, offset)


@given(st.text(alphabet="adsbygoglADSBYGOGL\n \u017f\u00e9\u65e5", max_size=60))
def test_lines_containing_finds_every_line_with_the_word(text: str) -> None:
    found = lines_containing(text, "adsbygoogle")
    expected = [
        i for i, line in enumerate(text.split("\n")) if re.search("adsbygoogle", line, re.I)
    ]
    assert found is None or found == expected
    assert found is not None or "\u017f" in text


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
def test_url_fast_split_agrees_with_urlsplit(url: str) -> None:
    assert patterns._split(url) == patterns._split_by_urlsplit(url.strip())


def test_usual_urls_take_the_fast_split_and_no_pattern_matches_nothing() -> None:
    for url in ("https://www.techidaily.com/a/?AFFILIATE=1#x", "//x.sjv.io/c/1/2/3", "http://a.b"):
        assert patterns._SIMPLE_URL.fullmatch(url), url
    assert patterns._any([]).search("anything at all") is None


ATTRIBUTES = st.lists(
    st.sampled_from(
        ["<a", " ", "href", "HREF", "=", "'", '"', "x", "&amp;", "&", "title", "data-x", ">", "/"]
    ),
    max_size=20,
).map("".join)


@given(st.one_of(ATTRIBUTES, st.sampled_from(['<a href="x">', '<A HREF = "&amp;" >'])))
def test_attrs_take_each_attributes_first_value(tag: str) -> None:
    expected: dict[str, str] = {}
    for m in rules._ATTR.finditer(tag):
        value = next((g for g in m.groups()[1:] if g is not None), "")
        expected.setdefault(m.group(1).lower(), html.unescape(value))
    assert dict(rules.attrs(tag)) == expected
    assert rules._href(tag) == expected.get("href", "")


@given(st.text(alphabet=["a", " ", "\t", ",", ".", "!", "(", "[", ")", '"', "\u201d", "\n"]))
def test_space_repairs_match_their_look_behind_first_forms(text: str) -> None:
    punct = re.sub(r"(?<=[^\s(\[])[ \t]+([,.;:!?])(?=\s|$|\))", r"\1", text)
    quote = re.sub(r"(?<=[^\s\"])[ \t]+([\"\u201d])(?=[\s,.;:!?)]|$)", r"\1", text)
    assert typography._SPACE_BEFORE_PUNCT.sub(r"\1", text) == punct
    assert typography._SPACE_BEFORE_CLOSING_QUOTE.sub(r"\1", text) == quote


@given(st.text(alphabet=["!", "[", "]", "(", ")", "#", "a", " ", "\n"]))
def test_fragment_links_match_their_look_behind_first_form(text: str) -> None:
    # the anchor holds no bracket (render.py: a pattern over brackets is quadratic)
    old = re.sub(r"(?<!!)\[([^\[\]\n]*)\]\(\s*#[^)\s\[\]]*\s*\)", r"\1", text)
    assert render._FRAGMENT_LINK.sub(r"\1", text) == old


@given(st.one_of(URL_PIECES, st.text(max_size=30)))
def test_farm_and_ad_checks_by_host_agree_with_the_full_verdict(url: str) -> None:
    p = from_mapping(DEFAULT_PATTERN_DATA)  # its own, empty verdict memo
    verdict = p._classify(url)
    farm, ad = bool(verdict & 1), bool(verdict & 4)  # _FARM, _AD of the whole URL's verdict
    assert (p.is_farm_url(url), p.is_ad_url(url)) == (farm, ad)
    p._verdicts[url] = verdict
    assert (p.is_farm_url(url), p.is_ad_url(url)) == (farm, ad)  # from the memo too
