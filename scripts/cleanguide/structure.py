"""Structure: turn cleaned Markdown into the typed model (guide → sections → steps → figures).

Reads block by block: headings split sections, "Part/Method/Fix/Way/Solution N" headings make
methods, "Step N" paragraphs, ordered lists and "Step N" headings make steps (each keeping the
number its author gave it; see "numbered steps" below), an image line (plus the short caption
line under it) makes a figure, a list naming the article's headings is its table of contents.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, NamedTuple

from . import languages
from .clean import Cleaned
from .diagnostics import Diagnostic, Severity
from .model import (
    Article,
    Block,
    BulletList,
    Code,
    Contents,
    ContentsEntry,
    Embed,
    Figure,
    Guide,
    Heading,
    Note,
    Paragraph,
    Procedure,
    Raw,
    Section,
    Step,
)
from .slugs import slugify, unique_slug
from .text import Fence, Lines, fences
from .titles import first_sentence, short_title
from .typography import plain, tidy, title_key

# --- tokens --------------------------------------------------------------------------------

# the text is group 2 without its closing "#"s (`_heading_text`): a lazy `(.*?)[ \t#]*$` tries
# the tail at every character, quadratic on a line of " #" repeated
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*)")
_LIST = re.compile(r"^( {0,3})([*+-]|\d{1,3}[.)])[ \t]+(.*)$")
_IMAGE_LINE = re.compile(
    r"^\s*\[?!\[(?P<alt>[^\]\n]*)\]\(\s*<?(?P<src>[^\s()<>]+)>?(?:\s+\"(?P<title>[^\"\n]*)\")?\s*\)"
    r"(?:\]\([^)\s]*\))?\s*$"
)
_IFRAME = re.compile(r"<iframe\b[^>]*\bsrc\s*=\s*[\"']?([^\"'\s>]+)[^>]*>", re.IGNORECASE)
_METHOD = re.compile(
    r"^(?:(?:part|method|fix|way|solution|option|approach)\s*(\d{1,3})|(\d{1,3}))"
    r"\s*(?:\\?[.:)\-–—]|\s)\s*(.*)$",
    re.IGNORECASE,
)
_NOTE = re.compile(
    r"^(?:\*\*|__)?(note|tip|warning|important|caution|notice)(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?\s*",
    re.IGNORECASE,
)
_HTML_START = re.compile(r"<[a-zA-Z!/]")
_NON_WORD = re.compile(r"[^\w]+")
_IFRAME_CLOSE = re.compile(r"</iframe\s*>", re.IGNORECASE)
_ONLY_LINK = re.compile(r"^\[[^\]\n]*\]\([^)\s]*\)$")
_BULLET_CHARS = "•●▪◦·"
_CLOSING = re.compile(
    r"^(in this (article|post|guide)|in conclusion|to conclude|to sum up|in summary|all in all"
    r"|to wrap up|hope (this|these))\b",
    re.IGNORECASE,
)
_NOTE_KINDS = {"warning": "warning", "caution": "warning", "important": "warning", "tip": "tip"}


@dataclass(slots=True)
class Tok:
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
        toks.append(Tok(kind, line if j == i + 1 else "\n".join(lines[i:j]), where, line_of))
        i = j
    return toks


def _list(
    lines: list[str], i: int, code: Mapping[int, Fence]
) -> tuple[tuple[tuple[str, str], ...], int]:
    """The list starting at line i: its (marker, text) items, and the line after it.

    A fenced code block indented into an item belongs to it, all of it as it is (a line of
    code is never read as a list item); one less indented ends the list.
    """
    items: list[list[str]] = []
    markers: list[str] = []
    n = len(lines)
    while i < n:
        line = lines[i]
        m = _LIST.match(line)
        if m:
            markers.append(m.group(2))
            items.append([m.group(3)])
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


# --- blocks from tokens --------------------------------------------------------------------


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
    return _norm(t) == _norm(fig.alt) or len(t.split()) <= 8


def _norm(text: str) -> str:
    return _NON_WORD.sub("", plain(text).casefold())


def merge_blocks(blocks: list[Block]) -> list[Block]:
    """Join what the source split by blank lines: a figure and its caption line, "•" runs."""
    merged: list[Block] = []
    for b in blocks:
        prev = merged[-1] if merged else None
        if (
            isinstance(b, Paragraph)
            and isinstance(prev, Figure)
            and not prev.caption
            and _is_caption(b.text, prev)
        ):
            merged[-1] = Figure(prev.src, prev.alt, plain(b.text), prev.title)
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


def _classify_para(para: str) -> list[Block]:
    text = tidy(para)
    if not text:
        return []
    if m := _NOTE.match(text):
        kind = _NOTE_KINDS.get(m.group(1).lower(), "note")
        return [Note(kind, text[m.end() :].strip())]
    if text[:1] in _BULLET_CHARS:  # every line must open with a bullet, the first one too
        lines = text.split("\n")
        if all(ln[:1] in _BULLET_CHARS for ln in lines):
            return [BulletList(tuple(ln[1:].strip() for ln in lines))]
    return [Paragraph(text)]


def _token_blocks(tok: Tok) -> list[Block]:
    if tok.kind == "code":
        return [Code(tok.text, tok.lang)]
    if tok.kind == "heading":
        return [Heading(tidy(tok.text), tok.level)]
    if tok.kind in ("quote", "table"):
        return [Raw(tok.text)]
    if tok.kind == "html":
        embeds: list[Block] = [Embed(url=m.group(1)) for m in _IFRAME.finditer(tok.text)]
        rest = _IFRAME.sub("", tok.text)
        rest = _IFRAME_CLOSE.sub("", rest)
        return embeds + ([Raw(rest)] if rest.strip() else [])
    if tok.kind == "list":
        return _list_blocks(tok)
    return prose_blocks(tok.text)


def _list_blocks(tok: Tok) -> list[Block]:
    ordered = _kind(tok.items[0][0]) == "ol"
    texts = [t for _, t in tok.items]
    if all("\n" not in t.strip() and not ("![" in t and _IMAGE_LINE.match(t)) for t in texts):
        return [BulletList(tuple(tidy(t) for t in texts), ordered)]
    # items carrying images or several paragraphs: keep each item's blocks
    out: list[Block] = []
    for _, t in tok.items:
        out.extend(prose_blocks(t))
    return out


# --- numbered steps ------------------------------------------------------------------------
#
# Every number the author gave a step is kept, never recomputed: the model holds the author's
# numbers and the renderer shows exactly those. Two kinds of marker number steps: a step
# label ("Step 3", "Step Three", "Third step", in a paragraph, heading or list item) and a list
# number ("3." or "3)"). List numbers right after a step label are that step's sub-steps (the
# step is a *phase*); a list continues across the screenshots, captions, notes and prose the
# author put between its items, and starts again where the author's numbers start again.

_CARDINALS: Final = (
    *("one", "two", "three", "four", "five", "six"),
    *("seven", "eight", "nine", "ten", "eleven", "twelve"),
)
_ORDINALS: Final = (
    *("first", "second", "third", "fourth", "fifth", "sixth"),
    *("seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth"),
)
_NUMBER_WORDS: Final[Mapping[str, int]] = MappingProxyType(
    {w: k for words in (_CARDINALS, _ORDINALS) for k, w in enumerate(words, 1)}
)
_LABEL = (
    rf"(?:step[\s\u00a0]*(?:(?P<n>\d{{1,3}})|(?P<word>{'|'.join(_CARDINALS)})\b)"
    rf"|(?P<ord>{'|'.join(_ORDINALS)})[\s\u00a0]+step\b)"
)
# a step label opening a paragraph, heading or list item: "Step 3:", "**Step Two**", "First step -"
_STEP = re.compile(
    r"^(?P<open>\*\*|__)?\s*" + _LABEL + r"\s*(?P<delim>\\?[.:)\-–—])?\s*(?P<close>\*\*|__)?"
    r"[\s:.\-–—]*(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
# Inside a paragraph: a step label in bold ("**Step Two**"), or "N)" before a capital letter
# (an instruction starts there) right after a sentence end, a bold close or an image (see
# `_item_starts`).
_INLINE_LABEL = re.compile(
    r"(?:\*\*|__)[ \t]*(?i:" + _LABEL + r")[ \t]*\\?[.:)\-–—]?[ \t]*(?:\*\*|__)"
)
_INLINE_ITEM = re.compile(r"(\d{1,2})\)[ \t]*(?=[A-Z])")


class _Mark(NamedTuple):
    """A numbered marker: a step label ("Step 2") or a list number ("2.", "2)")."""

    label: bool
    number: int
    text: str
    """The marker's own Markdown, up to the next marker."""
    inline: bool = False
    """Found inside a paragraph, not at the start of a line: only kept if it fits."""


