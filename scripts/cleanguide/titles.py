"""Titles and descriptions as the library shows them: a short title, a one-sentence summary.

A content-farm title is often long and padded ("Ultimate Guide: 3 Superior Techniques for
Android Data Backup"). The sidebar, breadcrumbs and previous/next links name a guide by its
*short title*; the guide's own page, the guides index and the browser tab keep the full one.

The short title is the front matter's `short_title` when the article has one. Otherwise it
is the title itself when it has at most `SHORT_TITLE_MAX` characters, else the first of
these that fits, each applied to the result of the one before:

1. without a site suffix: the part after the last " | " or " - " (or an en or em dash);
2. without a leading year or bracketed label: "In 2024,", "2024 Approved", "[Solved]";
3. without a leading label of at most three words ending in ":" ("Ultimate Guide:");
4. cut at the last word that fits, with "…".

Steps 1-3 only apply when enough words are left (at least three), so a title is never cut
down to a fragment.
"""

from __future__ import annotations

import re

SHORT_TITLE_MAX = 60
"""Longest title shown as is in the sidebar, breadcrumbs and previous/next links."""
DESCRIPTION_MAX = 200
"""Longest description shown in the guides index, topic pages and the home page."""
_MIN_WORDS = 3

_QUOTES = "\"'“”‘’«»"
_SUFFIX = re.compile(r"\s+(?:\||-|–|—)\s+(?P<suffix>[^|–—]+?)\s*$")
_LEADING_YEAR = re.compile(
    r"^(?:in\s+)?(?:19|20)\d{2}(?:\s+(?:approved|updated|edition|guide))?\s*[,:]?\s+"
    r"|^[\[(][^\])]{1,30}[\])]\s*",
    re.IGNORECASE,
)
_LEADING_LABEL = re.compile(r"^(?P<label>[^:]{1,40}?):\s+(?P<rest>.+)$")
# A sentence ends at ., ! or ? followed by a space and an upper-case letter, a digit or a
# quote; "e.g. this" and "v1.2 is" do not end one.
_SENTENCE_END = re.compile(r"(?<=[^\s.][.!?])\s+(?=[\"“(\[A-Z0-9])")


def _words(text: str) -> int:
    return len(text.split())


def short_title(title: str, limit: int = SHORT_TITLE_MAX) -> str:
    """The label a long title gets in navigation (see the module docstring for the rules)."""
    text = " ".join(title.split()).strip(_QUOTES + " ")
    if len(text) <= limit:
        return text
    for shorten in (_without_suffix, _without_leading_year, _without_leading_label):
        shorter = shorten(text)
        if _words(shorter) >= _MIN_WORDS:
            text = shorter
        if len(text) <= limit:
            return text
    return cut(text, limit)


def _without_suffix(text: str) -> str:
    m = _SUFFIX.search(text)
    if m and _words(m.group("suffix")) <= 6:
        return text[: m.start()].rstrip(" ,;:")
    return text


def _without_leading_year(text: str) -> str:
    rest = _LEADING_YEAR.sub("", text, count=1)
    return rest[:1].upper() + rest[1:] if rest != text else text


def _without_leading_label(text: str) -> str:
    m = _LEADING_LABEL.match(text)
    if m and _words(m.group("label")) <= 3:
        rest = m.group("rest")
        return rest[:1].upper() + rest[1:]
    return text


def cut(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else cut at a word boundary with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space >= limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:.-–—") + "…"


def first_sentence(text: str, limit: int = DESCRIPTION_MAX) -> str:
    """The first sentence of a paragraph of plain text, cut to `limit` characters."""
    text = " ".join(text.split())
    if not text:
        return ""
    parts = _SENTENCE_END.split(text, maxsplit=1)
    return cut(parts[0], limit)


__all__ = ["DESCRIPTION_MAX", "SHORT_TITLE_MAX", "cut", "first_sentence", "short_title"]
