"""Markdown blocks: the cleaned text as tokens, and the typed blocks each token makes.

`tokenize` splits the text into block tokens (headings, paragraphs, lists, fenced code,
HTML, quotes, tables), each with its source line; fenced code is found by text.fences, as
the renderer finds it, and copied as it is. `token_blocks` and `prose_blocks` turn tokens
into the model's blocks: an image line (and the short caption line under it) a `Figure`,
an embedded video an `Embed`, "Note:" paragraphs `Note`s, bullets a `BulletList`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..labels import COLONS, NOTE_WORDS, NUMBER_SIGN, STEP_WORDS, alternation
from ..model import Block, BulletList, Code, Embed, Figure, Heading, Note, Paragraph, Raw
from ..text import Fence, Lines, fences
from ..typography import plain, tidy

# the text is group 2 without its closing "#"s (stripped in `tokenize`): a lazy `(.*?)[ \t#]*$`
# tries the tail at every character, quadratic on a line of " #" repeated
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*)")
_LIST = re.compile(r"^( {0,3})([*+-]|\d{1,3}[.)])[ \t]+(.*)$")
_IMAGE_LINE = re.compile(
    r"^\s*\[?!\[(?P<alt>[^\]\n]*)\]\(\s*<?(?P<src>[^\s()<>]+)>?(?:\s+\"(?P<title>[^\"\n]*)\")?\s*\)"
    r"(?:\]\([^)\s]*\))?\s*$"
)
_IFRAME = re.compile(r"<iframe\b[^>]*\bsrc\s*=\s*[\"']?([^\"'\s>]+)[^>]*>", re.IGNORECASE)
_NOTE = re.compile(
    rf"^(?:\*\*|__)?({alternation(list(NOTE_WORDS))})(?:\*\*|__)?\s*[{COLONS}]\s*(?:\*\*|__)?\s*",
    re.IGNORECASE,
)
_HTML_START = re.compile(r"<[a-zA-Z!/]")
_NON_WORD = re.compile(r"[^\w]+")
_IFRAME_CLOSE = re.compile(r"</iframe\s*>", re.IGNORECASE)
_BULLET_CHARS = "•●▪◦·"


@dataclass(slots=True)
class Tok:
    """One block of the text as the tokenizer found it."""

    kind: str  # heading, para, list, code, html, quote, table
    text: str
    at: int
    """Offset of the token's first line in the tokenized text."""
    line_of: Callable[[int], int]
    level: int = 0
    items: tuple[tuple[str, str], ...] = ()  # list items: (marker, text)
    lang: str = ""

    @property
    def line(self) -> int:
        """Source line of the token (worked out when asked: few tokens are)."""
        return self.line_of(self.at)


def _code_blocks(lines: str | Lines) -> dict[int, Fence]:
    """The fenced code blocks of the text, by their first line; those inside a quote stay
    in its text (the quote is copied as it is)."""
    return {f.first: f for f in fences(lines) if ">" not in f.indent}


def tokenize(text: str, line_of: Callable[[int], int]) -> list[Tok]:
    """Split Markdown into block tokens, each with its source line."""
    index = Lines(text)
    lines = index.parts
    code = _code_blocks(index)
    toks: list[Tok] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        where = index.start(i)
        if i in code:
            block = code[i]
            toks.append(Tok("code", block.code(index), where, line_of, lang=block.lang))
            i = block.last + 1
            continue
        if m := _HEADING.match(line):
            if text := m.group(2).rstrip(" \t#").strip():
                toks.append(Tok("heading", text, where, line_of, level=len(m.group(1))))
            i += 1
            continue
        if _LIST.match(line):
            items, i = _list(lines, i, code)
            toks.append(Tok("list", "", where, line_of, items=items))
            continue
        kind = "para"
        stripped = line.lstrip()
        if stripped.startswith(">"):
            kind = "quote"
        elif stripped.startswith("|"):
            kind = "table"
        elif _HTML_START.match(stripped):
            kind = "html"
        j = i + 1
        while j < n and lines[j].strip() and not _HEADING.match(lines[j]) and j not in code:
            if kind == "para" and _LIST.match(lines[j]) and not _LIST.match(line):
                break
            j += 1
        text = line if j == i + 1 else "\n".join(lines[i:j])
        if kind == "html":
            toks.extend(_raw_tokens(text, where, line_of))
        else:
            toks.append(Tok(kind, text, where, line_of))
        i = j
    return toks


