"""The second defence against hostile article content: the HTML of a page, sanitised.

`sanitize_html` runs on the rendered HTML of one page's content (converted ahead of MkDocs'
loop, or in MkDocs' `on_page_content`). It is the real security boundary: nh3 (ammonia, an
HTML5 parser) re-serialises the fragment keeping only an explicit allowlist of tags,
attributes, attribute values, classes and URL schemes. The first defence, on the article's
Markdown before rendering, is neutralise.py.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import nh3
from pygments.token import STANDARD_TYPES

__all__ = ["sanitize_html", "unique_ids", "url_is_safe", "without_remote_images"]


_ALLOWED_TAGS: Final = frozenset(
    {
        # Text structure produced by Python-Markdown and its extensions.
        *(f"h{level}" for level in range(1, 7)),
        "p",
        "br",
        "hr",
        "blockquote",
        "ol",
        "ul",
        "li",
        "dl",
        "dt",
        "dd",
        "pre",
        "code",
        "div",
        "span",
        "details",
        "summary",
        "figure",
        "figcaption",
        "table",
        "caption",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        # Inline formatting. `ins` is deliberately absent: AdSense slots are `<ins>` elements.
        "a",
        "img",
        "em",
        "strong",
        "b",
        "i",
        "u",
        "s",
        "sub",
        "sup",
        "mark",
        "kbd",
        "del",
        "abbr",
    }
)

# Removed together with everything inside them: their content is code, a plug-in payload or
# widget chrome, never article text a reader should see.
_CLEAN_CONTENT_TAGS: Final = frozenset(
    {
        "script",
        "style",
        "template",
        "noscript",
        "iframe",
        "frame",
        "frameset",
        "noframes",
        "object",
        "embed",
        "applet",
        "svg",
        "math",
        "video",
        "audio",
        "textarea",
        "select",
        "button",
        "title",
    }
)
# Everything else (form, input, base, meta, link, source, ins, font, center...) is unwrapped:
# the tag goes, its text stays. `form` is unwrapped rather than emptied because some scraped
# pages wrap their whole body in one.

_TAG_ATTRIBUTES: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        # `id` and `class` are allowed everywhere, but their values are filtered below.
        "*": frozenset({"id", "class"}),
        # `rel` is not listed: nh3's `link_rel` sets it on every link (see _LINK_REL).
        "a": frozenset({"href", "title", "target"}),
        "img": frozenset({"src", "srcset", "sizes", "alt", "title", "width", "height", "loading"}),
        # `type` (only "1", see below): Material letters nested lists, and a phase's sub-steps
        # must show the author's numbers.
        "ol": frozenset({"start", "type"}),
        # a sub-step's number as the author wrote it, "2.1", which cleanguide.css shows
        "li": frozenset({"data-number"}),
        "th": frozenset({"colspan", "rowspan", "align"}),
        "td": frozenset({"colspan", "rowspan", "align"}),
        "abbr": frozenset({"title"}),
        "details": frozenset({"open"}),
    }
)

# Every link gets these, not only `target="_blank"` ones: nh3 cannot add `rel` conditionally,
# and `noopener noreferrer` costs nothing on a same-site link. The article's own `rel`
# (often `sponsored`) is discarded.
_LINK_REL: Final = "noopener noreferrer"

_URL_ATTRIBUTES: Final = frozenset({"href", "src"})
_SAFE_URL_SCHEMES: Final = frozenset({"http", "https", "mailto"})
# nh3 checks schemes before our filter runs; `data` must pass nh3 so the filter can admit
# the raster images below and nothing else.
_NH3_URL_SCHEMES: Final = _SAFE_URL_SCHEMES | {"data"}

# Raster formats only: an SVG data URL can carry script, text/html is a page of its own.
_DATA_IMAGE_RE: Final = re.compile(
    r"(?i:data:image/(?:png|jpeg|gif|webp);base64,)[A-Za-z0-9+/]*={0,2}"
)
_URL_SCHEME_RE: Final = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# Browsers delete tabs and newlines anywhere in a URL and trim C0 controls and spaces at
# both ends, which is how `jav&#x09;ascript:` becomes `javascript:`.
_URL_DELETED_RE: Final = re.compile(r"[\t\n\r]")
_URL_TRIMMED: Final = "".join(map(chr, range(0x21)))

_ATTRIBUTE_VALUES: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        # A named target could drive another window of the site; only a new tab is allowed.
        "target": frozenset({"_blank"}),
        "loading": frozenset({"lazy", "eager"}),
        "align": frozenset({"left", "center", "right"}),
        "type": frozenset({"1"}),  # on <ol> (the only tag allowed a `type`): decimal numbers
    }
)
_ATTRIBUTE_PATTERNS: Final[Mapping[str, re.Pattern[str]]] = MappingProxyType(
    {
        "width": re.compile(r"[0-9]{1,5}"),
        "height": re.compile(r"[0-9]{1,5}"),
        "start": re.compile(r"-?[0-9]{1,9}"),
        "colspan": re.compile(r"[0-9]{1,4}"),
        # a media condition and a length, e.g. "(min-width: 1220px) 720px, 100vw"
        "sizes": re.compile(r"[a-z0-9 ().,:-]{1,200}"),
        "rowspan": re.compile(r"[0-9]{1,4}"),
        "data-number": re.compile(r"[0-9]{1,3}\.[0-9]{1,3}"),
    }
)

# Ids are kept for heading anchors and footnotes (`fn:1`, `fnref:1`) and must be plain tokens.
_ID_RE: Final = re.compile(r"\w[\w:.-]{0,127}")
# Material's own DOM uses `__`-prefixed ids (`__config`, `__search`, `__drawer`,
# `__palette_0`, `__nav_1`...) and its scripts look them up by id, so an article must not
# own one (DOM clobbering). They are renamed, not dropped, so a heading's anchor still works;
# same-page links to them are renamed alike.
_RESERVED_ID_PREFIX: Final = "__"
_RENAMED_ID_PREFIX: Final = "cg-"

# Classes that Python-Markdown's extensions emit and Material styles. Anything else (ad
# containers, Material's own `md-*` layout classes that could overlay the page) is dropped.
_ADMONITION_TYPES: Final = frozenset(
    {
        "note",
        "abstract",
        "summary",
        "tldr",
        "info",
        "todo",
        "tip",
        "hint",
        "important",
        "success",
        "check",
        "done",
        "question",
        "help",
        "faq",
        "warning",
        "caution",
        "attention",
        "failure",
        "fail",
        "missing",
        "danger",
        "error",
        "bug",
        "example",
        "quote",
        "cite",
    }
)
_PYGMENTS_CLASSES: Final = frozenset(STANDARD_TYPES.values()) - {""}
_ALLOWED_CLASSES: Final = (
    frozenset(
        {
            "admonition",
            "admonition-title",
            "inline",
            "end",
            # pymdownx.highlight / superfences / inlinehilite.
            "highlight",
            "highlighttable",
            "linenos",
            "linenodiv",
            "normal",
            "special",
            "hll",
            "filename",
            "code",
            # toc and footnotes.
            "toc",
            "toctitle",
            "headerlink",
            "footnote",
            "footnote-ref",
            "footnote-backref",
            # the library's lists (cleanguide.css, cleanguide.js).
            "cg-catalogue",
            "cg-index",
            "cg-pager",
            # steps (follow-along controls), screenshots that could not be fetched, zoom view.
            "cg-steps",
            "cg-dotted",
            "cg-shot-missing",
            "glightbox",
        }
    )
    | _ADMONITION_TYPES
    | _PYGMENTS_CLASSES
)
# pymdownx.highlight's `pygments_lang_class` and highlight-less fences emit `language-<name>`.
_LANGUAGE_CLASS_RE: Final = re.compile(r"language-[\w#+.-]{1,40}")

# html5ever drops the first newline after `<pre>` on parsing but does not write one back, so
# a `<pre>` whose text starts with a newline would lose one per pass. The output of nh3 is
# serialised by html5ever (attribute values have `<` and `>` escaped), so this only ever
# matches a real start tag.
_PRE_LEADING_NEWLINE_RE: Final = re.compile(r"(<pre(?: [^>]*)?>)\n")


def _filter_classes(value: str) -> str | None:
    kept = [
        token
        for token in value.split()
        if token in _ALLOWED_CLASSES or _LANGUAGE_CLASS_RE.fullmatch(token)
    ]
    # Deduplicated in order so that cleaning twice gives the same string.
    return " ".join(dict.fromkeys(kept)) or None


def _filter_id(value: str) -> str | None:
    if not _ID_RE.fullmatch(value):
        return None
    if value.startswith(_RESERVED_ID_PREFIX):
        return _RENAMED_ID_PREFIX + value
    return value


def _filter_url(tag: str, attribute: str, value: str) -> str | None:
    compact = _URL_DELETED_RE.sub("", value).strip(_URL_TRIMMED)
    scheme = _URL_SCHEME_RE.match(compact)
    if scheme is None:
        # Relative (including `#fragment` and `//host/...`, which inherits http/https).
        if compact.startswith("#" + _RESERVED_ID_PREFIX):
            return "#" + _RENAMED_ID_PREFIX + compact[1:]
        return value
    name = scheme.group(1).lower()
    if name in _SAFE_URL_SCHEMES:
        return value
    if name == "data" and tag == "img" and attribute == "src" and _DATA_IMAGE_RE.fullmatch(compact):
        return compact
    return None


# One candidate of a `srcset`: a URL without spaces or commas, then a width or density.
_SRCSET_CANDIDATE_RE: Final = re.compile(
    r"\s*([^\s,]+)\s+([0-9]{1,5}w|[0-9]{1,2}(?:\.[0-9]{1,2})?x)\s*"
)


def url_is_safe(tag: str, attribute: str, value: str) -> bool:
    """Whether the sanitizer keeps `value` as the URL attribute of `tag` (`a` `href`,
    `img` `src`), read as a browser reads an attribute: character references decoded."""
    return _filter_url(tag, attribute, html.unescape(value)) is not None


def _filter_srcset(value: str) -> str | None:
    """A `srcset` whose every candidate URL is one `src` would keep (no `data:`), or None."""
    candidates = value.split(",")
    kept = []
    for candidate in candidates:
        m = _SRCSET_CANDIDATE_RE.fullmatch(candidate)
        if m is None or m.group(1).lower().startswith("data:"):
            return None
        if _filter_url("img", "src", m.group(1)) != m.group(1):
            return None
        kept.append(f"{m.group(1)} {m.group(2)}")
    return ", ".join(kept)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """nh3 attribute_filter: rewrite an allowlisted attribute's value, or drop it (None)."""
    if attribute == "class":
        return _filter_classes(value)
    if attribute == "id":
        return _filter_id(value)
    if attribute in _URL_ATTRIBUTES:
        return _filter_url(tag, attribute, value)
    if attribute == "srcset":
        return _filter_srcset(value)
    if attribute in _ATTRIBUTE_VALUES:
        return value if value in _ATTRIBUTE_VALUES[attribute] else None
    if attribute in _ATTRIBUTE_PATTERNS:
        return value if _ATTRIBUTE_PATTERNS[attribute].fullmatch(value) else None
    if attribute == "open":
        return ""
    # title, alt and nh3's own rel: free text, escaped by the serialiser.
    return value


