"""The first defence against hostile article content: its Markdown, neutralised.

Articles are scraped from ad-laden pages, so their Markdown and the raw HTML inside it are
untrusted. `neutralise_markdown` runs on the article's Markdown *before* rendering. It
removes the constructs that would let article text act on the renderer itself: dangerous
raw HTML elements, Python-Markdown ``attr_list`` braces and ``md_in_html``'s ``markdown``
attribute. It is best effort: the renderer is not reimplemented, so anything it misses is
left to the second defence, sanitize.py, which must always run after rendering.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Mapping
from typing import Final

from .text import fences

__all__ = ["neutralise_markdown"]


# Raw HTML elements dropped with everything up to their end tag.
_DROPPED_ELEMENTS: Final = frozenset(
    {
        "script",
        "style",
        "iframe",
        "object",
        "form",
        "template",
        "noscript",
        "svg",
        "math",
        "video",
        "audio",
        "applet",
        "frame",
        "frameset",
        "noembed",
        "noframes",
    }
)
# Void elements: only the tag itself is dropped (searching for an end tag they never have
# could swallow real text).
_DROPPED_VOID_ELEMENTS: Final = frozenset({"embed", "base", "meta", "link"})

_MAX_PASSES: Final = 8
# the word md_in_html reads as an attribute, in any case (the Kelvin sign is a K to both)
_MARKDOWN_WORD_RE: Final = re.compile("markdown", re.IGNORECASE)
# where a pass looks: code spans, tags, attribute lists, that word
_SCAN_RE: Final = re.compile("[`<{]|" + _MARKDOWN_WORD_RE.pattern, re.IGNORECASE)
_BACKTICKS_RE: Final = re.compile(r"`+")
_NEWLINE_RE: Final = re.compile("\n")
_OPEN_RE: Final = re.compile("<")
_CLOSE_RE: Final = re.compile(">")
_TAG_NAME_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_TAG_NAME_END: Final = frozenset(" \t\n\f\r/>")
# Python-Markdown's attr_list: `{` or `{:`, optional spaces, a first character that is not
# `}`, space or newline, and a `}` later on the same line.
_ATTR_LIST_HEAD_RE: Final = re.compile(r"\{:?[ ]*[^}\n ]")
_ATTR_LIST_ESCAPE: Final = "&#123;"
# What md_in_html reads as an attribute name boundary (html.parser's rule).
_ATTRIBUTE_BEFORE: Final = frozenset(" \t\n\f\r\"'/")
_SPACES_RE: Final = re.compile(r"[ \t\n\f\r]*")
_UNQUOTED_VALUE_RE: Final = re.compile(r"[^ \t\n\f\r>]*")
_ASCII_LOWER: Final = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
)  # Unlike str.lower(), keeps every index in place.


class _Finder:
    """``str.find`` with memory, so repeated searches that move forward stay linear.

    Adversarial input such as 50,000 unterminated ``<script`` would otherwise make every
    occurrence rescan the rest of the text.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._found: dict[str, tuple[int, int]] = {}

    def find(self, needle: str, start: int) -> int:
        cached = self._found.get(needle)
        if cached is not None:
            searched_from, hit = cached
            if searched_from <= start and (hit == -1 or hit >= start):
                return hit
        hit = self._text.find(needle, start)
        self._found[needle] = (start, hit)
        return hit


def _split_fences(text: str) -> list[tuple[bool, str]]:
    """Split text into (is_code, chunk) pieces that join back to ``text``: fenced code as
    the renderer finds it (text.fences), and the prose around it."""
    found = fences(text)
    if not found:
        return [(False, text)]
    lines = text.split("\n")
    pieces: list[tuple[bool, str]] = []
    position = 0
    for fence in found:
        start, end = fence.first, fence.last + 1
        if start > position:
            pieces.append((False, "\n".join(lines[position:start]) + "\n"))
        code = "\n".join(lines[start:end])
        position = end
        pieces.append((True, code + ("\n" if end < len(lines) else "")))
    if position < len(lines):
        pieces.append((False, "\n".join(lines[position:])))
    return pieces


