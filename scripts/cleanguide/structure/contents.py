"""Tables of contents: an article's own list of its parts, linked to the guide's sections.

A list of in-page links ("[What is OpenCV](#part3-1)"), or of labels that name the article's
headings (the farm's links, once unwrapped), is the article's table of contents, not a
procedure: its numbers are no steps. Each entry is linked to the section, or the sub-heading
on a section's page, that it names (compared by `typography.title_key`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from ..model import Block, BulletList, Contents, ContentsEntry, Heading, Paragraph, Section
from ..typography import plain, title_key
from .blocks import Tok

_ONLY_LINK = re.compile(r"^\[[^\]\n]*\]\([^)\s]*\)$")


def is_contents_list(tok: Tok, heading_keys: Callable[[], frozenset[str]]) -> bool:
    """A list token that is the article's table of contents, whose numbers are not steps.

    Either every item is nothing but a link, or (once the cleaner unwrapped links into the
    farm) every item names a heading of the article.
    """
    texts = [t.strip() for _, t in tok.items]
    if all(_ONLY_LINK.match(t) for t in texts):
        return True
    return (
        len(texts) > 1
        and all(map(title_like, texts))
        and all(title_key(t) in heading_keys() for t in texts)
    )


def contents_targets(sections: list[Section]) -> dict[str, tuple[int, str]]:
    """What a contents entry can name: a section, or a sub-heading on a section's page."""
    targets: dict[str, tuple[int, str]] = {}
    for i, s in enumerate(sections):
        targets.setdefault(title_key(s.title), (i, ""))
    for i, s in enumerate(sections):
        for b in s.body:
            if isinstance(b, Heading):
                targets.setdefault(title_key(b.text), (i, b.text))
    targets.pop("", None)
    return targets


def _entries(texts: Sequence[str], targets: Mapping[str, tuple[int, str]]) -> list[ContentsEntry]:
    out = []
    for text in texts:
        section, heading = targets.get(title_key(text), (None, ""))
        out.append(ContentsEntry(plain(text), section, heading))
    return out


def as_contents(
    block: Block, targets: Callable[[], Mapping[str, tuple[int, str]]], in_page: bool = False
) -> Block:
    """A list whose items name parts of the guide is the article's contents: link them.

    A list of in-page links ("[What is OpenCV](#part3-1)") is one if any item names a part
    (the cleaner removes those naming none); a list of plain labels (the farm's links, once
    unwrapped) if half of them do, unless `in_page` asks for in-page links only.
    """
    if not isinstance(block, BulletList) or not all(map(title_like, block.items)):
        return block
    links = all("](#" in t and _ONLY_LINK.match(t) for t in block.items)
    if in_page and not links:
        return block
    entries = _entries(block.items, targets())
    found = sum(1 for e in entries if e.section is not None)
    if found and (links or found * 2 >= len(entries)):
        return Contents(tuple(entries))
    return block


_MAX_TITLE_CHARS = 150  # (with markup) longer text is prose, never a title


def title_like(text: str) -> bool:
    return len(text) <= _MAX_TITLE_CHARS and "\n" not in text


def contents_paragraphs(
    blocks: list[Block], targets: Callable[[], Mapping[str, tuple[int, str]]]
) -> list[Block]:
    """Two or more one-line paragraphs in a row that each name a part of the guide.

    The farm writes some tables of contents as linked paragraphs (`[**1. Use Disk
    Cleanup**](farm)`); once the link is unwrapped only the label is left.
    """

    def names_a_part(k: int) -> bool:
        b = blocks[k]
        return isinstance(b, Paragraph) and title_like(b.text) and title_key(b.text) in targets()

    out: list[Block] = []
    k = 0
    while k < len(blocks):
        end = k
        # (a lone short paragraph is not looked up: a run needs two)
        if k + 1 < len(blocks) and isinstance(blocks[k + 1], Paragraph):
            while end < len(blocks) and names_a_part(end):
                end += 1
        if end - k > 1:
            texts = [b.text for b in blocks[k:end] if isinstance(b, Paragraph)]
            out.append(Contents(tuple(_entries(texts, targets()))))
            k = end
        else:
            out.append(blocks[k])
            k += 1
    return out
