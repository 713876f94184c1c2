"""Python-Markdown's inline patterns tried only on the text that can hold them.

Python-Markdown's inline processor tries every inline pattern (fourteen with the site's
extensions) on every text of a page, each text from the first pattern on: on a library's
generated pages, 44% of converting them. Most patterns cannot match a text without one
character: a link needs "[", a tag "<", an entity "&", an escape "\\", code "`", a line
break two spaces and a new line. `use_needed_patterns(md)` puts in place of Markdown's
inline processor one that tries, on each text, the patterns whose character the text holds
and every other pattern, in the same order: the same HTML (tested page by page against
Python-Markdown's own, and each pattern's character against its regular expression).

A pattern is passed over only when its regular expression is one Python-Markdown or
pymdownx.inlinehilite defines, character for character (`NEEDS`); the emphasis processor,
which keeps state from one text to the next, is always tried. And only where every pattern
is one of these: a pattern of another kind may put text of its own into the page (the
footnotes extension's SUPERSCRIPT_TEXT), where a character the page's text lacks would
find its pattern passed over, so with one every pattern is tried on every text, as
Python-Markdown does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from markdown import inlinepatterns, treeprocessors, util

if TYPE_CHECKING:
    from markdown import Markdown


def _needs() -> dict[str, str]:
    """Regular expression -> what every text it matches holds."""
    named = {
        "\\": ["ESCAPE_RE"],
        "[": ["LINK_RE", "IMAGE_LINK_RE", "REFERENCE_RE", "IMAGE_REFERENCE_RE"],
        "<": ["AUTOLINK_RE", "AUTOMAIL_RE", "HTML_RE"],
        "&": ["ENTITY_RE"],
        "  \n": ["LINE_BREAK_RE"],
        "`": ["BACKTICK_RE"],
    }
    table = {
        expression: needed
        for needed, names in named.items()
        for name in names
        if isinstance(expression := getattr(inlinepatterns, name, None), str)
    }
    try:
        from pymdownx import inlinehilite
    except ImportError:  # pragma: no cover - a dependency of the project
        return table
    if isinstance(expression := getattr(inlinehilite, "BACKTICK_CODE_RE", None), str):
        table[expression] = "`"
    return table


NEEDS = _needs()
"""Each known pattern's regular expression, and the text every one of its matches holds."""


def _of_the_text(pattern: object) -> bool:
    """Whether `pattern` makes its elements' text only of the text it matched
    (Python-Markdown's emphasis processor, whose delimiters are the site's to add)."""
    emphasis = getattr(inlinepatterns, "DelimiterProcessor", None)  # (Markdown 3.11 on)
    return emphasis is not None and type(pattern) is emphasis


def needed(pattern: object) -> str | None:
    """What a text must hold for `pattern` to match in it (None: it is always tried)."""
    if not isinstance(pattern, inlinepatterns.InlineProcessor):
        return None  # an old-style pattern matches a regular expression made around its own
    return NEEDS.get(pattern.getCompiledRegExp().pattern)


class NeededPatterns(treeprocessors.InlineProcessor):  # type: ignore[misc]
    """Markdown's inline processor, trying on each text only the patterns it can hold."""

    inlinePatterns: Any
    _needed: list[tuple[Any, str | None]] | None

    def run(self, tree: Any, ancestors: list[str] | None = None) -> Any:
        found = [(pattern, needed(pattern)) for pattern in self.inlinePatterns]
        # Passing a pattern over is sound only while every text a pattern is tried on is a
        # part of the page's text. Python-Markdown's patterns and the emphasis processor
        # make their elements' text of the text they matched; another pattern may make it
        # of its own (footnotes' SUPERSCRIPT_TEXT): with one, every pattern is tried.
        known = all(need is not None or _of_the_text(p) for p, need in found)
        self._needed = found if known else None
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        # Markdown's processor calls this method for each text with the index 0, and again
        # for the text of what a pattern matched, with the index of the next pattern: the
        # patterns a text is tried with are chosen at 0, and that list is indexed until the
        # call returns (the patterns it leaves out match in no part of the text either).
        handle: Callable[[str, int], str] = super()._InlineProcessor__handleInline
        if patternIndex or self._needed is None or isinstance(data, util.AtomicString):
            return handle(data, patternIndex)
        every = self.inlinePatterns
        self.inlinePatterns = [p for p, need in self._needed if need is None or need in data]
        try:
            return handle(data, 0)
        finally:
            self.inlinePatterns = every


def use_needed_patterns(md: Markdown) -> bool:
    """Make `md`'s inline processor a `NeededPatterns` where it is Markdown's own (not an
    extension's); returns whether it did."""
    if "inline" not in md.treeprocessors:
        return False
    processor = md.treeprocessors["inline"]
    if type(processor) is not treeprocessors.InlineProcessor:
        return False
    # The same object, with its place among the tree processors and the patterns' reference
    # to it (`md.treeprocessors["inline"].stashed_nodes`), given the methods above.
    processor.__class__ = NeededPatterns
    return True
