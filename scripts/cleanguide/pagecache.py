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

Only sites whose plugins are ones this module knows (`KNOWN_PLUGINS`) reuse pages: another
plugin could change a page in ways the key does not see.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache as cache_mod
from .diagnostics import logger
from .nav import titles_of

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
        """Page URL → its cached HTML, search entries, anchors and resolved links."""
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
        previous: Mapping[str, list[Any]],
    ) -> None:
        """Cache the pages built now, with their search entries; restore the others' in
        `index` (None: the site has no search index).

        `previous` holds the search entries of the index before this build, for the pages a
        dirty build skipped.
        """
        given = {url: list(entry["search"]) for url, entry in self.reused.items()} | self.ahead
        entries = index.merge(order, self.fresh, given, previous) if index is not None else {}
        for url, encoded in self.fresh.items():
            page = pages[url]
            assert page.converted is not None  # as output() found it
            self.cache.put_encoded("pages", _html_key(self.keys[url]), encoded)
            self.cache.put(
                "pages",
                self.keys[url],
                {
                    "search": entries.get(url, []),
                    "anchors": sorted(page.present_anchor_ids or ()),
                    "resolved": page.converted.resolved,
                },
            )


def _html_key(key: str) -> str:
    return cache_mod.key("html-of", key)


__all__ = [
    "KNOWN_PLUGINS",
    "REUSED_TEMPLATE_TEXT",
    "PageReuse",
    "page_key",
    "reusable",
    "site_signature",
]
