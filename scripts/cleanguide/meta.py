"""An article's metadata: the front-matter keys cleanguide uses, each checked, as a `Meta`.

Only the keys in `ALLOWED_KEYS` are read; keys that could change how the site is built
(`template`, `redirect`...) are dropped with a warning, others silently. A value of the
wrong type, a date that cannot be, a URL that is none, is dropped with a warning naming
its line; text is cleaned of controls and invisible characters. An article without a
usable title is titled by its first H1, else its file name (with a warning saying why).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from .diagnostics import Diagnostic, Severity
from .frontmatter import FrontMatter
from .text import Lines, fences
from .typography import plain

MAX_TITLE_CHARS = 300
MAX_DESCRIPTION_CHARS = 1000
MAX_SHORT_TITLE_CHARS = 80
MAX_URL_CHARS = 2000

RULE = "reader"

ALLOWED_KEYS = (
    "title",
    "short_title",
    "description",
    "date",
    "updated",
    "tags",
    "categories",
    "url",
    "source",
    "lang",
)
# Keys MkDocs or Material act on: dropping them silently would hide an attempt to
# change the page's template, hide navigation or redirect readers elsewhere.
_RISKY_KEYS = frozenset({"template", "hide", "search", "status"})
_RISKY_PREFIXES = ("redirect",)

CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
"""C0 controls but TAB and LF (CR is normalised away first), DEL, C1 controls, and lone
surrogates (only possible in `str` input; they cannot be written back as UTF-8)."""
# Invisible characters that can reorder or hide text in titles and tags: zero-width
# characters, word joiner, BOM, bidi embeddings/overrides/isolates and the bidi marks.
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
_WHITESPACE = re.compile(r"\s+")
_ISO_DATE = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"[ \t]*(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?"
)


@dataclass(frozen=True, slots=True)
class Meta:
    """An article's front matter, vetted: the keys cleanguide uses, each of its type."""

    title: str
    """Never empty: the front matter's, else the first heading's, else the file name's."""
    short_title: str = ""
    """The label in navigation, if the article gives one (at most 80 characters)."""
    description: str = ""
    date: dt.date | None = None
    """When the article was published (a `datetime` when the front matter gives a time)."""
    updated: dt.date | None = None
    """When it was last updated."""
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    """Tags and categories both become the guide's topics."""
    url: str = ""
    """The article's own http(s) address: links to it name its guide."""
    source: str = ""
    """Another address of the article (where it was scraped from)."""
    lang: str = ""
    """The language it is written in, one search knows ("ja", "de"), or ""."""


def vet(
    front: FrontMatter | None,
    body: str,
    body_line: int,
    source: str,
    diagnostics: list[Diagnostic],
) -> Meta:
    """The allowlisted keys of `front` (None: the article has no front matter), checked and
    cleaned; what is wrong with it goes to `diagnostics` as warnings."""
    raw = front.data if front is not None else {}
    key_lines = front.lines if front is not None else {}
    key_texts = front.plain if front is not None else {}

    def warn(message: str, key: object, line: int | None = None) -> None:
        where = key_lines.get(key) if line is None else line
        diagnostics.append(Diagnostic(Severity.WARNING, source, message, where, RULE))

    for key in raw:
        if isinstance(key, str) and key not in ALLOWED_KEYS and _is_risky(key):
            warn(f"front matter key {key!r} ignored: it could change how the site is built", key)

    title = _vet_title(raw, key_texts, warn)
    if title is None:
        title = _fallback_title(front is None, raw, body, body_line, source, warn)
    values: dict[str, Any] = {}
    for key, check in _CHECKS.items():
        if key in raw and raw[key] is not None:
            value = check(key, raw[key], warn)
            if value is not None:
                values[key] = value
    return Meta(title, **values)


class _Warn(Protocol):
    def __call__(self, message: str, key: object, line: int | None = None) -> None: ...


def _is_risky(key: str) -> bool:
    lowered = key.lower()
    return lowered in _RISKY_KEYS or lowered.startswith(_RISKY_PREFIXES)


_SCALAR_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "true/false value"),
    (dt.date, "date"),
    (int, "number"),
    (float, "number"),
)


