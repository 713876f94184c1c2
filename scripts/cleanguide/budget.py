"""The time one article may take, and the cap that keeps Markdown conversion inside it.

Every article's whole path (read, clean, structure, render, and the conversion of its pages
to HTML) is meant to finish within `ARTICLE_SECONDS` of CPU time, and an article larger
than `BUDGET_BYTES` within as much for each `BUDGET_BYTES` of it (`allowance`): the work
of a sound article grows with its size (a 2 MB article of 600 methods takes 2.3 s here),
what the budget stops does not. Our own stages are linear in the article's size. Python-Markdown's inline patterns are not: each match rebuilds the
text it was found in (a paragraph of 40,000 `<b>` tags copies 120 KB 40,000 times), and a
`[`, `](` or backtick run that never closes is scanned to the end of the paragraph, in
Python, once per occurrence. So before Markdown sees a piece of an article (a paragraph, a
list item, a heading, a caption), `inline_work` estimates that work from the piece itself,
in one pass, and an `Allowance` per guide admits the piece as Markdown only while both the
piece and the guide stay inside their caps. A piece over the cap is written as literal text
(`literal`): every character still shows, as code, and Markdown does it in one step.

The estimate is an upper bound of what the inline patterns scan (in characters: a
character scanned by a Python loop counts `PYTHON_STEP` times a character copied), not a
measurement: ordinary prose is far below the caps, and what is capped is text no one
wrote by hand. The worker that converts pages (convert.py) stops a page that overruns the
budget anyway, for whatever this model does not see.

Reading, cleaning and structuring an article, and rendering its pages (pipeline.py), run in
the build's own process (or a fork of it), so no worker can be killed for them: `cpu_limit`
stops them instead. It arms a timer on the process's CPU time whose signal raises
`OverBudget` in the middle of whatever runs, a regular expression's match included (the
`re` engine checks for signals as it backtracks). A pattern of ours that a hostile article
made super-linear would otherwise stall the build with no end, as 100,000 backticks once
did.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import FrameType

ARTICLE_SECONDS = 2.0
"""CPU seconds one article may take through every stage, its pages' conversion included."""
BUDGET_BYTES = 512 * 1024
"""An article's budget is `ARTICLE_SECONDS` for each this many bytes of it (at least one)."""

PYTHON_STEP = 60
"""What a character scanned by a Python loop costs, in characters copied."""
TAG_STEP = 32
"""What a character costs that html.parser reads again for each `<` left open."""
PIECE_CAP = 100_000_000
"""The most inline work one piece of text may need (at most 0.3 s here)."""
GUIDE_CAP = 300_000_000
"""The most inline work all the pieces of one guide may need together (at most 0.9 s)."""

# Characters at which an inline pattern of Python-Markdown or a common extension may match
# (escapes, code, links, images, HTML, entities, emphasis, ~~ ^^ == ++, emoji :name:); each
# match copies the text it is in.
_ACTIVE = "\\`[!<&*_~^=+:{"
_BRACKET_OR_ESCAPE = re.compile(r"\\.|[\[\]()]", re.DOTALL)
_BACKTICKS = re.compile(r"`+")
_ANGLE = re.compile(r"[<>]")


def allowance(budget: float, size: int) -> float:
    """The CPU seconds an article of `size` bytes may take, with `budget` per article."""
    return budget * max(1.0, size / BUDGET_BYTES)


def inline_work(text: str) -> int:
    """An upper bound of the work Python-Markdown's inline patterns do on `text`."""
    size = len(text)
    matches = sum(map(text.count, _ACTIVE))
    if not matches:
        return size
    scanned = 0
    if "[" in text:
        scanned += 3 * _bracket_scans(text)  # reference, link and image each read the text
    if "`" in text:
        scanned += _backtick_scans(text)
    tags = _open_tag_scans(text) if "<" in text else 0
    return size + matches * size + PYTHON_STEP * scanned + TAG_STEP * tags