_CLEANER: Final = nh3.Cleaner(
    tags=set(_ALLOWED_TAGS),
    clean_content_tags=set(_CLEAN_CONTENT_TAGS),
    attributes={tag: set(names) for tag, names in _TAG_ATTRIBUTES.items()},
    attribute_filter=_filter_attribute,
    strip_comments=True,
    link_rel=_LINK_REL,
    url_schemes=set(_NH3_URL_SCHEMES),
)


def sanitize_html(html: str) -> str:
    """Return the allowlisted, re-serialised form of one page's rendered content.

    The result is a balanced fragment (stray end tags such as ``</div></main>`` are dropped
    and open elements closed), so it cannot break out of Material's layout. Text inside
    ``<pre><code>`` stays escaped text. Cleaning is idempotent.
    """
    # The HTML parser drops a byte order mark at the start of its input, so one left at the
    # start of the output would go on the next pass: drop them all now (idempotence).
    cleaned: str = _CLEANER.clean(html).lstrip("\ufeff")
    return _PRE_LEADING_NEWLINE_RE.sub("\\1\n\n", cleaned)


# What `sanitize_html` writes: attribute values in double quotes, a `"` inside one escaped (a
# `>` is not), so a tag ends at the first `>` outside quotes.
_IMG_OR_LINK_RE: Final = re.compile(r'<img\b(?:[^>"]|"[^"]*")*>|<a\b(?:[^>"]|"[^"]*")*>|</a>')
_ATTRIBUTE_RE: Final = re.compile(r'\s([a-z][a-z0-9-]*)(?:="([^"]*)")?')
# http:, https:, and a network path ("//host", also written with backslashes, which
# browsers read as slashes): what a browser would fetch from another host.
_REMOTE_URL_RE: Final = re.compile(r"(?i:https?:)|[/\\]{2}")