# one raw <p> or <h2>…<h6> element holding inline content only
_RAW_ELEMENT = re.compile(r"\s*<(p|h[1-6])(?:\s[^<>]*)?>(.*)</\1\s*>\s*", re.IGNORECASE | re.DOTALL)
_BLOCK_TAG = re.compile(
    r"</?(?:p|h[1-6]|div|ul|ol|li|table|pre|blockquote|section|article|figure|hr)\b",
    re.IGNORECASE,
)
_STEP_START = re.compile(
    rf"(?:{alternation(STEP_WORDS)})[\s\u00a0]*(?:{NUMBER_SIGN}[\s\u00a0]*)?\d", re.IGNORECASE
)
_TAG_OR_TEXT = re.compile(r"(<[^<>]*>)")
# the next whole <p> or <h1>…<h6> element of a block, spaces before it (its close is the
# first one: an element holding another of its kind is not one of these)
_RAW_NEXT = re.compile(r"\s*(<(p|h[1-6])(?:\s[^<>]*)?>(?:(?!</?\2\b).)*</\2\s*>)\s*", re.I | re.S)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]])")


def _raw_tokens(html: str, at: int, line_of: Callable[[int], int]) -> list[Tok]:
    """A block of raw HTML as tokens: each raw `<p>Step 2: …</p>` in it, and each raw
    heading, as the paragraph or heading it is (`_raw_element`), so a step is read as one
    and a heading starts its section ("<h2>Part 2: With ADB</h2>" a method); the rest as
    HTML. A block of several such elements, one after the other, is read element by element
    (a scraped page's `<p>` lines, with no blank line between them)."""
    one = _raw_element(html)
    if one is not None:
        kind, text, level = one
        return [Tok(kind, text, at, line_of, level=level)]
    pieces: list[tuple[int, str]] = []  # (offset, element)
    pos = 0
    while pos < len(html):
        m = _RAW_NEXT.match(html, pos)
        if m is None:
            return [Tok("html", html, at, line_of)]  # not only such elements: as it is
        pieces.append((m.start(1), m.group(1)))
        pos = m.end()
    read = [(offset, piece, _raw_element(piece)) for offset, piece in pieces]
    if len(read) < 2 or all(element is None for _, _, element in read):
        return [Tok("html", html, at, line_of)]
    toks = []
    for offset, piece, element in read:
        kind, text, level = element if element is not None else ("html", piece, 0)
        toks.append(Tok(kind, text, at + offset, line_of, level=level))
    return toks


def _raw_element(html: str) -> tuple[str, str, int] | None:
    """A raw `<p>Step 2: …</p>`, or a raw heading (`<h3>Step 3 …</h3>`, `<h2>Part 1: …</h2>`),
    as the paragraph or heading it is: (kind, Markdown text, level); None for any other HTML
    (a `<p>` that opens with no step label, an element holding blocks). Its text's Markdown
    characters are escaped (in HTML, `*` and `_` are text); its tags stay."""
    m = _RAW_ELEMENT.fullmatch(html)
    if m is None or _BLOCK_TAG.search(m.group(2)):
        return None
    inner = " ".join(m.group(2).split())
    name = m.group(1).lower()
    words = plain(_TAG_OR_TEXT.sub(" ", inner)).strip()
    if not words or (name == "p" and not _STEP_START.match(words)):
        return None  # (an empty heading has nothing to read)
    parts = _TAG_OR_TEXT.split(inner)
    text = "".join(p if k % 2 else _MARKDOWN_SPECIAL.sub(r"\\\1", p) for k, p in enumerate(parts))
    return ("para", text, 0) if name == "p" else ("heading", text, int(name[1]))


