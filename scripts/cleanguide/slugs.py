"""URL slugs for guides and pages: short, lowercase ASCII, safe as one path segment.

Slugs become folder names in the built site and parts of URLs, so they are limited to
`[a-z0-9-]`: no separators, dots, NUL or anything a file system or URL treats specially.

Non-Latin text. Accented Latin letters are folded to ASCII (NFKD, marks stripped, plus
a few letters NFKD leaves alone such as ß, æ, ø, ł). Letters with no ASCII form
(Japanese, Cyrillic, Arabic...) are not transliterated: that would need a large table
and still give poor, language-dependent results. Instead, when such letters make up
most of the text, the slug gets a `g-` + 8 hex digits suffix taken from the SHA-1 of the
NFC-normalised text. It is stable across runs and machines, never empty, and two
different titles only share it by hash collision (which `unique_slug` still resolves).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import PurePosixPath

from .defaults import ARTICLE_SUFFIXES

DEFAULT_MAX_BYTES = 80
MIN_MAX_BYTES = 16
"""Smallest `max_bytes` accepted: room for a hash slug (`g-` + 8 hex) and a suffix."""

RESERVED = frozenset(
    {"index", "assets", "search", "guides", "topics", "stylesheets", "javascripts"}
)
"""Names the site layout uses itself: a guide with one of these slugs would clash."""
# Device names Windows refuses as file or folder names, whatever the extension.
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{dev}{n}" for dev in ("com", "lpt") for n in range(10)}
)

# `page-2`, `page-3`...: the later pages of the guides index and of topic pages.
_PAGING = re.compile(r"page-[0-9]+")

_HASH_PREFIX = "g-"
_HASH_HEX = 8

# Latin letters NFKD does not decompose into ASCII.
_FOLD = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "ł": "l",
        "Ł": "l",
        "\u0131": "i",  # dotless i
        "ħ": "h",
        "Ħ": "h",
    }
)
# Apostrophes join words rather than separate them: "don't" -> "dont".
_APOSTROPHES = re.compile("['\u2019\u02bc]")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """A non-empty `[a-z0-9-]` slug of at most `max_bytes` bytes; same text, same slug.

    Never starts or ends with `-`, never contains `--`, so `slugify(slugify(t)) ==
    slugify(t)`.
    """
    if max_bytes < MIN_MAX_BYTES:
        raise ValueError(f"max_bytes must be at least {MIN_MAX_BYTES}, got {max_bytes}")
    folded, lost_letters = _ascii_slug(text)
    if _names_text(folded, lost_letters):
        return _truncate(folded, max_bytes)
    # Mostly non-Latin (or nothing usable at all): keep whatever ASCII there is as a
    # readable prefix and make the slug distinct with a hash of the full text.
    suffix = _HASH_PREFIX + _text_hash(text)
    room = max_bytes - len(suffix) - 1
    prefix = _truncate(folded, room) if folded and room > 0 else ""
    return f"{prefix}-{suffix}" if prefix else suffix


def ascii_slug(text: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The slug of the Latin letters and digits of `text` alone, others dropped ("" when it
    has none): for names that need no hash to stay apart, such as a screenshot's file name
    beside the hash of its bytes."""
    return _truncate(_ascii_slug(text)[0], max_bytes)


def unique_slug(base: str, taken: set[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """`base`, or `base-2`, `base-3`... : the first not in `taken` and not a reserved name.

    Pure: `taken` is not modified; the caller adds the result. Suffixed slugs are kept
    within `max_bytes` by shortening `base`.
    """
    if not base:
        raise ValueError("unique_slug needs a non-empty base slug")
    if not _is_reserved(base) and base not in taken:
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        stem = base[: max(1, max_bytes - len(suffix))].rstrip("-") or base[:1]
        candidate = stem + suffix
        if candidate not in taken and not _is_reserved(candidate):
            return candidate
        number += 1


def topic_slug(name: str) -> str:
    """The folder of a topic's pages: its slug, never a reserved or paging name.

    Same name, same slug, whatever else the library holds: a guide can link its topics
    without knowing the rest of the library.
    """
    slug = slugify(name, max_bytes=60)
    return f"{slug}-topic" if _is_reserved(slug) else slug


def slug_for_article(source: str, title: str) -> str:
    """The guide slug: from the file name, which the user chose and which stays stable.

    `android-photo-backup.md` -> `android-photo-backup` (so `.markdown` and `.txt`). Falls
    back to the title when the stem has no ASCII letters or digits (`使い方.md`, `---.md`).
    """
    stem = PurePosixPath(source.replace("\\", "/")).name
    for suffix in ARTICLE_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    if _names_text(*_ascii_slug(stem)):
        return slugify(stem)
    return slugify(title)


def _ascii_slug(text: str) -> tuple[str, int]:
    """The ASCII slug of `text` and how many letters had no ASCII form."""
    if text.isascii():  # nothing to fold (the table and NFKD only touch non-ASCII)
        return _NOT_SLUG.sub("-", _APOSTROPHES.sub("", text.lower())).strip("-"), 0
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    folded = "".join(c for c in folded if not unicodedata.combining(c)).translate(_FOLD)
    folded = _APOSTROPHES.sub("", folded.lower())
    lost = sum(1 for c in folded if c.isalpha() and not c.isascii())
    return _NOT_SLUG.sub("-", folded).strip("-"), lost


def _names_text(folded: str, lost_letters: int) -> bool:
    """Whether an ASCII slug stands for its text on its own: it is not empty, and its text
    lost no more letters (those with no ASCII form) than the slug kept."""
    return bool(folded) and lost_letters <= sum(c.isalpha() for c in folded)


def _truncate(slug: str, max_bytes: int) -> str:
    """Cut an ASCII slug to `max_bytes`, at a word boundary when one is reasonably close."""
    if len(slug) <= max_bytes:
        return slug
    cut = slug[:max_bytes]
    boundary = cut.rfind("-")
    if boundary >= max_bytes // 2:
        cut = cut[:boundary]
    return cut.strip("-")


def _text_hash(text: str) -> str:
    normalised = unicodedata.normalize("NFC", text).strip()
    digest = hashlib.sha1(normalised.encode("utf-8", "surrogatepass"), usedforsecurity=False)
    return digest.hexdigest()[:_HASH_HEX]


def _is_reserved(slug: str) -> bool:
    lowered = slug.lower()
    return lowered in RESERVED or lowered in _WINDOWS_DEVICES or bool(_PAGING.fullmatch(lowered))
