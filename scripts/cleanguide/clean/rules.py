"""The cleaning rules, in the order they run. Each is a small function `RuleContext -> cuts`.

Rules match on structure (comment markers, elements, list shapes, URL shapes); the hosts and
phrases they look for live in `data/patterns.yml`; the indexes of the text they read (lines,
paragraphs, elements) come from their `RuleContext`. A rule that cannot tell junk from
content keeps the text and warns: it never deletes up to the end of the file. (The chain in
one file: `RULES` reads top to bottom, in the order the rules run, and a new rule is a
function beside the others.)
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterator, Mapping

from ..labels import NUMBER_SIGN, STEP_WORDS, alternation
from ..sanitize import url_is_safe
from ..text import MD_LINK, Lines, code_spans
from ..typography import plain, title_key
from .engine import Cut, Rule, RuleContext
from .patterns import Patterns
from .scan import attribute_spans, attrs

# --- small scanners shared by the rules ---------------------------------------------------

# a link: a "[" that is not an image's "![" (the look-behind after the "[": the regex engine
# finds the "[" first instead of trying the look-behind at every character)
_MD_LINK = re.compile(r"\[(?<!!\[)([^\[\]\n]*)\]\(\s*<?([^\s()<>]*)>?(?:\s+\"[^\"\n]*\")?\s*\)")
_MD_IMAGE_LINK = re.compile(
    r"\[(!\[[^\[\]\n]*\]\(\s*[^\s()]*(?:\s+\"[^\"\n]*\")?\s*\))\]\(\s*<?([^\s()<>]*)>?\s*\)"
)
_MD_IMAGE = re.compile(r"!\[([^\[\]\n]*)\]\(\s*<?([^\s()<>]*)>?(?:\s+\"[^\"\n]*\")?\s*\)")
_LIST_ITEM = re.compile(r"^[ \t]{0,3}(?:[*+-]|\d{1,3}[.)])[ \t]+")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]")
_STEP_LINE = re.compile(
    rf"^\W{{0,4}}(?:{alternation(STEP_WORDS)})\s*(?:{NUMBER_SIGN}\s*)?\d", re.IGNORECASE
)
_INLINE_OPEN = re.compile(r"<(?:a|span|div|video)\b", re.IGNORECASE)
_INLINE_CLOSE = re.compile(r"</(?:a|span|div|video)\s*>", re.IGNORECASE)
_LI_OPEN = re.compile(r"<li\b", re.IGNORECASE)
_LI_CLOSE = re.compile(r"</li\s*>", re.IGNORECASE)
_A_TAG = re.compile(r"<a\b[^>]*>", re.IGNORECASE)
_DIV_BEFORE = re.compile(r"<div\b[^>]*>\s*$", re.IGNORECASE)
_DIV_AFTER = re.compile(r"\s*</div\s*>", re.IGNORECASE)
_LABEL_ELEMENT = re.compile(
    r"<(span|p|div|strong|h\d)\b([^>]*)>([^<]{0,60})</\1\s*>\s*$", re.IGNORECASE
)
_LINK_TARGET = re.compile(r"\]\(\s*<?([^\s()<>]+)")
_BYLINE_TARGET = re.compile(r"\]\(([^)\s]+)")
_IMAGE_FILE = re.compile(r"\.(png|jpe?g|gif|webp)$", re.IGNORECASE)
_MEDIA_TAG = re.compile(r"<(img|video|iframe|picture)\b", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^<>]*>")
_WORD = re.compile(r"\w")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"'”’»)])\s+|\n")
"""Where a sentence ends: after its stop, or after a quote or bracket closing on one."""
_HEADING_START = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)|\s*<h[1-6][\s>]", re.IGNORECASE)
"""A block that is a heading, in Markdown or HTML."""
_LEAD_MARKS = "#>*_ \t\u00a0"
# A link reference definition: `[label]: target "title"`, on a line of its own.
_MD_REFERENCE = re.compile(r"^[ ]{0,3}\[[^\]\n]+\]:[ \t]*(<[^<>\n]*>|\S+)[^\n]*\n?", re.M)


def _with_line_end(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a block-level cut to whole lines when nothing else shares them."""
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    le = len(text) if le == -1 else le + 1
    if text[ls:start].strip() or text[end:le].strip():
        return start, end
    return ls, le


# --- rules ---------------------------------------------------------------------------------


def ad_blocks(ctx: RuleContext) -> Iterator[Cut]:
    """Remove `<!-- ... ads begin -->` … `<!-- ... ads end -->` blocks, outermost pairs only.

    Pairs are matched with a stack, so nesting works and an orphan marker pairs with nothing.
    A block holding Markdown structure (a heading, a list, a Markdown image, a "Step N") is a
    broken pair that would swallow content: its markers go, its text stays, and we warn.
    """
    p = ctx.patterns
    text = ctx.text
    if "<!--" not in text:
        return  # markers are comments (the loader checks)
    events = sorted(
        [(m.start(), m.end(), True) for m in p.marker_begin.finditer(text)]
        + [(m.start(), m.end(), False) for m in p.marker_end.finditer(text)]
    )
    stack: list[tuple[int, int]] = []
    pairs: list[tuple[int, int, int, int]] = []
    orphans: list[tuple[int, int, str]] = []
    for start, end, is_begin in events:
        if is_begin:
            stack.append((start, end))
        elif stack:
            bs, be = stack.pop()
            pairs.append((bs, be, start, end))
        else:
            orphans.append((start, end, "ad end marker without a begin marker"))
    orphans.extend((s, e, "ad begin marker without an end marker") for s, e in stack)
    outer: list[tuple[int, int, int, int]] = []
    for pair in sorted(pairs):
        if outer and pair[3] <= outer[-1][3]:
            continue  # nested inside a pair already taken
        outer.append(pair)
    for bs, be, es, ee in outer:
        inner = text[be:es]
        reason = _structure_reason(inner, p.marker_max_lines)
        if reason:
            ctx.warn(bs, f"ad block kept: it contains {reason}; only its markers are removed")
            yield Cut(*_with_line_end(text, bs, be))
            yield Cut(*_with_line_end(text, es, ee))
        else:
            yield Cut(*_with_line_end(text, bs, ee))
    for s, e, why in orphans:
        ctx.warn(s, f"{why}; the marker is removed, the text around it is kept")
        yield Cut(*_with_line_end(text, s, e))


