"""The library: every guide of a build in one order, its topics and its related guides.

Per article, `card()` keeps what the library needs of a guide (titles, description, counts,
topics, the addresses it is known by, the links its article made), small and JSON-ready so
the article cache can hold it. `Library` puts the cards of one build in order (by title),
groups them by topic and picks each guide's related guides. The pages that list them are
listings.py's.

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
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import SplitResult, urlsplit

from .model import Article, Guide, day
from .slugs import slugify, topic_slug

RELATED_MAX = 5
LINKED_MAX = 10
TOPIC_CANDIDATES = 200
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
        # not dataclasses.asdict: it copies each of the (many) links one by one; its
        # tuples are JSON lists as they are
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Card:
        values = dict(data)
        for key in ("topics", "own_urls"):
            values[key] = tuple(values.get(key, ()))
        values["links"] = tuple((target, tuple(keys)) for target, keys in data.get("links", ()))
        return cls(**values)


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
        lib = cls._ordered(cards, refused)
        lib._group_topics()
        lib.related = _related(lib)
        return lib

    @classmethod
    def _ordered(cls, cards: Iterable[Card], refused: Sequence[Refusal]) -> Library:
        """The cards in library order, with nothing worked out from them yet."""
        ordered = sorted(cards, key=order_key)
        return cls(ordered, refused=list(refused), by_slug={c.slug: c for c in ordered})

    def derived_json(self) -> dict[str, Any]:
        """What `of` worked out from the cards (topics, related guides), for `restored`."""
        return {
            "topics": [[t.slug, t.name, list(t.guides)] for t in self.topics],
            "topic_of_name": self.topic_of_name,
            "related": {
                slug: [[r.slug, list(r.reasons)] for r in chosen]
                for slug, chosen in self.related.items()
            },
        }

    @classmethod
    def restored(
        cls, cards: Iterable[Card], refused: Sequence[Refusal], derived: dict[str, Any]
    ) -> Library:
        """The library `of(cards, refused)` is, with what it works out taken from
        `derived_json` of an equal one. Raises KeyError, TypeError or ValueError for data
        `derived_json` did not make."""
        lib = cls._ordered(cards, refused)
        lib.topics = [Topic(slug, name, tuple(guides)) for slug, name, guides in derived["topics"]]
        lib.topic_of_name = dict(derived["topic_of_name"])
        lib.related = {
            slug: [Related(other, tuple(reasons)) for other, reasons in chosen]
            for slug, chosen in derived["related"].items()
        }
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
        self.topics = sorted(topics, key=lambda t: (natural(t.name), t.slug))

    def newest(self, n: int) -> list[Card]:
        """The `n` guides published last."""
        dated = [c for c in self.cards if c.date]
        return sorted(dated, key=lambda c: c.date, reverse=True)[:n]

    def recently_updated(self, n: int) -> list[Card]:
        """The `n` guides updated last (after they were published)."""
        changed = [c for c in self.cards if c.updated and c.updated != c.date]
        return sorted(changed, key=lambda c: c.updated, reverse=True)[:n]


def order_key(c: Card) -> tuple[list[object], str]:
    """Library order: by title, case-insensitive, numbers by value ("Part 9" before "10")."""
    return natural(c.title), c.slug


def natural(text: str) -> list[object]:
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
            if common := [names_of[t] for t in topics if slug in members[t]]:
                reasons.append("shares topics: " + ", ".join(common))
        out[c.slug] = [Related(s, tuple(r)) for s, r in chosen.items()]
    return out


def with_slug(c: Card, slug: str) -> Card:
    return replace(c, slug=slug)


__all__ = [
    "LINKED_MAX",
    "RELATED_MAX",
    "TOPIC_CANDIDATES",
    "Card",
    "Library",
    "Refusal",
    "Related",
    "Topic",
    "card",
    "link_keys",
    "link_targets",
    "names",
    "order_key",
    "with_slug",
]
