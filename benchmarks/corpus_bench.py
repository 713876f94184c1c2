"""Corpus benchmark: junk left, content kept and speed, cleanguide vs trafilatura.

Usage::

    python benchmarks/corpus_bench.py [PATH ...] [--runs 11] [--json FILE] [--check]
        [--min-speedup 5] [--details] [--warm]

PATH is an article (``*.md``) or a folder searched recursively for ``*.md``; the default is
``tests/corpus`` plus ``content/``. The report always exits 0, unless ``--check`` is given:
then it exits 1 when our pipeline leaves any junk item in any article, fails on an article, or
keeps less than 99.9 % of all content items; with ``--min-speedup R`` also when the median
article is not at least R times faster with us than with trafilatura (both columns below).

Ground truth
============
Derived from the ORIGINAL article by this module's own code; it shares nothing with the
cleaner's rules or patterns. The body is the text after the YAML front matter (a first line
``---`` up to the next line ``---``). Regions of the body:

* **ad block** - from a comment ``<!-- ... ads begin -->`` to the next ``<!-- ... ads end -->``.
  A begin that is never closed opens no block (it is still a marker); an end with no open
  block is ignored; a begin inside an open block is ignored (the first end closes it).
* **link farm** - from the line holding ``atpl-alsoreadstyle`` through the first list that
  follows it: an HTML ``<ul>``/``<ol>`` up to its closing tag (and a ``</div>`` right after),
  or a Markdown list.
* **ad slot** - an ``<ins ...adsbygoogle...>...</ins>`` element, or a ``<script>`` element
  mentioning ``adsbygoogle``.
* **rating widget** - from a line starting "What do you think of this post" through the next
  line starting "Rating:" (at most 20 lines on; without one, only the first line).
* **byline** - a line with "Updated by" at its start or right after a ``/``
  ("July 05, 2018 11:23 / Updated by ...").
* **disclaimer** - an affiliate disclosure (see the ``disclaimer`` junk item below).
* **more reading** - a line that is exactly "More Reading" and the list that follows it
  (list items with their indented or continuation lines).
* **call to comment** - a sentence asking the reader to leave, drop, post or write a
  comment (or comments), with a question sentence right before it about having questions
  ("Still have more questions?"); see the ``comment-call`` junk item below.

Junk items (each deduplicated by kind and match key):

* ``ad-text``: the visible text inside each ad block (HTML parsed, tags, ``alt`` and
  ``title`` attributes not counted as visible), split into lines and sentences (after
  ``.!?`` and the CJK full stop); every piece of >= 12 characters is an item.
* ``ad-url``: ``<a href>``, ``<img src>``, ``<video poster>`` and ``<source src>`` URLs inside
  ad blocks, plus ``<iframe src>`` unless the frame is a video embed (youtube.com,
  youtube-nocookie.com, vimeo.com); URLs hidden in ``javascript:`` hrefs are URL-decoded out.
  Only http(s) and protocol-relative URLs count. The key is host + path, lower-cased, without
  a trailing slash.
* ``farm``: the text of each ``<li>`` (or Markdown list item) of a link farm whose match key
  has >= 12 characters (shorter ones would match ordinary prose by accident).
* ``marker``: each marker comment text (``affiliate ads begin``/``end``) and the strings
  ``adsbygoogle`` and ``atpl-alsoreadstyle`` when the article contains them.
* ``rating``: the widget's "What do you think of this post" line and its "Rating:" line.
* ``more-reading``: every link text and every description line (>= 12 characters) of the
  "More Reading" list items.
* ``byline``: the "Updated by" line.
* ``disclaimer``: every sentence (>= 12 characters) of an affiliate disclosure. Not in the
  original brief, added because the corpus has one: a paragraph, or a run of ``>`` quoted
  lines, whose first line starts "Disclaimer:" and which mentions "affiliate" or
  "commission". It is boilerplate about the ads, not part of the guide.
* ``comment-call``: the text of each call to comment. Not in the original brief either,
  added with issue 12: the site has no comments, and the corpus has two such calls.
* ``furniture``: the heading of a section of page furniture: an ATX heading that reads
  "Like, share or repost", "Subscribe for/to … updates/newsletter", "N thoughts/comments/
  responses on …", "Leave a reply/comment …" or "About the author". Its region runs to the
  next ATX heading of its level or above (or the end of the body): the corpus has one, a
  share bar and a newsletter form of 50 lines. Added with the furniture rule.

Content items (everything outside the regions above; HTML tags are ignored):

* ``heading``: the text of every ATX Markdown heading, without a leading "Step N" label
  (the renderer turns step headings into numbered list items).
* ``image``: the file stem of every Markdown image's URL (``![alt](url)``).
* ``paragraph``: every prose unit of >= 40 characters. Blocks are split at blank lines, then
  at headings and list-item starts, so each list item is its own unit. Markdown markup is
  stripped (images dropped, links reduced to their text, emphasis, code ticks and backslash
  escapes removed, whitespace collapsed) and a leading list marker or "Step N" label is
  dropped (renderers turn both into list numbering), and so are numbering marks inside a
  unit where a scraped paragraph runs numbered items together: a bold "Step N"/"Step One"
  label, and ``N)`` after a sentence end or a bold close when a capital letter follows. A
  unit that is nothing but links
  (a table of contents, a list of links) is not prose and is skipped.

Matching
========
Text is normalised by case-folding and keeping only alphanumeric characters (Unicode, so
Japanese counts), so typography repairs, escapes and spacing never count as loss.

* The **output text** of a tool is its HTML's visible text plus ``img`` ``alt`` texts; the
  **output URLs** are every ``href``, ``src`` and ``poster`` attribute (also URL-decoded);
  the **output images**
  are the file stems of the ``img src`` attributes.
* A content heading or paragraph is **kept** when its normalised text is a substring of the
  normalised output text. Failing that, it still counts as kept (and is reported as "fuzzy")
  when >= 90 % of its words appear in order within a window of the output words no longer
  than 1.2 x its word count + 5. A content image is kept when its stem is an output image stem.
* A junk text item (ad-text, farm, rating, more-reading, byline) is **left** when its
  normalised text is a substring of the normalised output text; an ad-url when its key is a
  substring of the lower-cased output URLs or text; a marker when it appears anywhere in the
  output HTML source (comments and class names included).

Outputs
=======
* **ours**: ``cleanguide.reader.loads`` -> ``pipeline.process`` -> ``render.render_guide``;
  each page's Markdown (front matter stripped) is rendered to HTML with Python-Markdown and
  the extensions (and their settings) mkdocs.yml configures for the site, and the pages are
  concatenated.
* **trafilatura** 2.3.1: the article body (front matter stripped by this module) is rendered
  to HTML with the same Markdown, wrapped in ``<html><body><article>...</article></body>
  </html>`` and passed to ``trafilatura.extract(html, output_format="html",
  include_images=True, include_links=True, favor_recall=True)``. Everything else is the
  default: ``fast=False`` (its readability/jusText fallbacks run), ``include_tables=True``,
  ``include_comments=True``, ``include_formatting=None``, ``deduplicate=False``,
  ``with_metadata=False``. ``None`` (nothing extracted) counts as empty output.

Timing
======
Every article is timed with each path in turn, ``--runs`` times (after one warm-up call of
each), in this process, with ``time.perf_counter`` and the garbage collector paused as
``timeit`` does; the order of the paths rotates from run to run so that neither always runs
on a warm cache. Each article's figure is the median of its runs; the summary gives the
median article (what the issue asks for) and the sum over all articles.

* **ms ours**: cleanguide's own work on one article, from its bytes to the Markdown pages a
  build writes: ``reader.loads`` -> ``pipeline.process`` (clean + structure) ->
  ``render.render_guide``. Turning those pages into HTML is MkDocs' site build and is the same
  for any page source, so it is not timed (the scoring above still renders them).
* **ms traf**: trafilatura's work on the same article, from its bytes: the front matter is
  split off, the body rendered to HTML with the same Markdown (trafilatura reads HTML, not
  Markdown) and passed to ``trafilatura.extract``.
* **ms extr**: ``trafilatura.extract`` alone, on that HTML prepared beforehand: the stricter
  comparison, charging trafilatura nothing for the Markdown rendering it needs.

Caches keyed by content are emptied (untimed) before every timed call, so each call sees the
article as a build does the first time: trafilatura's (``line_processing``, ``trim``, and its
deduplication caches) and the standard library's ``urlsplit`` cache. cleanguide keeps none
(what the rules index belongs to the text being cleaned, and goes with it). Caches of things
built once (compiled patterns, trafilatura's punctuation table) are kept. ``--warm`` keeps
everything, as a long ``mkdocs serve`` session would.

``traf/ours`` and ``extr/ours`` are how many times faster we are (ratio of the medians in the
summary).
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import math
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup, Comment

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATHS = (ROOT / "tests" / "corpus", ROOT / "content")
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "output_format": "html",
    "include_images": True,
    "include_links": True,
    "favor_recall": True,
}
MIN_JUNK_CHARS = 12
MIN_PARAGRAPH_CHARS = 40
FUZZY_RATIO = 0.9
KEPT_TARGET = 0.999
VIDEO_HOSTS = ("youtube.com", "youtube-nocookie.com", "vimeo.com")
MARKER_STRINGS = ("adsbygoogle", "atpl-alsoreadstyle")
TEXT_JUNK_KINDS = ("ad-text", "farm", "rating", "more-reading", "byline", "furniture")

# --------------------------------------------------------------------------- items


@dataclass(frozen=True, slots=True)
class Item:
    """One ground-truth item: its kind, what a person reads, and the key it is matched by."""

    kind: str
    text: str
    key: str


@dataclass(slots=True)
class GroundTruth:
    junk: list[Item]
    content: list[Item]
    ad_blocks: int


def normalise(text: str) -> str:
    """Case-folded alphanumerics only: what two texts must share to count as the same."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.casefold())


