"""The language of a guide, for search and its pages: front matter `lang`, else what its
script says.

Material's search (lunr) needs to know every language it indexes: each one brings its own
word splitting and stemming (Japanese has no spaces between words). A guide's language is
its front matter `lang` when that is one search knows, else the script most of its letters
are written in, for the scripts that name one language (kana: Japanese; Hangul: Korean...).
Latin script names no single language, so such a guide is searched in the site's language.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

SEARCH_LANGUAGES = frozenset(
    [
        "ar",
        "da",
        "de",
        "du",
        "el",
        "en",
        "es",
        "fi",
        "fr",
        "he",
        "hi",
        "hu",
        "hy",
        "it",
        "ja",
        "kn",
        "ko",
        "nl",
        "no",
        "pt",
        "ro",
        "ru",
        "sa",
        "sv",
        "ta",
        "te",
        "th",
        "tr",
        "vi",
        "zh",
    ]
)
"""The languages Material's search can index (its `lunr.<lang>.min.js`, and English)."""

# Unicode name prefix of a letter → the language its script names (None: several, see below).
_SCRIPTS = (
    ("HIRAGANA", "ja"),
    ("KATAKANA", "ja"),
    ("HANGUL", "ko"),
    ("CJK UNIFIED", None),
    ("CYRILLIC", "ru"),
    ("ARABIC", "ar"),
    ("HEBREW", "he"),
    ("GREEK", "el"),
    ("THAI", "th"),
    ("DEVANAGARI", "hi"),
    ("ARMENIAN", "hy"),
)
_SHARE = 0.3
"""The share of a text's letters a script needs to name the text's language."""
_SAMPLE = 8000
"""Characters looked at: the start of a guide says as much as all of it."""
_ASCII_LETTERS = re.compile("[A-Za-z]+")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def search_language(code: str) -> str | None:
    """The search language of a `lang` value ("ja", "ja-JP", "pt_BR"), or None if unknown."""
    primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in SEARCH_LANGUAGES else None


def detect(text: str) -> str | None:
    """The language the script of `text` names, or None (Latin script, or no clear majority).

    Chinese characters alone name Chinese; with kana among them, Japanese. Only the start
    of the text is read (`_SAMPLE` characters).
    """
    sample = text[:_SAMPLE]
    others = [ch for ch in _NON_ASCII.findall(sample) if ch.isalpha()]
    letters = sum(map(len, _ASCII_LETTERS.findall(sample))) + len(others)
    if not letters:
        return None
    scripts: Counter[str] = Counter()
    for ch, count in Counter(others).items():
        name = unicodedata.name(ch, "")
        prefix = next((p for p, _ in _SCRIPTS if name.startswith(p)), None)
        if prefix is not None:
            scripts[prefix] += count
    kana = scripts["HIRAGANA"] + scripts["KATAKANA"]
    if kana and (kana + scripts["CJK UNIFIED"]) / letters >= _SHARE:
        return "ja"
    for prefix, lang in _SCRIPTS:
        if scripts[prefix] / letters >= _SHARE:
            return lang or "zh"
    return None


def site_languages(site: str, guides: Iterable[str]) -> list[str]:
    """The site's language first, then each other language of the guides, once, sorted."""
    first = search_language(site) or "en"
    known = {search_language(g) for g in guides if g}
    return [first, *sorted(lang for lang in known if lang and lang != first)]


LANG_META = "lang"
"""The front-matter key of the language a guide's pages are written in (none: the site's)."""
RIGHT_TO_LEFT = frozenset({"ar", "he", "fa", "ur", "ckb", "ps", "sd", "ug", "yi", "dv"})
"""Languages written from right to left."""
_CONTENT_OPEN = '<div class="md-content" data-md-component="content">'
"""Where Material's template opens a page's content column: marked there, not on the
`.md-typeset` article inside it, Material's own `[dir=rtl] .md-typeset` rules apply."""


def mark_language(page_html: str, lang: str) -> str:
    """A finished page whose content says it is written in `lang` (and right to left, if
    it is): the theme's words around it stay in the site's language."""
    attributes = f' lang="{html.escape(lang)}"' + (' dir="rtl"' if lang in RIGHT_TO_LEFT else "")
    return page_html.replace(_CONTENT_OPEN, _CONTENT_OPEN[:-1] + attributes + ">", 1)


__all__ = [
    "LANG_META",
    "RIGHT_TO_LEFT",
    "SEARCH_LANGUAGES",
    "detect",
    "mark_language",
    "search_language",
    "site_languages",
]
