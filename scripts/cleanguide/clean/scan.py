"""HTML as the cleaning rules find it in Markdown: start tags, where they close, attributes.

Rules match tags with regexes, not an HTML parser: the text is Markdown with raw HTML in
it, and a cut must be a span of that very text. A tag name matches ASCII-case-insensitively
(`(?ai:)`): with Unicode folding, "\\u017fcript" would be a script tag to the regex and to
nothing else.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

_ATTR = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")


def attrs(tag: str) -> dict[str, str]:
    """The attributes of one start tag: lower-cased names, entity-decoded values; the first
    of a repeated attribute counts, as in HTML."""
    out: dict[str, str] = {}
    for m in _ATTR.finditer(tag):
        out.setdefault(m.group(1).lower(), html.unescape(m.group(m.lastindex or 0)))
    return out


def attribute_spans(tag: str) -> Iterator[tuple[str, int, int]]:
    """Each attribute with a value in one start tag: its lower-cased name, and where it
    starts and ends in `tag` (a quoted value is read whole: an `on…=` inside it is text)."""
    for m in _ATTR.finditer(tag):
        yield m.group(1).lower(), m.start(), m.end()


@dataclass(frozen=True, slots=True)
class Elements:
    """The `<name ...>` start tags of a text and the ends of its `</name>` tags, in order."""

    opens: list[re.Match[str]] = field(default_factory=list)
    closes: list[int] = field(default_factory=list)

    def __iter__(self) -> Iterator[tuple[int, int, str, int]]:
        """(start, end, start tag, where its content starts) of each element; `end` is the
        end of the first close after the start tag, -1 when there is none, or when the start
        tag itself is cut short (`_cut_short`)."""
        for m in self.opens:
            if _cut_short(m):
                yield m.start(), -1, m.group(0), m.end()
                continue
            i = bisect.bisect_right(self.closes, m.end())
            end = self.closes[i] if i < len(self.closes) else -1
            yield m.start(), end, m.group(0), m.end()


def _cut_short(tag: re.Match[str]) -> bool:
    """Whether a start tag of `elements` ends at a blank line or the end of the text, no ">"
    before it: a scraped tag that lost its end. It is its own lines, never more."""
    return not tag.group(4)


def elements(text: str, names: Iterable[str]) -> dict[str, Elements]:
    """The elements of each of `names` (lower case) in `text`, found in one scan. An end tag
    is `</name>`, spaces allowed before the ">".

    A tag ends at its ">", or at the end of its block of lines if a blank line (or the end of
    the text) comes first (`_cut_short`): a scraped `<ins class="adsbygoogle" ...` that lost its
    ">" would otherwise run on, through the steps below it, to the next ">" in the article
    (a "Settings > Apps" menu path, an HTML list at the end). Each match runs to a ">" or a
    blank line and the next search starts after it: one pass, linear.
    """
    index = {name: Elements() for name in names}
    alternatives = "|".join(map(re.escape, index))
    tag = re.compile(
        rf"<(/?)((?ai:{alternatives}))\b([^>\n]*(?:\n(?![ \t]*(?:\n|\Z))[^>\n]*)*)(>?)"
    )
    for m in tag.finditer(text):
        found = index[m.group(2).lower()]
        if not m.group(1):
            found.opens.append(m)
        elif m.group(4) and (not m.group(3) or m.group(3).isspace()):
            found.closes.append(m.end())
    return index


__all__ = ["Elements", "attribute_spans", "attrs", "elements"]
