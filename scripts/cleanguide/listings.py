"""The pages that list the library's guides: the guides index, the topics index and each
topic's pages (paged), a guide's related guides, the home page's overview, the catalogue
the index filter reads. Every list is paged or capped, so no page grows with the number of
guides.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence

from .defaults import GUIDES_DIR, TOPICS_DIR, guide_home, topic_home
from .library import Card, Library, natural
from .pagefile import PageFile, escape_text, join_parts, page_file

PAGE_SIZE = 50
"""Guides per page of the guides index and of a topic page."""
HOME_LIST = 6
"""Guides in each list of the home page (newest, recently updated)."""
HOME_TOPICS = 24
"""Topics on the home page (the largest); the topics index lists them all."""
TOPICS_INDEX = f"{TOPICS_DIR}/index.md"
"""The page listing every topic."""


def index_page(number: int) -> str:
    """The path of page `number` (1-based) of the guides index."""
    return f"{GUIDES_DIR}/index.md" if number == 1 else f"{GUIDES_DIR}/page-{number}.md"


def _topic_page(slug: str, number: int) -> str:
    return topic_home(slug) if number == 1 else f"{TOPICS_DIR}/{slug}/page-{number}.md"


def _rel(target: str, page: str) -> str:
    """`target` relative to the folder of `page`: both are paths in the docs folder."""
    here = page.split("/")[:-1]
    there = target.split("/")
    common = 0
    while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:])


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def facts(c: Card) -> str:
    """What a list says of a guide: "2 methods · 9 steps · updated 2024-08-19"."""
    parts = []
    if c.methods:
        parts.append(_plural(c.methods, "method"))
    if c.steps:
        parts.append(_plural(c.steps, "step"))
    if c.updated and c.updated != c.date:
        parts.append(f"updated {c.updated}")
    elif c.date:
        parts.append(f"published {c.date}")
    return " · ".join(parts)


def _entry(lib: Library, c: Card, page: str) -> str:
    """One guide in a list: its title, description, facts and topics."""
    lines = [f"- [**{escape_text(c.title)}**]({_rel(guide_home(c.slug), page)})"]
    if c.description:
        lines.append(escape_text(c.description))
    meta = [escape_text(said)] if (said := facts(c)) else []
    for name in c.topics:
        slug = lib.topic_of_name.get(name)
        if slug:
            meta.append(f"[{escape_text(name)}]({_rel(topic_home(slug), page)})")
    if meta:
        lines.append(" · ".join(meta))
    return "  \n    ".join(lines)


def _catalogue(lib: Library, cards: Iterable[Card], page: str, kind: str = "") -> str:
    entries = "\n".join(_entry(lib, c, page) for c in cards)
    classes = f"cg-catalogue {kind}".strip()
    return f'<div class="{classes}" markdown>\n\n{entries}\n\n</div>'


def _pager(page_of: Callable[[int], str], number: int, count: int) -> str:
    """Links to the first, previous, next and last pages, and the pages around this one."""
    if count <= 1:
        return ""
    here = page_of(number)
    links = []
    if number > 1:
        links.append(f"[‹ Previous]({_rel(page_of(number - 1), here)})")
    window = sorted({1, count, *range(max(1, number - 2), min(count, number + 2) + 1)})
    last = 0
    for n in window:
        if n - last > 1:
            links.append("…")
        links.append(f"**{n}**" if n == number else f"[{n}]({_rel(page_of(n), here)})")
        last = n
    if number < count:
        links.append(f"[Next ›]({_rel(page_of(number + 1), here)})")
    return f'<div class="cg-pager" markdown>\n\nPages: {" ".join(links)}\n\n</div>'


def _paged(cards: Sequence[Card]) -> list[Sequence[Card]]:
    return [cards[i : i + PAGE_SIZE] for i in range(0, len(cards), PAGE_SIZE)] or [[]]


def _refusals(lib: Library) -> str:
    if not lib.refused:
        return ""
    lines = [f'!!! warning "{_plural(len(lib.refused), "article")} could not be built"', ""]
    for r in lib.refused:
        lines.append(f"    - `{r.source.replace('`', '')}`: {escape_text(r.message)}")
    return "\n".join(lines)


def library_pages(lib: Library, site_name: str = "") -> list[PageFile]:
    """The guides index (paged), the topics index and every topic's pages (paged)."""
    pages: list[PageFile] = []
    chunks = _paged(lib.cards)
    total = _plural(len(lib.cards), "guide")
    for number, chunk in enumerate(chunks, 1):
        path = index_page(number)
        title = "Guides" if number == 1 else f"Guides, page {number} of {len(chunks)}"
        intro = f"{total} by title, A to Z."
        if len(chunks) > 1:
            first = (number - 1) * PAGE_SIZE + 1
            intro += f" Page {number} of {len(chunks)}: {first} to {first + len(chunk) - 1}."
        parts = ["# Guides", intro]
        if number == 1:
            parts.append(_refusals(lib))
        if lib.cards:
            parts.append(_catalogue(lib, chunk, path, "cg-index"))
        else:
            parts.append("No guides yet: add an article to `content/`.")
        parts.append(_pager(index_page, number, len(chunks)))
        description = f"{total} by title" + (f" on {site_name}" if site_name else "")
        pages.append(page_file(path, title, join_parts(parts), description, label=title))

    path = TOPICS_INDEX
    parts = ["# Topics", f"{_plural(len(lib.topics), 'topic')}, A to Z."]
    letter = None
    line: list[str] = []
    for t in lib.topics:
        initial = t.name[:1].upper() if t.name[:1].isalpha() else "#"
        if initial != letter:
            if line:
                parts.append(" · ".join(line))
            parts.append(f"## {escape_text(initial)}")
            letter, line = initial, []
        line.append(f"[{escape_text(t.name)}]({_rel(topic_home(t.slug), path)}) ({len(t.guides)})")
    if line:
        parts.append(" · ".join(line))
    pages.append(page_file(path, "Topics", join_parts(parts), label="Topics"))

    for t in lib.topics:
        cards = [lib.by_slug[s] for s in t.guides]
        chunks = _paged(cards)

        def page_of(n: int, slug: str = t.slug) -> str:
            return _topic_page(slug, n)

        for number, chunk in enumerate(chunks, 1):
            path = page_of(number)
            title = t.name if number == 1 else f"{t.name}, page {number} of {len(chunks)}"
            parts = [
                f"# {escape_text(t.name)}",
                f"{_plural(len(cards), 'guide')} on this topic.",
                _catalogue(lib, chunk, path),
                _pager(page_of, number, len(chunks)),
            ]
            description = f"Guides on {t.name}"
            pages.append(page_file(path, title, join_parts(parts), description, label=title))
    return pages


