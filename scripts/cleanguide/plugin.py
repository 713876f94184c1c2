"""The MkDocs plugin: adapts MkDocs events to the pipeline, nothing more.

- on_startup: being defined makes MkDocs keep this plugin across `mkdocs serve` rebuilds,
  so its cache stays in memory between edits.
- on_config: resolve the content, cache and audit folders against mkdocs.yml's folder; add
  the library's stylesheet and script.
- on_files: run the pipeline; add its pages (kept out of the automatic navigation), its
  screenshots and the guides catalogue as generated files (nothing is written into docs/,
  so `mkdocs serve` never sees its own output and cannot loop).
- on_nav: the library's navigation (nav.py); on_page_context: each page's own sidebar.
- on_page_markdown: the library overview on the home page, where `<!-- cleanguide:library -->`
  stands; on_page_content: sanitise the HTML of generated pages.
- on_serve: watch content/ so an edited article rebuilds the site.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel

from . import pipeline
from .cache import Cache
from .diagnostics import condensed, log_diagnostic
from .images import FetchPolicy, ImageStore
from .library import TOPICS_DIR, catalog_json, home_overview, index_page
from .nav import GuideNav, LibraryNav, library_nav, sidebar
from .pages import GeneratedPage
from .render import GUIDES_DIR
from .sanitize import sanitize_html

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.livereload import LiveReloadServer
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.pages import Page
    from mkdocs.utils.templates import TemplateContext

log = logging.getLogger("mkdocs.plugins.cleanguide")

MARKER = "<!-- cleanguide:library -->"
"""Where the home page shows the library (newest and updated guides, topics)."""
CATALOG = f"{GUIDES_DIR}/catalog.json"
ASSETS = Path(__file__).resolve().parent / "assets"
ASSETS_DIR = "assets/cleanguide"


class CleanguideConfig(Config):  # type: ignore[no-untyped-call]
    content_dir = c.Type(str, default="content")
    """Folder of articles, relative to mkdocs.yml. Read only."""
    image_cache = c.Type(str, default=".cache/cleanguide/images")
    """Persistent screenshot cache (commit it to build offline)."""
    fetch_images = c.Type(bool, default=True)
    """Fetch screenshots into the cache; when off, pages keep the remote URLs."""
    offline = c.Type(bool, default=False)
    """Never touch the network: use cached screenshots only (also CLEANGUIDE_OFFLINE=1)."""
    audit_dir = c.Type(str, default="build/cleanguide")
    """Where the audit of every removal is written, outside the site."""
    build_cache = c.Type(str, default=".cache/cleanguide/build.sqlite")
    """What earlier builds made, so unchanged articles are not processed again ("" for none)."""


class CleanguidePlugin(BasePlugin[CleanguideConfig]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        self.root = Path.cwd()
        self.generated: set[str] = set()
        self.result: pipeline.BuildResult | None = None
        self.cache: Cache | None = None
        self.site: Navigation | None = None

    def _path(self, value: str) -> Path:
        return (self.root / value).resolve()

    def on_startup(self, *, command: str, dirty: bool) -> None:
        pass  # defined so that `mkdocs serve` keeps this instance (and its cache) alive

    def on_shutdown(self) -> None:
        if self.cache is not None:
            self.cache.close()
            self.cache = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self.root = Path(config.config_file_path or "mkdocs.yml").resolve().parent
        if not self._path(self.config.content_dir).is_dir():
            raise PluginError(
                f"cleanguide: content_dir {self.config.content_dir!r} is not a folder"
            )
        wanted = self._path(self.config.build_cache) if self.config.build_cache else None
        if self.cache is None or self.cache.path != wanted:
            if self.cache is not None:
                self.cache.close()
            self.cache = Cache(wanted)
        config.extra_css.append(f"{ASSETS_DIR}/cleanguide.css")
        config.extra_javascript.append(f"{ASSETS_DIR}/cleanguide.js")
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        store = None
        if self.config.fetch_images:
            policy = FetchPolicy.from_env(FetchPolicy(offline=self.config.offline))
            store = ImageStore(self._path(self.config.image_cache), policy)
        assert self.cache is not None
        self.cache.begin()
        result = pipeline.build(
            self._path(self.config.content_dir),
            image_store=store,
            cache=self.cache,
            site_name=config.site_name,
        )
        self.result = result
        own: dict[str, File] = {}
        for page in result.pages:
            file = File.generated(
                config, page.path, content=page.text, inclusion=InclusionLevel.NOT_IN_NAV
            )
            GeneratedPage(page, file, config)
            own[file.src_uri] = file
        self.generated = set(own)
        for site_path, image in result.images.items():
            own[site_path] = File.generated(config, site_path, abs_src_path=str(image.path))
        for asset in ("cleanguide.css", "cleanguide.js"):
            path = f"{ASSETS_DIR}/{asset}"
            own[path] = File.generated(config, path, abs_src_path=str(ASSETS / asset))
        urls = {uri: f.url for uri, f in own.items()}
        own[CATALOG] = File.generated(
            config, CATALOG, content=catalog_json(result.library, urls.__getitem__)
        )
        kept = []
        for file in files:
            if file.src_uri in own:
                log.info("cleanguide: generated %s replaces the file in docs/", file.src_uri)
            else:
                kept.append(file)
        self._report(result)
        return Files([*kept, *own.values()])

    def _report(self, result: pipeline.BuildResult) -> None:
        for article in result.articles:
            for diag in condensed(article.diagnostics):
                log_diagnostic(log, diag)
            for failure in article.image_failures:
                # INFO, not WARNING: an offline build must still pass --strict
                log.info(
                    "cleanguide: %s: screenshot left remote: %s (%s)",
                    article.source,
                    failure.url,
                    failure.reason,
                )
        try:
            pipeline.write_audit(result, self._path(self.config.audit_dir))
        except OSError as exc:
            log.warning("cleanguide: could not write the audit: %s", exc)
        log.info("%s", result.summary())
        if result.refused:
            names = ", ".join(a.source for a in result.refused)
            log.error("cleanguide: %d article(s) refused: %s", len(result.refused), names)

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation:
        assert self.result is not None

        def page(path: str) -> Page:
            file = files.get_file_from_path(path)
            assert file is not None and file.page is not None, path
            return file.page

        lib = self.result.library
        more = [p for p in self.generated if p.startswith(f"{GUIDES_DIR}/page-")]
        topics = [
            p
            for p in self.generated
            if p.startswith(f"{TOPICS_DIR}/") and p != f"{TOPICS_DIR}/index.md"
        ]
        shape = LibraryNav(
            index=page(index_page(1)),
            guides=[
                GuideNav([page(p) for p in self.result.guide_pages[c.slug]]) for c in lib.cards
            ],
            topics_index=page(f"{TOPICS_DIR}/index.md"),
            more_index_pages=[page(p) for p in sorted(more)],
            topic_pages=[page(p) for p in sorted(topics)],
        )
        self.site = library_nav(nav, shape, home_label=config.nav is None)
        return self.site

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if MARKER in markdown and self.result is not None:
            overview = home_overview(self.result.library, page.file.src_uri)
            return markdown.replace(MARKER, overview, 1)
        return markdown

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if page.file.src_uri in self.generated:
            return sanitize_html(html)
        return html

    def on_page_context(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        context["nav"] = sidebar(nav, page)
        return context

    def on_template_context(
        self, context: TemplateContext, /, *, template_name: str, config: MkDocsConfig
    ) -> TemplateContext | None:
        if self.site is not None:
            context["nav"] = sidebar(self.site, None)
        return context

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.cache is not None:
            self.cache.sweep()

    def on_build_error(self, *, error: Exception) -> None:
        if self.cache is not None:
            self.cache.commit()

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer | None:
        server.watch(str(self._path(self.config.content_dir)))
        return server


__all__ = ["MARKER", "CleanguideConfig", "CleanguidePlugin"]