def _bracket_scans(text: str) -> int:
    """Characters read looking for each `[`'s `]` and each `](`'s `)`, as Python-Markdown
    does: to the matching one, or to the end of the text when there is none."""
    size = len(text)
    scanned = 0
    brackets: list[int] = []
    parens: list[tuple[int, bool]] = []  # an open "(" and whether it opens a link's target
    last_close = -2  # where the last "]" that closed a "[" was
    for m in _BRACKET_OR_ESCAPE.finditer(text):
        at, char = m.start(), m.group()
        if char == "[":
            brackets.append(at)
        elif char == "]":
            if brackets:
                scanned += at - brackets.pop()
                last_close = at
        elif char == "(":
            parens.append((at, at == last_close + 1))
        elif char == ")" and parens:
            start, target = parens.pop()
            if target:
                scanned += at - start
    scanned += sum(size - at for at in brackets)
    scanned += sum(size - at for at, target in parens if target)
    return scanned


def _backtick_scans(text: str) -> int:
    """Characters read looking for the run that closes each backtick run: the next run of
    the same length, or the end of the text."""
    size = len(text)
    scanned = 0
    waiting: dict[int, int] = {}  # run length -> where an unclosed run of it starts
    for m in _BACKTICKS.finditer(text):
        length = m.end() - m.start()
        start = waiting.pop(length, None)
        if start is None:
            waiting[length] = m.start()
        else:
            scanned += m.start() - start
    return scanned + sum(size - at for at in waiting.values())


def _open_tag_scans(text: str) -> int:
    """Characters html.parser reads for each `<` that another `<` follows before any `>`:
    such a tag is incomplete, and the parser reads on to the next `>` (or the end)."""
    marks = [(m.start(), m.group()) for m in _ANGLE.finditer(text)]
    scanned = 0
    next_close = len(text)
    following = ""  # the mark after the current one
    for at, mark in reversed(marks):
        if mark == ">":
            next_close = at
        elif following != ">":
            scanned += next_close - at
        following = mark
    return scanned


def literal(text: str) -> str:
    """`text` as one inline code span on one line: shown as it is, never parsed.

    html.parser reads the whole page before Markdown does (md_in_html), code spans
    included, and is quadratic on tags left open (20,000 `<!--`): a word joiner (U+2060,
    invisible) after each `<` leaves it no tag to read.
    """
    flat = " ".join(text.split()).replace("<", "<\u2060")
    longest = max((len(run) for run in _BACKTICKS.findall(flat)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {flat} {fence}"


def in_words(allowed: float, budget: float) -> str:
    """The budget an article had, in words (`allowed` seconds, `budget` per article)."""
    if allowed <= budget:
        return f"the budget of {budget:g} s per article"
    return (
        f"its budget of {allowed:.1f} s ({budget:g} s per article, and per "
        f"{BUDGET_BYTES // 1024} KiB of a larger one)"
    )


class OverBudget(BaseException):
    """Raised where `cpu_limit`'s time ran out. Not an `Exception`: no `except Exception`
    on the way may take it for a failure of its own and carry on."""


def _over(_signum: int, _frame: FrameType | None) -> None:
    raise OverBudget


@contextlib.contextmanager
def cpu_limit(seconds: float) -> Iterator[None]:
    """Raise `OverBudget` in the block once this process has spent `seconds` of CPU time
    (user time) in it.

    Only where a timer's signal can reach the block: in the main thread of a process that
    has interval timers (not Windows), with no such timer armed already. Elsewhere the
    block runs without a limit.
    """
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
        or signal.getitimer(signal.ITIMER_VIRTUAL)[0] > 0
    ):
        yield
        return
    previous = signal.signal(signal.SIGVTALRM, _over)
    signal.setitimer(signal.ITIMER_VIRTUAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


@dataclass(slots=True)
class Allowance:
    """How much inline work one guide's text may still cost Python-Markdown."""

    piece_cap: int = PIECE_CAP
    guide_cap: int = GUIDE_CAP
    spent: int = 0
    capped: list[str] = field(default_factory=list)
    """The article text of each piece written as literal text (for the warning)."""

    def admit(self, markdown: str, text: str) -> bool:
        """Whether `markdown`, made from the article's `text`, may go to Markdown as it is
        (its work is then counted)."""
        work = inline_work(markdown)
        if work > self.piece_cap or self.spent + work > self.guide_cap:
            self.capped.append(text)
            return False
        self.spent += work
        return True


__all__ = [
    "ARTICLE_SECONDS",
    "BUDGET_BYTES",
    "GUIDE_CAP",
    "PIECE_CAP",
    "Allowance",
    "OverBudget",
    "allowance",
    "cpu_limit",
    "in_words",
    "inline_work",
    "literal",
]
