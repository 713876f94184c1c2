"""The typed model between parsing and rendering: a guide, its sections, steps and figures.

Renderers read these objects; they never re-parse article text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .diagnostics import Diagnostic
from .meta import Meta
from .text import Lines


@dataclass(frozen=True, slots=True)
class Article:
    """An article as read from `content/`: validated front matter and the Markdown body."""

    source: str
    """Path relative to the content folder, POSIX separators; used in every message."""
    meta: Meta
    """Its front matter, vetted (meta.py)."""
    body: str
    """The body after decoding: no BOM, `\\n` newlines; the input of cleaning."""
    body_line: int
    """1-based line of the source file on which `body` starts."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Warnings raised while reading (ignored keys, encoding fallbacks...)."""
    _lines: Lines | None = field(default=None, init=False, repr=False, compare=False)
    """The lines of `body`, indexed on the first `line_of` call."""

    def line_of(self, offset: int) -> int:
        """The source-file line of a character offset into `body`."""
        # Indexed once: counting newlines from the start for each removal and warning made
        # 20,000 unterminated markers quadratic.
        if self._lines is None:
            object.__setattr__(self, "_lines", Lines(self.body))
        assert self._lines is not None
        return self.body_line + self._lines.index(offset)


@dataclass(frozen=True, slots=True)
class Figure:
    """A screenshot: the image and the caption line printed under it."""

    src: str
    alt: str
    caption: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A run of prose, kept as article Markdown (inline markup only)."""

    text: str


@dataclass(frozen=True, slots=True)
class Note:
    """A "Note:"/"Tip:"/"Warning:" paragraph, rendered as an admonition."""

    kind: str
    """Admonition type: note, tip, warning."""
    text: str


@dataclass(frozen=True, slots=True)
class BulletList:
    """A list of short items ("•" lines, Markdown bullets, key features)."""

    items: tuple[str, ...]
    ordered: bool = False
    start: int = 1
    """The author's number for the first item of an ordered list."""


@dataclass(frozen=True, slots=True)
class Code:
    """A code block, kept verbatim."""

    text: str
    lang: str = ""


@dataclass(frozen=True, slots=True)
class Raw:
    """Markdown the structurer has no better type for (tables, quotes); kept verbatim."""

    text: str


@dataclass(frozen=True, slots=True)
class Heading:
    """A sub-heading inside a section that is not a step."""

    text: str
    level: int


@dataclass(frozen=True, slots=True)
class Embed:
    """A video the article embedded (iframe); rendered as a plain link, never as an iframe."""

    url: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class ContentsEntry:
    """One entry of an article's table of contents and the part of the guide it names."""

    text: str
    section: int | None = None
    """Index into Guide.sections, or None when nothing in the guide matches the entry."""
    heading: str = ""
    """The text of the `Heading` inside that section the entry names; "" for the section."""


@dataclass(frozen=True, slots=True)
class Contents:
    """The article's own table of contents, linked to the guide's sections (never steps)."""

    entries: tuple[ContentsEntry, ...]


@dataclass(slots=True)
class Step:
    """One numbered step: the author's number, its title (may be empty), body and screenshots.

    A *phase* ("Step 2: Edit the registry" followed by its own "1)"…"4)") is a step whose
    `substeps` are those numbered steps, in the author's order.
    """

    number: int
    """The number the author gave the step; the page shows exactly this number."""
    title: str
    blocks: list[Block] = field(default_factory=list)
    line: int = 0
    substeps: list[Step] = field(default_factory=list)
    """A phase's own numbered steps (never phases themselves)."""
    dotted: bool = False
    """A sub-step the author numbered with its phase's number ("Step 2.1"): shown so."""

    @property
    def figures(self) -> list[Figure]:
        """The step's screenshots, its sub-steps' included, in reading order."""
        own = [b for b in self.blocks if isinstance(b, Figure)]
        return own + [f for s in self.substeps for f in s.figures]

    @property
    def step_count(self) -> int:
        """This step and each of its sub-steps: the numbered items a reader sees."""
        return 1 + len(self.substeps)