def url_key(url: str) -> str | None:
    """host+path of an http(s) or protocol-relative URL, lower-cased; None for others."""
    url = url.strip()
    if url.startswith("//"):
        url = "http:" + url
    if not re.match(r"(?i)https?://", url):
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        return None
    return (host + parts.path).rstrip("/").lower()


def _add(items: list[Item], seen: set[tuple[str, str]], kind: str, text: str, key: str) -> None:
    if key and (kind, key) not in seen:
        seen.add((kind, key))
        items.append(Item(kind, text, key))


# --------------------------------------------------------------------------- markdown text

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n---[ \t]*(?:\n|\Z)", re.S)
_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?[^)\s>]*>?(?:\s+\"[^\"]*\")?\s*\)")
_STRAY_LINK_TAIL = re.compile(r"\]\(\s*<?[^)\s>]*>?\s*\)")
_TAG = re.compile(r"<[^>]*>")
_ESCAPE = re.compile(r"\\(.)")
_UNDERSCORE_MARKUP = re.compile(r"(?<![^\W_])_+|_+(?![^\W_])")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+\u2022]|\d{1,3}[.)])[ \t]+")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,3}[.)])\s+")
_BYLINE = re.compile(r"(?:^|/)\s*Updated by")
_DISCLAIMER = re.compile(r"disclaimer\s*:", re.I)
_COMMENT_CALL = re.compile(
    r"(?:^|(?<=[.!?]))[ \t]*(?:(?:still )?have (?:any |more )?questions\?[ \t]+)?"
    r"[^.!?\n]*\b(?:leave|drop|post|write)\b[^.!?\n]*\bcomments?\b[^.!?\n]*[.!?]",
    re.I | re.M,
)
_AFFILIATE = re.compile(r"affiliate|commission", re.I)
_STEP_LABEL = re.compile(r"^\s*step\s*\d+\s*[.:)\-\u2013\u2014]?\s*", re.I)
_INLINE_NUMBERING = re.compile(
    r"(?:\*\*|__)\s*(?i:step\s*(?:\d+|[a-z]+))\s*[.:)\-\u2013\u2014]?\s*(?:\*\*|__)"
    r"|(?:(?<=[.!?:])\s+|(?<=\*\*)\s*)\d{1,2}\)\s*(?=[A-Z*])"
)


