"""The library: every guide of a build in one order, its topics, related guides and lists.

Per article, `card()` keeps what the library needs of a guide (titles, description, counts,
topics, the addresses it is known by, the links its article made), small and JSON-ready so
the article cache can hold it. `Library` puts the cards of one build in order (by title),
groups them by topic and picks each guide's related guides; `library_pages()` writes the
guides index, the topic pages and the catalogue the index filter reads, and
`home_overview()` what the home page shows. Every list is paged or capped, so no page grows
with the number of guides.

Related guides (the audit keeps why each was chosen):

1. every guide the article pointed to, up to `LINKED_MAX`: a link (a kept one or one of a
   removed link farm) whose URL's last path segment names another article of the library
   (its file-name slug or its title's slug, compared letters and digits only), or whose
   URL is another article's front-matter `url` or `source`;
2. then, up to `RELATED_MAX` guides in all, the guides sharing the most topics with it,
   the most recently updated first. A topic of more than `TOPIC_CANDIDATES` guides offers
   only its most recently updated ones, which keeps the work per guide bounded.
"""

from __future__ import annotations

import heapq
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from urllib.parse import SplitResult, urlsplit

from .defaults import GUIDES_DIR, TOPICS_DIR, guide_home, topic_home
from .model import Article, Guide, day
from .pagefile import PageFile, escape_text, join_parts, page_file
from .slugs import slugify, topic_slug

PAGE_SIZE = 50
"""Guides per page of the guides index and of a topic page."""
RELATED_MAX = 5
LINKED_MAX = 10
TOPIC_CANDIDATES = 200
HOME_LIST = 6
"""Guides in each list of the home page (newest, recently updated)."""
HOME_TOPICS = 24
"""Topics on the home page (the largest); the topics index lists them all."""
_LINKS_KEPT = 500
"""Links remembered per article for matching; a link farm rarely has more than 60."""

_LINK_TARGET = re.compile(
    r"\]\(\s*<?([^)\s>]+)"  # Markdown [text](target)
    r"|\bhref\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))",  # HTML href="target"
    re.IGNORECASE,
)
_PAGE_SUFFIX = re.compile(r"\.(?:html?|php|aspx?|md|markdown)$", re.IGNORECASE)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_DIGITS = re.compile(r"(\d+)")