def _list(
    lines: list[str], i: int, code: Mapping[int, Fence]
) -> tuple[tuple[tuple[str, str], ...], int]:
    """The list starting at line i: its (marker, text) items, and the line after it.

    An item indented to the text of a numbered item before it (`2. Choose:` then
    `   1. Settings`) is that item's own: its line stays in the item's text, as written (a
    bullet's nested bullets stay items of the list, as they were).

    A fenced code block indented into an item belongs to it, all of it as it is (a line of
    code is never read as a list item); one less indented ends the list.
    """
    items: list[list[str]] = []
    markers: list[str] = []
    content = 0  # the column where the text of the item before starts
    n = len(lines)
    while i < n:
        line = lines[i]
        m = _LIST.match(line)
        if m and items and markers[-1][0].isdigit() and len(m.group(1)) >= max(content, 2):
            items[-1].append(line)  # a list nested in the numbered item before it
        elif m:
            markers.append(m.group(2))
            items.append([m.group(3)])
            content = m.start(3)
        elif line.strip():
            if _HEADING.match(line) or (i in code and len(code[i].indent) < 4):
                break
            if i in code:
                items[-1].extend(lines[i : code[i].last + 1])
                i = code[i].last + 1
                continue
            items[-1].append(line)
        else:
            j = i + 1
            while j < n and not lines[j].strip():
                j += 1
            nxt = _LIST.match(lines[j]) if j < n else None
            if j < n and (nxt or lines[j].startswith(("  ", "\t"))):
                if nxt and _kind(nxt.group(2)) != _kind(markers[0]):
                    break
                i = j
                continue
            break
        i += 1
    return tuple((mk, "\n".join(it)) for mk, it in zip(markers, items, strict=True)), i


def _kind(marker: str) -> str:
    return "ol" if marker[0].isdigit() else "ul"


def _figure_from(line: str) -> Figure | None:
    m = _IMAGE_LINE.match(line) if "![" in line else None
    if not m:
        return None
    return Figure(src=m.group("src"), alt=plain(m.group("alt")), title=m.group("title") or "")


def _is_caption(text: str, fig: Figure) -> bool:
    t = plain(text)
    if (
        not t
        or "\n" in text.strip()
        or len(t) > 100
        or "](" in text
        or text.lstrip().startswith(("**", "__"))
    ):
        return False
    if t.rstrip()[-1:] in ".:;!?,":
        return False
    return norm(t) == norm(fig.alt) or len(t.split()) <= 8


def norm(text: str) -> str:
    return _NON_WORD.sub("", plain(text).casefold())


def with_caption(prev: Block | None, b: Block) -> Figure | None:
    """The figure `prev` with the paragraph `b` as its caption, if `b` is one for it."""
    if (
        isinstance(b, Paragraph)
        and isinstance(prev, Figure)
        and not prev.caption
        and _is_caption(b.text, prev)
    ):
        return Figure(prev.src, prev.alt, plain(b.text), prev.title)
    return None


def merge_blocks(blocks: list[Block]) -> list[Block]:
    """Join what the source split by blank lines: a figure and its caption line, "•" runs."""
    merged: list[Block] = []
    for b in blocks:
        prev = merged[-1] if merged else None
        if (captioned := with_caption(prev, b)) is not None:
            merged[-1] = captioned
        elif (
            isinstance(b, BulletList)
            and isinstance(prev, BulletList)
            and not (b.ordered or prev.ordered)
        ):
            merged[-1] = BulletList(prev.items + b.items)
        else:
            merged.append(b)
    return merged


def prose_blocks(text: str) -> list[Block]:
    """Blocks of one paragraph-like chunk (a list item's, a step's): fenced code becomes
    code blocks, image lines figures, the rest paragraphs."""
    code = _code_blocks(text)
    if not code and "![" not in text and "<" not in text:
        return _classify_para(text)  # one paragraph (or note, or list)
    lines = Lines(text)
    out: list[Block] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            para = "\n".join(buf)
            out.extend(_classify_para(para))
            buf.clear()

    skip_to = 0
    for i, line in enumerate(lines.parts):
        if i < skip_to:
            continue
        if i in code:
            flush()
            out.append(Code(code[i].code(lines), code[i].lang))
            skip_to = code[i].last + 1
            continue
        fig = _figure_from(line)
        if fig:
            flush()
            out.append(fig)
        elif "<" in line and (m := _IFRAME.search(line)):
            flush()
            out.append(Embed(url=m.group(1)))
        else:
            buf.append(line)
    flush()
    return merge_blocks(out)


