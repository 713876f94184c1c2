"""Slugs: safe single path segments, stable, unique, readable where the text allows."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cleanguide.slugs import RESERVED, slug_for_article, slugify, unique_slug

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
FULLWIDTH = "".join(chr(ord(c) + 0xFEE0) for c in "FULLWIDTH")  # \uff26\uff35...


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Ultimate Guide: 3 Superior Techniques for Android Data Backup",
            "ultimate-guide-3-superior-techniques-for-android-data-backup",
        ),
        ("Crème Brûlée — Straße Ærø", "creme-brulee-strasse-aero"),
        ("Don\u2019t Panic: It's Fine", "dont-panic-its-fine"),
        ("\ufb01le \u2460 " + FULLWIDTH, "file-1-fullwidth"),
        ("../../etc/passwd", "etc-passwd"),
        ("a\\b/c.d..e\x00f", "a-b-c-d-e-f"),
        ("  --Leading and trailing--  ", "leading-and-trailing"),
        ("iPhone 15 の使い方", "iphone-15"),  # mostly Latin: the ASCII part is enough
    ],
)
def test_slugify_examples(text: str, expected: str) -> None:
    assert slugify(text) == expected


@pytest.mark.parametrize(
    "text", ["写真のバックアップ方法", "Как сделать резервную копию", "", "!!!", "...", "第1章"]
)
def test_non_latin_or_empty_text_gets_a_stable_hash_slug(text: str) -> None:
    slug = slugify(text)
    assert SLUG.fullmatch(slug)
    assert re.search(r"(^|-)g-[0-9a-f]{8}$", slug)
    assert slugify(text) == slug


def test_different_non_latin_titles_get_different_slugs() -> None:
    assert slugify("写真のバックアップ") != slugify("連絡先のバックアップ")


def test_partly_latin_title_keeps_its_ascii_prefix() -> None:
    assert slugify("第1章").startswith("1-g-")


def test_long_text_is_cut_at_a_word_boundary() -> None:
    slug = slugify("backup " * 40)
    assert len(slug) <= 80
    assert not slug.endswith("-")
    assert slug.endswith("backup")


def test_hash_slug_fits_small_budget() -> None:
    slug = slugify("abc " + "日本語" * 50, max_bytes=16)
    assert len(slug) <= 16
    assert SLUG.fullmatch(slug)


def test_max_bytes_too_small_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        slugify("x", max_bytes=4)


def test_unique_slug_suffixes_deterministically() -> None:
    assert unique_slug("backup", set()) == "backup"
    assert unique_slug("backup", {"backup"}) == "backup-2"
    assert unique_slug("backup", {"backup", "backup-2"}) == "backup-3"


def test_unique_slug_does_not_modify_taken() -> None:
    taken = {"a"}
    unique_slug("a", taken)
    assert taken == {"a"}


@pytest.mark.parametrize("name", sorted(RESERVED))
def test_reserved_names_are_never_returned_bare(name: str) -> None:
    assert unique_slug(name, set()) == f"{name}-2"
    assert unique_slug(name, {f"{name}-2"}) == f"{name}-3"


@pytest.mark.parametrize("name", ["con", "nul", "lpt1"])
def test_windows_device_names_are_reserved(name: str) -> None:
    assert unique_slug(name, set()) == f"{name}-2"


def test_unique_slug_stays_within_budget() -> None:
    base = "a" * 80
    slug = unique_slug(base, {base})
    assert len(slug) <= 80
    assert slug.endswith("-2")


def test_unique_slug_refuses_empty_base() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        unique_slug("", set())


@pytest.mark.parametrize(
    ("source", "title", "expected"),
    [
        ("android-photo-backup.md", "Anything", "android-photo-backup"),
        ("guides/Android_Photo Backup.markdown", "Anything", "android-photo-backup"),
        ("notes/Backup Photos.txt", "Anything", "backup-photos"),
        ("使い方.md", "How to Back Up Photos", "how-to-back-up-photos"),
        ("---.md", "Fallback Title", "fallback-title"),
        (".md", "Dot File", "dot-file"),
    ],
)
def test_slug_for_article(source: str, title: str, expected: str) -> None:
    assert slug_for_article(source, title) == expected


def test_slug_for_article_non_latin_everything_still_gives_a_slug() -> None:
    slug = slug_for_article("写真.md", "写真のバックアップ")
    assert SLUG.fullmatch(slug)
    assert slug == slug_for_article("写真.md", "写真のバックアップ")


@given(st.text(max_size=300), st.integers(min_value=16, max_value=120))
def test_slugify_properties(text: str, max_bytes: int) -> None:
    slug = slugify(text, max_bytes=max_bytes)
    assert slug  # never empty
    assert SLUG.fullmatch(slug)  # no separators, dots, NUL, leading/trailing or double '-'
    assert slug not in (".", "..")
    assert len(slug.encode("utf-8")) <= max_bytes
    assert slugify(text, max_bytes=max_bytes) == slug  # deterministic
    assert slugify(slug, max_bytes=max_bytes) == slug  # idempotent


@given(st.text(min_size=1, max_size=40), st.sets(st.text(max_size=45), max_size=20))
def test_unique_slug_properties(base: str, taken: set[str]) -> None:
    slug = unique_slug(base, taken)
    assert slug not in taken
    assert slug.lower() not in RESERVED
    assert unique_slug(base, taken) == slug
