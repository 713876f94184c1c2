"""Step numbers: does the site show every step the author numbered, under the author's number?

Usage::

    python benchmarks/step_numbers.py [PATH ...] [--variants N] [--seed S] [--details] [--check]

PATH is an article (``*.md``) or a folder searched recursively for ``*.md``; the default is
``tests/corpus`` plus ``content/``. ``--variants N`` scores N unseen-like variants of every
corpus article instead (``benchmarks/variants.py`` writes them into a temporary folder).
``--check`` exits 1 unless every numbered item passes and no step number was invented.

The oracle
==========
Derived from the ORIGINAL article by this module's own code; it shares nothing with the
structurer. The body (after the front matter) is read line by line; fenced code and lines
opening with an HTML tag are skipped. A *numbered item* is:

* a **step label** at the start of a line (after an optional heading mark, bullet and bold
  opener): "Step N", "Step One" ... "Step Twelve", "First step" ... "Twelfth step"; or such a
  label in bold anywhere in a line (``**Step Two**``). Its number is N. A spelled-out number
  at the start of a line counts only when set apart: in bold, followed by ``:``, ``.``,
  ``)`` or a dash, or alone on the line ("Step one is to..." is prose);
* a **list item** at the start of a line: ``N.`` or ``N)`` with at most three spaces before it,
  unless its text is nothing but links (an in-page table of contents is never a step);
* an **inline item**: ``N)`` inside a line, right after a sentence end (``.``, ``!``, ``?``,
  ``:``, each followed by a space), a bold close ``**`` or an image, and followed by a capital
  letter: a scraped paragraph that runs several numbered items together. Such items, and
  step labels inside a line, count only when each continues the numbering: an item is one
  more than the item before it in the same list, or 1 right after a step label, or 1
  followed by an inline 2 in the same line; a label is 1 or one more than the label before
  it. A line with an inline item or label that does not continue is prose that keeps its
  numbers as written, and none of its inline items or labels count.

A label "Step N.K" opening a line, under the label "Step N", is sub-step K of that phase,
shown as "N.K"; anywhere else it is prose.

An item's text runs to the next item in its line, or to the end of the line. List and inline
items after a step label, up to the next step label or heading, are that step's *sub-steps*
(the step is a phase), and so are list items indented to the text of a numbered list item
that no step label is over (``2. Choose:`` then ``   1. Settings``); all others are top
level.

What the browser shows
======================
Each article goes through the real pipeline (``pipeline.process`` then
``render.render_guide``); every page is converted with Python-Markdown and the extensions and
options of the site's own ``mkdocs.yml``, then passed through ``sanitize.sanitize_html`` as
the plugin does, so the HTML is what a build serves. In it, every ``<li>`` of an ``<ol>`` has
the number a browser displays: the list's ``start`` (1 without one) plus its position, or
its own ``value`` (later items counting on from it). Material's stylesheet draws a list
nested in another ``<ol>`` with letters (a, b, c) unless the list has a ``type`` attribute;
such an item shows no number at all (tests/test_steps_browser.py checks the markers Chromium
really draws). An item of a list of class ``cg-dotted`` nested in an item shows that item's
number before its own: its ``data-number``, "2.1" (cleanguide.css).

Matching and checks
===================
An item's key is its text without Markdown, normalised (case-folded alphanumerics), cut to
its first eight words. Items are taken in source order; each claims the first unclaimed
``<li>`` (counting on from the last one claimed, then from the top) whose own text (nested
lists left out) contains the key. A phase with no text of its own is the ``<li>`` holding
its first sub-step's list. An item **passes** when its ``<li>`` exists and

* shows the item's number, in digits;
* sits where it belongs: a sub-step in a list nested in its own phase's ``<li>``, a top-level
  item in a list that is not nested in another numbered item;
* has an ``id`` that names the same numbers: ``step-N`` for a top-level step, ``step-P-N``
  for sub-step N of phase P (an optional prefix before ``step-`` is allowed, for a page with
  several lists).

Numbers **invented**: ``<li>`` with a ``step-`` id that no item claimed. The score is the
share of items that pass; ``--check`` also requires no invented number.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, Tag

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
DEFAULT_PATHS = (ROOT / "tests" / "corpus", ROOT / "content")
KEY_WORDS = 8

# --------------------------------------------------------------------------- the oracle

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n---[ \t]*(?:\n|\Z)", re.S)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"<[^>]*>")
_ESCAPE = re.compile(r"\\(.)")

CARDINALS = (
    *("one", "two", "three", "four", "five", "six"),
    *("seven", "eight", "nine", "ten", "eleven", "twelve"),
)
ORDINALS = (
    *("first", "second", "third", "fourth", "fifth", "sixth"),
    *("seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth"),
)
NUMBER_WORDS = {w: k for words in (CARDINALS, ORDINALS) for k, w in enumerate(words, 1)}
_LABEL = (
    r"(?:step[ \t]*(?:(?P<n>\d{1,3})(?:\.(?P<sub>\d{1,2})(?!\d|\.\d))?\b|(?P<w>"
    + "|".join(CARDINALS)
    + r")\b)"
    r"|(?P<ord>" + "|".join(ORDINALS) + r")[ \t]+step\b)"
)
# a step label opening a line: "## Step 2:", "- **Step 1.**", "Step One", "**First step**"
_LINE_STEP = re.compile(
    r"^[ \t]{0,3}(?:#{1,6}[ \t]*)?(?:[-*+][ \t]+)?(?P<open>\*\*|__)?[ \t]*"
    + _LABEL
    + r"[ \t]*(?P<delim>[.:)\-\u2013\u2014])?[ \t]*(?P<close>\*\*|__)?[ \t]*[.:)\-\u2013\u2014]?",
    re.I,
)
# a step label in bold anywhere: "**Step Two**"
_BOLD_STEP = re.compile(
    r"(?:\*\*|__)[ \t]*" + _LABEL + r"[ \t]*[.:)\-\u2013\u2014]?[ \t]*(?:\*\*|__)", re.I
)
_LINE_ITEM = re.compile(r"^[ \t]{0,3}(\d{1,3})[.)][ \t]+")
# a list item indented to the text of a list item before it: nested in that item
_NESTED_ITEM = re.compile(r"^([ \t]+)(\d{1,3})[.)][ \t]+(?=\S)")
# "N)" after a sentence end, a bold close or an image, before a capital letter
_INLINE_ITEM = re.compile(
    r"(?:(?<=[.!?:])[ \t]+|(?<=\*\*)[ \t]*|(?<=\))[ \t]+)(\d{1,2})\)[ \t]*(?=[A-Z])"
)


@dataclass(slots=True)
class Numbered:
    """One item the author numbered."""

    number: int
    text: str
    line: int
    step_label: bool
    """A "Step N" label (a step or a phase), not a list item."""
    phase: Numbered | None = None
    """The step label this item is a sub-step of."""
    subs: list[Numbered] = field(default_factory=list)
    dotted: bool = False
    """A sub-step labelled with its phase's number ("Step 2.1"): shown as "2.1"."""

    @property
    def key(self) -> str:
        """The item's first words, normalised: what its list item must contain."""
        return normalise(" ".join(plain(self.text).split()[:KEY_WORDS]))

    def __repr__(self) -> str:
        where = f"{self.phase.number}{'.' if self.dotted else '/'}" if self.phase else ""
        return f"line {self.line} {where}{self.number} {plain(self.text)[:50]!r}"


