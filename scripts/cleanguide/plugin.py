"""The MkDocs plugin: adapts MkDocs events to the pipeline, nothing more.

- on_config: resolve the content, cache and audit folders against mkdocs.yml's folder.
- on_files: run the pipeline; add its pages and screenshots as generated files (nothing is
  written into docs/, so `mkdocs serve` never sees its own output and cannot loop).
- on_page_content: sanitise the HTML of generated pages.
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
from mkdocs.structure.files import File, Files

from . import pipeline
from .diagnostics import condensed, log_diagnostic
from .images import FetchPolicy, ImageStore
from .sanitize import sanitize_html

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.livereload import LiveReloadServer
    from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.plugins.cleanguide")


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


class CleanguidePlugin(BasePlugin[CleanguideConfig]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        self.root = Path.cwd()
        self.generated: set[str] = set()
        self.result: pipeline.BuildResult | None = None

    def _path(self, value: str) -> Path:
        return (self.root / value).resolve()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self.root = Path(config.config_file_path or "mkdocs.yml").resolve().parent
        if not self._path(self.config.content_dir).is_dir():
            raise PluginError(
                f"cleanguide: content_dir {self.config.content_dir!r} is not a folder"
            )
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        store = None
        if self.config.fetch_images:
            policy = FetchPolicy.from_env(FetchPolicy(offline=self.config.offline))
            store = ImageStore(self._path(self.config.image_cache), policy)
        result = pipeline.build(self._path(self.config.content_dir), image_store=store)
        self.result = result
        self.generated = set()
        for page in result.pages:
            self._add(files, File.generated(config, page.path, content=page.text))
        for site_path, image in result.images.items():
            self._add(files, File.generated(config, site_path, abs_src_path=str(image.path)))
        self._report(result)
        return files

    def _add(self, files: Files, file: File) -> None:
        existing = files.get_file_from_path(file.src_uri)
        if existing is not None:
            log.info("cleanguide: generated %s replaces the file in docs/", file.src_uri)
            files.remove(existing)
        files.append(file)
        self.generated.add(file.src_uri)

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

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if page.file.src_uri in self.generated:
            return sanitize_html(html)
        return html

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer | None:
        server.watch(str(self._path(self.config.content_dir)))
        return server


__all__ = ["CleanguideConfig", "CleanguidePlugin"]
