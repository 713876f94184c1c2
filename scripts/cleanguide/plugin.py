"""The MkDocs plugin: adapts MkDocs events to the pipeline, nothing more.

- on_startup: being defined makes MkDocs keep this plugin across `mkdocs serve` rebuilds,
  so its cache stays in memory between edits; notes a `--dirty` build.
- on_pre_build, on_files: a plain `mkdocs build` moves the library's folders of the site
  aside while MkDocs empties it, and back (keep.py).
- on_config: resolve the content, cache and audit folders against mkdocs.yml's folder; add
  the library's stylesheet and script.
- on_files: run the pipeline; add its pages (kept out of the automatic navigation), its
  screenshots and the guides catalogue as generated files (nothing is written into docs/,
  so `mkdocs serve` never sees its own output and cannot loop).
- on_nav: the library's navigation (nav.py); then, per generated page, reuse its HTML from
  an earlier build (pagecache.py) or convert its Markdown ahead of MkDocs' loop
  (convert.py), in worker processes that stop a page past its article's budget
  (budget.py): such an article is refused, its pages say so. on_page_context gives each
  page its own sidebar.
- on_env: Material's search divides pages into sections with searchsections.py; in a cold
  `mkdocs build`, fork a process that renders and writes a share of the generated pages
  beside MkDocs' loop (prerender.py); on_post_page takes their HTML for the page cache,
  and gives MkDocs nothing to write.
- on_page_markdown: the library overview on the home page, where `<!-- cleanguide:library -->`
  stands; on_page_content: sanitise the HTML of generated pages MkDocs converted itself.
- on_post_page, on_post_build: a page's HowTo JSON-LD (structured.py); the reused pages'
  HTML; the search index made whole, with the languages of the guides. A generated page
  whose finished HTML is already in place is not written again (pages.GeneratedFile: a
  `--dirty` build skips it altogether); after a `--dirty` build the pages of removed
  articles are deleted, after a plain one every file of the kept folders the build did not
  make.
- on_serve: watch content/ so an edited article rebuilds the site.

(One concern, one file: every handler reads the plugin's state of the build in progress,
the pipeline's result, the generated pages, the cache; the work itself is in the modules
named above.)
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
from collections.abc import Sequence
from html import escape as html_escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files

from . import forks, pipeline
from .audit import write_audit
from .budget import ARTICLE_SECONDS, allowance, in_words
from .cache import Cache
from .cache import key as cache_key
from .convert import Conversion, Converted, Setup, content_key, convert_all, finish_html
from .defaults import (
    ASSETS_DIR,
    AUDIT_DIR,
    BUILD_CACHE,
    CONTENT_DIR,
    CONTENT_FILES_DIR,
    GUIDES_DIR,
    IMAGE_CACHE,
    IMAGES_DIR,
    TOPICS_DIR,
)
from .diagnostics import Diagnostic, PageSources, Severity, condensed, log_diagnostic, logger
from .images import FetchPolicy, ImageStore
from .keep import Kept, Written, copy_key, prune, remove
from .languages import LANG_META, mark_language, site_languages
from .listings import TOPICS_INDEX, catalog_json, home_overview, index_page
from .nav import LibraryNav, library_nav, sidebar
from .pagecache import REUSED_TEMPLATE_TEXT, PageReuse, reusable
from .pages import REUSED_TEMPLATE, CopiedFile, GeneratedFile, GeneratedPage
from .prerender import Prerender, WrittenAhead
from .searchindex import SEARCH_PLUGINS, SearchIndex, index_bytes
from .searchsections import read_pages_with_sections
from .structured import HOWTO_META, add_to_head, script_element
from .workers import Pool

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.livereload import LiveReloadServer
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.pages import Page
    from mkdocs.utils.templates import TemplateContext

log = logger(__name__)
MKDOCS_BUILD_LOGGER = "mkdocs.commands.build"
MKDOCS_LOGGERS = ("mkdocs.structure.pages", MKDOCS_BUILD_LOGGER)
"""Where MkDocs says what is wrong with a page: its messages about ours name the article."""

TEMPLATES_CACHE = "templates"
"""The theme's compiled templates (Jinja's bytecode cache), beside the build cache."""
MARKER = "<!-- cleanguide:library -->"
"""Where the home page shows the library (newest and updated guides, topics)."""
CATALOG = f"{GUIDES_DIR}/catalog.json"
KEPT_FOLDERS = (GUIDES_DIR, TOPICS_DIR, IMAGES_DIR, CONTENT_FILES_DIR)
"""The site's folders that hold only what this plugin makes: a plain build keeps them."""
_IN_KEPT_FOLDER = tuple(f"{folder}/" for folder in KEPT_FOLDERS)
ASSETS = Path(__file__).resolve().parent / "assets"
ASSET_FILES = ("cleanguide.css", "cleanguide.js")
LIGHTBOX_FILES = ("glightbox.min.js", "glightbox.min.css")
"""The zoom view's files, taken from the installed mkdocs-glightbox package at build time;
cleanguide.js loads them once the page is shown, only on pages with a screenshot."""