def _label_number(m: re.Match[str]) -> int:
    word = (m.group("n") or m.group("word") or m.group("ord")).lower()
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def step_label(text: str) -> tuple[int, str] | None:
    """(number, the rest) when `text` opens with a step label.

    A spelled-out number needs the label set apart (bold, a colon or dash after it, or
    nothing else on the line): "Step one is to download it" is prose.
    """
    m = _STEP.match(text)
    if m is None:
        return None
    rest = m.group("rest")
    marked = m.group("delim") or (m.group("open") and m.group("close")) or not rest.strip()
    if not (m.group("n") or marked):
        return None
    return _label_number(m), rest


def _title_and_body(rest: str) -> tuple[str, str]:
    """A short single line after a step label is its title; anything else is its body."""
    rest = rest.strip()
    first, _, more = rest.partition("\n")
    if (
        rest
        and not more
        and len(plain(first)) <= 80
        and plain(first)[-1:] not in ".!?"
        and "](" not in first
    ):
        return plain(first), ""
    return "", rest


def _inline_marks(text: str) -> tuple[str, list[_Mark]]:
    """The text before the first marker found inside `text`, and the markers (none in a
    text holding code: code is never split)."""
    # Only text holding bold and "step", or a ")", can hold a marker, and most paragraphs
    # hold neither (tests/test_scanners.py checks this against `_find_marks` alone).
    maybe_label = ("**" in text or "__" in text) and "tep" in text.lower()
    if not (maybe_label or ")" in text):
        return text, []
    return _find_marks(text)