def _structure_reason(inner: str, max_lines: int) -> str:
    if inner.count("\n") > max_lines:
        return f"more than {max_lines} lines"
    depth = 0
    for raw in inner.splitlines():
        line = raw.strip()
        if depth == 0:
            if _HEADING.match(raw):
                return "a heading"
            if _MD_IMAGE.search(line) and not line.startswith("<"):
                return "a Markdown image"
            if _STEP_LINE.match(line):
                return "a step"
            if _LIST_ITEM.match(raw) and not line.startswith("<"):
                return "a list item"
        # track whether we are inside an HTML tag's text (ads put prose inside <a>…</a>)
        opens = len(_INLINE_OPEN.findall(line))
        closes = len(_INLINE_CLOSE.findall(line))
        depth = max(0, depth + opens - closes)
    return ""


def ad_slots(ctx: RuleContext) -> Iterator[Cut]:
    """Remove AdSense `<ins class="adsbygoogle">` slots, their loader scripts and push() lines."""
    text = ctx.text
    for tag, attr_rx in ctx.patterns.ad_slot_tags:
        for start, end, start_tag, _ in ctx.elements(tag):
            if not attr_rx.search(start_tag):
                continue
            if not start_tag.endswith(">"):
                ctx.warn(
                    start,
                    f"<{tag}> ad slot has no '>' before a blank line; only its lines are removed",
                )
                end = start + len(start_tag)
            elif end == -1 or ctx.newlines(start, end) > 20:
                ctx.warn(start, f"<{tag}> ad slot is not closed nearby; only its tag is removed")
                end = start + len(start_tag)
            yield Cut(*_with_line_end(text, start, end))
    lines = ctx.lines
    for i, line in enumerate(lines.parts):
        if ctx.patterns.ad_script_lines.match(line):
            yield Cut(lines.start(i), lines.end(i))


def link_farms(ctx: RuleContext) -> Iterator[Cut]:
    """Remove "Also read"/"More Reading" lists whose every item links into the farm."""
    p = ctx.patterns
    text = ctx.text
    # HTML form: <span class="…alsoread…">Also read:</span> then <div><ul>…</ul></div>
    for start, end, _, _ in ctx.elements("ul"):
        if end == -1:
            continue
        hrefs = (attrs(m.group(0)).get("href", "") for m in _A_TAG.finditer(text, start, end))
        first = next(hrefs, None)
        if first is None or not p.is_farm_url(first) or not all(map(p.is_farm_url, hrefs)):
            continue
        s, e = start, end
        # widen to a wrapping <div> and a label element just before it
        before = text[max(0, s - 400) : s]
        div = _DIV_BEFORE.search(before)
        if div:
            after = _DIV_AFTER.match(text[e:])
            if after:
                s, e = s - (len(before) - div.start()), e + after.end()
        label = _label_before(text, s, p)
        # under a "related" label one farm link is a farm; a bare list needs a few
        wanted = 1 if label is not None else p.farm_min_items
        if _closed_items(text, start, end, wanted) < wanted:
            continue
        if label is not None:
            s = label
        yield Cut(*_with_line_end(text, s, e))
    # Markdown form: a label line, then a list whose items all link into the farm
    lines = ctx.lines
    parts = lines.parts
    cut_until = 0  # lines before this belong to a list already cut
    for i, line in enumerate(parts):
        if i < cut_until or len(line) >= p.farm_label_max_chars:
            continue
        if not p.farm_labels.match(_undressed(line)):
            continue
        j = i + 1
        while j < len(parts) and not parts[j].strip():
            j += 1
        k, items = _md_list(lines, j)
        if items and all(_item_is_farm(it, p) for it in items):
            yield Cut(lines.start(i), lines.end(k - 1))
            cut_until = k
        elif items:
            ctx.warn(
                lines.start(i),
                "a link list follows a 'related' label but links outside the farm; kept",
            )
    # Inline form: "Also read: [A](farm) | [B](farm)", a paragraph of a label and farm links
    for start, end in ctx.paragraphs:
        if end - start > _INLINE_FARM_MAX_CHARS:
            continue
        if text.find("](", start, end) < 0 and text.find("href", start, end) < 0:
            continue  # no link
        if p.farm_label_lead.match(_undressed(text[start : start + 120])) is None:
            continue  # (the label is read from the paragraph's start only)
        block = _undressed(text[start:end])
        lead = p.farm_label_lead.match(block)
        if lead is None:
            continue
        rest = block[lead.end() :]
        urls = _link_targets(rest)
        if urls and all(map(p.is_farm_url, urls)) and _INLINE_FARM_GLUE.fullmatch(_unlinked(rest)):
            yield Cut(start, end)


