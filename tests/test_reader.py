"""The reader on hostile input: encodings, sizes, front-matter attacks, paths."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cleanguide.diagnostics import ArticleError, Severity
from cleanguide.meta import Meta, parse_date
from cleanguide.reader import MAX_BYTES, MAX_LINE_CHARS, load, loads

FIXTURES = Path(__file__).parent / "fixtures" / "hostile" / "reader"

MINIMAL = "---\ntitle: Hello\n---\nBody line\n"


def refused(data: bytes | str, source: str = "art.md") -> ArticleError:
    with pytest.raises(ArticleError) as info:
        loads(data, source)
    return info.value


def refused_fixture(name: str) -> ArticleError:
    with pytest.raises(ArticleError) as info:
        load(FIXTURES / name, root=FIXTURES)
    return info.value


def assert_at(error: ArticleError, source: str, line: int) -> None:
    """The message names the file and the line, as `file:line:`."""
    assert f"{source}:{line}:" in str(error)
    assert error.diagnostic.line == line
    assert error.diagnostic.source == source


# --------------------------------------------------------------------------- happy path


def test_valid_fixture_keeps_only_allowlisted_keys() -> None:
    article = load(FIXTURES / "valid.md", root=FIXTURES)
    assert article.source == "valid.md"
    assert article.meta == Meta(
        title="How to Back Up Photos",
        description="Two ways to keep your pictures safe.",
        date=dt.datetime(2024, 8, 18, 9, 17, 39, 843000, tzinfo=dt.timezone.utc),
        updated=dt.datetime(2024, 8, 20, 11, 33, 51),
        tags=("backup", "android"),
        categories=("android",),
    )
    # thumbnail and keywords are dropped silently: they cannot change the site.
    assert article.diagnostics == ()
    assert article.body_line == 13
    assert article.body.startswith("\n## Part 1. Google Photos\n")
    assert article.line_of(article.body.index("Open the app")) == 16


def test_source_is_posix_relative_to_root(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text(MINIMAL, encoding="utf-8")
    assert load(tmp_path / "sub" / "a.md", root=tmp_path).source == "sub/a.md"


def test_str_input_and_dot_closing_fence() -> None:
    article = loads("\ufeff---\ntitle: Hi\n...\nbody", "s.md")
    assert article.meta.title == "Hi"
    assert article.body == "body"
    assert article.body_line == 4


def test_body_line_is_line_after_closing_fence() -> None:
    article = loads("---\ntitle: T\ntags: [a]\n---\nfirst\nsecond", "b.md")
    assert article.body_line == 5
    assert article.body == "first\nsecond"
    assert article.line_of(article.body.index("second")) == 6


# --------------------------------------------------------------------------- decoding


def test_utf8_bom_is_stripped() -> None:
    article = loads(b"\xef\xbb\xbf" + MINIMAL.encode(), "bom.md")
    assert article.meta.title == "Hello"
    assert article.diagnostics == ()


def test_crlf_and_lone_cr_are_normalised() -> None:
    crlf = loads(MINIMAL.replace("\n", "\r\n").encode(), "crlf.md")
    assert crlf.meta.title == "Hello"
    assert "\r" not in crlf.body
    assert crlf.body == "Body line\n"
    cr = loads(b"---\rtitle: Old Mac\r---\rone\rtwo", "cr.md")
    assert cr.meta.title == "Old Mac"
    assert cr.body == "one\ntwo"
    assert cr.line_of(cr.body.index("two")) == 5


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")]
)
def test_utf16_with_bom_is_decoded(encoding: str, bom: bytes) -> None:
    text = "---\r\ntitle: Sauvegarde des photos \u2013 été\r\n---\r\nCorps\r\n"
    article = loads(bom + text.encode(encoding), "wide.md")
    assert article.meta.title == "Sauvegarde des photos \u2013 été"
    assert article.body == "Corps\n"
    assert article.diagnostics == ()


def test_broken_utf16_names_offset_and_line() -> None:
    # A lone high surrogate on line 3.
    data = b"\xff\xfe" + "---\ntitle: x\n".encode("utf-16-le") + b"\x00\xd8" + b"a\x00"
    error = refused(data, "wide.md")
    assert_at(error, "wide.md", 3)
    assert "byte offset 28" in str(error)


def test_bomless_utf16_is_refused_not_garbled() -> None:
    error = refused(MINIMAL.encode("utf-16-le"), "nobom.md")
    assert_at(error, "nobom.md", 1)
    assert "UTF-16" in str(error)


def test_invalid_utf8_names_byte_offset_and_line() -> None:
    data = b"---\ntitle: ok\n---\nline four\nbad \xff byte\n"
    error = refused(data, "bad.md")
    assert_at(error, "bad.md", 5)
    offset = data.index(b"\xff")
    assert f"byte offset {offset}" in str(error)


def test_cp1252_bytes_are_refused_with_a_hint() -> None:
    data = "---\ntitle: Café “smart” quotes\n---\n".encode("cp1252")
    error = refused(data, "cp1252.md")
    assert_at(error, "cp1252.md", 2)
    assert "byte offset 14" in str(error)
    assert "Windows-1252" in str(error)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
        (bytes(range(1, 9)) * 80 + b"\xb4\x9c", "a binary file"),
    ],
)
def test_a_binary_file_is_refused_as_one(data: bytes, kind: str) -> None:
    """Not as text in the wrong encoding ("is it Windows-1252?")."""
    error = refused(data, "shot.md")
    assert_at(error, "shot.md", 1)
    assert f"not a text file: it looks like {kind}" in str(error)
    assert "Windows-1252" not in str(error)


def test_invalid_utf8_after_crlf_counts_lines_like_the_text() -> None:
    error = refused(b"---\r\ntitle: a\r\n\r\n\xc3(", "crlf.md")
    assert_at(error, "crlf.md", 4)


def test_nul_and_controls_are_removed_with_one_warning() -> None:
    data = b"---\ntitle: Hello\n---\nfine\nNUL\x00here\x07 and \xc2\x85 C1\n\x00\n"
    article = loads(data, "nul.md")
    assert article.body == "fine\nNULhere and  C1\n\n"
    (warning,) = article.diagnostics
    assert warning.severity is Severity.WARNING
    assert warning.line == 5
    assert "4 control" in warning.message


def test_nul_and_bidi_in_title_are_cleaned() -> None:
    data = '---\ntitle: "Pay\x00\u202epal\u202c \u200b login\u2066"\n---\n'.encode()
    article = loads(data, "t.md")
    assert article.meta.title == "Paypal login"
    assert [d.line for d in article.diagnostics] == [2]


def test_bidi_fixture_cleans_title_description_and_tags() -> None:
    article = load(FIXTURES / "bidi_title.md", root=FIXTURES)
    assert article.meta.title == "Safegpj.exe guide here"
    assert article.meta.description == "spaced out"
    assert article.meta.tags == ("ok", "zerowidth")
    (warning,) = article.diagnostics
    assert warning.line == 5
    assert "42" in warning.message


# --------------------------------------------------------------------------- size budget


def test_oversize_bytes_are_refused() -> None:
    error = refused(b"---\ntitle: big\n---\n" + b"a\n" * MAX_BYTES, "big.md")
    assert "too large" in str(error)
    assert "big.md" in str(error)


def test_oversize_str_is_refused() -> None:
    error = refused("é" * (MAX_BYTES // 2 + 1), "big.md")  # 2 bytes per char in UTF-8
    assert "too large" in str(error)


def test_oversize_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.md"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(ArticleError, match="too large") as info:
        load(path, root=tmp_path)
    assert "big.md" in str(info.value)


def test_huge_line_is_refused_with_its_number() -> None:
    data = "---\ntitle: x\n---\n" + "a" * (MAX_LINE_CHARS + 1) + "\n"
    error = refused(data, "long.md")
    assert_at(error, "long.md", 4)
    assert "line 4 too long" in str(error)


def test_line_at_the_limit_is_accepted() -> None:
    article = loads("---\ntitle: x\n---\n" + "a" * MAX_LINE_CHARS, "edge.md")
    assert len(article.body) == MAX_LINE_CHARS


def test_oversize_front_matter_is_refused() -> None:
    data = "---\ntitle: x\n" + "# padding\n" * 7000 + "---\n"
    error = refused(data, "fm.md")
    assert_at(error, "fm.md", 1)
    assert "front matter too large" in str(error)


# --------------------------------------------------------------------------- front matter


def test_no_front_matter_is_titled_by_its_first_heading() -> None:
    article = load(FIXTURES / "no_front_matter.md", root=FIXTURES)
    assert article.meta == Meta("Just a heading")
    assert article.body.startswith("# Just a heading") and article.body_line == 1
    [warning] = article.diagnostics
    assert (warning.severity, warning.line) == (Severity.WARNING, 1)
    assert warning.message == "no front matter: titled 'Just a heading' after its first heading"


@pytest.mark.parametrize(
    ("text", "title", "line"),
    [
        ("Intro.\n\n# The **real** [title](x)\n", "The real title", 3),
        ("Intro.\n\nSetext title\n============\n", "Setext title", 3),
        ("```\n# not a heading\n```\n\n# After the code\n", "After the code", 5),
        ("## Only a second level\n\ntext\n", "How to back up", 1),
        ("plain text\n", "How to back up", 1),
    ],
)
def test_without_front_matter_the_title_is_the_first_h1_else_the_file_name(
    text: str, title: str, line: int
) -> None:
    article = loads(text, "guides/how-to_back.up.md")
    assert article.meta.title == title
    assert [d.line for d in article.diagnostics] == [line]
    assert article.diagnostics[0].message.startswith("no front matter: titled")


def test_empty_file_is_refused() -> None:
    error = refused(b"", "empty.md")
    assert_at(error, "empty.md", 1)
    assert "the file is empty" in str(error)
    assert "empty" in str(refused(b" \n\n\t\n", "blank.md"))


@pytest.mark.parametrize("end", [" ", "\t", " \t ", "\t\t"])
def test_trailing_whitespace_on_front_matter_lines_is_tolerated(end: str) -> None:
    text = f"---{end}\ntitle: Tabbed{end}\ndate: 2024-05-01{end}\ntags:{end}\n  - a{end}\n---{end}\nbody"
    article = loads(text, "tab.md")
    assert article.meta == Meta("Tabbed", date=dt.date(2024, 5, 1), tags=("a",))
    assert article.diagnostics == () and article.body == "body"


def test_unterminated_front_matter_names_opening_line() -> None:
    error = refused_fixture("unterminated.md")
    assert_at(error, "unterminated.md", 1)
    assert "unterminated" in str(error)


def test_billion_laughs_is_refused_quickly() -> None:
    started = time.perf_counter()
    error = refused_fixture("billion_laughs.md")
    assert time.perf_counter() - started < 1.0
    assert_at(error, "billion_laughs.md", 3)
    assert "alias" in str(error)


def test_alias_without_anchor_is_refused() -> None:
    error = refused_fixture("alias_only.md")
    assert_at(error, "alias_only.md", 3)
    assert "alias" in str(error)


def test_deep_nesting_is_refused() -> None:
    error = refused_fixture("deep_nesting.md")
    assert_at(error, "deep_nesting.md", 13)
    assert "nested deeper than 10" in str(error)


def test_deep_flow_nesting_is_refused_without_recursion() -> None:
    data = "---\ntitle: x\nv: " + "[" * 5000 + "]" * 5000 + "\n---\n"
    error = refused(data, "flow.md")
    assert_at(error, "flow.md", 3)


def test_nesting_at_the_limit_is_accepted() -> None:
    # The top mapping is level 1, so nine more levels are allowed.
    data = "---\ntitle: x\nv: " + "[" * 9 + "]" * 9 + "\n---\n"
    assert loads(data, "ok.md").meta.title == "x"


def test_list_front_matter_is_refused() -> None:
    error = refused_fixture("list_front_matter.md")
    assert_at(error, "list_front_matter.md", 2)
    assert "front matter must be a mapping" in str(error)


def test_scalar_front_matter_is_refused() -> None:
    error = refused_fixture("scalar_front_matter.md")
    assert_at(error, "scalar_front_matter.md", 2)
    assert "front matter must be a mapping" in str(error)


def test_empty_front_matter_is_refused() -> None:
    error = refused("---\n---\nbody", "null.md")
    assert_at(error, "null.md", 1)
    assert "front matter must be a mapping" in str(error)


def test_duplicate_keys_name_key_and_line() -> None:
    error = refused_fixture("duplicate_keys.md")
    assert_at(error, "duplicate_keys.md", 4)
    assert "duplicate key 'title'" in str(error)


def test_duplicate_keys_in_nested_mapping() -> None:
    error = refused("---\ntitle: x\nextra:\n  a: 1\n  a: 2\n---\n", "nested.md")
    assert_at(error, "nested.md", 5)


def test_yaml_syntax_error_maps_to_file_line() -> None:
    error = refused_fixture("yaml_syntax.md")
    assert_at(error, "yaml_syntax.md", 4)
    assert "not valid YAML" in str(error)


@pytest.mark.parametrize(
    "value",
    ["!!python/object/apply:os.system ['true']", "!!timestamp soon", "!!bool maybe", "!x y"],
)
def test_explicit_tags_are_refused(value: str) -> None:
    error = refused(f"---\ntitle: x\nx: {value}\n---\n", "tag.md")
    assert_at(error, "tag.md", 3)
    assert "tag" in str(error)


def test_unacceptable_yaml_character_has_a_line() -> None:
    error = refused("---\ntitle: x\nnote: a\uffffb\n---\n", "ffff.md")
    assert_at(error, "ffff.md", 3)


def test_integer_over_digit_limit_is_an_article_error() -> None:
    error = refused("---\ntitle: x\nn: " + "1" * 5000 + "\n---\n", "int.md")
    assert "int.md" in str(error)


# --------------------------------------------------------------------------- meta checks


def test_missing_title_comes_from_the_first_heading_or_the_file_name() -> None:
    article = load(FIXTURES / "missing_title.md", root=FIXTURES)
    assert article.meta.title == "Missing title"
    [warning] = article.diagnostics
    assert warning.line == 1
    assert warning.message == (
        "front matter has no 'title': titled 'Missing title' after its file name (no first heading)"
    )
    with_heading = loads("---\ndate: 2024-01-01\n---\n\n# From the body\n", "t.md")
    assert with_heading.meta.title == "From the body"
    assert [d.line for d in with_heading.diagnostics] == [5]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ('""', "'title' is empty"),
        ('"\u200b \u202e"', "'title' is empty"),
        ("[a]", "'title' is a list, not text"),
        ("{a: 1}", "'title' is a dict, not text"),
    ],
)
def test_unusable_title_is_replaced_with_a_warning_at_its_line(value: str, reason: str) -> None:
    article = loads(f"---\ndate: 2024-01-01\ntitle: {value}\n---\n# Heading\n", "t.md")
    assert article.meta.title == "Heading"
    [warning] = article.diagnostics
    assert warning.line == 3
    assert warning.message == f"{reason}: titled 'Heading' after its first heading"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("2024-05-01", "date"),
        ("2024-05-01 10:20:30", "date"),
        ("1.10", "number"),
        ("2024", "number"),
        ("0x1F", "number"),
        ("yes", "true/false value"),
        ("False", "true/false value"),
    ],
)
def test_a_title_yaml_reads_as_a_date_or_number_is_used_as_written(value: str, kind: str) -> None:
    for text in (f"---\ntitle: {value}\n---\n", f"---\ntitle: {value}   # a comment\n---\n"):
        article = loads(text, "t.md")  # (the comment sends it the YAML way)
        assert article.meta.title == value
        [warning] = article.diagnostics
        assert warning.line == 2
        assert warning.message == (
            f"'title' {value!r} reads as a {kind} in YAML: used as written (quote it)"
        )


def test_long_title_is_capped_with_a_warning() -> None:
    article = loads("---\ntitle: " + "word " * 100 + "\n---\n", "long.md")
    assert len(article.meta.title) <= 300
    assert [d.line for d in article.diagnostics] == [2]


def test_impossible_dates_are_dropped_with_warnings() -> None:
    article = load(FIXTURES / "impossible_date.md", root=FIXTURES)
    assert article.meta == Meta("Leap year trouble")
    assert [(d.severity, d.line) for d in article.diagnostics] == [
        (Severity.WARNING, 3),
        (Severity.WARNING, 4),
    ]
    assert "2024-02-31" in article.diagnostics[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-08-20", dt.date(2024, 8, 20)),
        ("2024-08-20 11:33:51", dt.datetime(2024, 8, 20, 11, 33, 51)),
        (
            "2024-08-18T09:17:39.843Z",
            dt.datetime(2024, 8, 18, 9, 17, 39, 843000, tzinfo=dt.timezone.utc),
        ),
        (
            "2024-08-18T09:17+02:00",
            dt.datetime(2024, 8, 18, 9, 17, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        ),
        ("last tuesday", None),
    ],
)
def test_parse_date(text: str, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


def test_quoted_dates_are_parsed() -> None:
    article = loads('---\ntitle: x\ndate: "2024-08-20 11:33:51"\nupdated: "2024-08-21"\n---\n', "d")
    assert article.meta.date == dt.datetime(2024, 8, 20, 11, 33, 51)
    assert article.meta.updated == dt.date(2024, 8, 21)


def test_non_date_value_is_dropped_with_warning() -> None:
    article = loads("---\ntitle: x\ndate: soon\nupdated: 12\n---\n", "d.md")
    assert article.meta.date is None and article.meta.updated is None
    assert [d.line for d in article.diagnostics] == [3, 4]


def test_risky_keys_warn_and_others_are_silent() -> None:
    article = load(FIXTURES / "template_key.md", root=FIXTURES)
    assert article.meta == Meta("Innocent guide")
    assert [(d.line, d.severity) for d in article.diagnostics] == [
        (3, Severity.WARNING),
        (4, Severity.WARNING),
        (5, Severity.WARNING),
    ]
    messages = " ".join(d.message for d in article.diagnostics)
    for key in ("template", "redirect_to", "hide"):
        assert key in messages
    assert "excerpt" not in messages
    assert "thumbnail" not in messages


@pytest.mark.parametrize("key", ["search", "status", "redirect_from", "Template"])
def test_other_risky_keys_warn(key: str) -> None:
    article = loads(f"---\ntitle: x\n{key}: whatever\n---\n", "r.md")
    assert article.meta == Meta("x")
    assert [d.line for d in article.diagnostics] == [3]


def test_single_string_terms_become_one_item_lists() -> None:
    article = loads("---\ntitle: x\ntags: android\ncategories: [a, 3, b, a]\n---\n", "t.md")
    assert article.meta.tags == ("android",)
    assert article.meta.categories == ("a", "b")
    assert [d.line for d in article.diagnostics] == [4]


def test_non_string_keys_and_mapping_terms() -> None:
    article = loads("---\ntitle: x\n1: one\nnull: z\ntags: {a: 1}\n---\n", "k.md")
    assert article.meta == Meta("x")
    assert [d.line for d in article.diagnostics] == [5]


def test_meta_holds_only_allowlisted_keys() -> None:
    article = loads(
        "---\ntitle: x\ndescription: d\nextra: e\nhooks: [evil.py]\nplugins: [x]\n---\n", "m.md"
    )
    assert article.meta == Meta("x", description="d")


# --------------------------------------------------------------------------- paths


def test_symlink_outside_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "content"
    root.mkdir()
    secret = tmp_path / "secret.md"
    secret.write_text(MINIMAL, encoding="utf-8")
    link = root / "link.md"
    link.symlink_to(secret)
    with pytest.raises(ArticleError, match="outside") as info:
        load(link, root=root)
    assert "link.md" in str(info.value)


def test_symlinked_directory_outside_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "content"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.md").write_text(MINIMAL, encoding="utf-8")
    (root / "dir").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ArticleError, match="outside"):
        load(root / "dir" / "a.md", root=root)


def test_symlink_inside_root_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "real.md").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "alias.md").symlink_to(tmp_path / "real.md")
    assert load(tmp_path / "alias.md", root=tmp_path).source == "alias.md"


def test_path_outside_root_is_refused(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "x.md").write_text(MINIMAL, encoding="utf-8")
    with pytest.raises(ArticleError, match="outside"):
        load(tmp_path / "content" / ".." / "x.md", root=tmp_path / "content")


def test_directory_is_not_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "dir.md").mkdir()
    with pytest.raises(ArticleError, match="not a regular file"):
        load(tmp_path / "dir.md", root=tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.md")
    with pytest.raises(ArticleError, match="not a regular file"):
        load(tmp_path / "pipe.md", root=tmp_path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="not found"):
        load(tmp_path / "nope.md", root=tmp_path)


def test_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "a.md").symlink_to(tmp_path / "b.md")
    (tmp_path / "b.md").symlink_to(tmp_path / "a.md")
    with pytest.raises(ArticleError):
        load(tmp_path / "a.md", root=tmp_path)


# --------------------------------------------------------------------------- properties


@given(st.binary(max_size=4000))
def test_loads_only_raises_article_error_on_bytes(data: bytes) -> None:
    _only_article_errors(data)


@given(st.binary(max_size=2000))
def test_loads_only_raises_article_error_inside_front_matter(data: bytes) -> None:
    _only_article_errors(b"---\ntitle: t\n" + data + b"\n---\nbody")


@given(st.text(max_size=2000))
def test_loads_only_raises_article_error_on_yaml_like_text(text: str) -> None:
    _only_article_errors("---\n" + text + "\n---\nbody")


_YAML_BITS = st.sampled_from(
    [
        "title: ",
        "date: ",
        "tags: ",
        "- ",
        "[",
        "]",
        "{",
        "}",
        ": ",
        "&a ",
        "*a",
        "!!set ",
        "!!map ",
        "!!binary ",
        "!!timestamp ",
        "!!bool ",
        "!!int ",
        "!!float ",
        "!!omap ",
        "! ",
        "!x ",
        "<<: ",
        "? ",
        "|\n",
        '"',
        "'",
        "\n",
        "  ",
        "2024-02-31",
        "2024-08-20 11:33:51",
        "1e999",
        "---",
        "...",
        "\t",
        "#",
        "x",
        "\u202e",
        "\x00",
    ]
)


@given(st.lists(_YAML_BITS, max_size=40).map("".join))
def test_loads_only_raises_article_error_on_yaml_fragments(text: str) -> None:
    _only_article_errors("---\n" + text + "\n---\nbody")


def _only_article_errors(data: bytes | str) -> None:
    try:
        article = loads(data, "fuzz.md")
    except ArticleError as error:
        assert "fuzz.md" in str(error)
        return
    assert isinstance(article.meta.title, str)
    assert article.meta.title
    assert "\r" not in article.body
    assert "\x00" not in article.body


def test_short_title_url_and_source_are_read_and_checked() -> None:
    article = loads(
        "---\ntitle: A very long title\nshort_title: '  Short  one '\n"
        "url: https://example.com/guides/a-guide/\nsource: http://www.example.org/a\n---\nx",
        "k.md",
    )
    assert article.meta.short_title == "Short one"
    assert article.meta.url == "https://example.com/guides/a-guide/"
    assert article.meta.source == "http://www.example.org/a"
    assert article.diagnostics == ()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("short_title: " + "x" * 81, "'short_title' ignored: longer than 80 characters"),
        ("short_title: [a, b]", "'short_title' ignored: expected a string, got list"),
        ("url: javascript:alert(1)", "'url' ignored: 'javascript:alert(1)' is not an http(s) URL"),
        ("source: /relative/path", "'source' ignored: '/relative/path' is not an http(s) URL"),
        ("url: 42", "'url' ignored: expected a string, got int"),
    ],
)
def test_bad_short_title_url_and_source_are_ignored_with_a_warning(
    line: str, expected: str
) -> None:
    article = loads(f"---\ntitle: T\n{line}\n---\nbody", "w.md")
    assert article.meta == Meta("T")
    (warning,) = article.diagnostics
    assert warning.message == expected and warning.line == 3