def related_section(lib: Library, slug: str) -> str:
    """The "Related guides" section that ends a guide's home page (Markdown), or ""."""
    related = lib.related.get(slug, [])
    if not related:
        return ""
    page = guide_home(slug)
    lines = ["## Related guides", ""]
    for r in related:
        c = lib.by_slug[r.slug]
        line = f"- [{escape_text(c.title)}]({_rel(guide_home(c.slug), page)})"
        if c.description:
            line += f"  \n  {escape_text(c.description)}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def home_overview(lib: Library, page: str = "index.md") -> str:
    """What the home page shows of the library: newest, recently updated, topics (Markdown)."""
    parts = []
    if lib.refused:
        parts.append(_refusals(lib))
    if newest := lib.newest(HOME_LIST):
        parts += ["## Newest guides", _catalogue(lib, newest, page)]
    if updated := lib.recently_updated(HOME_LIST):
        parts += ["## Recently updated", _catalogue(lib, updated, page)]
    if lib.topics:
        largest = sorted(lib.topics, key=lambda t: (-len(t.guides), natural(t.name)))
        shown = sorted(largest[:HOME_TOPICS], key=lambda t: natural(t.name))
        links = [
            f"[{escape_text(t.name)}]({_rel(topic_home(t.slug), page)}) ({len(t.guides)})"
            for t in shown
        ]
        more = f"[All {_plural(len(lib.topics), 'topic')}]({_rel(TOPICS_INDEX, page)})"
        parts += ["## Topics", " · ".join(links), more]
    index = _rel(index_page(1), page)
    parts.append(
        f"[Browse all {_plural(len(lib.cards), 'guide')}]({index}){{ .md-button .md-button--primary }}"
    )
    return join_parts(parts)


def catalog_json(lib: Library, url_of: Callable[[str], str]) -> str:
    """Every guide in library order, for the index filter: title, URL, facts, topics."""
    guides = [
        {
            "title": c.title,
            "url": url_of(guide_home(c.slug)),
            "description": c.description,
            "facts": facts(c),
            "topics": [[name, url_of(topic_home(lib.topic_of_name[name]))] for name in c.topics],
        }
        for c in lib.cards
    ]
    return json.dumps({"guides": guides}, ensure_ascii=False, separators=(",", ":"))


__all__ = [
    "HOME_LIST",
    "HOME_TOPICS",
    "PAGE_SIZE",
    "TOPICS_INDEX",
    "catalog_json",
    "facts",
    "home_overview",
    "index_page",
    "library_pages",
    "related_section",
]