def is_remote(url: str) -> bool:
    """Whether a browser would fetch `url` (an attribute's value, as written) from a host."""
    compact = _URL_DELETED_RE.sub("", html.unescape(url)).lstrip(_URL_TRIMMED)
    return _REMOTE_URL_RE.match(compact) is not None


def without_remote_images(fragment: str) -> str:
    """`fragment`, as `sanitize_html` wrote it, with no image a browser would fetch from
    another host: an image with a remote `src` becomes a link to it ("Image: its alt text
    or file name"; only that text inside a link), and remote candidates leave a `srcset`.

    For a site whose screenshots are fetched into it: an image that was not (it could not
    be, or sits where no screenshot is looked for) is never a request to the article's
    host for every reader.
    """
    if "<img" not in fragment:
        return fragment
    out: list[str] = []
    position = 0
    links_open = 0
    for m in _IMG_OR_LINK_RE.finditer(fragment):
        tag = m.group(0)
        if not tag.startswith("<img"):
            links_open = max(0, links_open + (-1 if tag == "</a>" else 1))
            continue
        out.append(fragment[position : m.start()])
        out.append(_image_kept_local(tag, inside_link=links_open > 0))
        position = m.end()
    out.append(fragment[position:])
    return "".join(out)


def _image_kept_local(tag: str, *, inside_link: bool) -> str:
    attributes = {name: value or "" for name, value in _ATTRIBUTE_RE.findall(tag[4:])}
    src = attributes.get("src", "")
    if is_remote(src):
        name = attributes.get("alt") or html.escape(_file_name(html.unescape(src)), quote=False)
        label = f"Image: {name}" if name else "Image"
        return label if inside_link else f'<a href="{src}" rel="{_LINK_REL}">{label}</a>'
    srcset = attributes.get("srcset")
    if srcset is None:
        return tag
    kept = [c.strip() for c in srcset.split(",") if not is_remote(c.strip())]
    if kept:
        attributes["srcset"] = ", ".join(kept)
    else:
        attributes.pop("srcset")
        attributes.pop("sizes", None)
    return "<img" + "".join(f' {k}="{v}"' for k, v in attributes.items()) + ">"