_INLINE_FARM_MAX_CHARS = 1500
_HTML_LINK = re.compile(r"<a\b[^<>]*>[^<]*</a\s*>", re.IGNORECASE)


def _link_targets(block: str) -> list[str]:
    """The targets of a block's links, HTML and Markdown; a link's, not its icon's
    (`[![f](fb.png)](https://facebook.com/sharer...)` is one link, to Facebook)."""
    hrefs = (attrs(m.group(0)).get("href") for m in _A_TAG.finditer(block))
    urls = [href for href in hrefs if href is not None]
    return urls + [m.group(3).strip("<>") for m in MD_LINK.finditer(block) if not m.group(1)]


def _unlinked(block: str) -> str:
    """What a block says besides its links (HTML and Markdown) and tags."""
    return _ANY_TAG.sub(" ", MD_LINK.sub(" ", _HTML_LINK.sub(" ", block)))


# what may stand between the links of an inline farm list: separators, "and", "or"
_INLINE_FARM_GLUE = re.compile(r"(?:[\s|,;/·•\-\u2013\u2014]|\band\b|\bor\b)*", re.IGNORECASE)


def _closed_items(text: str, start: int, end: int, enough: int) -> int:
    """How many `<li ...> ... </li>` items lie in text[start:end] (each to its first close).

    Counting stops at `enough`.
    """
    count, pos = 0, start
    while count < enough and (m := _LI_OPEN.search(text, pos, end)):
        # an item ends at the first close after its "<li" (a close cannot overlap the "<li")
        close = _LI_CLOSE.search(text, m.end(), end)
        if close is None:
            break
        count, pos = count + 1, close.end()
    return count


def _label_before(text: str, pos: int, p: Patterns) -> int | None:
    before = text[max(0, pos - 300) : pos]
    m = _LABEL_ELEMENT.search(before)
    if not m:
        return None
    cls = attrs(m.group(0)).get("class", "")
    if any(c in cls for c in p.farm_label_classes) or p.farm_labels.match(m.group(3)):
        return pos - (len(before) - m.start())
    return None


def _undressed(line: str) -> str:
    """A line without its heading/quote marks and emphasis: `> **Also read:**` -> `Also read:`."""
    return line.lstrip(_LEAD_MARKS).replace("*", "").replace("_", "")


def _md_list(lines: Lines, j: int) -> tuple[int, list[str]]:
    """A Markdown list starting at line j: (index after it, item texts)."""
    items: list[str] = []
    k = j
    while k < len(lines):
        line = lines.with_newline(k)
        if _LIST_ITEM.match(line):
            items.append(line)
        elif items and line.strip() and line[:1].isspace():
            items[-1] += line  # an indented line continues the item
        else:
            break
        k += 1
    return k, items


def _item_is_farm(item: str, p: Patterns) -> bool:
    urls = _LINK_TARGET.findall(item)
    link_urls = [u for u in urls if not _IMAGE_FILE.search(u)]
    return bool(link_urls) and all(p.is_farm_url(u) for u in link_urls)


def rating_widgets(ctx: RuleContext) -> Iterator[Cut]:
    """Remove a star-rating widget: its question line and the parts that follow it, or a
    short paragraph that is a run of stars with a score or count ("★★★★☆ 4.3/5 (218
    votes)") and no step."""
    yield from _rating_paragraphs(ctx)
    lines = ctx.lines
    parts = lines.parts
    after = 0  # lines before this belong to a widget already cut
    for i, line in enumerate(parts):
        if i >= after and ctx.patterns.rating_start.match(line):
            j = i + 1
            last = i
            while j < len(parts) and j - last <= 3:
                body = parts[j]
                if ctx.patterns.rating_parts.match(body):
                    last = j
                elif body.strip():
                    break
                j += 1
            if last > i:
                yield Cut(lines.start(i), lines.end(last))
                after = last + 1
                continue
            ctx.warn(lines.start(i), "rating question without a rating widget after it; kept")


_RATING_PARAGRAPH_MAX_CHARS = 400


def _rating_paragraphs(ctx: RuleContext) -> Iterator[Cut]:
    """Short paragraphs that are a widget and nothing else: stars with a score or count, a
    rating or feedback question with its tally ("Was this helpful? Yes (12) No (3)"), or
    such a question and then its tally in the next paragraph."""
    p = ctx.patterns
    text = ctx.text
    # each widget has stars or a question: a text with neither is not read paragraph by
    # paragraph, and a paragraph is searched for a question only if it names a label word
    stars = p.rating_stars.search(text) is not None
    lowered = text.lower()
    if not stars and not any(w in lowered for w in p.rating_label_words):
        return
    question_end = -1  # where the last question removed ends
    for start, end in ctx.paragraphs:
        if end - start > _RATING_PARAGRAPH_MAX_CHARS:
            continue
        named = any(lowered.find(w, start, end) >= 0 for w in p.rating_label_words)
        after_question = question_end >= 0 and not text[question_end:start].strip()
        block = text[start:end]
        has_stars = stars and p.rating_stars.search(block) is not None
        if not (named or after_question or has_stars) or any(
            _STEP_LINE.match(line) or _LIST_ITEM.match(line) for line in block.split("\n")
        ):
            continue
        tally = p.rating_tally.search(block) is not None
        label = named and p.rating_label.search(block) is not None
        rest = p.rating_tally.sub(" ", p.rating_label.sub(" ", p.rating_stars.sub(" ", block)))
        only_widget = not _WORD.search(_RATING_NOISE.sub(" ", plain(rest)))
        answers = tally and after_question
        if only_widget and ((has_stars and tally) or label or answers):
            question_end = end if label else -1
            yield Cut(start, end)


