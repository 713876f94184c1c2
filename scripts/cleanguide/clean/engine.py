"""The cleaning engine: runs named rules in order and records every piece they remove.

Each rule sees the text left by the rules before it, through a `RuleContext`, and returns
spans of that text to drop. The context holds the indexes rules read (lines, tags), built
when a rule first asks and shared by the rules that read the same text, as markdown-it's
`StateBlock` holds the line marks of a text for every block rule. The engine maps the
spans back onto the original body, so every removal is recorded in original coordinates
and `reconstruct()` can prove that nothing was lost; and it gives the structurer the text
to read (`Cleaned.readable`).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from ..diagnostics import Diagnostic, Severity
from ..model import Article
from ..text import Lines, fence_spans
from . import scan
from .patterns import Patterns
from .scan import Elements

EXCERPT_CHARS = 80
MAX_PASSES = 3


class Cut(NamedTuple):
    """What a rule asks to drop: a span of the text it was given, and why."""

    start: int
    end: int
    action: str = "removed"
    """"removed" (junk gone), or "unwrapped" (a link's markup gone, its text kept)."""
    group: int = 0
    """Cuts of one rule call with the same non-zero group form one removal (an unwrap)."""


@dataclass(frozen=True, slots=True)
class Removal:
    """One audited removal: which rule, where in the original body, and what it was."""

    rule: str
    action: str
    pieces: tuple[tuple[int, int], ...]
    """Half-open [start, end) spans of the original body, in order."""
    texts: tuple[str, ...]
    """The removed text of each piece, so the audit alone can rebuild the article."""
    line: int
    end_line: int
    excerpt: str

    @property
    def chars(self) -> int:
        return sum(e - s for s, e in self.pieces)


class RuleContext:
    """What a rule reads: one version of the article's text, the patterns, indexes of the
    text (each built when a rule first asks for it), and a way to warn."""

    def __init__(
        self,
        text: str,
        patterns: Patterns,
        source: str,
        line_of: Callable[[int], int],
        tags: Sequence[str] = (),
    ) -> None:
        self.text = text
        self.patterns = patterns
        self.source = source
        self.line_of = line_of
        """Source-file line of an offset into `text`."""
        self.rule = ""
        """The rule reading the text now: its warnings name it."""
        self.diagnostics: list[Diagnostic] = []
        self.tags = tuple(tags)
        """The tags the rules read (`Rule.tags`): the first to ask for one indexes them all."""
        self._elements: dict[str, Elements] = {}

    @cached_property
    def lines(self) -> Lines:
        """The lines of the text."""
        return Lines(self.text)

    @cached_property
    def code(self) -> list[tuple[int, int]]:
        """Where the fenced code blocks of the text are (text.fence_spans)."""
        return fence_spans(self.lines)

    @cached_property
    def paragraphs(self) -> list[tuple[int, int]]:
        """(start, end) of each run of non-blank lines, its last newline included."""
        lines = self.lines
        out: list[tuple[int, int]] = []
        first: int | None = None
        for i, line in enumerate(lines.parts):
            if line.strip():
                first = i if first is None else first
            elif first is not None:
                out.append((lines.start(first), lines.end(i - 1)))
                first = None
        if first is not None:
            out.append((lines.start(first), lines.end(len(lines) - 1)))
        return out

    def newlines(self, start: int, end: int) -> int:
        """How many line breaks [start, end) of the text spans (by bisection, not by reading
        it: an element never closed nearby is measured to a distant end tag)."""
        starts = self.lines.starts
        return bisect.bisect_right(starts, end) - bisect.bisect_right(starts, start)

    def elements(self, tag: str) -> Elements:
        """The `<tag ...>` elements of the text."""
        name = tag.lower()
        if name not in self._elements:
            names = self.tags if name in self.tags else (name,)
            self._elements.update(scan.elements(self.text, names))
        return self._elements[name]

    def warn(self, offset: int, message: str) -> None:
        self.diagnostics.append(
            Diagnostic(Severity.WARNING, self.source, message, self.line_of(offset), self.rule)
        )


RuleFunc = Callable[[RuleContext], Iterable[Cut]]
"""A rule: deterministic, the same text and patterns give the same cuts and warnings."""


@dataclass(frozen=True, slots=True)
class Rule:
    """A named cleaning rule."""

    name: str
    func: RuleFunc
    doc: str
    tags: tuple[str, ...] = ()
    """The HTML tags it reads (lower case): the context finds those of every rule in one
    scan of the text."""


@dataclass(frozen=True, slots=True)
class Cleaned:
    """The result of cleaning one article."""

    source: str
    original: str
    text: str
    """Exactly the characters of `original` that were kept (what the audit rebuilds from)."""
    kept: tuple[tuple[int, int], ...]
    """Spans of `original` that make up `text`, in order."""
    removals: tuple[Removal, ...]
    diagnostics: tuple[Diagnostic, ...]
    readable: str = field(default="", init=False)
    """`text` to read on: where unwrapping a link glued two words together, a space
    between them (`readable_text`); `readable_to_original` maps its offsets."""
    _spaces: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)
    """Where in `readable` the spaces it adds are."""
    _starts: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", tuple(_starts_of(self.kept)[:-1]))
        readable, spaces = readable_text(self.original, self.kept, self.removals)
        object.__setattr__(self, "readable", readable)
        object.__setattr__(self, "_spaces", spaces)

    def to_original(self, pos: int) -> int:
        """The offset in `original` of an offset in `text`."""
        return _to_original(self.kept, self._starts, pos)

    def readable_to_original(self, pos: int) -> int:
        """The offset in `original` of an offset in `readable` (an added space: of the
        character after it)."""
        return self.to_original(pos - bisect.bisect_left(self._spaces, pos))


