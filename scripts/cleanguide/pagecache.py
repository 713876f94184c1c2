"""A generated page's finished HTML, reused when nothing it was made from has changed.

After Markdown, most of a page's build time is Material's template (and the search and
lightbox plugins reading the result). A library page's output depends on: its content
(the cache key of its converted HTML), its title and front matter, its sidebar (the top
level and its own guide), its previous and next pages, its breadcrumbs, the URLs of the
local pages it links to, and the site (mkdocs.yml and what it resolves to, the theme and
its overrides, the plugins' settings, the versions of MkDocs, Material, the extensions and
this package). `page_key` digests it. When an earlier build wrote a page under the same
key, `PageReuse` marks the page reused (pages.py): it goes through MkDocs' loop with an
empty template and no content, and its HTML and search entries come from the cache.

- `PageReuse.decide` (on_nav, before MkDocs reads any page): reuse, or build as usual;
- `PageReuse.output` (on_post_page, after every other plugin): the cached HTML, or the new
  HTML kept with its key;
- `PageReuse.finish` (on_post_build, after the search plugin wrote its index): the new
  pages' search entries are cached and the reused pages' entries put back, in page order,
  so the index is the one a build without the cache writes.

A page's search entries are cached apart from its record, and read only when the search
index is made again: when a build would make the very index the site holds (the same
pages in the same order, each under the same key, the same entries for the others, the
same settings), that file is written back as it was. A no-op build of 1,000 articles
otherwise decoded 4,000 pages' entries, the site's index before it (`--dirty`) and encoded
the 12 MB index again.

Only sites whose plugins are ones this module knows (`KNOWN_PLUGINS`) reuse pages: another
plugin could change a page in ways the key does not see.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence, Set
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache as cache_mod
from .diagnostics import logger
from .nav import titles_of
from .searchindex import entries_of

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure import StructureItem
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.pages import Page

    from .cache import Cache
    from .pages import GeneratedPage
    from .searchindex import SearchIndex

log = logger(__name__)

REUSED_TEMPLATE_TEXT = "<!doctype html><html><head></head><body></body></html>"
KNOWN_PLUGINS = {
    "cleanguide": "cleanguide.plugin",
    "search": "material.plugins.search.plugin",
    "material/search": "material.plugins.search.plugin",
    "glightbox": "mkdocs_glightbox.plugin",
}
"""Plugin name → the module its class must come from for pages to be reused."""
_VERSIONED = ("mkdocs", "mkdocs-material", "jinja2", "mkdocs-glightbox", "pymdown-extensions")


def reusable(config: MkDocsConfig) -> bool:
    """Whether this site's pages can be reused: every plugin is one this module knows."""
    for name, plugin in config.plugins.items():
        module = KNOWN_PLUGINS.get(name)
        if module is None or type(plugin).__module__ != module:
            return False
    return True


def site_signature(config: MkDocsConfig) -> str:
    """A digest of everything site-wide that a page's HTML depends on."""
    digest = hashlib.sha256()
    if config.config_file_path and os.path.isfile(config.config_file_path):
        digest.update(Path(config.config_file_path).read_bytes())
    skip = {"plugins", "theme", "extra", "validation", "dev_addr", "watch", "strict", "pages"}
    skip |= {"config_file_path", "site_dir", "docs_dir"}  # where, not what
    settings = {k: v for k, v in config.items() if k not in skip}
    settings["theme"] = {"name": config.theme.name, **dict(config.theme)}
    settings["extra"] = dict(config.extra)
    settings["plugins"] = {name: dict(p.config) for name, p in config.plugins.items()}
    digest.update(json.dumps(settings, sort_keys=True, default=_plain).encode())
    for folder in config.theme.dirs:
        if folder == config.theme.custom_dir:  # the site's own overrides: by content
            for path in sorted(Path(folder).rglob("*")):
                if path.is_file():
                    digest.update(path.as_posix().encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(cache_mod.versions(_VERSIONED)).encode())
    digest.update(cache_mod.code_version().encode())
    return digest.hexdigest()