def normalise(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def plain(text: str) -> str:
    """What a reader sees of a Markdown fragment."""
    text = _IMAGE.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub(" ", text)
    text = _ESCAPE.sub(r"\1", text)
    text = text.replace("*", "").replace("`", "").replace("_", " ")
    return " ".join(text.split())


def split_front_matter(text: str) -> tuple[str, int]:
    """The body after the front matter, and how many lines come before it."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    m = _FRONT_MATTER.match(text)
    return (text[m.end() :], text.count("\n", 0, m.end())) if m else (text, 0)


def _only_links(text: str) -> bool:
    return bool(_LINK.search(text)) and not normalise(_LINK.sub(" ", _IMAGE.sub(" ", text)))


def _label_number(m: re.Match[str]) -> int:
    word = (m.group("n") or m.group("w") or m.group("ord")).lower()
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def _label_mark(m: re.Match[str], start: int, at: int) -> tuple[str, int, int, int]:
    """A step label's mark: ("step", N) for "Step N", ("sub", K) for "Step N.K"."""
    if m.group("sub"):
        return ("sub", int(m.group("sub")), start, at)
    return ("step", _label_number(m), start, at)


def numbered_items(body: str, offset: int = 0) -> list[Numbered]:
    """The author's numbered items, in source order (`offset`: lines before the body)."""
    items: list[Numbered] = []
    phase: Numbered | None = None
    last_item: int | None = None  # the number of the list item before, in this list
    parent: tuple[Numbered, int] | None = None  # a list item no label is over, its text's column
    fence = ""
    for lineno, line in enumerate(body.split("\n"), 1):
        if fence:
            if line.strip().startswith(fence):
                fence = ""
            continue
        if m := _FENCE.match(line):
            fence = m.group(1)
            continue
        if line.lstrip().startswith("<") and not line.lstrip().startswith("<img"):
            continue
        # (kind, number, where its text starts, where the marker starts)
        marks: list[tuple[str, int, int, int]] = []
        pos = 0
        if (m := _LINE_STEP.match(line)) and _set_apart(m, line):
            if m.group("sub") and not (phase and phase.number == _label_number(m)):
                continue  # "Step 2.1" under no step 2: text, kept as written
            marks.append(_label_mark(m, m.end(), 0))
            pos = m.end()
        elif (m := _NESTED_ITEM.match(line)) and parent and m.start(2) >= max(parent[1], 2):
            item = Numbered(int(m.group(2)), line[m.end() :], offset + lineno, False)
            item.phase = parent[0]
            parent[0].subs.append(item)
            items.append(item)
            continue
        elif m := _LINE_ITEM.match(line):
            if _only_links(line[m.end() :]):
                continue
            marks.append(("item", int(m.group(1)), m.end(), 0))
            pos = m.end()
        elif _HEADING.match(line):
            phase, last_item, parent = None, None, None
            continue
        found = [
            _label_mark(m, m.end(), m.start())
            for m in _BOLD_STEP.finditer(line, pos)
            if not m.group("sub")  # (a dotted label inside a line: prose)
        ]
        found += [
            ("item", int(m.group(1)), m.end(), m.start()) for m in _INLINE_ITEM.finditer(line, pos)
        ]
        found.sort(key=lambda mark: mark[3])
        if not _continues(marks + found, last_item, phase.number if phase else None):
            found = []  # prose that keeps its numbers as written
        marks += found
        for k, (kind, number, start, _) in enumerate(marks):
            end = marks[k + 1][3] if k + 1 < len(marks) else len(line)
            item = Numbered(number, line[start:end], offset + lineno, kind == "step")
            item.dotted = kind == "sub"
            if kind == "step":
                phase, last_item, parent = item, 0, None
            else:
                last_item = number
                if phase is not None:
                    item.phase = phase
                    phase.subs.append(item)
                elif k == 0 and start == pos:  # a list item opening its line
                    parent = (item, start)
            items.append(item)
    return items


def _set_apart(m: re.Match[str], line: str) -> bool:
    """A number in digits; a spelled-out one in bold, before punctuation or alone."""
    if m.group("n") and m.group("n").isdigit():
        return True
    return (
        bool(m.group("delim") or (m.group("open") and m.group("close")))
        or not line[m.end() :].strip()
    )


def _continues(marks: list[tuple[str, int, int, int]], last: int | None, label: int | None) -> bool:
    """Whether every inline item and label of a line continues the numbering it falls into.

    `last`: the number of the list item before the line in its list, 0 right after a step
    label, None when no list is open; `label`: the number of the step label the line falls
    under, None when there is none.
    """
    for k, (kind, number, _, at) in enumerate(marks):
        if kind == "step":
            fits = number == 1 or (label is not None and number == label + 1)
            label, last = number, 0
        elif last is None:
            after = marks[k + 1] if k + 1 < len(marks) else None
            fits = number == 1 and after is not None and after[:2] == ("item", 2)
        else:
            fits = number == last + 1
        if at > 0 and not fits:  # inline (a mark at the start of a line is the author's own)
            return False
        if kind == "item":
            last = number
    return True


# --------------------------------------------------------------------------- what is shown


@dataclass(slots=True)
class Shown:
    """One item of an ordered list in the HTML: the number a browser displays for it."""

    page: int
    number: int
    anchor: str
    text: str
    """Its own text (nested lists left out), normalised."""
    li: Tag
    digits: bool = True
    """False where Material's stylesheet letters the list (nested, without `type`)."""
    label: str | None = None
    """In a list of class `cg-dotted` nested in an item: the number shown instead of the
    item's own, its `data-number` ("2.1"; cleanguide.css)."""
    claimed: bool = False


def shown_items(pages: Sequence[str]) -> list[Shown]:
    out: list[Shown] = []
    for page, html in enumerate(pages):
        soup = BeautifulSoup(html, "html.parser")
        for ol in soup.find_all("ol"):
            number = _int(ol.get("start"), 1)
            digits = ol.get("type") == "1" or (ol.get("type") is None and not ol.find_parent("ol"))
            dotted = "cg-dotted" in (ol.get("class") or []) and ol.find_parent("li") is not None
            for li in ol.find_all("li", recursive=False):
                number = _int(li.get("value"), number)
                label = str(li["data-number"]) if dotted and li.get("data-number") else None
                own = [s for s in li.find_all(string=True) if s.find_parent("ol") is ol]
                anchor = str(li.get("id") or "")
                text = normalise(" ".join(own))
                out.append(Shown(page, number, anchor, text, li, digits, label))
                number += 1
    return out


def _int(value: Any, default: int) -> int:
    try:
        return int(str(value)) if value is not None else default
    except ValueError:
        return default


_ANCHOR = re.compile(r"(?:^|-)step-(\d+)(?:-(\d+))?$")


@dataclass(slots=True)
class Result:
    items: list[Numbered]
    failures: list[tuple[Numbered, str]]
    invented: list[Shown]

    @property
    def passed(self) -> int:
        return len(self.items) - len(self.failures)


def check(items: list[Numbered], pages: Sequence[str]) -> Result:
    shown = shown_items(pages)
    found: dict[int, Shown] = {}
    last = 0
    for item in items:
        key = item.key
        if not key:
            continue
        order = [*range(last, len(shown)), *range(last)]
        hit = next((k for k in order if not shown[k].claimed and key in shown[k].text), None)
        if hit is not None:
            shown[hit].claimed = True
            found[id(item)] = shown[hit]
            last = hit
    for item in items:  # a phase without text of its own: the item holding its sub-steps
        if not item.key and item.subs and id(item.subs[0]) in found:
            holder = found[id(item.subs[0])].li.find_parent("li")
            match = next((s for s in shown if s.li is holder and not s.claimed), None)
            if match is not None:
                match.claimed = True
                found[id(item)] = match
    failures = []
    for item in items:
        got = found.get(id(item))
        reason = _verdict(item, got, found)
        if reason:
            failures.append((item, reason))
    invented = [s for s in shown if not s.claimed and _ANCHOR.search(s.anchor)]
    return Result(items, failures, invented)


def _verdict(item: Numbered, got: Shown | None, found: dict[int, Shown]) -> str:
    if got is None:
        return "not shown as a numbered item"
    if got.number != item.number:
        return f"shown as {got.number}"
    if not got.digits:
        return "shown as a letter (a nested list without type)"
    if got.label is not None or item.dotted:
        phase = found.get(id(item.phase)) if item.phase else None
        wanted = f"{phase.number}.{item.number}" if item.dotted and phase else None
        if got.label != wanted:
            return f"shown as {got.label or got.number}"
    holder = got.li.find_parent("li")
    if item.phase is not None:
        phase = found.get(id(item.phase))
        if phase is None or holder is not phase.li:
            return "not under its phase"
    elif holder is not None:
        return "nested in another item"
    m = _ANCHOR.search(got.anchor)
    if not m:
        return f"no step anchor (id={got.anchor!r})"
    numbers = [int(g) for g in m.groups() if g is not None]
    expected = [found[id(item.phase)].number, got.number] if item.phase else [got.number]
    if numbers != expected:
        return f"anchor #{got.anchor} does not name {'-'.join(map(str, expected))}"
    return ""


# --------------------------------------------------------------------------- the site


class SiteMarkdown:
    """Python-Markdown with the extensions and options of the site's mkdocs.yml."""

    def __init__(self) -> None:
        import markdown
        from mkdocs.config import load_config

        config = load_config(str(ROOT / "mkdocs.yml"))
        self.md = markdown.Markdown(
            extensions=config.markdown_extensions, extension_configs=config.mdx_configs
        )

    def __call__(self, text: str) -> str:
        from cleanguide.sanitize import sanitize_html

        self.md.reset()
        return sanitize_html(str(self.md.convert(_FRONT_MATTER.sub("", text, count=1))))


def built_pages(data: bytes, name: str, md: SiteMarkdown) -> list[str]:
    """The HTML of every page of the article's guide, as a build serves it."""
    from cleanguide import pipeline
    from cleanguide.reader import loads
    from cleanguide.render import render_guide

    guide, _cleaned = pipeline.clean_and_structure(loads(data, name), "guide")
    return [md(page.text) for page in render_guide(guide)]


def score_article(path: Path, md: SiteMarkdown) -> Result:
    data = path.read_bytes()
    items = numbered_items(*split_front_matter(data.decode("utf-8-sig")))
    return check(items, built_pages(data, path.name, md))


def find_articles(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for p in paths:
        found.extend(sorted(p.rglob("*.md")) if p.is_dir() else [p])
    return found


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--variants", type=int, metavar="N", help="score N variants per article")
    ap.add_argument("--seed", type=int, default=7, help="the variants' seed (default 7)")
    ap.add_argument("--details", action="store_true", help="list every failing item")
    ap.add_argument("--check", action="store_true", help="exit 1 unless every item passes")
    args = ap.parse_args(argv)

    md = SiteMarkdown()
    with tempfile.TemporaryDirectory() as tmp:
        if args.variants:
            sys.path.insert(0, str(ROOT / "benchmarks"))
            from variants import make_variants

            articles = make_variants(Path(tmp), seed=args.seed, per_article=args.variants)
        else:
            articles = find_articles(args.paths or DEFAULT_PATHS)
        total = passed = invented = 0
        for path in articles:
            r = score_article(path, md)
            total, passed, invented = (
                total + len(r.items),
                passed + r.passed,
                invented + len(r.invented),
            )
            print(
                f"{path.name:28} {r.passed:4} of {len(r.items):4} items   {len(r.invented)} invented"
            )
            if args.details:
                for item, reason in r.failures:
                    print(f"    {reason}: {item!r}")
                for s in r.invented:
                    print(f"    invented: #{s.anchor} shown as {s.number}")
    share = 100 * passed / total if total else 100.0
    print(
        f"\n{passed} of {total} numbered items shown as the author numbered them ({share:.1f} %),"
        f" {invented} number(s) invented"
    )
    if args.check and (passed < total or invented):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