def _starts_of(kept: Sequence[tuple[int, int]]) -> list[int]:
    """Where each kept span begins in the cleaned text (and, last, where the text ends)."""
    return list(itertools.accumulate([e - s for s, e in kept], initial=0))


def _to_original(kept: Sequence[tuple[int, int]], starts: Sequence[int], pos: int) -> int:
    if not kept:
        return 0
    i = max(bisect.bisect_right(starts, pos) - 1, 0)
    return kept[i][0] + (pos - starts[i])


class _View:
    """The current text as a list of kept spans of the original."""

    def __init__(self, original: str, kept: list[tuple[int, int]]) -> None:
        self.original = original
        self.kept = kept
        self.starts = _starts_of(kept)
        self.length = self.starts.pop()
        self.text = "".join([original[s:e] for s, e in kept])

    def to_original(self, start: int, end: int) -> list[tuple[int, int]]:
        """Map a span of the current text to the original spans it covers."""
        pieces: list[tuple[int, int]] = []
        i = max(bisect.bisect_right(self.starts, start) - 1, 0)
        while i < len(self.kept) and start < end:
            seg_s, seg_e = self.kept[i]
            cur = self.starts[i]
            seg_len = seg_e - seg_s
            if start < cur + seg_len:
                a = seg_s + (start - cur)
                b = seg_s + min(end - cur, seg_len)
                pieces.append((a, b))
                start = cur + min(end - cur, seg_len)
            i += 1
        return pieces

    def offset_original(self, pos: int) -> int:
        return _to_original(self.kept, self.starts, pos)


