"""A generated page as a Markdown file, and how article text goes into it safely.

A `PageFile` is one page the build generates: its path under the docs folder, its front
matter and its Markdown body. Everything that came from an article goes into a page
through `prose` (neutralised Markdown) or `escape_text` (inert text: titles, alt text,
captions), and into its front matter through `page_meta` (escaped as Material prints it).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import frontmatter
from .neutralise import neutralise_markdown


@dataclass(frozen=True, slots=True)
class PageFile:
    """One generated Markdown page: its path under the docs folder, front matter and body."""

    path: str
    body: str
    meta: Mapping[str, str] = field(default_factory=dict)
    """Front matter (title, description...), values HTML-escaped as Material prints them."""
    label: str = ""
    """The page's name in navigation, breadcrumbs and previous/next links, if not its title."""

    def row(self, folder: str = "") -> list[Any]:
        """The page as the build cache keeps it (JSON): its path less `folder`, body, front
        matter and label."""
        return [self.path.removeprefix(folder), self.body, dict(self.meta), self.label]

    @classmethod
    def from_row(cls, row: list[Any], folder: str = "") -> PageFile:
        """The page `row(folder)` made `row` of."""
        path, body, meta, label = row
        return cls(folder + path, body, meta, label)

    @property
    def text(self) -> str:
        """The page as a Markdown file: the front matter, then the body."""
        if not self.meta:
            return self.body
        return "---\n" + frontmatter.dump(self.meta) + "---\n\n" + self.body


def page_file(path: str, title: str, body: str, description: str = "", label: str = "") -> PageFile:
    """A page whose front matter holds its title (and description) and nothing else."""
    return PageFile(path, body, page_meta(title, description), label)


# a link (not an image: see rules._MD_LINK) to "#..."
_FRAGMENT_LINK = re.compile(r"\[(?<!!\[)([^\[\]\n]*)\]\(\s*#[^)\s\[\]]*\s*\)")


def prose(text: str) -> str:
    """Article prose for a page: neutralised, in-page `#anchor` links of the source unlinked.

    The source page's anchors (`#part2-1`) do not exist on our pages; the text stays.
    """
    if "](" in text:
        text = _FRAGMENT_LINK.sub(r"\1", text)
    return neutralise_markdown(text)


_MD_SPECIAL = "\\`*_{}[]()#+-.!|~"
# One pass doing html.escape(quote=False) and then backslash-escaping _MD_SPECIAL: the
# entities it writes (&amp; &lt; &gt;) hold no Markdown punctuation.
_ESCAPE_TEXT = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", **{c: "\\" + c for c in _MD_SPECIAL}}
)


def escape_text(text: str) -> str:
    """Plain text as inert Markdown: HTML-escaped, Markdown punctuation backslash-escaped."""
    return " ".join(text.split()).translate(_ESCAPE_TEXT)


def _meta_value(text: str) -> str:
    # Material prints page.meta values into HTML unescaped: escape them here, once.
    return html.escape(" ".join(text.split()), quote=True)


def page_meta(title: str, description: str = "") -> dict[str, str]:
    """Front matter of a generated page: its title and description, escaped."""
    data = {"title": _meta_value(title)}
    if description:
        data["description"] = _meta_value(description)
    return data


def front_matter(title: str, description: str = "", **extra: object) -> str:
    """A YAML block that always opens a generated page, so no body line is read as metadata."""
    data: dict[str, object] = {**page_meta(title, description), **extra}
    return "---\n" + frontmatter.dump(data) + "---\n\n"


def join_parts(parts: Iterable[str]) -> str:
    """A page body from its parts: blank lines between them, empty parts left out."""
    return "\n\n".join(p for p in parts if p.strip()) + "\n"


__all__ = [
    "PageFile",
    "escape_text",
    "front_matter",
    "join_parts",
    "page_file",
    "page_meta",
    "prose",
]