def _find_marks(text: str) -> tuple[str, list[_Mark]]:
    """`_inline_marks` without the shortcut."""
    if fences(text):
        return text, []
    labels = list(_INLINE_LABEL.finditer(text))
    items = _INLINE_ITEM.finditer(text)
    found = labels + [
        m
        for m in items
        if _item_starts(text, m.start())
        and not any(lb.start() <= m.start() < lb.end() for lb in labels)
    ]
    if not found:
        return text, []
    found.sort(key=lambda m: m.start())
    marks = []
    for k, m in enumerate(found):
        end = found[k + 1].start() if k + 1 < len(found) else len(text)
        if m.re is _INLINE_LABEL:
            marks.append(_Mark(True, _label_number(m), text[m.end() : end], inline=True))
        else:
            marks.append(_Mark(False, int(m.group(1)), text[m.end() : end], inline=True))
    return text[: found[0].start()], marks


def _item_starts(text: str, at: int) -> bool:
    """Whether the "N)" at `at` opens an item: first in the text, or after a sentence end, a
    bold close or an image ("fixed. 2) Open", "**Step One**1) Open", "![](a.png) 3) Open")."""
    if at and text[at - 1].isdigit():
        return False
    k = at
    while k and text[k - 1] in " \t":
        k -= 1
    return k == 0 or (k < at and text[k - 1] in ".!?:)") or text.endswith("**", 0, k)