# what a widget's paragraph may hold besides its question, stars and tallies
_RATING_NOISE = re.compile(r"(?i:\b(?:rating|votes?|yes|no)\b)|<[^<>]*>|\[[^\]]*\]\([^)]*\)")


def bylines(ctx: RuleContext) -> Iterator[Cut]:
    """Remove author pictures and "… / Updated by …" lines."""
    lines = ctx.lines
    for i, line in enumerate(lines.parts):
        if ctx.patterns.bylines.match(line):
            if _links_outside_farm(line, ctx.patterns):
                ctx.warn(lines.start(i), "byline-like line links outside the farm; kept")
                continue
            yield Cut(lines.start(i), lines.end(i))


def _links_outside_farm(line: str, p: Patterns) -> bool:
    """Whether `line` links somewhere that is neither junk nor an image file: a place a
    reader may want to go, so the line is not provably junk."""
    return any(
        not p.is_junk_url(u) for u in _BYLINE_TARGET.findall(line) if not _IMAGE_FILE.search(u)
    )


def ad_elements(ctx: RuleContext) -> Iterator[Cut]:
    """Remove ad HTML outside marked blocks: affiliate `<a>` around images, ad embeds, pixels."""
    p = ctx.patterns
    text = ctx.text
    taken: list[tuple[int, int]] = []
    for start, end, tag, inner in ctx.elements("a"):
        href = attrs(tag).get("href", "")
        if not (p.is_affiliate_url(href) or p.is_ad_url(href) or p.is_farm_url(href)):
            if end != -1 and p.is_banner_url(href) and ctx.newlines(start, end) <= 12:
                body = text[inner : text.rfind("</", inner, end)]
                if _MEDIA_TAG.search(body) and not _WORD.search(_ANY_TAG.sub("", body)):
                    yield Cut(*_with_line_end(text, start, end))  # an image-only banner
                    taken.append((start, end))
            continue
        if end == -1 or ctx.newlines(start, end) > 12:
            # an unclosed anchor: drop only the tag itself, never what follows
            ctx.warn(start, "link to an ad or farm host is never closed; only its tag is removed")
            yield Cut(start, inner)
            continue
        close = text.rfind("</", inner, end)  # the end tag: "</a>", "</a >"
        body = text[inner:close]
        if _MEDIA_TAG.search(body) or (p.is_affiliate_url(href) and not body.strip()):
            yield Cut(*_with_line_end(text, start, end))
            taken.append((start, end))
        else:
            group = start + 1
            yield Cut(start, inner, "unwrapped", group)
            yield Cut(close, end, "unwrapped", group)
            taken.append((start, inner))
    for tag_name in ("video", "iframe", "object", "embed"):
        for start, end, tag, _ in ctx.elements(tag_name):
            a = attrs(tag)
            urls = [a.get(k, "") for k in ("src", "poster", "data")]
            if any(u and p.is_ad_url(u) for u in urls):
                end = end if end != -1 and ctx.newlines(start, end) <= 12 else start + len(tag)
                yield Cut(*_with_line_end(text, start, end))
    for m in ctx.elements("img").opens:
        if any(s <= m.start() < e for s, e in taken):
            continue
        a = attrs(m.group(0))
        if _is_pixel(a, p) or p.is_ad_url(a.get("src", "")) or _hidden_attribute(m.group(0)):
            yield Cut(*_with_line_end(text, m.start(), m.end()))


def _is_pixel(a: Mapping[str, str], p: Patterns) -> bool:
    """An image nobody sees: a side at most `pixels.max_size` pixels (an attribute, or a
    CSS width or height in its style), or a style that hides it."""

    def small(v: str) -> bool:
        size = v.strip().lower().removesuffix("px").rstrip()
        return size.isdecimal() and int(size) <= p.pixel_max_size  # "²".isdigit(), not int()

    if small(a.get("width", "")) or small(a.get("height", "")):
        return True
    style = a.get("style", "")
    for declaration in style.split(";"):
        name, colon, value = declaration.partition(":")
        if colon and name.strip().lower() in _CSS_SIDES and small(_CSS_IMPORTANT.sub("", value)):
            return True
    return bool(p.pixel_hidden_style.search(style))


def _hidden_attribute(tag: str) -> bool:
    """Whether a start tag has the `hidden` attribute (outside its quoted values)."""
    return "hidden" in tag.lower() and bool(_HIDDEN_ATTR.search(_QUOTED.sub("", tag)))


_HIDDEN_ATTR = re.compile(r"\shidden(?=[\s/>=]|$)", re.IGNORECASE)
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
_CSS_SIDES = frozenset({"width", "height", "max-width", "max-height"})
_CSS_IMPORTANT = re.compile(r"\s*!\s*important\s*$", re.IGNORECASE)


