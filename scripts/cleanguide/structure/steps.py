"""Numbered steps: the author's step labels and list numbers, made into procedures.

Every number the author gave a step is kept, never recomputed: the model holds the author's
numbers and the renderer shows exactly those. Two kinds of marker number steps: a step
label ("Step 3", "Step Three", "Third step", in a paragraph, heading or list item) and a list
number ("3." or "3)"). List numbers right after a step label are that step's sub-steps (the
step is a *phase*); a list continues across the screenshots, captions, notes and prose the
author put between its items, and starts again where the author's numbers start again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from textwrap import dedent
from types import MappingProxyType
from typing import Final, NamedTuple

from ..labels import CARDINALS, NUMBER_SIGN, ORDINALS, STEP_WORDS, alternation
from ..model import Block, BulletList, Code, Figure, Note, Paragraph, Procedure, Step
from ..text import fences
from ..typography import plain
from .blocks import Tok, list_blocks, merge_blocks, prose_blocks, token_blocks, with_caption

_NUMBER_WORDS: Final[Mapping[str, int]] = MappingProxyType(
    {w: k for words in (CARDINALS, ORDINALS) for k, w in enumerate(words, 1)}
)
_LABEL = (
    rf"(?:(?:{alternation(STEP_WORDS)})[\s\u00a0]*(?:{NUMBER_SIGN}[\s\u00a0]*)?(?:(?P<n>\d{{1,3}})"
    r"(?:\.(?P<sub>[1-9]\d?)(?!\d|\.\d|[^\W\d_])|(?!\.\d))"
    rf"|(?P<word>{'|'.join(CARDINALS)})\b)"
    rf"|(?P<ord>{'|'.join(ORDINALS)})[\s\u00a0]+step\b)"
)
# a step label opening a paragraph, heading or list item: "Step 3:", "**Step Two**", "First step -",
# "Step 2.1:" (sub-step 1 of step 2)
# (a bold mark after the label closes one before it: in "Step 1 **Win + S** opens", it opens
# the text's own bold)
_STEP = re.compile(
    r"^(?P<open>\*\*|__)?\s*"
    + _LABEL
    + r"\s*(?P<delim>\\?[.:：)\-–—])?\s*(?(open)(?P<close>\*\*|__)?)"
    r"[\s:：.\-–—]*(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
# Inside a paragraph: a step label in bold ("**Step Two**"), or "N)" before a capital letter
# (an instruction starts there) right after a sentence end, a bold close or an image (see
# `_item_starts`).
_INLINE_LABEL = re.compile(
    r"(?:\*\*|__)[ \t]*(?i:" + _LABEL + r")[ \t]*\\?[.:：)\-–—]?[ \t]*(?:\*\*|__)"
)
_INLINE_ITEM = re.compile(r"(\d{1,2})\)[ \t]*(?=[A-Z])")
_RAW_TAG = re.compile(r"</?[A-Za-z]")
# A paragraph opening with a list number Markdown does not read as one: escaped ("1\\." is
# what HTML-to-Markdown converters write for a number in a <p>) or in bold ("**1.** Tap").
_PARAGRAPH_NUMBER = re.compile(
    r"(?:(?P<n>\d{1,3})\\[.)]|(\*\*|__)(?P<b>\d{1,3})[.)]\2)[ \t]+(?=\S)"
)
_SENTENCE_ENDS = ".!?。！？"
"""What ends a sentence (in Chinese and Japanese too): a step line ending so is no title."""


class _Mark(NamedTuple):
    """A numbered marker: a step label ("Step 2") or a list number ("2.", "2)")."""

    label: bool
    number: int
    text: str
    """The marker's own Markdown, up to the next marker."""
    inline: bool = False
    """Found inside a paragraph, not at the start of a line: only kept if it fits."""
    sub: int | None = None
    """A sub-step label's own number ("Step 2.1": `number` 2, `sub` 1)."""
    as_written: list[Block] | None = None
    """What a sub-step label is when it names no step before it: its text, kept as written."""