def _token_marks(
    tok: Tok, is_contents: Callable[[Tok], bool], split: bool = True
) -> list[_Mark | list[Block]]:
    """A token as numbered markers (each with its own text) and the blocks between them.

    With `split`, markers inside its paragraphs count too; without, each line-start marker
    keeps all its text.
    """
    inline = _inline_marks if split else _no_marks
    if tok.kind == "heading":
        label = step_label(plain(tok.text))
        if label is None:
            return [_token_blocks(tok)]
        return [_Mark(True, label[0], label[1])]
    if tok.kind == "para":
        label = step_label(tok.text.strip())
        if label is not None:
            head, marks = inline(label[1])
            return [_Mark(True, label[0], head), *marks]
        head, marks = inline(tok.text)
        return [prose_blocks(head), *marks] if marks else [_token_blocks(tok)]
    if tok.kind != "list" or is_contents(tok):
        return [_token_blocks(tok)]
    out: list[_Mark | list[Block]] = []
    bullets: list[str] = []
    for marker, text in tok.items:
        label = step_label(text.strip())
        if label is None and not marker[0].isdigit():
            bullets.append(text)  # a bullet among steps: part of the step before it
            continue
        if bullets:
            out.append(_list_blocks(Tok("list", "", tok.at, tok.line_of, items=_bulleted(bullets))))
            bullets = []
        number, own = label if label is not None else (int(marker[:-1]), text)
        head, marks = inline(own)
        out += [_Mark(label is not None, number, head), *marks]
    if bullets:
        if not out:
            return [_token_blocks(tok)]
        out.append(_list_blocks(Tok("list", "", tok.at, tok.line_of, items=_bulleted(bullets))))
    return out


def _no_marks(text: str) -> tuple[str, list[_Mark]]:
    return text, []


def _bulleted(texts: list[str]) -> tuple[tuple[str, str], ...]:
    return tuple(("-", t) for t in texts)


_NEVER_NUMBERED = frozenset({"code", "html", "quote", "table"})