def junk_links(ctx: RuleContext) -> Iterator[Cut]:
    """Unwrap Markdown links into the farm or to affiliates (text kept); drop ad images.

    Links shown inside fenced code are left alone by the engine, like every other cut there.
    """
    p = ctx.patterns
    text = ctx.text
    if "](" not in text:
        return  # no Markdown link or image
    counter = itertools.count(1)
    seen: list[tuple[int, int]] = []
    for m in _MD_IMAGE_LINK.finditer(text):
        url = m.group(2)
        if not p.is_junk_url(url):
            if p.is_banner_url(url):  # an image-only link with a referral parameter
                seen.append((m.start(), m.end()))
                yield Cut(m.start(), m.end())
            continue
        seen.append((m.start(), m.end()))
        img = _MD_IMAGE.match(m.group(1))
        if p.is_affiliate_url(url) or p.is_ad_url(url) or (img and p.is_ad_url(img.group(2))):
            yield Cut(m.start(), m.end())
        else:
            g = next(counter)
            yield Cut(m.start(), m.start() + 1, "unwrapped", g)
            yield Cut(m.start(1) + len(m.group(1)), m.end(), "unwrapped", g)
    for m in _MD_LINK.finditer(text):
        url = m.group(2)
        if any(s <= m.start() < e for s, e in seen):
            continue
        if not p.is_junk_url(url):
            continue
        if not m.group(1).strip():
            yield Cut(*_with_line_end(text, m.start(), m.end()))
            continue
        g = next(counter)
        yield Cut(m.start(), m.start() + 1, "unwrapped", g)
        yield Cut(m.end(1), m.end(), "unwrapped", g)
    for m in _MD_IMAGE.finditer(text):
        if p.is_ad_url(m.group(2)):
            yield Cut(*_with_line_end(text, m.start(), m.end()))


def unsafe_links(ctx: RuleContext) -> Iterator[Cut]:
    """Unwrap links (text kept) and drop images whose URL the sanitizer would drop:
    `javascript:`, `data:` but a raster image, `file:`... also written with character
    references (`&#106;avascript:`), which MkDocs would read as a broken relative link.
    Markdown links, images and reference definitions, and raw `<a href>` and `<img src>`."""
    text = ctx.text
    counter = itertools.count(1)
    in_code = _in_code_span(text)
    if "](" in text:
        for m in MD_LINK.finditer(text):
            if in_code(m.start()):
                continue
            target = m.group(3)
            target = target[1:-1] if target.startswith("<") else target
            if m.group(1):  # an image: it goes, alt text and all
                if not url_is_safe("img", "src", target):
                    yield Cut(m.start(), m.end())
            elif not url_is_safe("a", "href", target):
                g = next(counter)
                yield Cut(m.start(), m.start() + 1, "unwrapped", g)
                yield Cut(m.end(2), m.end(), "unwrapped", g)
    if "]:" in text:
        for m in _MD_REFERENCE.finditer(text):
            target = m.group(1)
            if not url_is_safe("a", "href", target[1:-1] if target.startswith("<") else target):
                yield Cut(m.start(), m.end())
    for start, end, tag, inner in ctx.elements("a"):
        href = attrs(tag).get("href")
        if href is None or url_is_safe("a", "href", href):
            continue
        g = next(counter)
        yield Cut(start, inner, "unwrapped", g)  # the start tag; the text stays
        if end != -1 and ctx.newlines(start, end) <= 12:
            yield Cut(text.rfind("</", inner, end), end, "unwrapped", g)
    for m in ctx.elements("img").opens:
        src = attrs(m.group(0)).get("src")
        if src is not None and not url_is_safe("img", "src", src):
            yield Cut(m.start(), m.end())


# any raw start tag with an attribute after its name (no "<" or ">" inside: linear)
_START_TAG = re.compile(r"<[A-Za-z][A-Za-z0-9-]*(?=[\s/])[^<>]*>")
_HANDLER_NAME = re.compile(r"on[a-z]{3,}")  # every event name has three letters or more (oncut)
_HANDLER_HINT = re.compile(r"""[\s"'/]on[a-z]{3,}\s*=""", re.IGNORECASE)


def event_handlers(ctx: RuleContext) -> Iterator[Cut]:
    """Remove event-handler attributes (`onclick`, `onerror`, `onload`...) from raw HTML
    tags, with the space before them; the tag and its text stay. No page runs them (the
    sanitiser drops them too): removed here, they are in the audit. Inline code is left
    alone."""
    text = ctx.text
    if "<" not in text or not _HANDLER_HINT.search(text):
        return
    in_code = _in_code_span(text)
    for m in _START_TAG.finditer(text):
        if in_code(m.start()):
            continue
        for name, start, end in attribute_spans(m.group(0)):
            if _HANDLER_NAME.fullmatch(name):
                at = m.start() + start
                while text[at - 1] in " \t\n\r\f":
                    at -= 1
                yield Cut(at, m.start() + end)


def _in_code_span(text: str) -> Callable[[int], bool]:
    """Whether an offset of `text` is inside one of its inline code spans."""
    code = code_spans(text) if "`" in text else []
    starts = [start for start, _ in code]

    def inside(pos: int) -> bool:
        i = bisect.bisect_right(starts, pos) - 1
        return i >= 0 and pos < code[i][1]

    return inside


# Raw HTML a guide page never shows (the renderer's neutraliser drops the same: neutralise.py).
# Not <iframe>: a video embed becomes a link to the video (structure/blocks.py).
_ACTIVE_ELEMENTS = (
    *("script", "style", "form", "object", "svg", "math", "template", "noscript"),
    *("video", "audio", "applet", "frame", "frameset", "noembed", "noframes"),
    *("select", "button"),
)
_ACTIVE_VOID = ("embed", "meta", "link", "base", "input")
_RAW_TEXT = frozenset({"script", "style"})
"""Elements a browser reads as code up to their end tag, blank lines and all."""
_UNWRAPPED = frozenset({"form", "noscript"})
"""Elements whose tags go and whose content stays: a form's labels may be an instruction,
a `<noscript>` holds a lazy-loaded page's real screenshot."""