# --- cards --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Card:
    """What the library knows of one guide, without its pages."""

    source: str
    """The article's path in the content folder."""
    slug: str
    """The guide's folder under guides/ (unique in the build)."""
    title: str
    short_title: str
    description: str
    date: str
    """Publication date, ISO (YYYY-MM-DD), or empty."""
    updated: str
    """Last update, ISO, or empty (then the date counts as the last update)."""
    topics: tuple[str, ...]
    methods: int
    steps: int
    own_urls: tuple[str, ...] = ()
    """The article's own addresses from its front matter (`url`, `source`)."""
    links: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Every link target of the article (removed ones included, in order, once each) that
    could name an article, with the keys it names it by (`link_keys`)."""
    lang: str = ""
    """The guide's language (`Guide.lang`), "" for the site's."""

    @property
    def last_change(self) -> str:
        return self.updated or self.date

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Card:
        fields = dict(data)
        for key in ("topics", "own_urls"):
            fields[key] = tuple(fields.get(key, ()))
        fields["links"] = tuple((target, tuple(keys)) for target, keys in data.get("links", ()))
        return cls(**fields)


def card(guide: Guide, article: Article) -> Card:
    """The card of a guide built from `article` (links are read from the original body)."""
    own = tuple(url for url in (article.meta.url, article.meta.source) if url)
    return Card(
        source=guide.source,
        slug=guide.slug,
        title=guide.title,
        short_title=guide.short_title or guide.title,
        description=guide.description,
        date=day(guide.date),
        updated=day(guide.updated),
        topics=guide.topics,
        methods=len(guide.methods),
        steps=guide.step_count,
        own_urls=own,
        links=tuple(
            (target, tuple(keys))
            for target in link_targets(article.body)
            if (keys := link_keys(target))
        ),
        lang=guide.lang,
    )


def link_targets(text: str) -> tuple[str, ...]:
    """Link targets in Markdown and HTML, in order, each once (at most `_LINKS_KEPT`)."""
    seen: dict[str, None] = {}
    for m in _LINK_TARGET.finditer(text):
        target = next(g for g in m.groups() if g is not None).strip()
        if target and not target.startswith(("#", "mailto:", "javascript:", "data:")):
            seen.setdefault(target, None)
            if len(seen) >= _LINKS_KEPT:
                break
    return tuple(seen)


def _compact(text: str) -> str:
    return _NOT_ALNUM.sub("", text.lower())


def _address(parts: SplitResult) -> str | None:
    """A URL compared without scheme, `www.`, query, fragment or trailing slash."""
    host = (parts.hostname or "").removeprefix("www.")
    return "url:" + host + parts.path.rstrip("/") if host else None


def _url_key(url: str) -> str | None:
    try:
        return _address(urlsplit(url if "//" in url else "//" + url))
    except ValueError:
        return None


def _segment_key(path: str) -> str | None:
    """The last segment of a link's path, as letters and digits, if it can name an article.

    A segment of one word ("windows", "index") names a folder or a tag page far more often
    than an article, so only segments of two words or more count.
    """
    segment = _PAGE_SUFFIX.sub("", path.rstrip("/").rsplit("/", 1)[-1])
    words = [w for w in _NOT_ALNUM.split(segment.lower()) if w]
    return "seg:" + "".join(words) if len(words) >= 2 else None


def names(c: Card) -> list[str]:
    """The keys a link can name this guide by."""
    keys = ["seg:" + _compact(c.slug), "seg:" + _compact(slugify(c.title, max_bytes=1000))]
    for url in c.own_urls:
        if key := _url_key(url):
            keys.append(key)
    return keys


def link_keys(target: str) -> list[str]:
    """The keys a link can name an article by: its last path segment, and its address."""
    try:
        parts = urlsplit(target)
    except ValueError:
        return []
    keys = []
    if key := _segment_key(parts.path):
        keys.append(key)
    if parts.netloc and (key := _address(parts)):
        keys.append(key)
    return keys


# --- the library ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    name: str
    guides: tuple[str, ...]
    """Slugs of its guides, in library order."""


@dataclass(frozen=True, slots=True)
class Related:
    slug: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Refusal:
    """An article that could not be built: shown on the guides index while previewing."""

    source: str
    message: str


@dataclass(slots=True)
class Library:
    """The cards of one build in library order, their topics and related guides."""

    cards: list[Card]
    topics: list[Topic] = field(default_factory=list)
    """Every topic, A to Z."""
    topic_of_name: dict[str, str] = field(default_factory=dict)
    """Topic name (as an article spells it) → topic slug."""
    related: dict[str, list[Related]] = field(default_factory=dict)
    refused: list[Refusal] = field(default_factory=list)
    by_slug: dict[str, Card] = field(default_factory=dict)

    @classmethod
    def of(cls, cards: Iterable[Card], refused: Sequence[Refusal] = ()) -> Library:
        ordered = sorted(cards, key=order_key)
        lib = cls(ordered, refused=list(refused), by_slug={c.slug: c for c in ordered})
        lib._group_topics()
        lib.related = _related(lib)
        return lib

    def _group_topics(self) -> None:
        members: dict[str, list[str]] = {}
        spellings: dict[str, Counter[str]] = {}
        for c in self.cards:
            for name in c.topics:
                slug = topic_slug(name)
                spellings.setdefault(slug, Counter())[name] += 1
                if c.slug not in members.setdefault(slug, []):
                    members[slug].append(c.slug)
        for slug in members:
            for spelling in spellings[slug]:
                self.topic_of_name[spelling] = slug
        topics = [
            Topic(slug, spellings[slug].most_common(1)[0][0], tuple(guides))
            for slug, guides in members.items()
        ]
        self.topics = sorted(topics, key=lambda t: (_natural(t.name), t.slug))

    def newest(self, n: int = HOME_LIST) -> list[Card]:
        dated = [c for c in self.cards if c.date]
        return sorted(dated, key=lambda c: c.date, reverse=True)[:n]

    def recently_updated(self, n: int = HOME_LIST) -> list[Card]:
        changed = [c for c in self.cards if c.updated and c.updated != c.date]
        return sorted(changed, key=lambda c: c.updated, reverse=True)[:n]


def order_key(c: Card) -> tuple[list[object], str]:
    """Library order: by title, case-insensitive, numbers by value ("Part 9" before "10")."""
    return _natural(c.title), c.slug


def _natural(text: str) -> list[object]:
    return [int(p) if p.isdigit() else p for p in _DIGITS.split(text.casefold())]


def _related(lib: Library) -> dict[str, list[Related]]:
    owner: dict[str, str] = {}
    for c in lib.cards:
        for key in names(c):
            owner.setdefault(key, c.slug)
    recency = sorted(lib.cards, key=lambda c: c.last_change, reverse=True)
    rank = {c.slug: i for i, c in enumerate(recency)}
    candidates = {
        t.slug: sorted(t.guides, key=rank.__getitem__)[:TOPIC_CANDIDATES] for t in lib.topics
    }
    members = {t.slug: set(t.guides) for t in lib.topics}
    names_of = {t.slug: t.name for t in lib.topics}
    out: dict[str, list[Related]] = {}
    for c in lib.cards:
        topics = list(dict.fromkeys(lib.topic_of_name[name] for name in c.topics))

        def shares(slug: str, topics: list[str] = topics) -> str:
            common = [names_of[t] for t in topics if slug in members[t]]
            return "shares topics: " + ", ".join(common) if common else ""

        chosen: dict[str, list[str]] = {}
        for target, keys in c.links:
            if len(chosen) >= LINKED_MAX:
                break
            for key in keys:
                slug = owner.get(key)
                if slug and slug != c.slug and slug not in chosen:
                    chosen[slug] = [f"the article links to it: {target}"]
        counts: Counter[str] = Counter()
        for t in topics:
            counts.update(candidates[t])
        counts.pop(c.slug, None)
        wanted = RELATED_MAX + len(chosen)
        for slug in heapq.nsmallest(wanted, counts, key=lambda s: (-counts[s], rank[s])):
            if slug not in chosen and len(chosen) < RELATED_MAX:
                chosen[slug] = []
        for slug, reasons in chosen.items():
            if reason := shares(slug):
                reasons.append(reason)
        out[c.slug] = [Related(s, tuple(r)) for s, r in chosen.items()]
    return out


# --- pages ---------------------------------------------------------------------------------


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
    meta = [escape_text(facts(c))] if facts(c) else []
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

    path = f"{TOPICS_DIR}/index.md"
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
    if newest := lib.newest():
        parts += ["## Newest guides", _catalogue(lib, newest, page)]
    if updated := lib.recently_updated():
        parts += ["## Recently updated", _catalogue(lib, updated, page)]
    if lib.topics:
        largest = sorted(lib.topics, key=lambda t: (-len(t.guides), _natural(t.name)))
        shown = sorted(largest[:HOME_TOPICS], key=lambda t: _natural(t.name))
        links = [
            f"[{escape_text(t.name)}]({_rel(topic_home(t.slug), page)}) ({len(t.guides)})"
            for t in shown
        ]
        more = f"[All {_plural(len(lib.topics), 'topic')}]({_rel(f'{TOPICS_DIR}/index.md', page)})"
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


def with_slug(c: Card, slug: str) -> Card:
    return replace(c, slug=slug)


__all__ = [
    "HOME_LIST",
    "LINKED_MAX",
    "PAGE_SIZE",
    "RELATED_MAX",
    "TOPIC_CANDIDATES",
    "Card",
    "Library",
    "Refusal",
    "Related",
    "Topic",
    "card",
    "catalog_json",
    "facts",
    "guide_home",
    "home_overview",
    "index_page",
    "library_pages",
    "link_keys",
    "link_targets",
    "names",
    "order_key",
    "related_section",
    "topic_home",
    "with_slug",
]
