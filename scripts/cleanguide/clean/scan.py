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


@dataclass(frozen=True, slots=True)
class Elements:
    """The `<name ...>` start tags of a text and the ends of its `</name>` tags, in order."""

    opens: list[re.Match[str]] = field(default_factory=list)
    closes: list[int] = field(default_factory=list)

    def __iter__(self) -> Iterator[tuple[int, int, str, int]]:
        """(start, end, start tag, where its content starts) of each element; `end` is the
        end of the first close after the start tag, -1 when there is none."""
        for m in self.opens:
            i = bisect.bisect_right(self.closes, m.end())
            end = self.closes[i] if i < len(self.closes) else -1
            yield m.start(), end, m.group(0), m.end()


def elements(text: str, names: Iterable[str]) -> dict[str, Elements]:
    """The elements of each of `names` (lower case) in `text`, found in one scan. An end tag
    is `</name>`, spaces allowed before the ">"."""
    index = {name: Elements() for name in names}
    alternatives = "|".join(map(re.escape, index))
    tag = re.compile(rf"<(/?)((?ai:{alternatives}))\b([^>]*)>")
    # A start tag never closed by a ">" would make the search run to the end of the text from
    # each "<" (20,000 "<a" took 10 s): it never looks past the last ">".
    for m in tag.finditer(text, 0, text.rfind(">") + 1):
        found = index[m.group(2).lower()]
        if not m.group(1):
            found.opens.append(m)
        elif not m.group(3) or m.group(3).isspace():
            found.closes.append(m.end())
    return index


__all__ = ["Elements", "attrs", "elements"]