def _vet_title(raw: dict[Any, Any], key_texts: dict[Any, str], warn: _Warn) -> str | None:
    """The front matter's title as text, or None when it has no usable one."""
    value = raw.get("title")
    text = value if isinstance(value, str) else None
    if text is None and "title" in key_texts:  # `title: 2024-05-01`, `title: 1.10`
        kind = next((name for kind, name in _SCALAR_KINDS if isinstance(value, kind)), "")
        if kind:
            text = key_texts["title"]
            warn(f"'title' {text!r} reads as a {kind} in YAML: used as written (quote it)", "title")
    title = clean_text(text) if text is not None else ""
    if not title:
        return None
    return _capped_title(title, warn)


def _capped_title(title: str, warn: _Warn, key: object = "title", line: int | None = None) -> str:
    if len(title) > MAX_TITLE_CHARS:
        warn(f"'title' cut to {MAX_TITLE_CHARS} characters (was {len(title)})", key, line)
        title = title[:MAX_TITLE_CHARS].rstrip()
    return title


def _fallback_title(
    no_front_matter: bool, raw: dict[Any, Any], body: str, body_line: int, source: str, warn: _Warn
) -> str:
    """The title of an article whose front matter gives none: its first H1, else its file
    name; with a warning saying which and why."""
    if no_front_matter:
        why, key = "no front matter", None
    elif "title" not in raw or raw["title"] is None:
        why, key = "front matter has no 'title'", None
    elif isinstance(raw["title"], str):
        why, key = "'title' is empty", "title"
    else:
        why, key = f"'title' is a {type(raw['title']).__name__}, not text", "title"
    heading = first_heading(body)
    if heading is not None:
        text, offset = heading
        line = body_line + offset
        title = _capped_title(text, warn, None, line)
        warn(f"{why}: titled {title!r} after its first heading", key, None if key else line)
        return title
    stem = source.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    words = _WHITESPACE.sub(" ", re.sub(r"[-_.]+", " ", stem)).strip() or stem or "Untitled"
    title = _capped_title(clean_text(words[:1].upper() + words[1:]), warn, None, 1)
    warn(f"{why}: titled {title!r} after its file name (no first heading)", key, None if key else 1)
    return title


_ATX_H1 = re.compile(r" {0,3}#[ \t]+(.*)")
_SETEXT_H1 = re.compile(r" {0,3}=+[ \t]*")


def first_heading(body: str) -> tuple[str, int] | None:
    """The plain text of the body's first level-1 heading (`# Title`, or `Title` over a
    `===` line) outside fenced code, and its line in the body (0-based)."""
    lines = Lines(body)
    code = {n for f in fences(lines) for n in range(f.first, f.last + 1)}
    previous = ""
    for number, line in enumerate(lines.parts):
        if number in code:
            previous = ""
            continue
        text = ""
        if m := _ATX_H1.fullmatch(line):
            text, at = m.group(1).rstrip(" \t#"), number
        elif previous.strip() and _SETEXT_H1.fullmatch(line):
            text, at = previous, number - 1
        if title := clean_text(plain(text)):
            return title, at
        previous = line
    return None


def clean_text(value: str) -> str:
    """Remove controls and invisible/bidi characters, collapse whitespace to single spaces."""
    value = unicodedata.normalize("NFC", value)
    value = CONTROLS.sub("", _INVISIBLE.sub("", value))
    return _WHITESPACE.sub(" ", value).strip()


def _text(key: str, value: object, warn: _Warn) -> str | None:
    """A front-matter string, cleaned (`clean_text`); None, with a warning, if not a string."""
    if not isinstance(value, str):
        warn(f"'{key}' ignored: expected a string, got {type(value).__name__}", key)
        return None
    return clean_text(value)


def _check_description(key: str, value: object, warn: _Warn) -> str | None:
    text = _text(key, value, warn)
    if text and len(text) > MAX_DESCRIPTION_CHARS:
        warn(f"'{key}' cut to {MAX_DESCRIPTION_CHARS} characters (was {len(text)})", key)
        text = text[:MAX_DESCRIPTION_CHARS].rstrip()
    return text or None


