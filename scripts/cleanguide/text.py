"""Text as every stage reads it: its lines, where each starts, its fenced code blocks, and
its Markdown links (`MD_LINK`: the cleaner's unsafe links and the local links read them
alike).

`Lines` answers "which line is this offset on" and "where does line i start"; `fences`
says where fenced code is. The reader (an article's first heading), the cleaner (no cut
touches code), the structurer (code becomes a `Code` block, copied as it is), the local
links (none is read inside code) and the neutraliser (code is not neutralised) all ask
here, so they agree on what is code.

What is code is what the site's renderer, Python-Markdown with pymdownx.superfences
(mkdocs.yml), renders as code, wherever the fence stands: at any indentation (a fence in a
list item is code), behind `>` quote marks, closed by the same run of backticks or tildes
at the same indentation; a fence never closed, one whose content goes back left of it,
or one whose info string superfences refuses (an option it does not know) is no code at
all. tests/test_text.py compares `fences` with superfences itself.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass
from functools import cached_property

TAB_LENGTH = 4
"""Python-Markdown's tab stops, which superfences reads indentation with."""

MD_LINK = re.compile(
    r"(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]"
    r"\(\s*(<[^<>\n]*>|(?:[^\s()<>]|\((?:[^\s()<>]|\([^\s()<>]*\))*\))*)"
    r"((?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?)\s*\)"
)
"""A Markdown link or image as Python-Markdown reads one: `!` for an image, its text (with
brackets one level deep: `[a [b] c]`, `[![i](x.png)](y.md)`), its target in <...> or bare
with parentheses two levels deep (`shot_(1).png`, `alert((1))`), then an optional title
("title", 'title' or (title), with the space before it). Each repeated group starts with a
character the others cannot: linear."""


_BACKTICKS = re.compile(r"`+")
_BLANK_LINE = re.compile(r"\n[ \t]*(?=\n)")


def code_spans(text: str) -> list[tuple[int, int]]:
    """Where the inline code spans of `text` are: a run of backticks to the next run of as
    many in its paragraph (what it shows is not a link). A run that none closes there is
    text. One pass over the runs, each closer found by bisection: a regex would read to the
    end from every run left open."""
    runs = [m.span() for m in _BACKTICKS.finditer(text)]
    breaks = [m.start() for m in _BLANK_LINE.finditer(text)] if runs else []
    of_length: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(runs):
        of_length.setdefault(end - start, []).append(index)
    spans: list[tuple[int, int]] = []
    after = 0
    for index, (start, end) in enumerate(runs):
        if start < after:
            continue  # inside the span just found
        same = of_length[end - start]
        k = bisect.bisect_right(same, index)
        if k < len(same):
            close_start, close_end = runs[same[k]]
            if bisect.bisect(breaks, start) == bisect.bisect(breaks, close_start):
                after = close_end
                spans.append((start, after))
    return spans