# a bullet opening a line inside a bullet's text (where the text splits into items)
_BULLET_SPLIT = re.compile(r"\n[ \t]*[*+-][ \t]+(?=\S)")
# a bullet line under a paragraph's first line, indented or not ("    - If it is Running")
_BULLET_LINE = re.compile(r"^[ \t]*[*+-][ \t]+(?=\S)")


def _classify_para(para: str) -> list[Block]:
    lines = para.split("\n")
    bullets = next((k for k in range(1, len(lines)) if _BULLET_LINE.match(lines[k])), 0)
    if bullets and all(_BULLET_LINE.match(ln) for ln in lines[bullets:]):
        # a step's text and then its own bullets: a list, not lines run into the text
        items = tuple(tidy(_BULLET_LINE.sub("", ln)) for ln in lines[bullets:])
        return [*_classify_para("\n".join(lines[:bullets])), BulletList(items)]
    text = tidy(para)
    if not text:
        return []
    if m := _NOTE.match(text):
        kind = NOTE_WORDS.get(m.group(1).lower(), "note")
        return [Note(kind, text[m.end() :].strip())]
    if text[:1] in _BULLET_CHARS:  # every line must open with a bullet, the first one too
        lines = text.split("\n")
        if all(ln[:1] in _BULLET_CHARS for ln in lines):
            return [BulletList(tuple(ln[1:].strip() for ln in lines))]
    return [Paragraph(text)]


_QUOTE_MARK = re.compile(r"^ {0,3}> ?", re.MULTILINE)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def _quoted_note(text: str) -> Note | None:
    """A quote that is a note ("> **Tip:** …", "> Warning: …"): its text as a note. Not one
    holding a quote, code or HTML of its own (copied as it is)."""
    inner = _QUOTE_MARK.sub("", text)
    if "```" in inner or "~~~" in inner or _QUOTE_MARK.search(inner) or _HTML_START.search(inner):
        return None
    note = "\n\n".join(tidy(p) for p in _PARAGRAPH_BREAK.split(inner.strip()))
    m = _NOTE.match(note)
    if m is None or not note[m.end() :].strip():
        return None
    return Note(NOTE_WORDS.get(m.group(1).lower(), "note"), note[m.end() :].strip())


def token_blocks(tok: Tok) -> list[Block]:
    if tok.kind == "code":
        return [Code(tok.text, tok.lang)]
    if tok.kind == "heading":
        return [Heading(tidy(tok.text), tok.level)]
    if tok.kind == "quote":
        return [_quoted_note(tok.text) or Raw(tok.text)]
    if tok.kind == "table":
        return [Raw(tok.text)]
    if tok.kind == "html":
        embeds: list[Block] = [Embed(url=m.group(1)) for m in _IFRAME.finditer(tok.text)]
        rest = _IFRAME.sub("", tok.text)
        rest = _IFRAME_CLOSE.sub("", rest)
        return embeds + ([Raw(rest)] if rest.strip() else [])
    if tok.kind == "list":
        return list_blocks(tok)
    return prose_blocks(tok.text)


def list_blocks(tok: Tok) -> list[Block]:
    ordered = _kind(tok.items[0][0]) == "ol"
    texts = [t for _, t in tok.items]
    if all("\n" not in t.strip() and not ("![" in t and _IMAGE_LINE.match(t)) for t in texts):
        start = int(tok.items[0][0][:-1]) if ordered else 1
        return [BulletList(tuple(tidy(t) for t in texts), ordered, start)]
    if not ordered and not any("![" in t or "```" in t or "~~~" in t or "\n\n" in t for t in texts):
        # bullets whose text runs on over lines, or holds bullets of its own: each such
        # bullet an item too (as a bullet two spaces in is), each text on one line
        items = [
            tidy(" ".join(part.split()))
            for t in texts
            for part in _BULLET_SPLIT.split(t)
            if part.strip()
        ]
        return [BulletList(tuple(items))]
    # items carrying images or several paragraphs: keep each item's blocks
    out: list[Block] = []
    for _, t in tok.items:
        out.extend(prose_blocks(t))
    return out