def _plain(value: object) -> object:
    if isinstance(value, (set, frozenset)):
        return sorted(str(v) for v in value)
    if hasattr(value, "items"):
        return dict(value.items())
    if type(value).__str__ is not object.__str__ and not callable(value):
        return str(value)
    kind = value if callable(value) else type(value)
    return f"{getattr(kind, '__module__', '')}.{getattr(kind, '__qualname__', '')}"


def _leaf(item: StructureItem) -> str:
    """The URL an item links to in breadcrumbs: a section links to its first page."""
    children = getattr(item, "children", None)
    if children:
        return _leaf(children[0])
    return str(getattr(item, "url", ""))


def page_key(site: str, content: str, page: Page, meta: Any, view: Navigation) -> str:
    """The digest of everything this page's finished HTML is made from.

    `site` is `site_signature`, `content` the key of the page's converted HTML, `meta` its
    front matter and `view` the navigation it shows (`nav.sidebar`).
    """

    def named(p: Page | None) -> list[str]:
        return [str(p.title), p.url] if p is not None else []

    parts = {
        "page": [page.file.src_uri, page.url, page.canonical_url or "", str(page.title)],
        "meta": meta,
        "sidebar": titles_of(view.items),
        "trail": [[str(a.title), _leaf(a)] for a in page.ancestors],
        "home": named(view.homepage),
        "previous": named(page.previous_page),
        "next": named(page.next_page),
    }
    return cache_mod.key("page", site, content, json.dumps(parts, sort_keys=True, default=_plain))