def split_front_matter(text: str) -> str:
    """The article body: everything after the YAML front matter (if there is one)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    m = _FRONT_MATTER.match(text)
    return text[m.end() :] if m else text


def strip_markdown(text: str) -> str:
    """What a reader sees of a Markdown fragment, whitespace collapsed."""
    text = _IMAGE.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _STRAY_LINK_TAIL.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = _ESCAPE.sub(r"\1", text)
    text = text.replace("*", "").replace("`", "")
    text = _UNDERSCORE_MARKUP.sub("", text)
    text = re.sub(r"^\s*>+", " ", text, flags=re.M)
    return " ".join(text.split())


def _only_links(unit: str) -> bool:
    """A unit made of links (and images) alone: a list of links, not prose."""
    if not _LINK.search(unit) and not _IMAGE.search(unit):
        return False
    rest = _STRAY_LINK_TAIL.sub(" ", _LINK.sub(" ", _IMAGE.sub(" ", unit)))
    rest = _LIST_MARKER.sub("", _TAG.sub(" ", rest), count=0)
    return not normalise(rest)


# --------------------------------------------------------------------------- regions

_AD_MARKER = re.compile(r"<!--\s*((?:[^>]*?\s)?ads\s+(begin|end))\s*-->", re.I)
_FARM = re.compile(r"atpl-alsoreadstyle", re.I)
_HTML_LIST = re.compile(r"<(ul|ol)\b.*?</\1\s*>(?:\s*</div\s*>)?", re.I | re.S)
_AD_SLOT = re.compile(
    r"<ins\b[^>]*adsbygoogle[^>]*>.*?</ins\s*>|<script\b[^>]*>(?:(?!</script).)*adsbygoogle"
    r".*?</script\s*>",
    re.I | re.S,
)


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end + 1


def ad_blocks(body: str) -> list[tuple[int, int, int, int]]:
    """(start, inner_start, inner_end, end) of every closed ad block, in order."""
    blocks = []
    open_at: tuple[int, int] | None = None
    for m in _AD_MARKER.finditer(body):
        if m.group(2).lower() == "begin":
            if open_at is None:
                open_at = (m.start(), m.end())
        elif open_at is not None:
            blocks.append((open_at[0], open_at[1], m.start(), m.end()))
            open_at = None
    return blocks


def _markdown_list_end(body: str, pos: int) -> int:
    """End of the Markdown list starting at or after `pos` (blank lines before it skipped)."""
    lines = body[pos:].splitlines(keepends=True)
    i, at = 0, pos
    while i < len(lines) and not lines[i].strip():
        at += len(lines[i])
        i += 1
    if i >= len(lines) or not _LIST_ITEM.match(lines[i]):
        return pos
    end = at
    while i < len(lines):
        line = lines[i]
        if _LIST_ITEM.match(line) or (line.strip() and line[:1] in " \t"):
            end = at + len(line)
        elif line.strip():
            break
        else:
            # a blank line ends the list unless an item or indented continuation follows
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if not (_LIST_ITEM.match(nxt) or (nxt.strip() and nxt[:1] in " \t")):
                break
        at += len(line)
        i += 1
    return end


def _list_items(md: str) -> list[str]:
    items: list[str] = []
    for line in md.splitlines():
        if _LIST_ITEM.match(line):
            items.append(line)
        elif items and line.strip():
            items[-1] += "\n" + line
    return items


# --------------------------------------------------------------------------- ground truth


def _sentences(text: str) -> list[str]:
    """Lines and sentences of `text` with >= MIN_JUNK_CHARS characters."""
    pieces: list[str] = []
    for line in text.splitlines():
        for sentence in re.split(r"(?<=[.!?\u3002])\s+", line):
            sentence = " ".join(sentence.split())
            if len(sentence) >= MIN_JUNK_CHARS:
                pieces.append(sentence)
    return pieces


def _visible_pieces(html: str) -> list[str]:
    """Lines and sentences of the visible text of an HTML fragment."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "template"]):
        tag.decompose()
    return _sentences(soup.get_text("\n"))


