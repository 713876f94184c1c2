"""A generated page's HTML divided into search sections, as Material's search plugin divides
it, without Python's general HTML parser.

Material's search plugin (`material.plugins.search.plugin.Parser`) reads every page's HTML
with `html.parser.HTMLParser` to split it into sections (one per heading with an id) and
keep their title and text: 7% of the build of a library of 1,000 articles. A generated
page's HTML comes out of the sanitiser (sanitize.py), which writes a small, regular HTML:
lower-case tags, attributes in double quotes, `<`, `>` and `&` escaped in text, no comment,
no script, no self-closing slash. `sections` reads that HTML with one regular expression
and follows Material's rules step by step; for anything outside that shape (and for a
page with a search exclusion, an object, or line numbers, which Material treats in its own
ways) it returns None and the caller leaves the page to Material's parser.

The result is the list Material's parser would build (`Parser.data`): objects with the
same fields (`el.tag`, `id`, `title`, `text`, `depth`), which Material's
`SearchIndex.create_entry_for_section` turns into index entries. Tested page by page
against Material's parser.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from html import escape, unescape
from typing import TYPE_CHECKING, Any

from .searchindex import SEARCH_PLUGINS

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.pages import Page

MATERIAL_SEARCH = "material.plugins.search.plugin"
"""The module of the search index `read_pages_with_sections` knows."""
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_KEEP = frozenset(("p", "code", "pre", "li", "ol", "ul", "sub", "sup"))
"""Tags whose markup Material's search keeps in a section's text."""
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
"""Tags Material's parser does not open (its `void` set)."""
_RAW_TEXT = frozenset(
    {"script", "style", "object", "textarea", "title", "xmp", "plaintext", "iframe"}
    | {"noembed", "noframes", "noscript"}
)
"""Tags left to Material's parser: elements whose content HTMLParser reads as raw text (or
may, in other Python versions), and objects, which Material skips."""
_TOKEN = re.compile(
    r'<([a-z][a-z0-9]*)((?:\s+[^\s"\'<>/=]+(?:="[^"<>]*")?)*)\s*>'  # start tag
    r"|</([a-z][a-z0-9]*)\s*>"  # end tag
    r"|([^<]+)"  # text
)
_ATTR = re.compile(r'([^\s"\'<>/=]+)(?:=("[^"]*"))?')


class _Element:
    __slots__ = ("tag",)

    def __init__(self, tag: str) -> None:
        self.tag = tag


class Section:
    """One section of a page, with the fields Material's `Section` has."""

    __slots__ = ("depth", "el", "id", "text", "title")

    def __init__(self, tag: str, depth: float = 0) -> None:
        self.el = _Element(tag)
        self.depth = depth
        self.text: list[str] = []
        self.title: list[str] = []
        self.id: str | None = None

    def is_excluded(self) -> bool:
        return False  # a page with exclusions is left to Material's parser


def sections(html: str) -> list[Section] | None:
    """The page's sections as Material's search parser makes them, or None where this reader
    does not follow it (the caller then uses Material's parser)."""
    parser = _Reader()
    end = 0
    try:
        for match in _TOKEN.finditer(html):
            if match.start() != end:
                return None  # a '<' that starts nothing this reader knows: a comment...
            end = match.end()
            start, attrs, closing, text = match.groups()
            if text is not None:
                parser.data(unescape(text) if "&" in text else text)
            elif start is not None:
                parser.start(start, attrs)
            elif closing in _RAW_TEXT:
                return None
            else:
                parser.end(closing)
    except _Outside:
        return None
    if end != len(html):
        return None
    return parser.sections


class _Outside(Exception):
    """The page has what this reader leaves to Material's parser."""


