"""The simple front-matter reader agrees with the YAML path, or leaves the input to it.

`_parse_simple_front_matter` is an optimisation: for every input it either returns None
(the YAML path then decides) or exactly what `_parse_yaml_front_matter` returns, without
the YAML path raising. Values are compared by `repr`, so `1` vs `True`, a date vs a
datetime, or a time zone difference all count as disagreements.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cleanguide import reader
from cleanguide.diagnostics import ArticleError
from cleanguide.reader import loads

REPO = Path(__file__).resolve().parent.parent
REAL_ARTICLES = sorted((REPO / "tests" / "corpus").glob("*.md")) + sorted(
    (REPO / "content").glob("*.md")
)

_SETTINGS = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _prepared(front_matter: str) -> str | None:
    """What `_parse_front_matter` hands both parsers, or None if it refuses it first."""
    front_matter = front_matter.replace("\u2028", " ").replace("\u2029", " ")
    try:
        reader._check_yaml_characters(front_matter, "x.md")
    except ArticleError:
        return None
    return front_matter


def _slow(front_matter: str) -> tuple[dict[Any, Any], dict[Any, int]] | ArticleError:
    try:
        return reader._parse_yaml_front_matter(front_matter, "x.md")
    except ArticleError as error:
        return error


def assert_agrees(front_matter: str) -> bool:
    """The simple reader declines or matches YAML exactly; True if it took the input."""
    prepared = _prepared(front_matter)
    if prepared is None:
        return False
    fast = reader._parse_simple_front_matter(prepared)
    if fast is None:
        return False
    slow = _slow(prepared)
    assert not isinstance(slow, ArticleError), (prepared, fast, str(slow))
    assert repr(fast) == repr(slow), prepared
    return True


# --------------------------------------------------------------------------- strategies


_Part = tuple[st.SearchStrategy[str], st.SearchStrategy[str]]
"""A piece of a front-matter line: (usual forms, near misses)."""

_KEYS: _Part = (
    st.one_of(
        st.sampled_from(
            [
                *("title", "description", "date", "updated", "tags", "categories"),
                *("keywords", "thumbnail", "template", "redirect_url", "a-b", "_x", "N", "y"),
            ]
        ),
        st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,6}", fullmatch=True),
    ),
    st.sampled_from(
        [
            # keys YAML does not read as strings
            *("yes", "on", "Off", "null", "True", "<<", "1", "0x1", "2024-01-01", "~"),
            # keys the simple reader does not take
            *("ti tle", "1a", "-a", "?a", "&a", "!a", '"title"', "'title'", "é", "[a]"),
        ]
    ),
)

# Characters that matter to YAML somewhere, plus ordinary and unusual text. TAB and NEL
# (which the simple reader refuses anywhere) come in through `_ODD_LINE` and `_TRAILING`.
_ALPHABET = st.sampled_from(
    [
        *"aZ09 .-_:#?,[]{}&*!|>'\"%@`\\~=<+/",
        *("\xa0", "é", "漢", "\u200b", "\ufeff", "\u2028", "😀"),
    ]
)
_RANDOM_TEXT = st.text(_ALPHABET, min_size=0, max_size=12)
_WORDS = st.from_regex(r"[A-Za-z][A-Za-z0-9 ,./()'-]{0,20}", fullmatch=True)

_TYPED = st.sampled_from(
    [
        *("", "~", "null", "Null", "NULL", "nULL"),
        *("yes", "No", "TRUE", "false", "on", "OFF", "y", "n"),
        *("0", "-1", "+7", "012", "0o7", "0x1F", "0b101", "1_000", "1:30", "-1:30:59"),
        *("1.5", "-.5", "+1.", "1e5", "1.0e+5", "1.0e5", ".inf", "-.Inf", ".NaN", "190:20:30.15"),
        *("2024", "2024-08-20", "2024-8-20", "2024-02-31", "2024-08-20 11:33:51"),
        *("2024-08-20  11:33:51", "2024-08-20T11:33:51.5Z", "2024-10-05T18:36:25.702Z"),
        *("2024-08-20t01:02:03.1234567+05:30", "2024-08-20 01:02:03 -5"),
        *("2024-08-20 01:02:03 Z", "2024-01-01T25:61:00Z", "2024-01-01 00:00:00 +99:00"),
        *("=", "<<", "a: b", "a:b", "a:", "a #b", "a#b", "http://x.example/a?b=c#d", "C#"),
        *("- a", "-a", "? a", "?a", ":a", "a, b", "[a]", "{a: 1}", "&x a", "*x", "!!str a"),
        *("|", ">-", "%x", "@x", "`x`", "...", "---"),
    ]
)
_PLAIN = st.one_of(_WORDS, _TYPED, _RANDOM_TEXT)


@st.composite
def _quoted(draw: st.DrawFn) -> str:
    inner = draw(st.one_of(_RANDOM_TEXT, _TYPED, _WORDS))
    style = draw(st.sampled_from(["double", "double-escaped", "single", "single-escaped", "raw"]))
    if style == "double":
        return '"' + inner.replace("\\", "").replace('"', "") + '"'
    if style == "double-escaped":
        return '"' + inner.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if style == "single":
        return "'" + inner.replace("'", "") + "'"
    if style == "single-escaped":
        return "'" + inner.replace("'", "''") + "'"
    return draw(st.sampled_from(['"', "'"])) + inner + draw(st.sampled_from(['"', "'", ""]))


_SCALAR = st.one_of(_PLAIN, _quoted())


@st.composite
def _flow_list(draw: st.DrawFn) -> str:
    items = draw(st.lists(_SCALAR, max_size=4))
    inner = draw(st.sampled_from([", ", ",", " , ", ",  "])).join(items)
    if draw(st.booleans()):
        inner = " " + inner + " "
    if draw(st.integers(0, 5)) == 0:
        inner += ","
    return "[" + inner + "]"


_VALUE = st.one_of(_SCALAR, _flow_list())
_SEPARATOR: _Part = (st.sampled_from([": ", ":  "]), st.sampled_from([":", " : ", ":\t"]))
_TRAILING: _Part = (
    st.sampled_from(["", " ", "   "]),
    st.sampled_from([" # note", "\t", "#", "\x85"]),
)
_DASH: _Part = (st.just("- "), st.sampled_from(["-  ", "-", "-\t", "--"]))

_ODD_LINE = st.sampled_from(
    [
        *("", "  ", "# comment", "  # comment", "  continued", "    - nested", "- stray"),
        *("---", "--- x", "...", "? key", ": value", "&a x: 1", "x: &a 1", "y: *a"),
        *("x: |", "  block", "x: >", "x: !!str 1", "x: {a: 1}", "x: [a, [b]]"),
        *("%YAML 1.1", "\ufefftitle: x", "\ttitle: x", "title: again", "tags: again"),
        *("x: a\x85b", "x: a\tb", "x: 'a\x85  b'", "x: a\u2028  b", "x: a\u2029"),
    ]
)


@st.composite
def front_matters(draw: st.DrawFn) -> str:
    """The accepted shapes; in half of them some parts are near misses, or a line is odd.

    Values are always drawn from the full `_VALUE`/`_SCALAR` mix, near misses included.
    """
    near_miss = draw(st.booleans())

    def odd() -> bool:
        return near_miss and draw(st.integers(0, 4)) == 0

    def part(choices: _Part) -> str:
        usual, unusual = choices
        return draw(unusual) if odd() else draw(usual)

    lines: list[str] = []
    keys: set[str] = set()
    for _ in range(draw(st.integers(1, 4))):
        key = part(_KEYS)
        if key in keys and not near_miss:
            continue
        keys.add(key)
        if draw(st.booleans()):
            lines.append(key + part(_SEPARATOR) + draw(_VALUE) + part(_TRAILING))
            continue
        lines.append(key + ":" + part(_TRAILING))
        indent = draw(st.sampled_from([2, 0, 4, 1]))
        for _ in range(draw(st.integers(0, 3))):
            this = indent + draw(st.sampled_from([1, 2])) if odd() else indent
            lines.append(" " * this + part(_DASH) + draw(_SCALAR) + part(_TRAILING))
    if near_miss and draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), draw(_ODD_LINE))
    return "\n".join(lines)


# Only what the simple reader promises to take: distinct keys, safe values.
_SAFE_TEXT = st.from_regex(
    r"[A-Za-z][A-Za-z0-9 ,./()'!?&*|>%@`\[\]{}-]{0,30}[A-Za-z0-9.)]", fullmatch=True
)
_SAFE_SCALAR = st.one_of(
    _SAFE_TEXT,
    st.sampled_from(["2024-08-20", "2024-10-05T18:36:25.702Z", "2024-08-20 11:33:51", "42", "yes"]),
    _SAFE_TEXT.map(lambda s: '"' + s.replace('"', "") + ': x"'),
    _SAFE_TEXT.map(lambda s: "'" + s.replace("'", "''") + " # y'"),
    st.text(st.characters(codec="utf-8", categories=["L", "N"]), min_size=1, max_size=10),
)


@st.composite
def accepted_front_matters(draw: st.DrawFn) -> str:
    keys = draw(
        st.lists(
            st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True).filter(
                lambda k: k not in {"yes", "no", "on", "off", "null", "true", "false"}
            ),
            min_size=1,
            max_size=8,
            unique=True,
        )
    )
    lines: list[str] = []
    for key in keys:
        if draw(st.booleans()):
            lines.append(f"{key}: {draw(_SAFE_SCALAR)}")
            continue
        lines.append(f"{key}:")
        indent = " " * draw(st.sampled_from([0, 2, 4]))
        lines.extend(f"{indent}- {draw(_SAFE_SCALAR)}" for _ in range(draw(st.integers(0, 3))))
    return "\n".join(lines)


# --------------------------------------------------------------------------- properties


@_SETTINGS
@given(front_matters())
def test_simple_reader_agrees_with_yaml_or_declines(front_matter: str) -> None:
    event("simple" if assert_agrees(front_matter) else "declined")


@_SETTINGS
@given(accepted_front_matters())
def test_simple_reader_takes_the_common_shapes(front_matter: str) -> None:
    assert assert_agrees(front_matter), front_matter


@_SETTINGS
@given(front_matters(), st.sampled_from(["", "\nbody", "\n## Part 1. x\nOpen it\n"]))
def test_loads_is_the_same_with_and_without_the_simple_reader(front_matter: str, body: str) -> None:
    text = "---\n" + front_matter + "\n---" + body
    fast = _outcome(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader, "_parse_simple_front_matter", lambda _: None)
        slow = _outcome(text)
    assert fast == slow


def _outcome(text: str) -> object:
    try:
        article = loads(text, "x.md")
    except ArticleError as error:
        return ("error", str(error), error.diagnostic)
    return ("ok", repr(dict(article.meta)), article.diagnostics, article.body_line)


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize("path", REAL_ARTICLES, ids=lambda p: p.name)
def test_real_articles_take_the_simple_path(path: Path) -> None:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    front_matter, _, _ = reader._split_front_matter(text, path.name)
    assert assert_agrees(front_matter)


@pytest.mark.parametrize(
    ("front_matter", "expected"),
    [
        ("title: Hello", {"title": "Hello"}),
        ("title: a:b", {"title": "a:b"}),
        ("title: 'a #b'", {"title": "a #b"}),
        ("title: C# and F#", {"title": "C# and F#"}),
        ("title:   spaced   out   ", {"title": "spaced   out"}),
        ('title: "a: b # c"', {"title": "a: b # c"}),
        ('title: "\\"q\\" \\\\"', {"title": '"q" \\'}),
        ("title: 'it''s'", {"title": "it's"}),
        ("title: ''", {"title": ""}),
        ("title: '<<'", {"title": "<<"}),
        ("title: 2024", {"title": 2024}),
        ("title: yes", {"title": True}),
        ("title:", {"title": None}),
        ("title: ~", {"title": None}),
        ("tags: [a, 'b c', \"d\",]", {"tags": ["a", "b c", "d"]}),
        ("tags: []", {"tags": []}),
        ("tags:\n- a\n- b", {"tags": ["a", "b"]}),
        ("tags:\n\n    - a\n\n    - 1.5\nx: y", {"tags": ["a", 1.5], "x": "y"}),
    ],
)
def test_simple_values(front_matter: str, expected: dict[str, object]) -> None:
    fast = reader._parse_simple_front_matter(front_matter)
    assert fast is not None
    assert repr(fast[0]) == repr(expected)
    assert assert_agrees(front_matter)


@pytest.mark.parametrize(
    "front_matter",
    [
        "title: &a x",
        "title: *a",
        "title: !!str 1",
        "title: |\n  block",
        "title: >\n  folded",
        "title: multi\n  line",
        "title:\n  multi line",
        "title: x # comment",
        "title: a: b",
        "title: x:",
        "title: 'open\n  close'",
        '"title": x',
        "title : x",
        "title:\tx",
        "\ttitle: x",
        "# comment\ntitle: x",
        "title: x\ntitle: y",
        "title: {a: 1}",
        "title: [a, [b]]",
        "title: [a: b]",
        "title: [a,,b]",
        "title: - a",
        "title: ? a",
        'title: "a\\tb"',
        'title: "a\\nb"',
        "title: <<",
        "title: =",
        "yes: x",
        "tags:\n  - a\n    - b",
        "tags:\n  - a\n - b",
        "tags:\n  -  a",
        "tags:\n  -",
        "title: x\n  - a",
        "- a",
        "",
        "title: " + "1" * 5000,
    ],
)
def test_left_to_yaml(front_matter: str) -> None:
    prepared = _prepared(front_matter)
    assert prepared is not None
    assert reader._parse_simple_front_matter(prepared) is None


def test_yaml_errors_keep_their_line() -> None:
    with pytest.raises(ArticleError) as info:
        loads("---\ntitle: x\ndescription: a: b\n---\nbody", "e.md")
    assert info.value.diagnostic.line == 3
    with pytest.raises(ArticleError) as info:
        loads("---\ntitle: x\ntags:\n  - a\ntitle: y\n---\nbody", "d.md")
    assert "duplicate key 'title'" in str(info.value)
    assert info.value.diagnostic.line == 5
