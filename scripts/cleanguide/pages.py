"""MkDocs pages for the generated guide and library pages.

A `GeneratedPage` is an ordinary MkDocs page that already knows its Markdown and front
matter (the pipeline made them), so MkDocs need not write them out and parse them back,
and that names itself in navigation by its label. MkDocs prints navigation titles into the
HTML as they are, so the label is HTML-escaped here, once.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from mkdocs.structure.pages import Page
from mkdocs.utils import meta as mkdocs_meta

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import File

    from .render import PageFile


class GeneratedPage(Page):
    """A page the pipeline generated: its Markdown and front matter come as they are."""

    def __init__(self, source: PageFile, file: File, config: MkDocsConfig) -> None:
        label = html.escape(source.label, quote=True) if source.label else None
        super().__init__(label or source.meta.get("title"), file, config)
        self.source = source

    def read_source(self, config: MkDocsConfig) -> None:
        text = config.plugins.on_page_read_source(page=self, config=config)
        if text is not None:  # another plugin supplies the source: read it as MkDocs does
            self.markdown, self.meta = mkdocs_meta.get_data(text)
            return
        self.markdown = self.source.body
        self.meta = dict(self.source.meta)


__all__ = ["GeneratedPage"]