class _Steps:
    """Builds one section's body: numbered markers into procedures, other blocks in order.

    Blocks that follow a step wait in `pending` until the next marker shows whether its
    list goes on (then they all belong to the step before it: screenshots, captions, notes,
    prose) or not (then see `_settle`).
    """

    def __init__(self, warn: Callable[[int, str], None]) -> None:
        self.body: list[Block] = []
        self.proc: Procedure | None = None
        self.by_label = False
        """Whether the current procedure is numbered by step labels (its steps may be phases)."""
        self.last: Step | None = None
        """The step (or sub-step) the blocks that follow may belong to."""
        self.pending: list[Block] = []
        self.warn = warn

    @property
    def top(self) -> Step | None:
        return self.proc.steps[-1] if self.proc is not None and self.proc.steps else None

    def token(self, tok: Tok, is_contents: Callable[[Tok], bool]) -> None:
        if tok.kind in _NEVER_NUMBERED:
            for b in _token_blocks(tok):
                self.block(b)
            return
        parts = _token_marks(tok, is_contents)
        if len(parts) == 1 and not isinstance(parts[0], _Mark):  # no numbers: most tokens
            if tok.kind == "heading":
                self.heading(parts[0])
            else:
                for b in parts[0]:
                    self.block(b)
            return
        marks = [p for p in parts if isinstance(p, _Mark)]
        if any(m.inline for m in marks) and not self._fits(marks):
            numbers = ", ".join(f"{'Step ' if m.label else ''}{m.number}" for m in marks)
            self.warn(
                tok.line,
                f"numbered items run together in one paragraph ({numbers}) do not follow "
                "the steps around them; kept as written",
            )
            parts = _token_marks(tok, is_contents, split=False)
        line = tok.line if marks else 0
        for part in parts:
            if isinstance(part, _Mark):
                self.step(part, line)
            elif tok.kind == "heading":
                self.heading(part)
            else:
                for b in part:
                    self.block(b)

    def _fits(self, marks: list[_Mark]) -> bool:
        """Whether each inline marker continues the numbering it falls into.

        A step label must be 1 or follow the step before; a list number must follow the one
        before it (or be 1 right after a step label); a "1)" that nothing numbered precedes
        needs a "2)" after it in the same paragraph.
        """
        top = self.top
        by_label = self.by_label
        top_n = top.number if top is not None else None
        sub_n = top.substeps[-1].number if top is not None and top.substeps else None
        for k, m in enumerate(marks):
            if m.label:
                fits = m.number == 1 or (by_label and top_n is not None and m.number == top_n + 1)
                by_label, top_n, sub_n = True, m.number, None
            elif by_label and top_n is not None:
                fits = m.number == (sub_n + 1 if sub_n is not None else 1)
                sub_n = m.number
            elif top_n is not None:
                fits = m.number == top_n + 1
                top_n = m.number
            else:
                after = marks[k + 1] if k + 1 < len(marks) else None
                fits = (
                    m.number == 1
                    and after is not None
                    and (after.label, after.number)
                    == (
                        False,
                        2,
                    )
                )
                by_label, top_n = False, m.number
            if m.inline and not fits:
                return False
        return True

    def step(self, mark: _Mark, line: int) -> None:
        title, body = _title_and_body(mark.text) if mark.label else ("", mark.text)
        step = Step(mark.number, title, prose_blocks(body) if body.strip() else [], line)
        top = self.top
        if not mark.label and top is not None and self.by_label:
            self._attach_pending()
            top.substeps.append(step)  # a list under a step label: the label is a phase
        elif top is not None and mark.label == self.by_label and mark.number == top.number + 1:
            self._attach_pending()
            assert self.proc is not None
            self.proc.steps.append(step)
        else:
            self._settle()
            self.proc = Procedure([step])
            self.by_label = mark.label
            self.body.append(self.proc)
        self.last = step

    def block(self, b: Block) -> None:
        tail = self.pending or (self.last.blocks if self.last is not None else self.body)
        prev = tail[-1] if tail else None
        if (
            isinstance(b, Paragraph)
            and isinstance(prev, Figure)
            and not prev.caption
            and _is_caption(b.text, prev)
        ):
            tail[-1] = Figure(prev.src, prev.alt, plain(b.text), prev.title)
        elif self.last is None:
            self.body.append(b)
        else:
            self.pending.append(b)

    def heading(self, blocks: list[Block]) -> None:
        self._settle()
        self.proc, self.last = None, None
        self.body.extend(blocks)

    def finish(self) -> list[Block]:
        self._settle()
        for b in self.body:
            if isinstance(b, Procedure):
                for st in b.steps:
                    st.blocks = merge_blocks(st.blocks)
                    for sub in st.substeps:
                        sub.blocks = merge_blocks(sub.blocks)
        return merge_blocks(self.body)

    def _attach_pending(self) -> None:
        if self.last is not None:
            self.last.blocks.extend(self.pending)
        self.pending = []

    def _settle(self) -> None:
        """The list ends: what follows its last step is that step's only up to a point.

        A step with text of its own keeps the screenshots and code right after it; a step
        that is only a title ("Step 2 Select the data") also keeps the prose up to and with
        its first screenshots. Whatever comes after that speaks about the method.
        """
        pending, self.pending = self.pending, []
        if self.last is None:
            self.body.extend(pending)
            return
        cut = 0
        if not any(isinstance(b, (Paragraph, Note, BulletList, Code)) for b in self.last.blocks):
            while cut < len(pending) and not isinstance(pending[cut], Figure):
                cut += 1  # (without a screenshot, all of it is the step's body)
        while cut < len(pending) and isinstance(pending[cut], (Figure, Code)):
            cut += 1
        self.last.blocks.extend(pending[:cut])
        self.body.extend(pending[cut:])
        self.last = None


def _section_body(
    toks: list[Tok], warn: Callable[[int, str], None], is_contents: Callable[[Tok], bool]
) -> list[Block]:
    """The blocks of one section; `is_contents` tells a table of contents from a procedure."""
    steps = _Steps(warn)
    for tok in toks:
        steps.token(tok, is_contents)
    return steps.finish()


# --- the guide -----------------------------------------------------------------------------


def _method_number(title: str) -> int | None:
    m = _METHOD.match(plain(title))
    return int(m.group(1) or m.group(2)) if m and m.group(3).strip() else None


def _is_title(heading: Tok, article: Article) -> bool:
    return title_key(heading.text) == title_key(article.meta.title)