class _Scanner:
    """One left-to-right pass over a piece of Markdown outside fenced code."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[str] = []
        self.copied = 0  # text[:copied] has been emitted (or deliberately dropped)

    # Indexes of the (never modified) text, each built on first use: most pieces need only
    # one or two of them.

    @functools.cached_property
    def lower(self) -> str:
        return self.text.translate(_ASCII_LOWER)

    @functools.cached_property
    def finder(self) -> _Finder:
        return _Finder(self.lower)

    @functools.cached_property
    def newlines(self) -> list[int]:
        return [m.start() for m in _NEWLINE_RE.finditer(self.text)]

    @functools.cached_property
    def opens(self) -> list[int]:
        return [m.start() for m in _OPEN_RE.finditer(self.text)]

    @functools.cached_property
    def closes(self) -> list[int]:
        return [m.start() for m in _CLOSE_RE.finditer(self.text)]

    @functools.cached_property
    def backtick_runs(self) -> dict[int, list[int]]:
        runs: dict[int, list[int]] = {}
        for m in _BACKTICKS_RE.finditer(self.text):
            runs.setdefault(m.end() - m.start(), []).append(m.start())
        return runs

    def emit_until(self, index: int) -> None:
        self.out.append(self.text[self.copied : index])
        self.copied = index

    def drop(self, start: int, end: int) -> None:
        """Drop text[start:end] without letting its neighbours join into a new token."""
        self.emit_until(start)
        before = self.text[start - 1] if start else " "
        after = self.text[end] if end < len(self.text) else " "
        if not before.isspace() and not after.isspace():
            self.out.append(" ")
        self.copied = end

    def line_bounds(self, index: int) -> tuple[int, int]:
        at = bisect.bisect_left(self.newlines, index)
        start = self.newlines[at - 1] + 1 if at else 0
        end = self.newlines[at] if at < len(self.newlines) else len(self.text)
        return start, end

    def code_span_end(self, start: int, end: int) -> int | None:
        """End of the inline code span opened by the backtick run text[start:end], if any.

        Deliberately narrower than Python-Markdown: the closing run must be on the same
        line, the opening run must not be backslash-escaped, and a line that starts with
        `<` may be raw HTML (where backticks mean nothing) so it has no code spans. Text
        wrongly taken for code would escape neutralisation; text wrongly taken for prose
        only gets neutralised.
        """
        if start and self.text[start - 1] == "\\":
            return None
        line_start, line_end = self.line_bounds(start)
        if self.text[line_start:start].lstrip().startswith("<"):
            return None
        same_length = self.backtick_runs[end - start]
        at = bisect.bisect_right(same_length, start)
        if at < len(same_length) and same_length[at] < line_end:
            return same_length[at] + (end - start)
        return None

    def tag_end(self, after_name: int) -> int:
        """End of a start tag, as Python-Markdown's inline HTML pattern sees it."""
        close = self.finder.find(">", after_name)
        reopen = self.finder.find("<", after_name)
        if close != -1 and (reopen == -1 or close < reopen):
            return close + 1
        return after_name

    def element_end(self, name: str, after_name: int) -> int | None:
        needle = "</" + name
        search = after_name
        while True:
            hit = self.finder.find(needle, search)
            if hit == -1:
                return None
            after = hit + len(needle)
            if after == len(self.text) or self.text[after] in _TAG_NAME_END:
                close = self.finder.find(">", after)
                return len(self.text) if close == -1 else close + 1
            search = hit + 1

    def tag(self, start: int) -> int:
        """Handle `<` at start; return where scanning resumes."""
        name_match = _TAG_NAME_RE.match(self.text, start + 1)
        if name_match is None:
            return start + 1
        after_name = name_match.end()
        if after_name < len(self.text) and self.text[after_name] not in _TAG_NAME_END:
            return start + 1  # `<scriptx>` is another element
        name = self.lower[start + 1 : after_name]
        if name in _DROPPED_VOID_ELEMENTS:
            end = self.tag_end(after_name)
        elif name in _DROPPED_ELEMENTS:
            element_end = self.element_end(name, after_name)
            # Without an end tag only the start tag goes; the rest stays readable text.
            end = self.tag_end(after_name) if element_end is None else element_end
        else:
            return after_name
        self.drop(start, end)
        return end

    def markdown_attribute(self, start: int) -> int:
        """Handle the word `markdown` at start; return where scanning resumes."""
        after = start + len("markdown")
        if start == 0 or self.text[start - 1] not in _ATTRIBUTE_BEFORE:
            return after
        spaces = _SPACES_RE.match(self.text, after)
        assert spaces is not None  # the pattern matches the empty string
        if spaces.end() < len(self.text) and self.text[spaces.end()] == "=":
            # `markdown=...` is removed wherever it appears: md_in_html reads attributes
            # with html.parser, which skips quoted `>`, so "inside a tag" cannot be judged
            # cheaply here. Prose rarely contains `markdown=`.
            value = _SPACES_RE.match(self.text, spaces.end() + 1)
            assert value is not None
            end = value.end()
            if end < len(self.text) and self.text[end] in "\"'":
                close = self.finder.find(self.text[end], end + 1)
                end = end + 1 if close == -1 else close + 1
            else:
                unquoted = _UNQUOTED_VALUE_RE.match(self.text, end)
                assert unquoted is not None
                end = unquoted.end()
            self.drop(start, end)
            return end
        # A bare `markdown` (which md_in_html also honours) only inside what looks like a
        # tag: after a `<` with no `>` since, and followed by the end of the name.
        if after < len(self.text) and self.text[after] not in _TAG_NAME_END:
            return after
        last_open = bisect.bisect_left(self.opens, start)
        last_close = bisect.bisect_left(self.closes, start)
        if last_open and (
            not last_close or self.closes[last_close - 1] < self.opens[last_open - 1]
        ):
            self.drop(start, after)
        return after

    def brace(self, start: int) -> int:
        """Handle `{` at start; return where scanning resumes."""
        backslashes = 0
        while start - backslashes - 1 >= 0 and self.text[start - backslashes - 1] == "\\":
            backslashes += 1
        head = _ATTR_LIST_HEAD_RE.match(self.text, start)
        if backslashes % 2 or head is None:
            return start + 1
        close = self.finder.find("}", head.end())
        newline = self.finder.find("\n", start)
        if close != -1 and (newline == -1 or close < newline):
            self.emit_until(start)
            self.out.append(_ATTR_LIST_ESCAPE)
            self.copied = start + 1
        return start + 1

    def run(self) -> str:
        handlers: Mapping[str, Callable[[int], int]] = {"<": self.tag, "{": self.brace}
        position = 0
        while (found := _SCAN_RE.search(self.text, position)) is not None:
            start = found.start()
            char = self.text[start]
            if char == "`":
                run_end = _BACKTICKS_RE.match(self.text, start)
                assert run_end is not None
                span_end = self.code_span_end(start, run_end.end())
                position = run_end.end() if span_end is None else span_end
            elif char in handlers:
                position = handlers[char](start)
            else:
                position = self.markdown_attribute(start)
        self.emit_until(len(self.text))
        return "".join(self.out)