def _ad_urls(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    urls: list[str] = []
    for tag in soup.find_all(True):
        for attr in ("href", "src", "poster"):
            value = tag.get(attr)
            if not isinstance(value, str):
                continue
            if tag.name == "iframe" and attr == "src":
                key = url_key(value)
                if key and any(
                    key.split("/", 1)[0] == h or key.split("/", 1)[0].endswith("." + h)
                    for h in VIDEO_HOSTS
                ):
                    continue
            if tag.name in ("a", "img", "video", "source", "iframe"):
                urls.append(value)
                if value.lower().startswith("javascript:"):
                    urls.extend(unquote(u) for u in re.findall(r"https?%3A%2F%2F[^'\"\s)]+", value))
    return urls


_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*)$")  # not `(.*?)[ \t#]*$`: quadratic
_FURNITURE = re.compile(
    r"(like, share or repost|subscribe (for|to) .*(updates|newsletter)"
    r"|\d+ (thoughts|comments|responses) on .*|leave a (reply|comment).*|about the author)$",
    re.IGNORECASE,
)


def ground_truth(raw: str) -> GroundTruth:
    """Junk and content items of one article (its full text, front matter included)."""
    body = split_front_matter(raw)
    junk: list[Item] = []
    seen: set[tuple[str, str]] = set()
    regions: list[tuple[int, int]] = []

    blocks = ad_blocks(body)
    for start, inner_start, inner_end, end in blocks:
        regions.append((start, end))
        inner = body[inner_start:inner_end]
        for piece in _visible_pieces(inner):
            _add(junk, seen, "ad-text", piece, normalise(piece))
        for url in _ad_urls(inner):
            key = url_key(url)
            if key:
                _add(junk, seen, "ad-url", url, key)
    for m in _AD_MARKER.finditer(body):
        marker = " ".join(m.group(1).split()).lower()
        _add(junk, seen, "marker", marker, marker)
    for marker in MARKER_STRINGS:
        if marker in body.lower():
            _add(junk, seen, "marker", marker, marker)

    for m in _AD_SLOT.finditer(body):
        regions.append((m.start(), m.end()))

    for m in _FARM.finditer(body):
        start = _line_start(body, m.start())
        after = _line_end(body, m.start())
        html_list = _HTML_LIST.search(body, after)
        gap = body[after : html_list.start()] if html_list else ""
        if html_list and not _TAG.sub("", gap).strip():
            end = html_list.end()
            lis = [
                li.get_text(" ")
                for li in BeautifulSoup(html_list.group(0), "html.parser").find_all("li")
            ]
        else:
            end = _markdown_list_end(body, after)
            lis = [strip_markdown(_LIST_MARKER.sub("", it)) for it in _list_items(body[after:end])]
        regions.append((start, max(end, after)))
        for li in lis:
            text = " ".join(li.split())
            if len(normalise(text)) >= MIN_JUNK_CHARS:
                _add(junk, seen, "farm", text, normalise(text))

    lines = body.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    for i, line in enumerate(lines):
        stripped = strip_markdown(line)
        if re.match(r"what do you think of this post", stripped, re.I):
            last = i
            for j in range(i + 1, min(len(lines), i + 21)):
                if re.match(r"\s*rating:", strip_markdown(lines[j]), re.I):
                    last = j
                    break
            regions.append((offsets[i], offsets[last + 1]))
            for k in {i, last}:
                text = strip_markdown(lines[k])
                _add(junk, seen, "rating", text, normalise(text))
        if _BYLINE.search(stripped):
            regions.append((offsets[i], offsets[i + 1]))
            _add(junk, seen, "byline", stripped, normalise(stripped))
        if _DISCLAIMER.match(stripped):
            quoted = line.lstrip().startswith(">")
            last = i
            while last + 1 < len(lines) and (
                lines[last + 1].lstrip().startswith(">") if quoted else lines[last + 1].strip()
            ):
                last += 1
            block = "".join(lines[i : last + 1])
            if _AFFILIATE.search(block):
                regions.append((offsets[i], offsets[last + 1]))
                for piece in _sentences(strip_markdown(block)):
                    _add(junk, seen, "disclaimer", piece, normalise(piece))
        if stripped.lower() == "more reading":
            end = _markdown_list_end(body, offsets[i + 1])
            regions.append((offsets[i], max(end, offsets[i + 1])))
            for item in _list_items(body[offsets[i + 1] : end]):
                texts = [t for t in (_LINK.findall(item)) if t.strip()]
                rest = _STRAY_LINK_TAIL.sub("\n", _LINK.sub("\n", _IMAGE.sub("\n", item)))
                texts += rest.splitlines()
                for t in texts:
                    t = strip_markdown(_LIST_MARKER.sub("", t))
                    if len(t) >= MIN_JUNK_CHARS:
                        _add(junk, seen, "more-reading", t, normalise(t))

    atx = [
        (i, len(m.group(1)), m.group(2)) for i, line in enumerate(lines) if (m := _ATX.match(line))
    ]
    for k, (i, level, title) in enumerate(atx):
        text = strip_markdown(title.rstrip(" \t#"))
        if _FURNITURE.match(text):
            end = next((j for j, lv, _ in atx[k + 1 :] if lv <= level), len(lines))
            regions.append((offsets[i], offsets[end]))
            _add(junk, seen, "furniture", text, normalise(text))

    for m in _COMMENT_CALL.finditer(body):
        regions.append((m.start(), m.end()))
        text = strip_markdown(m.group(0))
        _add(junk, seen, "comment-call", text, normalise(text))

    return GroundTruth(junk, content_items(body, regions), len(blocks))