@dataclass(slots=True)
class Procedure:
    """A run of numbered steps, rendered as ordered lists showing the authors' numbers."""

    steps: list[Step] = field(default_factory=list)

    @property
    def step_count(self) -> int:
        return sum(s.step_count for s in self.steps)


Block = Paragraph | Note | BulletList | Code | Raw | Figure | Heading | Embed | Procedure | Contents


@dataclass(slots=True)
class Section:
    """A "Part/Method/Fix/Way/Solution N" of the article, or an unnumbered section.

    A numbered section, or one with steps, is a *method*: each becomes a page of its own.
    """

    title: str
    """Plain text (navigation, page titles): written escaped wherever it is shown."""
    slug: str = ""
    body: list[Block] = field(default_factory=list)
    number: int | None = None
    """The N of "Part N"; None for sections that are not numbered methods."""
    line: int = 0
    heading: str = ""
    """The heading as the author wrote it, Markdown (where the section is a heading of the
    guide's home page: its code spans and escapes stay code and escapes)."""

    @property
    def steps(self) -> list[Step]:
        return [s for b in self.body if isinstance(b, Procedure) for s in b.steps]

    @property
    def figures(self) -> list[Figure]:
        own = [b for b in self.body if isinstance(b, Figure)]
        return own + [f for s in self.steps for f in s.figures]

    @property
    def step_count(self) -> int:
        """Every numbered step a reader sees on the section's page.

        Each step counts once; a phase counts once and each of its sub-steps once more
        ("Step 1" with "1)"…"4)" and "Step 2" with "1)"…"4)" make 10). Numbered lists of
        links (tables of contents) are not steps and do not count.
        """
        return sum(b.step_count for b in self.body if isinstance(b, Procedure))

    @property
    def is_method(self) -> bool:
        return self.number is not None or bool(self.steps)


@dataclass(slots=True)
class Guide:
    """One article turned into a guide: a home page and one page per method."""

    source: str
    slug: str
    title: str
    short_title: str = ""
    """The label in navigation: front matter `short_title`, else `titles.short_title`."""
    description: str = ""
    """Front matter `description`, else the first sentence of the intro."""
    date: dt.datetime | dt.date | None = None
    updated: dt.datetime | dt.date | None = None
    tags: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    """Front matter `tags` then `categories`, one of each (compared by their slugs)."""
    lang: str = ""
    """Front matter `lang`, else the language its script names (`languages.detect`), else ""
    (the site's language)."""
    intro: list[Block] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    closing: list[Block] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Warnings raised while structuring (a run of numbers that could not be split...)."""

    @property
    def methods(self) -> list[Section]:
        return [s for s in self.sections if s.is_method]

    def _blocks(self) -> list[Block]:
        """The blocks of all its pages, in reading order: intro, each section, closing."""
        return [*self.intro, *(b for s in self.sections for b in s.body), *self.closing]

    @property
    def step_count(self) -> int:
        """Every numbered step a reader sees in the guide, on any of its pages.

        Counted as `Section.step_count` counts them, over the intro, every section and the
        closing remarks (a guide without methods can still have steps on its home page).
        """
        return sum(b.step_count for b in self._blocks() if isinstance(b, Procedure))

    @property
    def figures(self) -> list[Figure]:
        """Every screenshot of the guide, on any of its pages, in reading order."""
        out: list[Figure] = []
        for b in self._blocks():
            if isinstance(b, Figure):
                out.append(b)
            elif isinstance(b, Procedure):
                out.extend(f for st in b.steps for f in st.figures)
        return out


def day(value: dt.date | None) -> str:
    """The ISO day (YYYY-MM-DD) of a date or date-time; "" for None."""
    if value is None:
        return ""
    return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