def neutralise_markdown(text: str) -> str:
    """Defuse renderer-level tricks in article Markdown, leaving its ordinary syntax alone.

    Outside fenced code blocks (as pymdownx.superfences finds them) and single-line inline
    code spans, which are copied verbatim:

    * raw ``script``, ``style``, ``iframe``, ``object``, ``form``, ``template``,
      ``noscript``, ``svg``, ``math``, ``video``, ``audio`` (and ``applet``, ``frame``,
      ``frameset``, ``noembed``, ``noframes``) elements are removed with their content up
      to the matching end tag; without an end tag only the start tag is removed. The void
      ``embed``, ``base``, ``meta`` and ``link`` tags are removed;
    * the ``{`` of anything Python-Markdown's ``attr_list`` could read (``{: ...}``,
      ``{#id .class key=val}``, with a ``}`` on the same line) becomes ``&#123;``, which
      still displays as ``{``;
    * ``markdown=...`` attributes (and a bare ``markdown`` inside a tag) are removed, so
      ``md_in_html`` never renders Markdown inside raw HTML.

    Not done: other raw HTML (``<img onerror>``, ``<a href="javascript:">``...), links and
    images are left for ``sanitize_html``, which must always run after rendering. Indented
    (four-space) code blocks and code spans spanning lines are treated as prose, so a
    payload shown there is removed and a ``{`` there displays as ``&#123;``; so does a
    ``{...}`` inside a link URL. Fence info strings (`````{.lang #id}``) are left for
    ``sanitize_html`` to filter. Line endings are normalised to ``\\n`` as the renderer
    does. Runs in linear time (a bounded number of linear passes).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not _may_change(text):
        return text  # most paragraphs (tests/test_sanitize.py checks this against the passes)
    return _neutralise_passes(text)


def _may_change(text: str) -> bool:
    """Whether a pass could change `text`: it only ever changes a `<`, a `{` or the word
    "markdown" in prose (backticks only decide what is code, copied as is)."""
    return "<" in text or "{" in text or _MARKDOWN_WORD_RE.search(text) is not None


def _neutralise_passes(text: str) -> str:
    # Removing one construct can complete another (`<scr<script></script>ipt>`, or a
    # `markdown` attribute whose tag only closes once a dropped element is gone), so passes
    # repeat until nothing changes. Real articles settle in one or two passes.
    for _ in range(_MAX_PASSES):
        neutralised = _neutralise_once(text)
        if neutralised == text:
            break
        text = neutralised
    return text


def _neutralise_once(text: str) -> str:
    pieces = [
        (is_code, chunk if is_code else _Scanner(chunk).run())
        for is_code, chunk in _split_fences(text)
    ]
    result = "".join(chunk for _, chunk in pieces)
    if _split_fences(result) != pieces:
        # Neutralising changed where the fences are (e.g. dropping `<b></b>` left a bare
        # "```" opener), so a verbatim block could now render as prose: treat it all as
        # prose instead.
        return _Scanner(text).run()
    return result