class PageReuse:
    """Which generated pages one build reuses, and what it learns of the others."""

    def __init__(self, cache: Cache, config: MkDocsConfig) -> None:
        self.cache = cache
        self.site = site_signature(config)
        self.keys: dict[str, str] = {}
        """Page URL → its key, for every generated page of this build."""
        self.reused: dict[str, dict[str, Any]] = {}
        """Page URL → its cached record: anchors and resolved links."""
        self.fresh: dict[str, bytes] = {}
        """Page URL → the HTML built this time, encoded for the cache as soon as it is made
        (by the process that made it), cached once its search entries are known."""
        self.ahead: dict[str, list[Any]] = {}
        """Page URL → the search entries of a page rendered ahead (prerender.py)."""

    def decide(
        self, page: GeneratedPage, content: str, view: Navigation, urls: Mapping[str, str]
    ) -> bool:
        """Mark `page` reused if an earlier build made it from the same things."""
        key = page_key(self.site, content, page, page.source.meta, view)
        self.keys[page.url] = key
        entry = self.cache.get("pages", key)
        if entry is not None and all(urls.get(u) == v for u, v in entry["resolved"].items()):
            page.reused = entry
            self.reused[page.url] = entry
            self.cache.touch("pages", _html_key(key))  # read only if the page is written
            self.cache.touch("pages", _search_key(key))  # only if the index is made again
            # and its conversion kept: a later build whose page key changes (the theme, its
            # sidebar) converts it no more than this one did
            self.cache.touch("pages", content)
            return True
        return False

    def discard(self, page: Page) -> None:
        """Neither reuse `page` nor keep it for later builds (it stands in for a refusal)."""
        self.keys.pop(page.url, None)  # and not recorded as written (dirty builds)
        self.reused.pop(page.url, None)

    def output(self, page: Page, html: str) -> str:
        if page.url in self.reused:
            cached = self.cache.get("pages", _html_key(self.keys[page.url]))
            if cached is not None:
                return str(cached)
            log.warning("cleanguide: %s: cached page lost; rebuild to restore it", page.url)
            return html
        if self._kept(page):
            self.fresh[page.url] = cache_mod.encode(html)
        return html

    def _kept(self, page: Page) -> bool:
        # unless discarded (a refusal) or rendered by MkDocs (no conversion to check)
        return page.url in self.keys and getattr(page, "converted", None) is not None

    def adopt(self, page: Page, encoded: bytes, search: list[Any]) -> None:
        """`page` was rendered ahead (prerender.py), its HTML `encoded` for the cache, with
        these search entries: kept as a page built now."""
        self.ahead[page.url] = search
        if self._kept(page):
            self.fresh[page.url] = encoded

    def finish(
        self,
        index: SearchIndex | None,
        order: Sequence[str],
        pages: Mapping[str, GeneratedPage],
        before: bytes | None,
        skipped: Set[str],
    ) -> bool:
        """Cache the pages built now, with their search entries; make `index` whole and
        write it (None: the site has no search index). Return whether the index is the one
        the site had `before` this build, written back as it was.

        The pages of `skipped` (URLs: the pages of docs/ a `--dirty` build's loop did not
        build) keep their entries of the index `before`.
        """
        same, entries = self._whole_index(index, order, before, skipped)
        for url, encoded in self.fresh.items():  # (none when the index is the same)
            page = pages[url]
            assert page.converted is not None  # as output() found it
            self.cache.put_encoded("pages", _html_key(self.keys[url]), encoded)
            self.cache.put("pages", _search_key(self.keys[url]), entries.get(url, []))
            self.cache.put(
                "pages",
                self.keys[url],
                {
                    "anchors": sorted(page.present_anchor_ids or ()),
                    "resolved": page.converted.resolved,
                },
            )
        return same

    def _whole_index(
        self,
        index: SearchIndex | None,
        order: Sequence[str],
        before: bytes | None,
        skipped: Set[str],
    ) -> tuple[bool, dict[str, list[Any]]]:
        """Write `index` whole: the file `before` if this build would make it again (then
        True), else made again here (False, and the entries of the pages built now)."""
        if index is None:
            return False, {}
        written = index.by_page()
        made_of = self._index_key(index, order, written, skipped)
        record_key = _index_record_key(str(index.path))
        record = self.cache.get("pages", record_key)
        if (
            not self.fresh
            and before is not None
            and record == {"key": made_of, "digest": _digest(before)}
        ):
            index.keep(before)
            index.save()
            return True, {}
        kept = {url for url in order if url in skipped and url not in written}
        previous = entries_of(before) if kept else {}
        entries = self._merge(
            index, order, written, {u: previous[u] for u in kept & previous.keys()}
        )
        self.cache.put("pages", record_key, {"key": made_of, "digest": _digest(index.save())})
        return False, entries

    def _index_key(
        self,
        index: SearchIndex,
        order: Sequence[str],
        written: Mapping[str, Any],
        skipped: Set[str],
    ) -> str:
        """The digest of what the whole index is made of: its settings and, page by page,
        the page's key (its entries are made of what the key is), else its entries as the
        plugin or a fork wrote them, else those of the index before (`skipped`) or none."""
        config = index.data.get("config") if isinstance(index.data, dict) else None
        plan: list[Any] = []
        for url in order:
            made_of = self.keys.get(url) or written.get(url) or self.ahead.get(url)
            plan.append([url, made_of or ("before" if url in skipped else None)])
        return cache_mod.key("search-index", json.dumps([config, plan], default=str))

    def _merge(
        self,
        index: SearchIndex,
        order: Sequence[str],
        written: Mapping[str, list[Any]],
        previous: Mapping[str, list[Any]],
    ) -> dict[str, list[Any]]:
        """`index` made whole (`SearchIndex.merge`) with the cached entries of the reused
        pages; the entries of the pages built now."""
        given = dict(self.ahead)
        for url in order:
            if url in self.reused and url not in written:
                found = self.cache.get("pages", _search_key(self.keys[url]))
                if found is None:
                    log.warning("cleanguide: %s: cached search entries lost; rebuild", url)
                given[url] = list(found or [])
        return index.merge(order, self.fresh, given, previous)


def _html_key(key: str) -> str:
    return cache_mod.key("html-of", key)


def _search_key(key: str) -> str:
    return cache_mod.key("search-of", key)


def _index_record_key(index_path: str) -> str:
    """Where the key and digest of the search index last written at `index_path` are."""
    return cache_mod.key("search-index-at", os.path.abspath(index_path))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


__all__ = [
    "KNOWN_PLUGINS",
    "REUSED_TEMPLATE_TEXT",
    "PageReuse",
    "page_key",
    "reusable",
    "site_signature",
]