def _subtract(kept: list[tuple[int, int]], drop: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    drop = sorted(drop)
    j = 0
    for s, e in kept:
        cur = s
        while j < len(drop) and drop[j][1] <= cur:
            j += 1
        k = j
        while k < len(drop) and drop[k][0] < e:
            ds, de = drop[k]
            if ds > cur:
                out.append((cur, ds))
            cur = max(cur, de)
            k += 1
        if cur < e:
            out.append((cur, e))
    return out


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"


def run_rules(article: Article, rules: Sequence[Rule], patterns: Patterns) -> Cleaned:
    """Apply `rules` in order to the article body; never raises for odd input."""
    original = article.body
    kept = [(0, len(original))] if original else []
    removals: list[Removal] = []
    diagnostics: list[Diagnostic] = []
    # Run the chain until nothing more goes (at most MAX_PASSES): a removal can expose junk
    # to a rule that ran before it, and cleaning must be idempotent.
    view = _View(original, kept)
    tags = tuple(dict.fromkeys(t for rule in rules for t in rule.tags))

    def context() -> RuleContext:
        return RuleContext(view.text, patterns, article.source, _line_mapper(article, view), tags)

    ctx = context()
    # A rule is a pure function of the text: one that found nothing in a version of the text
    # would find nothing there again, so it waits for a cut to make a new version.
    version = 0
    found_nothing: dict[int, int] = {}  # rule index -> the version it last found nothing in
    for _ in range(MAX_PASSES):
        changed = False
        for index, rule in enumerate(rules):
            if found_nothing.get(index) == version:
                continue
            ctx.rule = rule.name
            cuts = _protect_code(_normalise(list(rule.func(ctx)), view.length), ctx.code)
            diagnostics.extend(ctx.diagnostics)
            ctx.diagnostics.clear()
            if not cuts:
                found_nothing[index] = version
                continue
            all_pieces: list[tuple[int, int]] = []
            for action, group_cuts in _grouped(cuts):
                pieces = [p for c in group_cuts for p in view.to_original(c.start, c.end)]
                if not pieces:
                    continue
                all_pieces.extend(pieces)
                first, last = pieces[0][0], pieces[-1][1]
                texts = tuple([original[s:e] for s, e in pieces])
                removals.append(
                    Removal(
                        rule=rule.name,
                        action=action,
                        pieces=tuple(pieces),
                        texts=texts,
                        line=article.line_of(first),
                        end_line=article.line_of(max(last - 1, first)),
                        excerpt=_excerpt(" ".join(texts)),
                    )
                )
            kept = _subtract(kept, all_pieces)
            view = _View(original, kept)
            ctx = context()
            version += 1
            changed = True
        if not changed:
            break
    removals.sort(key=lambda r: r.pieces[0])
    return Cleaned(
        source=article.source,
        original=original,
        text=view.text,
        kept=tuple(kept),
        removals=tuple(removals),
        diagnostics=tuple(dict.fromkeys(diagnostics)),  # a later pass repeats warnings
    )


def readable_text(
    original: str, kept: Sequence[tuple[int, int]], removals: Sequence[Removal]
) -> tuple[str, tuple[int, ...]]:
    """The kept text, with a space where unwrapping a link glued a word (or a `,;:`) to the
    word after it: of "see[the docs](farm)now", "seethe docsnow" is kept, and this reads
    "see the docs now"; and where in it those spaces are."""
    unwrapped = {p[0] for r in removals if r.action == "unwrapped" for p in r.pieces}
    out: list[str] = []
    spaces: list[int] = []
    length = 0
    for k, (s, e) in enumerate(kept):  # (kept spans are never empty)
        if k and kept[k - 1][1] in unwrapped:
            before, after = original[kept[k - 1][1] - 1], original[s]
            if (before.isalnum() or before in ",;:") and after.isalnum():
                spaces.append(length)
                out.append(" ")
                length += 1
        out.append(original[s:e])
        length += e - s
    return "".join(out), tuple(spaces)


def _line_mapper(article: Article, view: _View) -> Callable[[int], int]:
    def line_of(pos: int) -> int:
        return article.line_of(view.offset_original(pos))

    return line_of


def _normalise(cuts: list[Cut], length: int) -> list[Cut]:
    """Clamp, drop empty cuts, and drop cuts that overlap an earlier (larger) one."""
    clean: list[Cut] = []
    for c in sorted(cuts, key=lambda c: (c.start, -(c.end - c.start))):
        s, e = max(0, c.start), min(length, c.end)
        if s >= e:
            continue
        if clean and s < clean[-1].end:
            continue
        clean.append(c if (s, e) == (c.start, c.end) else c._replace(start=s, end=e))
    return clean


def _protect_code(cuts: list[Cut], code: Sequence[tuple[int, int]]) -> list[Cut]:
    """Drop cuts that touch fenced code: code is quoted verbatim, never cleaned."""
    return [c for c in cuts if not any(c.start < e and s < c.end for s, e in code)]


def _grouped(cuts: list[Cut]) -> Iterable[tuple[str, list[Cut]]]:
    groups: dict[int, list[Cut]] = {}
    for c in cuts:
        if c.group:
            groups.setdefault(c.group, []).append(c)
        else:
            yield c.action, [c]
    for g in groups.values():
        yield g[0].action, g


def reconstruct(text: str, kept: Sequence[tuple[int, int]], removals: Sequence[Removal]) -> str:
    """Rebuild the original body from the cleaned text and the removed pieces alone.

    `kept` says where each run of `text` sat in the original; removed pieces carry their own
    text. Interleaving them by position must give back the original exactly.
    """
    parts: list[tuple[int, int, str]] = []
    pos = 0
    for s, e in kept:
        parts.append((s, e, text[pos : pos + (e - s)]))
        pos += e - s
    for r in removals:
        parts.extend((s, e, t) for (s, e), t in zip(r.pieces, r.texts, strict=True))
    parts.sort()
    out: list[str] = []
    expect = 0
    for s, e, t in parts:
        if s != expect or len(t) != e - s:
            raise ValueError(f"audit does not tile the article at offset {expect}")
        out.append(t)
        expect = e
    return "".join(out)