class Label(NamedTuple):
    """A step label opening a text: its number, the text after it, and a sub-step's own
    number ("Step 2.1: Open it" is 2, "Open it", 1)."""

    number: int
    rest: str
    sub: int | None = None


def _label_number(m: re.Match[str]) -> int:
    word = (m.group("n") or m.group("word") or m.group("ord")).lower()
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def _sub_number(m: re.Match[str]) -> int | None:
    return int(m.group("sub")) if m.group("sub") else None


def step_label(text: str) -> Label | None:
    """The label `text` opens with, if it opens with a step label.

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
    opener = m.group("open")
    if opener and not m.group("close"):
        # the bold runs on over the step's title ("**Step 1: Open Steam**"): its close goes
        # with its open, which the label took
        line_end = rest.find("\n")
        close = rest.find(opener, 0, line_end if line_end >= 0 else len(rest))
        if close >= 0:
            rest = rest[:close] + rest[close + len(opener) :]
    return Label(_label_number(m), rest, _sub_number(m))


def _title_and_body(rest: str) -> tuple[str, str]:
    """A short single line after a step label is its title; anything else is its body."""
    rest = rest.strip()
    first, _, more = rest.partition("\n")
    if (
        rest
        and not more
        and len(plain(first)) <= 80
        and plain(first)[-1:] not in _SENTENCE_ENDS
        and "](" not in first
        and not _RAW_TAG.search(first)  # a title is plain text: HTML is the body's to render
    ):
        return plain(first), ""
    return "", rest


def _inline_marks(text: str) -> tuple[str, list[_Mark]]:
    """The text before the first marker found inside `text`, and the markers (none in a
    text holding code: code is never split)."""
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
            own = text[m.end() : end]
            sub = _sub_number(m)
            as_written = prose_blocks(text[m.start() : end]) if sub is not None else None
            marks.append(_Mark(True, _label_number(m), own, True, sub, as_written))
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
            return [token_blocks(tok)]
        return [_label_mark(label, label.rest, tok)]
    if tok.kind == "para":
        label = step_label(tok.text.strip())
        if label is not None:
            head, marks = inline(label.rest)
            return [_label_mark(label, head, tok), *marks]
        number = _PARAGRAPH_NUMBER.match(tok.text)
        if number is not None and not _is_question(
            tok.text
        ):  # "1\\. Open it", "**2.** Tap it": a list number, as written
            head, marks = inline(tok.text[number.end() :])
            return [_Mark(False, int(number.group("n") or number.group("b")), head), *marks]
        head, marks = inline(tok.text)
        return [prose_blocks(head), *marks] if marks else [token_blocks(tok)]
    if tok.kind != "list" or is_contents(tok) or _questions(tok):
        return [token_blocks(tok)]
    out: list[_Mark | list[Block]] = []
    bullets: list[str] = []
    for marker, text in tok.items:
        label = step_label(text.strip())
        if label is None and not marker[0].isdigit():
            bullets.append(text)  # a bullet among steps: part of the step before it
            continue
        if bullets:
            out.append(_bullet_blocks(tok, bullets))
            bullets = []
        own = label.rest if label is not None else text
        head, marks = inline(own)
        if label is not None:
            item = Tok("list", "", tok.at, tok.line_of, items=((marker, text),))
            out += [_label_mark(label, head, item), *marks]
        else:
            out += [_Mark(False, int(marker[:-1]), head), *marks]
    if bullets:
        if not out:
            return [token_blocks(tok)]
        out.append(_bullet_blocks(tok, bullets))
    return out


# a numbered line nested in a list item's text: indented (blocks._list keeps it there)
_NESTED_ITEM = re.compile(r"^[ \t]+(\d{1,3})[.)][ \t]+(?=\S)", re.MULTILINE)


def _nested_steps(text: str, line: int) -> tuple[str, list[Step]]:
    """A numbered item's own text, and the numbered items nested in it (`2. Choose:` then
    `   1. Settings`, `   2. Control Panel`) as its sub-steps: the item is a phase, as a
    step label followed by its own list is. Only numbers that follow on from the first;
    otherwise the text stays as written, and so does a text holding code."""
    if fences(text):
        return text, []
    found = list(_NESTED_ITEM.finditer(text))
    numbers = [int(m.group(1)) for m in found]
    if not found or numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return text, []
    ends = [m.start() for m in found[1:]] + [len(text)]
    subs = [
        Step(n, "", prose_blocks(dedent(text[m.end() : end])), line)
        for n, m, end in zip(numbers, found, ends, strict=True)
    ]
    return text[: found[0].start()].rstrip(), subs


def _questions(tok: Tok) -> bool:
    """Whether a list numbers questions, not steps: every item a question (an FAQ, "1. Does a
    restore point back up my files?"), none with a step label."""
    return all(
        marker[0].isdigit() and _is_question(text) and step_label(text.strip()) is None
        for marker, text in tok.items
    )


def _is_question(text: str) -> bool:
    return plain(text.strip().partition("\n")[0]).endswith(("?", "？", "؟"))


def _label_mark(label: Label, text: str, tok: Tok) -> _Mark:
    """The marker of a step label whose own text is `text` (`tok` as written, for a
    sub-step label that turns out to name no step)."""
    as_written = token_blocks(tok) if label.sub is not None else None
    return _Mark(True, label.number, text, sub=label.sub, as_written=as_written)


def _no_marks(text: str) -> tuple[str, list[_Mark]]:
    return text, []


def _bullet_blocks(tok: Tok, texts: list[str]) -> list[Block]:
    """The blocks of some of a list token's items, as a bulleted list of their own."""
    return list_blocks(Tok("list", "", tok.at, tok.line_of, items=tuple(("-", t) for t in texts)))


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
        parts = _token_marks(tok, is_contents)
        marks = [p for p in parts if isinstance(p, _Mark)]
        if any(m.inline for m in marks) and not self._fits(marks):
            numbers = ", ".join(f"{'Step ' if m.label else ''}{m.number}" for m in marks)
            self.warn(
                tok.line,
                f"numbered items run together in one paragraph ({numbers}) do not follow "
                "the steps around them; kept as written",
            )
            parts = _token_marks(tok, is_contents, split=False)
        for part in parts:
            if isinstance(part, _Mark):
                self.step(part, tok.line)
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
            if m.label and m.sub is not None:
                fits = by_label and m.number == top_n
                sub_n = m.sub
            elif m.label:
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
                fits = m.number == 1 and after is not None and not after.label and after.number == 2
                by_label, top_n = False, m.number
            if m.inline and not fits:
                return False
        return True

    def step(self, mark: _Mark, line: int) -> None:
        top = self.top
        if mark.sub is not None:
            self.sub_step(mark, line)
            return
        title, body = _title_and_body(mark.text) if mark.label else ("", mark.text)
        nested: list[Step] = []
        if not mark.label and not (top is not None and self.by_label):
            body, nested = _nested_steps(body, line)
        step = Step(mark.number, title, prose_blocks(body) if body.strip() else [], line, nested)
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

    def sub_step(self, mark: _Mark, line: int) -> None:
        """ "Step 2.1" under step 2 (numbered by labels) is its sub-step 1; under anything
        else it is text, kept as written."""
        top = self.top
        if top is not None and self.by_label and top.number == mark.number:
            assert mark.sub is not None
            title, body = _title_and_body(mark.text)
            blocks = prose_blocks(body) if body.strip() else []
            sub = Step(mark.sub, title, blocks, line, dotted=True)
            self._attach_pending()
            top.substeps.append(sub)
            self.last = sub
            return
        for b in mark.as_written or []:
            self.block(b)

    def block(self, b: Block) -> None:
        tail = self.pending or (self.last.blocks if self.last is not None else self.body)
        prev = tail[-1] if tail else None
        if (captioned := with_caption(prev, b)) is not None:
            tail[-1] = captioned
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


def section_body(
    toks: list[Tok], warn: Callable[[int, str], None], is_contents: Callable[[Tok], bool]
) -> list[Block]:
    """The blocks of one section; `is_contents` tells a table of contents from a procedure."""
    steps = _Steps(warn)
    for tok in toks:
        steps.token(tok, is_contents)
    return steps.finish()