class _Reader:
    """Material's parser's rules, over a stack of tag names (no search exclusion here)."""

    def __init__(self) -> None:
        self.context: list[str] = []
        """The open elements' tags, outermost first."""
        self.open: dict[str, int] = {}
        """How many elements of each tag are open (for "is one open", without a scan)."""
        self.headerlinks: list[int] = []
        """The depths (len(context)) at which a permalink (`a.headerlink`) is open."""
        self.section: Section | None = None
        self.sections: list[Section] = []

    def _preface(self) -> Section:
        if self.section is None:
            self.section = Section("hx")
            self.sections.append(self.section)
        return self.section

    def start(self, tag: str, attr_text: str) -> None:
        if tag in _RAW_TEXT:
            raise _Outside
        attrs: dict[str, str | None] = {}
        if attr_text:
            for name, value in _ATTR.findall(attr_text):
                attrs[name.lower()] = unescape(value[1:-1]) if value else None
            if "data-search-exclude" in attrs or attrs.get("class") == "linenodiv":
                raise _Outside  # Material skips these in its own way
        if tag in _VOID:
            return
        context = self.context
        context.append(tag)
        self.open[tag] = self.open.get(tag, 0) + 1
        if tag == "a" and attrs.get("class") == "headerlink":
            self.headerlinks.append(len(context))
        if tag in _HEADINGS and "id" in attrs:
            depth = len(context)
            if tag != "h1" and not self.sections:
                self.sections.append(Section("hx", depth))
            self.section = Section(tag, depth)
            if self.sections:
                self.section.id = attrs["id"]
            self.sections.append(self.section)
        section = self._preface()
        if tag in _KEEP:
            target = section.title if self.open.get(section.el.tag) else section.text
            target.append(f"<{tag}>")

    def end(self, tag: str) -> None:
        context = self.context
        if not context or context[-1] != tag:
            return
        section = self.section
        assert section is not None  # any open element made one
        if section.depth > len(context):
            for earlier in reversed(self.sections):
                if earlier.depth <= len(context):
                    section.depth = float("inf")
                    section = self.section = earlier
                    break
        if self.headerlinks and self.headerlinks[-1] == len(context):
            self.headerlinks.pop()
        context.pop()
        self.open[tag] -= 1
        if tag in _KEEP:
            data = section.title if self.open.get(section.el.tag) else section.text
            index = data.index(f"<{tag}>")  # raises where Material's parser raises
            for i in range(index + 1, len(data)):
                if not data[i].isspace():
                    index = len(data)
                    break
            if len(data) > index:
                del data[index:]
            else:
                data.append(f"</{tag}>")

    def data(self, data: str) -> None:
        in_pre = bool(self.open.get("pre"))
        if not in_pre:
            data = " " if data.isspace() else data.replace("\n", " ")
        section = self._preface()
        if self.open.get(section.el.tag):
            if not self.headerlinks:
                section.title.append(escape(data, quote=False))
        elif data.isspace():
            text = section.text
            if not text or not text[-1].isspace() or in_pre:
                text.append(data)
        else:
            section.text.append(escape(data, quote=False))


def read_pages_with_sections(config: MkDocsConfig) -> bool:
    """Make the site's search plugin divide pages with `sections` (and with its own parser
    where `sections` gives None). Only Material's search index, whose methods this module
    follows, is changed; returns whether it was."""
    for name in SEARCH_PLUGINS:
        index: Any = getattr(config.plugins.get(name), "search_index", None)
        if type(index).__module__ != MATERIAL_SEARCH or type(index).__name__ != "SearchIndex":
            continue
        if not hasattr(index, "create_entry_for_section"):
            continue
        own = index.add_entry_from_context
        if not isinstance(own, functools.partial):  # not twice (mkdocs serve)
            index.add_entry_from_context = functools.partial(_add_entry, index, own)
        return True
    return False


def _add_entry(index: Any, material: Callable[[Page], None], page: Page) -> None:
    """Material's `SearchIndex.add_entry_from_context`, with the page divided by `sections`."""
    search = page.meta.get("search") or {}
    if search.get("exclude"):
        return
    found = sections(page.content) if isinstance(page.content, str) else None
    if found is None:
        material(page)
        return
    for section in found:
        index.create_entry_for_section(section, page.toc, page.url, page)


__all__ = ["Section", "read_pages_with_sections", "sections"]