def _file_name(url: str) -> str:
    path = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return urllib.parse.unquote(path.rsplit("/", 1)[-1]) if "/" in path else ""


_ID_ATTRIBUTE_RE: Final = re.compile(r'<([a-z][a-z0-9]*)\b(?:[^>"]|"[^"]*")*?\sid="([^"]*)"')
# what a link to the page's anchors means: a step (<li>) or a heading
_ANCHOR_TAGS: Final = frozenset({"li", "h1", "h2", "h3", "h4", "h5", "h6"})


def unique_ids(fragment: str) -> str:
    """`fragment`, as `sanitize_html` wrote it, with every id once: an id that repeats stays
    on its first step or heading (else its first element), and the others become `id-2`,
    `id-3`... An article's own `<a id="step-2">` would otherwise take `#step-2` from step 2.
    """
    if fragment.count(' id="') < 2:
        return fragment
    found = [(m.group(1), m.group(2), m.span(2)) for m in _ID_ATTRIBUTE_RE.finditer(fragment)]
    seen: dict[str, list[int]] = {}
    for k, (_, value, _) in enumerate(found):
        seen.setdefault(value, []).append(k)
    repeated = {value: ks for value, ks in seen.items() if len(ks) > 1}
    if not repeated:
        return fragment
    renamed: dict[int, str] = {}
    taken = set(seen)
    for value, ks in repeated.items():
        keeper = next((k for k in ks if found[k][0] in _ANCHOR_TAGS), ks[0])
        n = 2
        for k in ks:
            if k == keeper:
                continue
            while f"{value}-{n}" in taken:
                n += 1
            renamed[k] = f"{value}-{n}"
            taken.add(renamed[k])
    out: list[str] = []
    position = 0
    for k in sorted(renamed):
        start, end = found[k][2]
        out += [fragment[position:start], renamed[k]]
        position = end
    out.append(fragment[position:])
    return "".join(out)