class Lines:
    """The lines of a text split at "\\n" (without it), and where each one starts."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __len__(self) -> int:
        return len(self.parts)

    def __reduce__(self) -> tuple[type[Lines], tuple[str]]:
        # pickled as its text alone (shared with the article's body), split again only if
        # asked: a forked process hands back hundreds of articles
        return (Lines, (self.text,))

    @cached_property
    def parts(self) -> list[str]:
        return self.text.split("\n")

    @cached_property
    def starts(self) -> list[int]:
        """The offset at which each line starts: the running sum of the lengths before it,
        each with its newline."""
        return list(itertools.accumulate((len(line) + 1 for line in self.parts[:-1]), initial=0))

    def start(self, i: int) -> int:
        """Where line i starts."""
        return self.starts[i]

    def end(self, i: int) -> int:
        """Where line i ends, its newline included."""
        return min(self.starts[i] + len(self.parts[i]) + 1, len(self.text))

    def with_newline(self, i: int) -> str:
        return self.text[self.start(i) : self.end(i)]

    def index(self, offset: int) -> int:
        """The line (0-based) that holds the character at `offset`."""
        return bisect.bisect_right(self.starts, offset) - 1


@dataclass(frozen=True, slots=True)
class Fence:
    """A fenced code block."""

    first: int
    """The line of its opening fence (0-based)."""
    last: int
    """The line of its closing fence."""
    indent: str
    """What stands before the opening fence (spaces, `>` quote marks), tabs expanded; each
    line of the block starts with as much."""
    lang: str
    """The language the opening fence names ("" for none)."""

    def code(self, lines: Lines) -> str:
        """The code inside the fences, its indentation taken off as superfences does."""
        width = len(self.indent)
        inner = lines.parts[self.first + 1 : self.last]
        return "\n".join(line.expandtabs(TAB_LENGTH)[width:] for line in inner)

    def span(self, lines: Lines) -> tuple[int, int]:
        """Its characters: from the start of its opening line to the end of its closing
        fence (the newline after it excluded)."""
        return lines.start(self.first), lines.start(self.last) + len(lines.parts[self.last])


# An opening fence after its indentation, as superfences reads it (RE_NESTED_FENCE_START):
# the run, a language, then attributes in braces, options, or anything else (refused).
_OPENING = re.compile(
    r"""(?x)
    (?P<fence>~{3,}|`{3,})
    (?:[ \t]*\.?(?P<lang>[\w#.+-]+)(?=[\t ]|$))?
    (?:
        [ \t]*\{[^\n]*\}
        | (?P<options>(?:[ \t]*[a-zA-Z][a-zA-Z0-9_]*(?:=(?P<quot>"|').*?(?P=quot))?(?=[\t ]|$))+)
        | (?P<other>(?:[ \t]*[^\s]+(?=[\t ]|$))+)
    )?[ \t]*$"""
)
_OPTION = re.compile(
    r"""(?P<key>[a-zA-Z][a-zA-Z0-9_]*)(?:=(?P<quot>"|')(?P<value>.*?)(?P=quot))?"""
)
# The options pymdownx.highlight takes, and the values it accepts (None: any).
_OPTION_VALUES: dict[str, re.Pattern[str] | None] = {
    "hl_lines": re.compile(r"\d+(?:-\d+)?(?:[ \t]+\d+(?:-\d+)?)*$"),
    "linenums": re.compile(r"\d+(?:[ \t]+\d+)?(?:[ \t]+\d+)?"),
    "title": None,
    "title_mode": None,
}
_PREFIX = re.compile(r"[ >]*")


def _opening(line: str) -> tuple[str, str, str] | None:
    """(indentation, fence, language) when `line` (tabs expanded) opens a fenced block."""
    indent = _PREFIX.match(line).group()  # type: ignore[union-attr]  # matches ""
    m = _OPENING.match(line, len(indent))
    if m is None or m.group("other") is not None:
        return None
    options = {o["key"]: o["value"] or o["key"] for o in _OPTION.finditer(m["options"] or "")}
    for key, value in options.items():
        if key not in _OPTION_VALUES:
            return None
        accepted = _OPTION_VALUES[key]
        if accepted is not None and not accepted.match(value):
            return None
    return indent, m.group("fence"), m.group("lang") or ""


def _prefix(line: str, width: int) -> str:
    """The indentation and quote marks at the start of `line`, at most `width` of them."""
    return _PREFIX.match(line, 0, width).group()  # type: ignore[union-attr]  # matches ""


def fences(text: str | Lines) -> list[Fence]:
    """The fenced code blocks of `text`, in order (see the module's docstring)."""
    whole = text.text if isinstance(text, Lines) else text
    if "```" not in whole and "~~~" not in whole:
        return []  # no fence without a run of three
    lines = text if isinstance(text, Lines) else Lines(text)
    found: list[Fence] = []
    opened: tuple[int, str, str, str] | None = None  # (line, indentation, fence, language)
    blank_run = 0
    for number, raw in enumerate(lines.parts):
        line = raw.expandtabs(TAB_LENGTH)
        if not line.strip(" "):
            line = ""  # Python-Markdown empties lines of spaces before superfences reads them
        if opened is None:
            if (opening := _opening(line)) is not None:
                opened, blank_run = (number, *opening), 0
            continue
        first, indent, fence, lang = opened
        prefix = _prefix(line, len(indent))
        content = line[len(prefix) :]
        quotes, level = indent.count(">"), prefix.count(">")
        if not quotes and level:
            opened = None  # a quote where the block has none
        elif not quotes and not line.strip():
            continue  # a blank line inside the block
        elif quotes and (level > quotes or (content and blank_run and level < quotes)):
            opened = None
        elif quotes and not content:
            blank_run += 1
        elif len(prefix) < len(indent):
            opened = None  # a line that goes back left of the fence ends nothing: no block
        elif content.rstrip(" \t") == fence:
            found.append(Fence(first, number, indent, lang))
            opened = None
        else:
            blank_run = 0
    return found


def fence_spans(text: str | Lines) -> list[tuple[int, int]]:
    """Where the fenced code blocks of `text` are: (start, end) offsets, see `Fence.span`."""
    lines = text if isinstance(text, Lines) else Lines(text)
    return [f.span(lines) for f in fences(lines)]


__all__ = ["MD_LINK", "TAB_LENGTH", "Fence", "Lines", "code_spans", "fence_spans", "fences"]