def build_guide(article: Article, cleaned: Cleaned, slug: str) -> Guide:
    """The typed guide for one cleaned article; its warnings go to `Guide.diagnostics`."""
    toks = tokenize(cleaned.readable, _line_mapper(article, cleaned))
    # an article that opens with its title as an H1 (the title of one without front matter
    # comes from there): the page shows it as its title, not as a section
    if toks and toks[0].kind == "heading" and toks[0].level == 1 and _is_title(toks[0], article):
        toks = toks[1:]
    diagnostics: list[Diagnostic] = []

    def warn(line: int, message: str) -> None:
        diagnostics.append(Diagnostic(Severity.WARNING, article.source, message, line, "structure"))

    # a "Step N" heading is a step, never the start of a section
    headings = [
        t
        for t in toks
        if t.kind == "heading"
        and ("step" not in t.text.lower() or step_label(plain(t.text)) is None)
    ]
    numbered = [t.level for t in headings if _method_number(t.text) is not None]
    level = min(numbered) if numbered else min((t.level for t in headings), default=0)
    splits = {id(t) for t in headings if t.level <= level}

    @functools.cache  # asked only about lists that could be a table of contents
    def heading_keys() -> frozenset[str]:
        return frozenset(title_key(t.text) for t in toks if t.kind == "heading") - {""}

    def is_contents(tok: Tok) -> bool:
        return _contents_list(tok, heading_keys)

    chunks: list[tuple[Tok | None, list[Tok]]] = [(None, [])]
    for tok in toks:
        if id(tok) in splits:
            chunks.append((tok, []))
        else:
            chunks[-1][1].append(tok)

    meta = article.meta
    guide = Guide(
        source=article.source,
        slug=slug,
        title=meta.title,
        short_title=meta.short_title or short_title(meta.title),
        description=meta.description,
        date=meta.date,
        updated=meta.updated,
        tags=meta.tags,
        topics=_topics(meta.tags + meta.categories),
        lang=meta.lang or languages.detect(meta.title + "\n" + cleaned.text) or "",
        diagnostics=diagnostics,
    )
    taken: set[str] = {"index"}
    sections: list[Section] = []
    lead: list[Block] = []
    for head, body_toks in chunks:
        body = _section_body(body_toks, warn, is_contents)
        if head is None:
            lead.extend(body)
            continue
        title = plain(head.text)
        number = _method_number(head.text) if numbered else None
        sec = Section(title=title, body=body, number=number, line=head.line)
        sec.slug = unique_slug(slugify(plain(title)) or "section", taken)
        taken.add(sec.slug)
        sections.append(sec)

    methods = [i for i, s in enumerate(sections) if s.is_method]
    if not methods:
        guide.intro = lead + [b for s in sections for b in [Heading(s.title, 2), *s.body]]
        return _finish(guide)
    first, last = methods[0], methods[-1]
    guide.intro = lead + [b for s in sections[:first] for b in [Heading(s.title, 2), *s.body]]
    guide.sections = sections[first:]
    # a closing remark at the end of the last method belongs to the whole guide
    tail = sections[last].body
    while tail and isinstance(tail[-1], Paragraph) and _CLOSING.match(tail[-1].text):
        guide.closing.insert(0, tail.pop())
    return _finish(guide)


def _finish(guide: Guide) -> Guide:
    # the farm repeats the title as the first heading; the page title already says it
    if (
        guide.intro
        and isinstance(guide.intro[0], Heading)
        and _norm(guide.intro[0].text) == _norm(guide.title)
    ):
        guide.intro.pop(0)
    targets = functools.cache(lambda: _contents_targets(guide.sections))
    guide.intro = _contents_paragraphs(guide.intro, targets)
    guide.intro = [_contents(b, targets) for b in guide.intro]
    # further on, only a list of in-page links is taken for contents ("[Part 2](#part2)")
    for blocks in (*(s.body for s in guide.sections), guide.closing):
        blocks[:] = [_contents(b, targets, in_page=True) for b in blocks]
    if not guide.description:
        guide.description = _summary(guide)
    return guide


def _summary(guide: Guide) -> str:
    """The first sentence of the first paragraph of the intro (else of the first method)."""
    blocks = guide.intro + [b for s in guide.sections for b in s.body]
    for b in blocks:
        if isinstance(b, Paragraph):
            sentence = first_sentence(plain(b.text))
            if sentence:
                return sentence
    return ""