def active_html(ctx: RuleContext) -> Iterator[Cut]:
    """Remove raw HTML a guide page never shows, as the renderer's neutraliser would (it
    still runs, behind this): removed here, it is in the audit.

    A `<script>` or `<style>` goes with its content up to its end tag (a browser reads all
    of it as code), unless that holds a heading or a step: then only the start tag goes,
    with a warning. A `<form>` or `<noscript>` loses its tags and keeps its content. An
    `<svg>`, `<object>`, `<select>`... goes with its content when it closes in its own
    paragraph, else only its start tag goes (its text stays). `<embed>`, `<meta>`, `<link>`,
    `<base>` and `<input>` tags go. Inline code is left alone.
    """
    text = ctx.text
    if "<" not in text:
        return
    in_code = _in_code_span(text)
    structure: list[int] | None = None  # where headings and step lines start

    def holds_structure(start: int, end: int) -> bool:
        nonlocal structure
        if structure is None:
            lines = ctx.lines
            structure = [
                lines.start(i)
                for i, line in enumerate(lines.parts)
                if _HEADING.match(line) or _STEP_LINE.match(line)
            ]
        i = bisect.bisect_left(structure, start)
        return i < len(structure) and structure[i] < end

    paragraph_ends = [end for _, end in ctx.paragraphs]
    group = itertools.count(1)
    for name in _ACTIVE_ELEMENTS:
        covered = 0  # an element inside one removed whole goes with it
        for start, end, _tag, inner in ctx.elements(name):
            if start < covered or in_code(start):
                continue
            if name in _UNWRAPPED:
                g = next(group)
                yield Cut(start, inner, "unwrapped", g)
                if end != -1:
                    yield Cut(text.rfind("</", inner, end), end, "unwrapped", g)
                continue
            if end != -1 and name in _RAW_TEXT:
                if not holds_structure(inner, end):
                    covered = end
                    yield Cut(*_with_line_end(text, start, end))
                    continue
                ctx.warn(start, f"<{name}> holds a heading or a step: only its tag is removed")
            elif end != -1:
                k = bisect.bisect_left(paragraph_ends, start + 1)
                if k < len(paragraph_ends) and end <= paragraph_ends[k]:
                    covered = end
                    yield Cut(*_with_line_end(text, start, end))
                    continue
            yield Cut(start, inner)
    for name in _ACTIVE_VOID:
        for m in ctx.elements(name).opens:
            if not in_code(m.start()):
                yield Cut(m.start(), m.end())


def _names_any(block: str, words: tuple[str, ...]) -> bool:
    """Whether `block` holds one of the (lower-case) `words`, in any case: a paragraph that
    does not cannot match patterns that all name one of them (patterns.yml: `words`)."""
    lowered = block.lower()
    return any(w in lowered for w in words)


# HTML whose content is text up to its own end tag (RCDATA, raw text, and <plaintext>, which
# has none): left open, it turns the rest of the article into its text.
_RAW_TEXT_OPEN = re.compile(r"<((?ai:textarea|title|xmp|noscript|plaintext))(?=[\s/>])[^<>]*>?")
_BLANK_LINE = re.compile(r"\n[ \t]*(?=\n)")


def raw_text_elements(ctx: RuleContext) -> Iterator[Cut]:
    """Remove the start tag of a `<textarea>`, `<title>`, `<xmp>`, `<noscript>` or
    `<plaintext>` that is not closed in its paragraph.

    A browser (and the sanitiser's HTML parser) reads everything after such a tag as its
    text, up to its end tag however far away: the rest of the article would become the
    element's content and go with it. Only the tag goes (audited); the text after it stays.
    Closed in its paragraph, a `<textarea>`, `<title>` or `<xmp>` is unwrapped: its tags go
    and its text stays ("Paste this into the box: netsh winsock reset"), where the sanitiser
    would drop it unaudited. (`<noscript>` is active-html's.)
    """
    text = ctx.text
    opens = list(_RAW_TEXT_OPEN.finditer(text))
    if not opens:
        return
    paragraph_ends = [m.start() for m in _BLANK_LINE.finditer(text)]
    lines = ctx.lines
    ticks = [m.start() for m in re.finditer("`", text)]
    closes: dict[str, list[tuple[int, int]]] = {}
    group = itertools.count(1)
    for m in opens:
        name = m.group(1).lower()
        line_start = lines.start(lines.index(m.start()))
        if (bisect.bisect_left(ticks, m.start()) - bisect.bisect_left(ticks, line_start)) % 2:
            continue  # inside a code span
        if name != "plaintext":  # (which nothing closes)
            if name not in closes:
                closes[name] = [c.span() for c in re.finditer(rf"</(?ai:{name})\s*>", text)]
            at = bisect.bisect_left(paragraph_ends, m.end())
            end = paragraph_ends[at] if at < len(paragraph_ends) else len(text)
            found = closes[name]
            k = bisect.bisect_left(found, (m.end(), 0))
            if k < len(found) and found[k][0] < end:  # closed in its paragraph
                if name != "noscript" and m.group(0).endswith(">"):
                    g = next(group)
                    yield Cut(m.start(), m.end(), "unwrapped", g)
                    yield Cut(*found[k], "unwrapped", g)
                continue
        why = "has no end tag in HTML" if name == "plaintext" else "is not closed in its paragraph"
        ctx.warn(m.start(), f"<{name}> {why}: its tag is removed, the text after it kept")
        yield Cut(m.start(), m.end())