def content_items(body: str, regions: Iterable[tuple[int, int]]) -> list[Item]:
    """Headings, images and prose paragraphs of `body` outside the junk `regions`."""
    chars = list(body)
    for start, end in regions:
        for k in range(start, end):
            if chars[k] != "\n":
                chars[k] = " "
    rest = "".join(chars)
    rest = re.sub(r"<iframe\b.*?</iframe\s*>", " ", rest, flags=re.I | re.S)

    items: list[Item] = []
    seen: set[tuple[str, str]] = set()
    for _alt, url in _IMAGE.findall(rest):
        stem = Path(urlsplit(url).path).stem.lower()
        _add(items, seen, "image", url, stem)

    units: list[str] = []
    current: list[str] = []
    for line in [*rest.splitlines(), ""]:
        heading = _HEADING.match(line)
        if heading or not line.strip() or _LIST_ITEM.match(line):
            if current:
                units.append("\n".join(current))
            current = []
        if heading:
            text = _STEP_LABEL.sub("", strip_markdown(heading.group(2)))
            _add(items, seen, "heading", text, normalise(text))
        elif line.strip():
            current.append(line)
    for unit in units:
        if _only_links(unit):
            continue
        text = strip_markdown(_INLINE_NUMBERING.sub(" ", unit))
        text = _STEP_LABEL.sub("", _LIST_MARKER.sub("", text))
        if len(text) >= MIN_PARAGRAPH_CHARS:
            _add(items, seen, "paragraph", text, normalise(text))
    return items


# --------------------------------------------------------------------------- outputs


@dataclass(slots=True)
class Output:
    """What one tool produced for one article, ready to match items against."""

    html: str
    text: str
    norm: str
    urls: str
    image_stems: set[str]
    words: list[str] = field(default_factory=list)
    positions: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def from_html(cls, html: str) -> Output:
        soup = BeautifulSoup(html, "html.parser")
        for tag in soup(["script", "style", "template"]):
            tag.decompose()
        for c in soup.find_all(string=lambda s: isinstance(s, Comment)):
            c.extract()
        texts = [soup.get_text(" ")]
        urls: list[str] = []
        stems: set[str] = set()
        for tag in soup.find_all(True):
            if tag.name == "img":
                alt = tag.get("alt")
                if isinstance(alt, str):
                    texts.append(alt)
                src = tag.get("src")
                if isinstance(src, str):
                    stems.add(Path(urlsplit(src).path).stem.lower())
            for attr in ("href", "src", "poster"):
                value = tag.get(attr)
                if isinstance(value, str):
                    urls.append(value)
                    if "%" in value:  # URLs hidden URL-encoded in javascript: hrefs
                        urls.append(unquote(value))
                    key = url_key(value)
                    if key:
                        urls.append(key)
        text = " ".join(" ".join(texts).split())
        out = cls(html, text, normalise(text), " ".join(urls).lower(), stems, words(text))
        for i, w in enumerate(out.words):
            out.positions.setdefault(w, []).append(i)
        return out


def _fuzzy_kept(item_text: str, out: Output) -> bool:
    """>= 90 % of the item's words in order within a window of the output words."""
    ws = words(item_text)
    n = len(ws)
    if not n:
        return False
    need = math.ceil(FUZZY_RATIO * n)
    window = int(1.2 * n) + 5
    for j in range(n - need + 1):
        for p in out.positions.get(ws[j], [])[:500]:
            matched, pos, limit = 1, p + 1, p + window
            for k in range(j + 1, n):
                if matched + (n - k) < need:
                    break
                cands = out.positions.get(ws[k])
                if not cands:
                    continue
                q = next((c for c in cands if pos <= c < limit), None)
                if q is not None:
                    matched += 1
                    pos = q + 1
            if matched >= need:
                return True
    return False


@dataclass(slots=True)
class Score:
    junk_total: int
    content_total: int
    junk_left: list[Item]
    content_lost: list[Item]
    fuzzy: list[Item]

    @property
    def kept(self) -> int:
        return self.content_total - len(self.content_lost)

    @property
    def kept_ratio(self) -> float:
        return self.kept / self.content_total if self.content_total else 1.0