def lightbox_assets() -> dict[str, Path]:
    """Site path → the installed file, for each of the zoom view's files."""
    spec = importlib.util.find_spec("mkdocs_glightbox")
    if spec is None or not spec.submodule_search_locations:
        raise PluginError("cleanguide: the mkdocs-glightbox package is not installed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "glightbox"
    return {f"{ASSETS_DIR}/{name}": folder / name for name in LIGHTBOX_FILES}


class CleanguideConfig(Config):  # type: ignore[no-untyped-call]
    content_dir = c.Type(str, default=CONTENT_DIR)
    """Folder of articles, relative to mkdocs.yml. Read only."""
    image_cache = c.Type(str, default=IMAGE_CACHE)
    """Persistent screenshot cache (commit it to build offline)."""
    fetch_images = c.Type(bool, default=True)
    """Fetch screenshots into the cache; when off, pages keep the remote URLs."""
    offline = c.Type(bool, default=False)
    """Never touch the network: use cached screenshots only (also CLEANGUIDE_OFFLINE=1)."""
    allow_loopback = c.Type(bool, default=False)
    """Fetch screenshots from servers on this machine too (127.0.0.1, ::1): for tests. Other
    non-public addresses are always refused."""
    audit_dir = c.Type(str, default=AUDIT_DIR)
    """Where the audit of every removal is written, outside the site."""
    build_cache = c.Type(str, default=BUILD_CACHE)
    """What earlier builds made, so unchanged articles and pages are not made again ("" for
    none; safe to delete)."""
    reuse_pages = c.Type(bool, default=True)
    """Reuse a generated page's HTML when nothing it is made of changed (pagecache.py);
    only on sites whose plugins it knows."""
    convert_ahead = c.Type(bool, default=True)
    """Convert generated pages to HTML before MkDocs' page loop, in parallel and cached
    (convert.py); off, MkDocs converts each page in its loop (and no budget stops it)."""
    render_ahead = c.Type(bool, default=True)
    """Render generated pages with the theme in forked processes alongside MkDocs' loop
    (prerender.py), where that is safe: `mkdocs build` on Linux with known plugins."""
    article_budget = c.Type((int, float), default=ARTICLE_SECONDS)
    """CPU seconds one article may take, the conversion of its pages included; an article
    that takes longer (to read, clean and structure, or its pages to convert) is stopped
    and refused."""


class CleanguidePlugin(BasePlugin[CleanguideConfig]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        self.root = Path.cwd()
        self.result: pipeline.BuildResult | None = None
        self.cache: Cache | None = None
        self.generated: dict[str, GeneratedPage] = {}
        """src_uri → page, for the pages of this build."""
        self.site: Navigation | None = None
        self.setup: Setup | None = None
        self.urls: dict[str, str] = {}
        self.reuse: PageReuse | None = None
        self.order: list[str] = []
        """Every page's URL in the order MkDocs builds them (for the search index)."""
        self.skipped: set[str] = set()
        """The URLs of the pages of docs/ a `--dirty` build's loop does not build."""
        self.dirty = False
        self.serving = False
        self.one_shot = False
        self.written = Written()
        """What generated page is at each destination (`--dirty` and kept builds)."""
        self.kept = Kept()
        """The library's folders of the site a plain build keeps (keep.py)."""
        self.files: Files | None = None
        """The site's files in this build."""
        self.before: bytes | None = None
        """The site's search index before this build (when pages are reused)."""
        self.site_lang = "en"
        """The theme's language: the first language of search."""
        self.pool: Pool | None = None
        """Worker processes that convert pages (kept across `mkdocs serve` rebuilds)."""
        self.article_of: dict[str, pipeline.ArticleResult] = {}
        """Generated page (src_uri) → the article it came from."""
        self.page_sources = PageSources()
        self.ahead = Prerender()
        """The processes rendering pages ahead of MkDocs' loop in this build."""
        self.written_ahead = WrittenAhead()

    def _path(self, value: str) -> Path:
        return (self.root / value).resolve()

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # defined so that `mkdocs serve` keeps this instance (and its cache) alive
        self.dirty = dirty
        self.serving = command == "serve"
        # MkDocs calls these two hooks from its command line only, around the command: the
        # process ends after the shutdown of a build or a deployment (and of `serve --clean`,
        # whose command is "build"), so what the build made is left to the exit
        self.one_shot = command in ("build", "gh-deploy")
        forks.reclaim()  # (the objects of a build before, should this process build again)

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        # (read before MkDocs empties the site: a build that makes it again writes it back)
        self.before = index_bytes(config.site_dir) if self._reuses(config) else None
        keeping = not self.dirty and not self.serving and self._reuses(config)
        if (self.dirty or keeping) and not self.written.records and self.cache is not None:
            self.written = Written(self.cache.get("pages", self._written_key(config)))
        if keeping:  # out of the way of MkDocs' emptying of the site, back in on_files
            self.kept.aside(config.site_dir, KEPT_FOLDERS)
        else:
            Kept.clear(config.site_dir)
        # Material's search merges its last index into a dirty build's, assuming a single
        # changed page; on_post_build makes the index whole itself (pagecache.py).
        for name in SEARCH_PLUGINS:
            search = config.plugins.get(name)
            if search is not None and hasattr(search, "search_index_prev"):
                search.search_index_prev = None

    def on_shutdown(self) -> None:
        self.ahead.close()
        forks.thaw()
        if self.cache is not None:
            self.cache.close()
            self.cache = None
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        for name in MKDOCS_LOGGERS:
            logging.getLogger(name).removeFilter(self.page_sources)
        logging.getLogger(MKDOCS_BUILD_LOGGER).removeFilter(self.written_ahead)
        if self.one_shot:
            forks.leave_to_exit()

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
            self.cache = Cache(wanted, memory=self.serving)
        logging.getLogger(MKDOCS_BUILD_LOGGER).addFilter(self.written_ahead)  # (added once)
        for name in MKDOCS_LOGGERS:
            logging.getLogger(name).addFilter(self.page_sources)
        config.extra_css.append(f"{ASSETS_DIR}/cleanguide.css")
        config.extra_javascript.append(f"{ASSETS_DIR}/cleanguide.js")
        self.site_lang = str(config.theme.get("language") or "en")
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        self.kept.back()
        if self.config.convert_ahead:
            self._start_pool()
        store = None
        if self.config.fetch_images:
            base = FetchPolicy(
                offline=self.config.offline, allow_loopback=self.config.allow_loopback
            )
            policy = FetchPolicy.from_env(base)
            store = ImageStore(self._path(self.config.image_cache), policy)
        assert self.cache is not None
        self.cache.begin()
        forks.hold()  # what the build keeps to its end, kept out of the collector's passes
        result = pipeline.build(
            self._path(self.config.content_dir),
            image_store=store,
            cache=self.cache,
            site_name=config.site_name,
            directory_urls=config.use_directory_urls,
            budget=float(self.config.article_budget),
        )
        self.result = result
        by_slug = {a.card.slug: a for a in result.articles if a.card is not None}
        self.article_of = {
            path: by_slug[slug] for slug, paths in result.guide_pages.items() for path in paths
        }
        self.page_sources.update(
            {path: a.source for path, a in self.article_of.items()},
            self._path(self.config.content_dir),
        )
        own: dict[str, File] = {}
        self.generated = {}
        for page in result.pages:
            generated = GeneratedFile(page, config)
            self.generated[generated.src_uri] = GeneratedPage(page, generated, config)
            own[generated.src_uri] = generated
        copied = {path: image.path for path, image in result.images.items()}
        copied |= result.renditions
        copied |= result.files  # files of content/ that articles link to
        copied |= {f"{ASSETS_DIR}/{name}": ASSETS / name for name in ASSET_FILES}
        copied |= lightbox_assets()
        for site_path, source in copied.items():
            copy = CopiedFile.generated(config, site_path, abs_src_path=str(source))
            assert isinstance(copy, CopiedFile)
            if site_path.startswith(_IN_KEPT_FOLDER):
                copy.key = copy_key(str(source))  # (recorded: see _record_written)
            if copy.key is not None and (self.dirty or self.kept.holds(site_path)):
                copy.unchanged = self.written.in_place(copy.abs_dest_path, copy.key)
            own[site_path] = copy
        urls = {uri: f.url for uri, f in own.items()}
        own[CATALOG] = File.generated(
            config, CATALOG, content=catalog_json(result.library, urls.__getitem__)
        )
        kept = []
        for file in files:
            if file.src_uri in own:
                log.info("cleanguide: generated %s replaces the file in docs/", file.src_uri)
                continue
            kept.append(file)
            if self.dirty and file.is_documentation_page() and MARKER in file.content_string:
                # its library overview changes with the guides, not with its own file
                file.is_modified = lambda: True  # type: ignore[method-assign]
        self._report(result)
        site = Files([*kept, *own.values()])
        self.setup = Setup.of(config, site, local_images=self.config.fetch_images)
        self.urls = {f.src_uri: f.url for f in site}
        forks.hold()  # the articles, the library and the pages
        return site

    def _report(self, result: pipeline.BuildResult) -> None:
        for article in result.articles:
            for diag in condensed(article.diagnostics):
                log_diagnostic(log, diag)
            for failure in article.image_failures:
                log.debug(
                    "cleanguide: %s: screenshot not fetched: %s (%s)",
                    article.source,
                    failure.url,
                    failure.reason,
                )
        self._write_audit()

    def _summarise(self, result: pipeline.BuildResult) -> None:
        """The build's summary line, once its pages are converted (an article whose pages
        went over its budget is refused then)."""
        log.info("%s", result.summary())
        if failures := result.image_failures():
            # INFO, not WARNING: an offline build must still pass --strict
            log.info("%s", failures)
        if result.refused:
            names = ", ".join(a.source for a in result.refused)
            log.error("cleanguide: %d article(s) refused: %s", len(result.refused), names)

    def _write_audit(self) -> None:
        try:
            assert self.cache is not None and self.result is not None
            write_audit(self.result, self._path(self.config.audit_dir), self.cache)
        except OSError as exc:
            log.warning("cleanguide: could not write the audit: %s", exc)

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation:
        assert self.result is not None
        pages, result = self.generated, self.result
        topics = sorted(p for p in pages if p.startswith(f"{TOPICS_DIR}/") and p != TOPICS_INDEX)
        shape = LibraryNav(
            index=pages[index_page(1)],
            guides=[[pages[p] for p in result.guide_pages[c.slug]] for c in result.library.cards],
            topics_index=pages[TOPICS_INDEX],
            more_index_pages=[
                pages[p] for p in sorted(pages) if p.startswith(f"{GUIDES_DIR}/page-")
            ],
            topic_pages=[pages[p] for p in topics],
        )
        self.site = library_nav(nav, shape, home_label=config.nav is None)
        self.files = files
        self._reuse_or_convert(config)
        self._summarise(result)
        return self.site

    def _reuse_or_convert(self, config: MkDocsConfig) -> None:
        """Per generated page: its HTML from an earlier build, or converted now."""
        assert self.setup is not None and self.site is not None and self.cache is not None
        signature = self.setup.signature()
        self.reuse = PageReuse(self.cache, config) if self._reuses(config) else None
        todo = {}
        for uri, page in self.generated.items():
            content = content_key(signature, uri, page.source.body)
            view = sidebar(self.site, page)
            if self.reuse is None or not self.reuse.decide(page, content, view, self.urls):
                todo[uri] = page.source.body
            elif (self.dirty or self.kept.folders) and isinstance(page.file, GeneratedFile):
                key = self.reuse.keys[page.url]
                page.file.unchanged = self.written.in_place(page.file.abs_dest_path, key)
        if self.config.convert_ahead and todo:
            budget = float(self.config.article_budget)
            limits = {
                uri: allowance(budget, owner.size) - owner.seconds
                for uri in todo
                if (owner := self.article_of.get(uri)) is not None
            }
            ready = {uri: text for uri, text in todo.items() if limits.get(uri, budget) > 0}
            done = convert_all(self.setup, ready, self.urls, self.cache, self.pool, limits)
            if self.pool is not None and not self.serving:
                self.pool.release()  # one build: they end while the pages are rendered
            for uri, html in done.done.items():
                self.generated[uri].converted = html
            self._refuse_over_budget(todo, done, budget)
            forks.hold()  # the pages' HTML

    def _start_pool(self) -> None:
        if self.pool is None:
            self.pool = Pool()
        try:
            self.pool.start(1)  # its imports overlap the pipeline's work
        except OSError as exc:
            log.info("cleanguide: converting pages in this process (%s)", exc)
            self.pool = None

    def _refuse_over_budget(self, todo: dict[str, str], done: Conversion, budget: float) -> None:
        """Refuse each article a page of which was stopped, or not converted, or whose
        pages took it over `budget`: every page of it only says so, and the log names it."""
        assert self.result is not None
        answered = done.seconds.keys() | done.done.keys()
        refused = False
        converted_now: dict[str, list[str]] = {}  # article source (or page) -> its pages
        for uri in todo:
            owner = self.article_of.get(uri)
            converted_now.setdefault(owner.source if owner else uri, []).append(uri)
        for name, uris in converted_now.items():
            owner = self.article_of.get(uris[0])
            spent = (owner.seconds if owner else 0.0) + sum(done.seconds.get(u, 0.0) for u in uris)
            allowed = allowance(budget, owner.size) if owner else budget
            stopped = [u for u in uris if u in done.stopped or u not in answered]
            if not stopped and spent <= allowed:
                continue
            if not stopped:
                why = f"it took {spent:.1f} s"
            elif stopped[0] in done.stopped:
                why = f"converting {stopped[0]} was {done.stopped[stopped[0]]}"
            else:
                why = f"reading and structuring it took {spent:.1f} s"
            message = f"refused: {why}, over {in_words(allowed, budget)}"
            error = Diagnostic(Severity.ERROR, name, message, rule="budget")
            log_diagnostic(log, error)
            if owner is not None and owner.card is not None:
                owner.diagnostics.append(error)  # for the audit, written again below
                owner.over_budget = True
                uris = self.result.guide_pages[owner.card.slug]
            for uri in uris:
                page = self.generated[uri]
                if self.reuse is not None:
                    self.reuse.discard(page)
                page.reused = None
                page.converted = _refused_page(name, in_words(allowed, budget))
            refused = True
        if refused:
            self._write_audit()

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
        if isinstance(page, GeneratedPage) and not page.sanitized:
            return finish_html(html, local_images=self.config.fetch_images)
        return html

    @event_priority(-100)  # after every other plugin: the environment is final
    def on_env(
        self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files
    ) -> jinja2.Environment | None:
        doc_files = files.documentation_pages()
        self.order = [f.page.url for f in doc_files if f.page is not None]
        self.skipped = {
            f.page.url
            for f in doc_files
            if self.dirty
            and f.page is not None
            and not isinstance(f.page, GeneratedPage)
            and not f.is_modified()
        }
        if self.cache is not None and self.cache.path is not None and env.bytecode_cache is None:
            # the theme's templates compiled once, not in every build (and every fork)
            folder = self.cache.path.parent / TEMPLATES_CACHE
            with contextlib.suppress(OSError):
                folder.mkdir(parents=True, exist_ok=True)
                env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))
        read_pages_with_sections(config)  # before the forks that render pages
        self.ahead.close()
        self.written_ahead.pages = set()
        # only with plugins pagecache knows (self.reuse): none keeps state per page
        if self.config.render_ahead and self.reuse is not None and not self.serving:
            self._render_ahead(env, config, doc_files)
        if self.kept.folders:  # MkDocs' loop need not write these either
            self.written_ahead.pages |= {
                uri
                for uri, page in self.generated.items()
                if getattr(page.file, "unchanged", False)
            }
        if self.reuse is not None and (self.reuse.reused or self.ahead.owner):
            assert env.loader is not None
            template = jinja2.DictLoader({REUSED_TEMPLATE: REUSED_TEMPLATE_TEXT})
            env.loader = jinja2.ChoiceLoader([template, env.loader])
        return env

    def _render_ahead(
        self, env: jinja2.Environment, config: MkDocsConfig, doc_files: Sequence[File]
    ) -> None:
        """Fork to render the generated pages MkDocs' loop would (prerender.py)."""
        assert self.site is not None
        todo = [
            f.page
            for f in doc_files
            if isinstance(f.page, GeneratedPage)
            and f.page.reused is None
            and not getattr(f, "unchanged", False)
        ]
        self.ahead = Prerender.start(todo, config, self.site, env, doc_files)
        for page in todo:
            if self.ahead.adopted(page):
                page.render_ahead()
        self.written_ahead.pages = {p.file.src_uri for p in todo if p.ahead}

    def _reuses(self, config: MkDocsConfig) -> bool:
        """Whether this build reuses pages of earlier ones (pagecache.py)."""
        return bool(self.config.reuse_pages and self.config.build_cache and reusable(config))

    def on_page_context(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        if not (isinstance(page, GeneratedPage) and (page.reused is not None or page.ahead)):
            context["nav"] = sidebar(nav, page)
        return context

    def on_template_context(
        self, context: TemplateContext, /, *, template_name: str, config: MkDocsConfig
    ) -> TemplateContext | None:
        if self.site is not None:
            context["nav"] = sidebar(self.site, None)
        return context

    @event_priority(-100)  # after every other plugin: the HTML is final
    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        if not isinstance(page, GeneratedPage):
            return output
        if getattr(page.file, "unchanged", False):
            return ""  # kept in place from an earlier build (a plain build; --dirty skips it)
        if page.ahead and self.reuse is not None:
            rendered = self.ahead.take(page)
            self.reuse.adopt(page, rendered.encoded, rendered.search)
            return ""  # the fork wrote it; nothing for MkDocs to write
        howto = page.source.meta.get(HOWTO_META)
        if howto and page.reused is None:
            output = add_to_head(output, script_element(howto, page.canonical_url or page.url))
        lang = page.source.meta.get(LANG_META)
        if lang and lang != self.site_lang and page.reused is None:
            output = mark_language(output, str(lang))
        if self.reuse is not None:
            return self.reuse.output(page, output)
        return output

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        index = SearchIndex.load(config.site_dir)
        if self.result is not None and index is not None:
            index.add_languages(
                site_languages(self.site_lang, (c.lang for c in self.result.library.cards))
            )
        if self.reuse is not None:
            by_url = {p.url: p for p in self.generated.values()}
            same = self.reuse.finish(index, self.order, by_url, self.before, self.skipped)
            self.before = None
            self._record_written(config)
            skipped = sum(1 for p in self.generated.values() if getattr(p.file, "unchanged", False))
            ahead = len(self.reuse.ahead)
            forked = f" ({ahead} of them in {len(self.ahead.shares)} more process(es))"
            log.info(
                "cleanguide: %d generated page(s) built%s, %d reused unchanged%s",
                len(self.generated) - len(self.reuse.reused),
                forked if ahead else "",
                len(self.reuse.reused),
                f" ({skipped} already in place)" if self.dirty or self.kept.folders else "",
            )
            if same:
                log.info("cleanguide: search index as the build before made it")
        elif index is not None:
            index.save()
        if self.cache is not None:
            self.cache.sweep()
        self.kept.drop()
        self.ahead.close()
        forks.thaw()

    def _record_written(self, config: MkDocsConfig) -> None:
        """Remember which page or copied file is at each destination; in a dirty build,
        delete those of earlier builds this one did not make (MkDocs leaves them) and the
        folders they leave empty, in a kept one every file of the kept folders this build
        did not make."""
        assert self.reuse is not None
        written = Written()
        fresh = []
        files = [(p.file, self.reuse.keys.get(p.url)) for p in self.generated.values()]
        files += [(f, f.key) for f in self.files or () if isinstance(f, CopiedFile)]
        for file, key in files:
            dest = file.abs_dest_path
            if key is None or not dest:
                continue
            if getattr(file, "unchanged", False):
                written.records[dest] = self.written.records[dest]
            else:
                fresh.append((dest, key))
        written.records |= Written.of(fresh).records
        if self.dirty:
            remove(set(self.written.records) - set(written.records), config.site_dir)
        elif self.kept.folders and self.files is not None:
            built = [f for f in self.files if f.inclusion.is_included()]  # type: ignore[no-untyped-call]
            made = {os.path.normpath(f.abs_dest_path) for f in built}
            removed = prune(self.kept.paths(), made)
            if removed:
                log.info("cleanguide: %d file(s) of an earlier build removed", removed)
        self.written = written
        key = self._written_key(config)
        if self.cache is not None and self.cache.get("pages", key) != written.records:
            self.cache.put("pages", key, written.records)  # (a no-op build writes nothing)

    @staticmethod
    def _written_key(config: MkDocsConfig) -> str:
        return cache_key("written", os.path.abspath(config.site_dir))

    def on_build_error(self, *, error: Exception) -> None:
        self.kept.drop()
        self.ahead.close()
        forks.thaw()
        if self.cache is not None:
            self.cache.commit()

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer | None:
        server.watch(str(self._path(self.config.content_dir)))
        return server


def _refused_page(source: str, budget: str) -> Converted:
    """What a page of an article refused for its budget shows (`budget.in_words`)."""
    text = html_escape(
        f"{source} was not built: its pages take longer to convert than {budget} "
        "(see the build log)."
    )
    return Converted(f"<p>{text}</p>", [], [], {}, [])


__all__ = ["MARKER", "CleanguideConfig", "CleanguidePlugin"]
