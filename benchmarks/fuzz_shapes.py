"""Article shapes that cost Python-Markdown (or a careless regex) quadratic time.

Each shape is a small well-formed article (front matter, a title, a method with two steps)
with one pathological construct inside it, sized like the ones a fuzzing run found stalling
the build: `shapes(scale)` gives {name: article text}; scale 1.0 is the size of the finding.
Used by benchmarks/budget_bench.py and tests/test_budget.py (the property test).
"""

from __future__ import annotations

from collections.abc import Callable

_HEAD = (
    "---\ntitle: Fuzzed {name}\n---\n\n"
    "Intro paragraph about backing up photos.\n\n"
    "## Method 1: Use Settings\n\n"
    "Step 1 Open Settings.\n\n"
)
_TAIL = "\n\nStep 2 Tap Backup and wait.\n"


MAX_LINE = 150_000
"""Constructs longer than this are cut into lines of this length (the reader refuses lines
over 200,000 characters); the lines stay one paragraph."""


def _line(unit: str, count: int) -> str:
    text = unit * count
    if len(text) <= MAX_LINE:
        return text
    return "\n".join(text[i : i + MAX_LINE] for i in range(0, len(text), MAX_LINE))


# name -> (construct at scale 1.0); the count is scaled
_SHAPES: dict[str, Callable[[int], str]] = {
    # 20,000 unclosed "[" in about 20 KB: 44 s in a real build
    "unclosed-brackets": lambda n: _line("[a ", n),
    "unclosed-brackets-bare": lambda n: _line("[", n),
    # "[a](" x 20,000: 69 s
    "unclosed-link": lambda n: _line("[a](", n),
    "unclosed-image": lambda n: _line("![a](", n),
    "link-no-close-paren": lambda n: _line("[a](b ", n),
    # our own typography regex: "](" without ")", one long line
    "glued-link-no-paren": lambda n: "word" + _line("](x", n),
    # 150 KB of bold tags: 91 s
    "bold-tags": lambda n: _line("<b>", n * 2),
    "strong-tags": lambda n: _line("<strong>x", n),
    "bold-stars": lambda n: _line("**a", n * 2),
    "emphasis-mix": lambda n: _line("*_", n * 2),
    "underscores": lambda n: _line("_a", n * 2),
    # 20,000 nested brackets: 26 s
    "nested-brackets": lambda n: _line("[", n) + _line("]", n),
    "nested-links": lambda n: _line("[", n) + "a" + _line("](b)", n),
    "nested-parens": lambda n: "[a](" + _line("(", n) + _line(")", n) + ")",
    # a 200,000-character line of backslashes: 14 s
    "backslashes": lambda n: _line("\\", n * 10),
    "backslash-brackets": lambda n: _line("\\[", n * 5),
    "backticks": lambda n: _line("`a", n * 2),
    "backtick-runs": lambda n: " ".join("`" * k for k in range(1, min(n, 600))),
    "angle-brackets": lambda n: _line("<a", n * 2),
    "autolinks": lambda n: _line("<http://a", n),
    "html-comments": lambda n: _line("<!--", n),
    "entities": lambda n: _line("&#", n * 2),
    "braces": lambda n: _line("{", n * 2),
    "attr-lists": lambda n: _line("{: .a ", n),
    "reference-defs": lambda n: "\n".join(f"[r{i}]: http://e.com/{i}" for i in range(n // 4)),
    "reference-uses": lambda n: _line("[a][", n),
    "exclamations": lambda n: _line("![", n),
    "pipes": lambda n: "| a |\n|---|\n" + "\n".join("| " + "x|" * 50 for _ in range(n // 50)),
    "deep-quote": lambda n: _line(">", n // 4) + " text",
    "deep-list": lambda n: "\n".join("  " * i + "- item" for i in range(min(n // 20, 1000))),
    "many-headings": lambda n: "\n\n".join(f"### Heading {i}" for i in range(n // 10)),
    "admonition-marks": lambda n: "\n".join("!!! note" for _ in range(n // 4)),
    "inline-html-open": lambda n: _line("<span ", n),
    "tildes": lambda n: _line("~", n * 5),
    "carets": lambda n: _line("^", n * 5),
    "dashes-line": lambda n: _line("-", n * 10),
    "stars-line": lambda n: _line("*", n * 10),
    "underscore-line": lambda n: _line("_", n * 10),
    "equals-line": lambda n: _line("=", n * 10),
    "mixed-delims": lambda n: _line("*[`<_\\", n),
    "fragment-links": lambda n: _line("[a](#b", n),
    # our own line patterns: headings, images, steps, numbered runs, notes
    "heading-hashes": lambda n: "## a" + _line(" #", n * 2) + " b",
    "heading-specials": lambda n: "## " + _line("*[", n * 2),
    "image-alt-specials": lambda n: "![" + _line("*_", n * 2) + "](shot.png)",
    "step-labels": lambda n: "\n\n".join(f"Step {i} Do thing {i}." for i in range(1, n // 4)),
    "numbered-run": lambda n: " ".join(f"{i}) do {i}" for i in range(1, n // 2)),
    "notes": lambda n: "\n\n".join("Note: careful." for _ in range(n // 4)),
    "divs": lambda n: _line("<div>", n),
    "farm-links": lambda n: "\n".join(
        f"* [t{i}](https://www.techidaily.com/{i}/)" for i in range(n)
    ),
    "root-links": lambda n: _line("[a](/tag-search/?x=1) ", n),
}
# these go before the first method: top-level paragraphs, not inside a step's HTML list
_INTRO_SHAPES: dict[str, Callable[[int], str]] = {
    "intro-html-open": lambda n: _line("<span ", n),
    "intro-autolinks": lambda n: _line("<http://a", n),
    "intro-angle-brackets": lambda n: _line("<a", n * 2),
    "intro-unclosed-brackets": lambda n: _line("[a ", n),
    "intro-comments": lambda n: _line("<!--", n),
    "intro-bold-tags": lambda n: _line("<b>", n * 2),
}

BASE_COUNT = 20_000
"""The construct count at scale 1.0 (most findings were about 20,000 repetitions)."""


def names() -> list[str]:
    return [*_SHAPES, *_INTRO_SHAPES]


def construct(name: str, scale: float = 1.0) -> str:
    """The pathological construct of a shape, repeated BASE_COUNT * scale times."""
    make = _SHAPES.get(name) or _INTRO_SHAPES[name]
    return make(max(1, int(BASE_COUNT * scale)))


def shape(name: str, scale: float = 1.0) -> str:
    """One fuzzed article (its text) of the shape `name`."""
    if name in _INTRO_SHAPES:
        head, rest = _HEAD.split("## Method", 1)
        return head.format(name=name) + construct(name, scale) + "\n\n## Method" + rest + _TAIL
    return _HEAD.format(name=name) + construct(name, scale) + _TAIL


def shapes(scale: float = 1.0) -> dict[str, str]:
    return {name: shape(name, scale) for name in names()}