def junk_left(item: Item, out: Output) -> bool:
    if item.kind == "marker":
        return item.key in out.html.lower()
    if item.kind == "ad-url":
        return item.key in out.urls or item.key in out.text.lower()
    return item.key in out.norm


def score(truth: GroundTruth, out: Output) -> Score:
    left = [i for i in truth.junk if junk_left(i, out)]
    lost: list[Item] = []
    fuzzy: list[Item] = []
    for item in truth.content:
        if item.kind == "image":
            if item.key not in out.image_stems:
                lost.append(item)
        elif item.key not in out.norm:
            if _fuzzy_kept(item.text, out):
                fuzzy.append(item)
            else:
                lost.append(item)
    return Score(len(truth.junk), len(truth.content), left, lost, fuzzy)


# --------------------------------------------------------------------------- the two tools


class _Markdown:
    """One reusable Python-Markdown converter with the site's extensions."""

    def __init__(self) -> None:
        import markdown
        from mkdocs.config import load_config

        config = load_config(str(ROOT / "mkdocs.yml"))
        self.extensions = list(config.markdown_extensions)
        self.md = markdown.Markdown(
            extensions=self.extensions, extension_configs=config.mdx_configs
        )

    def __call__(self, text: str) -> str:
        self.md.reset()
        return str(self.md.convert(text))


def ours(md: _Markdown) -> Callable[[bytes, str], str]:
    """For scoring: cleanguide's pages, each rendered to HTML, concatenated."""
    core = ours_core()

    def run(data: bytes, name: str) -> str:
        return "\n".join(md(_FRONT_MATTER.sub("", page.text, count=1)) for page in core(data, name))

    return run


def ours_core() -> Callable[[bytes, str], list[Any]]:
    """Timed: cleanguide's per-article work, bytes -> the guide's Markdown pages."""
    from cleanguide import pipeline
    from cleanguide.reader import loads
    from cleanguide.render import render_guide

    def run(data: bytes, name: str) -> list[Any]:
        guide, _cleaned = pipeline.clean_and_structure(loads(data, name), "slug")
        return render_guide(guide)

    return run


def article_html(md: _Markdown, data: bytes) -> str:
    """What trafilatura is given: the body rendered to HTML, wrapped in an article."""
    body = split_front_matter(data.decode("utf-8-sig"))
    return f"<html><body><article>{md(body)}</article></body></html>"


def trafilatura_tool(md: _Markdown) -> Callable[[bytes, str], str]:
    """trafilatura on the article body rendered to HTML: bytes -> extracted HTML."""
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.ERROR)

    def run(data: bytes, name: str) -> str:
        return trafilatura.extract(article_html(md, data), **TRAFILATURA_OPTIONS) or ""

    return run


def extract_only(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, **TRAFILATURA_OPTIONS) or ""


def forget_ours() -> None:
    """Empty the stdlib's URL-split cache (cleanguide keeps none keyed by content)."""
    urlsplit.cache_clear()


def forget_trafilatura() -> None:
    """Empty trafilatura's caches keyed by text (2.x), and the stdlib's URL-split cache.

    Its caches of tables built once (punctuation, one character's class) are kept, as are
    ours (compiled patterns).
    """
    from trafilatura import deduplication, utils

    for name in ("line_processing", "trim"):
        getattr(utils, name).cache_clear()
    for name in ("is_similar_domain", "_vector_to_add"):
        getattr(deduplication, name).cache_clear()
    urlsplit.cache_clear()


def timed(
    paths: dict[str, Callable[[], object]],
    runs: int,
    before: dict[str, Callable[[], object]] | None = None,
) -> dict[str, float]:
    """Median milliseconds of each path over `runs` rounds, after one warm-up call each.

    The paths take turns within a round and the first one rotates, so a cache warmed by one
    path helps every path equally; the garbage collector is paused while a path runs.
    `before[name]`, when given, runs (untimed) before each timed call of that path.
    """
    samples: dict[str, list[float]] = {name: [] for name in paths}
    order = list(paths)
    for name in order:
        paths[name]()
    for k in range(runs):
        for name in order[k % len(order) :] + order[: k % len(order)]:
            if before and name in before:
                before[name]()
            gc.collect()
            gc.disable()
            try:
                start = time.perf_counter()
                paths[name]()
                samples[name].append((time.perf_counter() - start) * 1000)
            finally:
                gc.enable()
    return {name: statistics.median(v) for name, v in samples.items()}


# --------------------------------------------------------------------------- report