def _topics(terms: tuple[str, ...]) -> tuple[str, ...]:
    """Tags and categories as one list of topics: the first spelling of each topic slug."""
    seen: set[str] = set()
    topics: list[str] = []
    for term in terms:
        key = slugify(term)
        if key not in seen:
            seen.add(key)
            topics.append(term)
    return tuple(topics)


# --- tables of contents --------------------------------------------------------------------


def _contents_list(tok: Tok, heading_keys: Callable[[], frozenset[str]]) -> bool:
    """A list token that is the article's table of contents, whose numbers are not steps.

    Either every item is nothing but a link, or (once the cleaner unwrapped links into the
    farm) every item names a heading of the article.
    """
    texts = [t.strip() for _, t in tok.items]
    if all(_ONLY_LINK.match(t) for t in texts):
        return True
    return (
        len(texts) > 1
        and all(map(_title_like, texts))
        and all(title_key(t) in heading_keys() for t in texts)
    )


def _contents_targets(sections: list[Section]) -> dict[str, tuple[int, str]]:
    """What a contents entry can name: a section, or a sub-heading on a section's page."""
    targets: dict[str, tuple[int, str]] = {}
    for i, s in enumerate(sections):
        targets.setdefault(title_key(s.title), (i, ""))
    for i, s in enumerate(sections):
        for b in s.body:
            if isinstance(b, Heading):
                targets.setdefault(title_key(b.text), (i, b.text))
    targets.pop("", None)
    return targets


def _entries(texts: Sequence[str], targets: Mapping[str, tuple[int, str]]) -> list[ContentsEntry]:
    out = []
    for text in texts:
        section, heading = targets.get(title_key(text), (None, ""))
        out.append(ContentsEntry(plain(text), section, heading))
    return out


def _contents(
    block: Block, targets: Callable[[], Mapping[str, tuple[int, str]]], in_page: bool = False
) -> Block:
    """A list whose items name parts of the guide is the article's contents: link them.

    A list of in-page links ("[What is OpenCV](#part3-1)") is one if any item names a part
    (the cleaner removes those naming none); a list of plain labels (the farm's links, once
    unwrapped) if half of them do, unless `in_page` asks for in-page links only.
    """
    if not isinstance(block, BulletList) or not all(map(_title_like, block.items)):
        return block
    links = all("](#" in t and _ONLY_LINK.match(t) for t in block.items)
    if in_page and not links:
        return block
    entries = _entries(block.items, targets())
    found = sum(1 for e in entries if e.section is not None)
    if found and (links or found * 2 >= len(entries)):
        return Contents(tuple(entries))
    return block


_MAX_TITLE_CHARS = 150  # (with markup) longer text is prose, never a title


def _title_like(text: str) -> bool:
    return len(text) <= _MAX_TITLE_CHARS and "\n" not in text


def _contents_paragraphs(
    blocks: list[Block], targets: Callable[[], Mapping[str, tuple[int, str]]]
) -> list[Block]:
    """Two or more one-line paragraphs in a row that each name a part of the guide.

    The farm writes some tables of contents as linked paragraphs (`[**1. Use Disk
    Cleanup**](farm)`); once the link is unwrapped only the label is left.
    """

    def names_a_part(k: int) -> bool:
        b = blocks[k]
        return isinstance(b, Paragraph) and _title_like(b.text) and title_key(b.text) in targets()

    out: list[Block] = []
    k = 0
    while k < len(blocks):
        end = k
        # (a lone short paragraph is not looked up: a run needs two)
        if k + 1 < len(blocks) and isinstance(blocks[k + 1], Paragraph):
            while end < len(blocks) and names_a_part(end):
                end += 1
        if end - k > 1:
            texts = [b.text for b in blocks[k:end] if isinstance(b, Paragraph)]
            out.append(Contents(tuple(_entries(texts, targets()))))
            k = end
        else:
            out.append(blocks[k])
            k += 1
    return out


def _line_mapper(article: Article, cleaned: Cleaned) -> Callable[[int], int]:
    def line_of(offset: int) -> int:
        return article.line_of(cleaned.to_original(offset))

    return line_of