def disclaimers(ctx: RuleContext) -> Iterator[Cut]:
    """Remove short paragraphs or quotes that only disclose affiliate links, or only say
    that the site uses cookies (and offer its buttons: a paragraph of buttons alone goes
    only right after such a notice)."""
    p = ctx.patterns
    if not _names_any(ctx.text, p.disclaimer_words):
        return  # no paragraph can name one
    text = ctx.text
    notice_end = -1  # where the last notice removed ends
    for start, end in ctx.paragraphs:
        block = text[start:end]
        if _HEADING_START.match(block):
            notice_end = -1  # a heading is the guide's own ("## Learn more"), and ends a notice
            continue
        if len(block) > p.disclaimer_max_chars:
            continue
        after_notice = notice_end >= 0 and not text[notice_end:start].strip()
        if not after_notice and not (
            _names_any(block, p.disclaimer_words) and p.disclaimer.search(block)
        ):
            continue
        # what it says: no tags or quote marks, links as their text
        said = plain(_ANY_TAG.sub(" ", block).replace(">", " "))
        sentences = [s for s in _SENTENCE_BREAK.split(said) if _WORD.search(s)]
        notices = [bool(p.disclaimer.search(s)) for s in sentences]
        if not sentences or not all(
            n or p.disclaimer_button.search(s) for s, n in zip(sentences, notices, strict=True)
        ):
            continue
        if any(notices) or after_notice:
            notice_end = end
            yield Cut(start, end)


_TOC_ITEM = re.compile(
    r"^[ \t]{0,3}(?:[*+-]|\d{1,3}[.)])[ \t]+\[([^\[\]\n]*)\]\(\s*#[^)\s]*\s*\)[ \t]*$"
)
_HEADING_TEXT = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*)", re.MULTILINE)  # "#"s at its end stripped


def contents_lists(ctx: RuleContext) -> Iterator[Cut]:
    """Remove an in-page table of contents none of whose entries names a heading.

    Its links point at anchors of the scraped page ("[What is OpenCV](#part3-1)"); when a
    label names a heading, the structurer turns the list into links to the guide's own
    sections, otherwise nothing is left for it to link to. A list is a run of such items on
    consecutive lines; each run is judged on its own.
    """
    text = ctx.text
    lines = ctx.lines
    runs: list[list[tuple[int, str]]] = []  # (line, label) of items on consecutive lines
    for i, line in enumerate(lines.parts):
        if m := _TOC_ITEM.match(line):
            if runs and runs[-1][-1][0] == i - 1:
                runs[-1].append((i, m.group(1)))
            else:
                runs.append([(i, m.group(1))])
    if not runs:
        return
    headings = {title_key(m.group(1).rstrip(" \t#")) for m in _HEADING_TEXT.finditer(text)} - {""}
    for run in runs:
        if not any(title_key(label) in headings for _, label in run):
            yield Cut(lines.start(run[0][0]), lines.end(run[-1][0]))


_UI_CHROME_MAX_CHARS = 200  # a label, with a link around it at most


def ui_chrome(ctx: RuleContext) -> Iterator[Cut]:
    """Remove a paragraph that is only a UI label ("Close", "Click to enlarge", "Read more")."""
    lines = ctx.lines
    parts = lines.parts
    last = len(parts) - 1
    for i, line in enumerate(parts):
        if (
            len(line) <= _UI_CHROME_MAX_CHARS
            and (i == 0 or not parts[i - 1].strip())  # alone: blank lines around it
            and (i == last or not parts[i + 1].strip())
            and ctx.patterns.ui_chrome.fullmatch(line)
        ):
            if _links_outside_farm(line, ctx.patterns):
                ctx.warn(lines.start(i), "UI label links outside the farm; kept")
                continue
            yield Cut(lines.start(i), lines.end(i))


_SHARE_BAR_MAX_CHARS = 800
_SHARE_LABEL_MAX_CHARS = 60


def share_bars(ctx: RuleContext) -> Iterator[Cut]:
    """Remove a share bar: a short paragraph of two or more links that each share the page
    on a social network or by mail (patterns.yml `share_links`), with at most a label
    ("Share", "シェアする") besides them."""
    p = ctx.patterns
    text = ctx.text
    for start, end in ctx.paragraphs:
        if end - start > _SHARE_BAR_MAX_CHARS:
            continue
        block = text[start:end]
        if "](" not in block and "href" not in block.lower():
            continue  # no link
        if not any(p.share_link.match(u.strip()) for u in _LINK_TARGET.findall(block)) and (
            "href" not in block.lower()
        ):
            continue  # no Markdown link shares anything, and no HTML link
        urls = _link_targets(block)
        if len(urls) < 2 or not all(p.share_link.match(u.strip()) for u in urls):
            continue
        if len(_ANY_TAG.sub(" ", MD_LINK.sub(" ", block)).strip()) > _SHARE_LABEL_MAX_CHARS:
            continue  # more than a label around the links: kept
        yield Cut(start, end)