@dataclass(slots=True)
class ToolResult:
    junk_left: int
    content_kept: int
    kept_pct: float
    fuzzy: int
    ms: float | None
    """Median milliseconds of this tool's timed path (see Timing), or None when not timed."""
    error: str | None = None
    junk_left_items: list[dict[str, str]] = field(default_factory=list)
    content_lost_items: list[dict[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class ArticleReport:
    article: str
    junk_items: int
    content_items: int
    ad_blocks: int
    ours: ToolResult
    trafilatura: ToolResult | None
    extract_ms: float | None = None
    """trafilatura.extract alone on prepared HTML (median milliseconds)."""


def find_articles(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(sorted(q for q in p.rglob("*.md") if q.is_file()))
        elif p.is_file():
            found.append(p)
    return found


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def evaluate(
    run: Callable[[bytes, str], str], data: bytes, name: str, truth: GroundTruth
) -> ToolResult:
    try:
        html = run(data, name)
    except Exception as exc:  # a report: one failing article must not stop it
        return ToolResult(len(truth.junk), 0, 0.0, 0, None, f"{type(exc).__name__}: {exc}")
    s = score(truth, Output.from_html(html))
    return ToolResult(
        len(s.junk_left),
        s.kept,
        100.0 * s.kept_ratio,
        len(s.fuzzy),
        None,
        junk_left_items=[asdict(i) for i in s.junk_left],
        content_lost_items=[asdict(i) for i in s.content_lost],
    )


def bench_article(path: Path, runs: int, tools: Tools, warm: bool = False) -> ArticleReport:
    data = path.read_bytes()
    name = _display(path)
    truth = ground_truth(data.decode("utf-8-sig"))
    mine = evaluate(tools.ours, data, name, truth)
    traf = evaluate(tools.trafilatura, data, name, truth) if tools.trafilatura else None
    report = ArticleReport(name, len(truth.junk), len(truth.content), truth.ad_blocks, mine, traf)
    if runs <= 0 or mine.error:
        return report
    paths: dict[str, Callable[[], object]] = {"ours": lambda: tools.ours_core(data, name)}
    if traf is not None and not traf.error and tools.trafilatura:
        html = article_html(tools.md, data)
        trafilatura = tools.trafilatura
        paths["trafilatura"] = lambda: trafilatura(data, name)
        paths["extract"] = lambda: extract_only(html)
    before: dict[str, Callable[[], object]] = {}
    if not warm:  # each timed call sees the article as a build does the first time
        before = {"ours": forget_ours, "trafilatura": forget_trafilatura}
        before["extract"] = forget_trafilatura
    ms = timed(paths, runs, before)
    mine.ms = ms["ours"]
    if traf is not None:
        traf.ms = ms.get("trafilatura")
        report.extract_ms = ms.get("extract")
    return report


@dataclass(slots=True)
class Tools:
    md: _Markdown
    ours: Callable[[bytes, str], str]
    ours_core: Callable[[bytes, str], object]
    trafilatura: Callable[[bytes, str], str] | None


def _fmt_ms(ms: float | None) -> str:
    return "-" if ms is None else f"{ms:.1f}"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "-"


def table(reports: list[ArticleReport]) -> str:
    head = (
        f"{'article':<30} {'junk':>5} {'left ours':>9} {'left traf':>9} {'content':>7} "
        f"{'kept ours':>9} {'kept traf':>9} {'ms ours':>7} {'ms traf':>7} {'traf/ours':>9} "
        f"{'ms extr':>7} {'extr/ours':>9}"
    )
    rows = [head, "-" * len(head)]

    def row(label: str, junk: int | str, lo: str, lt: str, content: int | str, ko: str,
            kt: str, mo: float | None, mt: float | None, me: float | None) -> str:  # fmt: skip
        return (
            f"{label:<30} {junk:>5} {lo:>9} {lt:>9} {content:>7} {ko:>9} {kt:>9} "
            f"{_fmt_ms(mo):>7} {_fmt_ms(mt):>7} {_ratio(mt, mo):>9} "
            f"{_fmt_ms(me):>7} {_ratio(me, mo):>9}"
        )

    for r in reports:
        t = r.trafilatura
        rows.append(
            row(
                r.article[-30:],
                r.junk_items,
                "ERROR" if r.ours.error else str(r.ours.junk_left),
                "-" if t is None else str(t.junk_left),
                r.content_items,
                "ERROR" if r.ours.error else f"{r.ours.kept_pct:.1f}%",
                "-" if t is None else f"{t.kept_pct:.1f}%",
                r.ours.ms,
                None if t is None else t.ms,
                r.extract_ms,
            )
        )
    tot = totals(reports)
    traf = tot["trafilatura"]
    rows.append("-" * len(head))
    rows.append(
        row(
            f"TOTAL ({len(reports)} articles)",
            tot["junk_items"],
            str(tot["ours"]["junk_left"]),
            "-" if traf is None else str(traf["junk_left"]),
            tot["content_items"],
            f"{tot['ours']['kept_pct']:.2f}%",
            "-" if traf is None else f"{traf['kept_pct']:.2f}%",
            tot["ours"]["ms"],
            None if traf is None else traf["ms"],
            tot["extract_ms"],
        )
    )
    rows.append(
        row(
            "MEDIAN article",
            "",
            "",
            "",
            "",
            "",
            "",
            tot["ours"]["median_ms"],
            None if traf is None else traf["median_ms"],
            tot["extract_median_ms"],
        )
    )
    return "\n".join(rows)


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known and len(known) == len(values) else None


def _sum(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known and len(known) == len(values) else None


def totals(reports: list[ArticleReport]) -> dict[str, Any]:
    content = sum(r.content_items for r in reports)

    def tool(results: list[ToolResult]) -> dict[str, Any]:
        kept = sum(t.content_kept for t in results)
        return {
            "junk_left": sum(t.junk_left for t in results),
            "content_kept": kept,
            "kept_pct": 100.0 * kept / content if content else 100.0,
            "fuzzy": sum(t.fuzzy for t in results),
            "errors": sum(1 for t in results if t.error),
            "ms": _sum([t.ms for t in results]),
            "median_ms": _median([t.ms for t in results]),
        }

    trafs = [r.trafilatura for r in reports if r.trafilatura is not None]
    return {
        "articles": len(reports),
        "junk_items": sum(r.junk_items for r in reports),
        "content_items": content,
        "ours": tool([r.ours for r in reports]),
        "trafilatura": tool(trafs) if len(trafs) == len(reports) and trafs else None,
        "extract_ms": _sum([r.extract_ms for r in reports]),
        "extract_median_ms": _median([r.extract_ms for r in reports]),
    }


def speedups(reports: list[ArticleReport]) -> dict[str, float | None]:
    """How many times faster we are on the median article: vs trafilatura, vs extract alone."""
    tot = totals(reports)
    ours = tot["ours"]["median_ms"]
    traf = tot["trafilatura"]["median_ms"] if tot["trafilatura"] else None
    extract = tot["extract_median_ms"]
    return {
        "trafilatura": traf / ours if traf and ours else None,
        "extract": extract / ours if extract and ours else None,
    }


def details(reports: list[ArticleReport], which: str) -> str:
    out: list[str] = []
    for r in reports:
        t = r.ours if which == "ours" else r.trafilatura
        if t is None or not (t.error or t.junk_left_items or t.content_lost_items):
            continue
        out.append(f"== {r.article} ({which})")
        if t.error:
            out.append(f"   error: {t.error}")
        out.extend(f"   junk left [{i['kind']}]: {i['text'][:140]}" for i in t.junk_left_items)
        out.extend(
            f"   content lost [{i['kind']}]: {i['text'][:140]}" for i in t.content_lost_items
        )
    return "\n".join(out)


def check_failures(reports: list[ArticleReport], min_speedup: float | None = None) -> list[str]:
    failures = [
        f"{r.article}: {'pipeline failed' if r.ours.error else f'{r.ours.junk_left} junk item(s) left'}"
        for r in reports
        if r.ours.error or r.ours.junk_left
    ]
    tot = totals(reports)
    if tot["ours"]["kept_pct"] < 100.0 * KEPT_TARGET:
        failures.append(f"content kept {tot['ours']['kept_pct']:.2f}% < {100 * KEPT_TARGET}%")
    if min_speedup is not None:
        speed = speedups(reports)["trafilatura"]
        if speed is None:
            failures.append("speed not measured (needs trafilatura and --runs > 0)")
        elif speed < min_speedup:
            failures.append(f"median article {speed:.2f}x faster than trafilatura < {min_speedup}x")
    return failures


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    ap.add_argument("paths", nargs="*", type=Path, help="articles or folders (default: corpus)")
    ap.add_argument("--runs", type=int, default=11, help="timed runs per article (default 11)")
    ap.add_argument("--json", type=Path, help="write the numbers to this file")
    ap.add_argument("--check", action="store_true", help="exit 1 if ours leaves junk or loses")
    ap.add_argument("--min-speedup", type=float, metavar="R",
                    help="with --check: also exit 1 unless the median article is R times faster")  # fmt: skip
    ap.add_argument("--details", choices=["ours", "trafilatura", "both"], nargs="?",
                    const="ours", help="list junk left / content lost per article")  # fmt: skip
    ap.add_argument("--no-trafilatura", action="store_true", help="measure our pipeline only")
    ap.add_argument("--warm", action="store_true",
                    help="keep caches keyed by content between runs (default: empty them)")  # fmt: skip
    args = ap.parse_args(argv)

    articles = find_articles(args.paths or DEFAULT_PATHS)
    if not articles:
        print("no articles found", file=sys.stderr)
        return 1 if args.check else 0
    md = _Markdown()
    tools = Tools(md, ours(md), ours_core(), None)
    if not args.no_trafilatura:
        try:
            tools.trafilatura = trafilatura_tool(md)
        except ImportError as exc:
            print(f"trafilatura unavailable ({exc}); measuring ours only", file=sys.stderr)
    reports = [bench_article(p, args.runs, tools, args.warm) for p in articles]

    print(table(reports))
    speed = speedups(reports)
    if speed["trafilatura"] is not None:
        print(
            f"\nmedian article: cleanguide is {speed['trafilatura']:.2f}x faster than trafilatura"
            f" on the same article, {speed['extract']:.2f}x faster than trafilatura.extract alone"
        )
    if args.details:
        for which in ("ours", "trafilatura") if args.details == "both" else (args.details,):
            text = details(reports, which)
            if text:
                print("\n" + text)
    if args.json:
        payload = {
            "runs": args.runs,
            "caches": "warm" if args.warm else "emptied before each timed call",
            "trafilatura_options": TRAFILATURA_OPTIONS,
            "markdown_extensions": md.extensions,
            "articles": [asdict(r) for r in reports],
            "total": totals(reports),
            "speedup": speedups(reports),
        }
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    if args.check:
        failures = check_failures(reports, args.min_speedup)
        for f in failures:
            print(f"CHECK FAILED: {f}", file=sys.stderr)
        return 1 if failures else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