def _check_short_title(key: str, value: object, warn: _Warn) -> str | None:
    text = _text(key, value, warn)
    if text and len(text) > MAX_SHORT_TITLE_CHARS:
        warn(f"'{key}' ignored: longer than {MAX_SHORT_TITLE_CHARS} characters", key)
        return None
    return text or None


def _check_url(key: str, value: object, warn: _Warn) -> str | None:
    """The article's own address (`url`, `source`): an http(s) URL, used to match links."""
    text = _text(key, value, warn)
    if text is None:
        return None
    if not _HTTP_URL.fullmatch(text) or len(text) > MAX_URL_CHARS:
        warn(f"'{key}' ignored: {text[:80]!r} is not an http(s) URL", key)
        return None
    return text


def _check_date(key: str, value: object, warn: _Warn) -> dt.date | None:
    if isinstance(value, dt.date):  # datetime is a date subclass
        return value
    if not isinstance(value, str):
        warn(f"'{key}' ignored: expected a date, got {type(value).__name__}", key)
        return None
    try:
        parsed = parse_date(value)
    except ValueError as exc:
        warn(f"'{key}' ignored: {value.strip()!r} is not a valid date ({exc})", key)
        return None
    if parsed is None:
        warn(f"'{key}' ignored: {value.strip()!r} is not an ISO date", key)
    return parsed


def parse_date(text: str) -> dt.date | None:
    """Parse an ISO-like date or date-time (`2024-08-20 11:33:51`, `...T09:17:39.843Z`).

    Returns None when the text is not date-shaped; raises ValueError when it is shaped
    like one but impossible (2024-02-31, 25:00).
    """
    match = _ISO_DATE.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    if match["H"] is None:
        return dt.date(year, month, day)
    fraction = (match["f"] or "0")[:6].ljust(6, "0")
    return dt.datetime(
        year,
        month,
        day,
        int(match["H"]),
        int(match["M"]),
        int(match["S"] or 0),
        int(fraction),
        tzinfo=_parse_tz(match["tz"]),
    )


def _parse_tz(text: str | None) -> dt.tzinfo | None:
    if text is None:
        return None
    if text in ("Z", "z"):
        return dt.timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _check_terms(key: str, value: object, warn: _Warn) -> tuple[str, ...] | None:
    if isinstance(value, str):
        items: list[object] = [value]  # a lone `tags: android` means one tag
    elif isinstance(value, list):
        items = value
    else:
        warn(f"'{key}' ignored: expected a list of strings, got {type(value).__name__}", key)
        return None
    terms: list[str] = []
    for item in _iter_items(items, key, warn):
        term = clean_text(item)
        if term and term not in terms:
            terms.append(term)
    return tuple(terms) or None


def _iter_items(items: list[object], key: str, warn: _Warn) -> Iterator[str]:
    for item in items:
        if isinstance(item, str):
            yield item
        else:
            warn(f"'{key}' item {item!r:.60} ignored: not a string", key)


def _check_lang(key: str, value: object, warn: _Warn) -> str | None:
    """The guide's language ("ja", "de", "fa"...: the primary tag of "pt-BR" or "pt_BR").
    Its pages say so; search indexes it in that language where it knows one, else in the
    site's."""
    if not isinstance(value, str):
        warn(f"'{key}' ignored: expected a language code, got {type(value).__name__}", key)
        return None
    m = _LANGUAGE_TAG.fullmatch(value.strip())
    if m is None:
        warn(f"'{key}' ignored: {value[:20]!r} is not a language code", key)
        return None
    return m.group(1).lower()


_LANGUAGE_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{2,8})*")


_HTTP_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)

_CHECKS: dict[str, Callable[[str, Any, _Warn], Any]] = {
    "short_title": _check_short_title,
    "description": _check_description,
    "date": _check_date,
    "updated": _check_date,
    "tags": _check_terms,
    "categories": _check_terms,
    "url": _check_url,
    "source": _check_url,
    "lang": _check_lang,
}


__all__ = [
    "ALLOWED_KEYS",
    "CONTROLS",
    "MAX_TITLE_CHARS",
    "Meta",
    "clean_text",
    "first_heading",
    "parse_date",
    "vet",
]