def comment_calls(ctx: RuleContext) -> Iterator[Cut]:
    """Remove calls to leave a comment: the site has no comments.

    The calling sentence goes (with a question that only leads into it); a paragraph that
    says nothing else goes whole. Headings, list items, quotes, tables and HTML are not read.
    """
    p = ctx.patterns
    text = ctx.text
    if not _names_any(text, p.comment_words):
        return  # no paragraph can name one
    for start, end in ctx.paragraphs:
        block = text[start:end]
        if block.lstrip()[:1] in "#>-*+<|" or not _names_any(block, p.comment_words):
            continue
        calls = list(p.comment_call.finditer(block))
        rest = block
        for m in reversed(calls):
            rest = rest[: m.start()] + rest[m.end() :]
        if calls and not rest.strip():
            yield Cut(start, end)
            continue
        for m in calls:
            yield Cut(start + m.start(), start + m.end())


# the text is group 2 with its closing "#"s (stripped by the rule): a lazy `(.*?)[ \t#]*$`
# tries the tail at every character, quadratic on a line of " #" repeated
_ATX = re.compile(r"^[ \t]{0,3}(#{1,6})[ \t]+(.*)$")
_NUMBERED_ITEM = re.compile(r"^[ \t]{0,3}\d{1,3}[.)][ \t]")


def furniture_sections(ctx: RuleContext) -> Iterator[Cut]:
    """Remove a section whose heading only names page furniture ("3 thoughts on …", "Leave a
    Reply", "About the Author", "Subscribe to our newsletter"): the heading and what follows
    it, up to the next heading of its level or above. A section longer than `max_lines`, or
    holding a step or a numbered list, is the author's: kept, with a warning."""
    p = ctx.patterns
    lines = ctx.lines
    parts = lines.parts
    in_code = _line_in_code(ctx)
    headings = [
        (i, len(m.group(1)), m.group(2).rstrip(" \t#"))
        for i, line in enumerate(parts)
        if line.lstrip(" ")[:1] == "#" and (m := _ATX.match(line)) and not in_code(i)
    ]
    # where each section ends: the next heading of its level or above (one pass, from the end)
    ends: list[int] = [len(parts)] * len(headings)
    stack: list[tuple[int, int]] = []  # (line, level) of headings below, nearest last
    for k in range(len(headings) - 1, -1, -1):
        i, level, _ = headings[k]
        while stack and stack[-1][1] > level:
            stack.pop()
        if stack:
            ends[k] = stack[-1][0]
        stack.append((i, level))
    for k, (i, _level, title) in enumerate(headings):
        if not p.furniture_heading.fullmatch(_undressed(title)):
            continue
        end = ends[k]
        if (
            end - i > p.furniture_max_lines
            or any(
                _STEP_LINE.match(line) or _NUMBERED_ITEM.match(line) for line in parts[i + 1 : end]
            )
            or any(in_code(j) for j in range(i + 1, end))
        ):
            ctx.warn(
                lines.start(i),
                f"section {title.strip()!r} looks like page furniture but holds steps or code, or is long; kept",
            )
            continue
        yield Cut(lines.start(i), lines.end(end - 1))


def _line_in_code(ctx: RuleContext) -> Callable[[int], bool]:
    """Whether line i of the text is inside fenced code."""
    spans = ctx.code
    starts = [s for s, _ in spans]
    lines = ctx.lines

    def inside(i: int) -> bool:
        at = lines.start(i)
        k = bisect.bisect_right(starts, at) - 1
        return k >= 0 and at < spans[k][1]

    return inside


RULES: tuple[Rule, ...] = (
    Rule("ad-block", ad_blocks, "blocks between ad begin/end comment markers"),
    Rule("ad-slot", ad_slots, "AdSense slots and their scripts", ("ins", "script")),
    Rule("link-farm", link_farms, "'Also read' / 'More Reading' lists of farm links", ("ul",)),
    Rule("rating-widget", rating_widgets, "star-rating widgets"),
    Rule("byline", bylines, "author pictures and 'updated by' lines"),
    Rule(
        "ad-element",
        ad_elements,
        "affiliate anchors, ad embeds and tracking pixels",
        ("a", "img", "video", "iframe", "object", "embed"),
    ),
    Rule("raw-text-tag", raw_text_elements, "<textarea>, <title>, <xmp>... left open"),
    Rule(
        "active-html",
        active_html,
        "raw HTML a page never shows: <script>, <style>, <svg>, <object>, <meta>, form tags",
        (*_ACTIVE_ELEMENTS, *_ACTIVE_VOID),
    ),
    Rule("disclaimer", disclaimers, "affiliate disclosures and cookie notices"),
    Rule("junk-link", junk_links, "farm and affiliate links unwrapped, ad images dropped"),
    Rule(
        "unsafe-link",
        unsafe_links,
        "links unwrapped and images dropped whose URL runs script (javascript:, data:...)",
        ("a", "img"),
    ),
    Rule(
        "event-handler",
        event_handlers,
        "event-handler attributes (onclick, onerror...) removed from raw HTML tags",
    ),
    Rule("contents-list", contents_lists, "in-page tables of contents that name no heading"),
    Rule("ui-chrome", ui_chrome, "lone UI labels: 'Close', 'Click to enlarge', 'Read more'"),
    Rule("share-bar", share_bars, "paragraphs of links that share the page (Facebook, X...)"),
    Rule("comment-call", comment_calls, "calls to leave a comment"),
    Rule(
        "furniture",
        furniture_sections,
        "sections under a heading naming page furniture: comments, reply forms, author boxes",
    ),
)
"""The default rule chain. Order matters: blocks first, then lists, then single elements."""
