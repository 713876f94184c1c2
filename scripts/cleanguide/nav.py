"""Navigation for a library of guides: one order for the whole site, one small sidebar a page.

MkDocs hands every page the whole navigation and Material writes all of it into every page,
so a site of N guides would grow with N². Instead:

- the generated pages stay out of MkDocs' automatic navigation (`not_in_nav`);
- `library_nav()` adds them back to the site's navigation after the author's own pages: a
  "Guides" section (the guides index, then one section per guide in library order: its home
  page and its methods) and a "Topics" section. Parents and previous/next links are set over
  the whole site, so breadcrumbs and the footer run through every guide in one order;
- `sidebar()` gives each page its own navigation: the top level (the author's pages, Guides,
  Topics), and inside Guides only the guide the page belongs to. Its size does not depend on
  the number of guides.

Later pages of the guides index and the topic pages are reached from their lists and pagers,
not from the sidebar; they still get a parent, for breadcrumbs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mkdocs.structure.nav import Link, Navigation, Section
from mkdocs.structure.pages import Page

if TYPE_CHECKING:
    from mkdocs.structure import StructureItem

HOME_LABEL = "Home"


class LibrarySection(Section):
    """A section of the library (Guides, Topics): each page's sidebar shows it trimmed."""


@dataclass(slots=True)
class LibraryNav:
    """The generated pages to place in the navigation, in library order."""

    index: Page
    """Page 1 of the guides index."""
    guides: list[list[Page]]
    """Each guide's pages: its home page first, then its methods."""
    topics_index: Page
    more_index_pages: list[Page] = field(default_factory=list)
    """Later pages of the guides index (not in the sidebar)."""
    topic_pages: list[Page] = field(default_factory=list)
    """Every topic's pages (not in the sidebar)."""


def library_nav(nav: Navigation, lib: LibraryNav, *, home_label: bool = True) -> Navigation:
    """The site's navigation with the library after the author's own items.

    With `home_label`, the home page is called "Home" in the navigation (its own title is
    usually the site's name, which the sidebar already shows above it).
    """
    sections = [Section(guide[0].title or "", list(guide)) for guide in lib.guides]
    guides = LibrarySection("Guides", [lib.index, *sections])
    topics = LibrarySection("Topics", [lib.topics_index])
    items: list[StructureItem] = [*nav.items, guides, topics]
    _set_parents(items)
    for page in lib.more_index_pages:
        page.parent = guides
    for page in lib.topic_pages:
        page.parent = topics
    pages = [*_pages(nav.items), lib.index, *(p for guide in lib.guides for p in guide)]
    pages.append(lib.topics_index)
    _link_previous_and_next(pages)
    site = Navigation(items, pages)
    if home_label and site.homepage is not None and site.homepage.parent is None:
        site.homepage.title = HOME_LABEL
    return site


def _set_parents(items: Iterable[StructureItem], parent: Section | None = None) -> None:
    for item in items:
        item.parent = parent
        if isinstance(item, Section):
            _set_parents(item.children, item)


def _pages(items: Iterable[StructureItem]) -> list[Page]:
    out: list[Page] = []
    for item in items:
        if isinstance(item, Page):
            out.append(item)
        elif isinstance(item, Section):
            out.extend(_pages(item.children))
    return out


def _link_previous_and_next(pages: Sequence[Page]) -> None:
    for i, page in enumerate(pages):
        page.previous_page = pages[i - 1] if i else None
        page.next_page = pages[i + 1] if i + 1 < len(pages) else None


def sidebar(site: Navigation, page: Page | None) -> Navigation:
    """The navigation one page shows: the top level, and the branch that leads to `page`.

    Sections of the library are replaced by copies holding their first child (the index
    page) and, on the way to `page`, the item that leads there; every other section of the
    author's own is kept as it is.
    """
    trail = {id(a) for a in page.ancestors} if page is not None else set()
    items = [_trimmed(item, page, trail) for item in site.items]
    view = Navigation(items, [])
    view.homepage = site.homepage
    return view


def _trimmed(item: StructureItem, page: Page | None, trail: set[int]) -> StructureItem:
    if not isinstance(item, LibrarySection):
        return item
    children: list[StructureItem] = [item.children[0]]
    if id(item) in trail and page is not None:
        # the child of `item` on the way to `page`: `page` itself or one of its ancestors
        leads = next((a for a in (page, *page.ancestors) if a.parent is item), page)
        if leads is not item.children[0]:
            children.append(leads)
    copy = LibrarySection(item.title, children)
    copy.parent = item.parent
    copy.active = id(item) in trail
    return copy


def titles_of(items: Iterable[StructureItem]) -> list[tuple[str, str]]:
    """(title, url) of every item shown, depth first: what a page's sidebar depends on."""
    out: list[tuple[str, str]] = []
    for item in items:
        url = item.url if isinstance(item, (Page, Link)) else ""
        out.append((str(item.title), str(url)))
        if isinstance(item, Section):
            out.extend(titles_of(item.children))
    return out


__all__ = [
    "HOME_LABEL",
    "LibraryNav",
    "LibrarySection",
    "library_nav",
    "sidebar",
    "titles_of",
]
