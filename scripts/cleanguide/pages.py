"""MkDocs pages for the generated guide and library pages.

A `GeneratedPage` is an ordinary MkDocs page that already knows its Markdown and front
matter (the pipeline made them), so MkDocs need not write them out and parse them back,
and that names itself in navigation by its label. Material prints a page's title into text
as it is (sidebar, breadcrumbs, footer) and through Jinja's `e` filter into an attribute
(the footer link's aria-label). The label is therefore escaped once, quotes included, and
marked as HTML (`markupsafe.Markup`, `nav_text`): printed as it is in text, and left as it
is by `e`, so a screen reader says "Q&A", not "Q&amp;A".

It renders in one of three ways:

- reused: an earlier build made this very page (pagecache.py); it goes through MkDocs'
  loop with an empty template and no content, and its HTML comes from the cache;
- converted: its HTML was converted ahead of MkDocs' loop (convert.py) and is taken;
  then rendered with the theme by MkDocs' loop, or beside it by a fork that also writes it
  (prerender.py), when the loop only passes it with an empty template;
- otherwise, or when another plugin changed its Markdown: MkDocs converts it as usual.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from mkdocs.structure.files import File, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.utils import meta as mkdocs_meta

from .convert import Converted, install

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

    from .pagefile import PageFile

REUSED_TEMPLATE = "cleanguide/reused.html"
"""The template of a reused page: its HTML comes from the cache in on_post_page."""


def nav_text(text: str) -> Markup:
    """`text` as HTML a template may print into text or, through `e`, an attribute.

    Quotes are written `&quot;` and `&#39;`, forms the site's search separator (mkdocs.yml)
    splits words on, should a title reach the index as it is (Material indexes a page's
    first heading instead)."""
    escaped = html.escape(text, quote=False).replace('"', "&quot;").replace("'", "&#39;")
    return Markup(escaped)


class GeneratedFile(File):
    """The file of a generated page, its text written out only if something reads it.

    MkDocs asks `is_modified` only in `--dirty` builds, and skips a page that says no. A
    file backed by content always says yes; this one says no when the plugin found that
    the page's finished HTML is already at its destination (`unchanged`).
    """

    unchanged = False

    def __init__(self, source: PageFile, config: MkDocsConfig) -> None:
        super().__init__(
            source.path,
            None,
            config.site_dir,
            config.use_directory_urls,
            inclusion=InclusionLevel.NOT_IN_NAV,
        )
        self.generated_by = "cleanguide"
        self.source = source
        self._text: str | None = None

    @property
    def _content(self) -> str:
        """The page as a Markdown file (front matter and body), made when first read."""
        if self._text is None:
            self._text = self.source.text
        return self._text

    @_content.setter
    def _content(self, value: str) -> None:
        self._text = value

    def is_modified(self) -> bool:
        return not self.unchanged


class CopiedFile(File):
    """A file the plugin copies into the site (a screenshot, a file an article links to),
    not copied again when the copy in place is the one an earlier build made from its source
    as the source is now (`unchanged`, keep.py). One whose copies are recorded (it has a
    `key`) is otherwise always copied, in a `--dirty` build too, where MkDocs would compare
    modification times only; the others (the plugin's own stylesheet and scripts) as MkDocs
    copies them."""

    key: str | None = None
    """What the copy is made from (keep.copy_key), for a file whose copies are recorded."""
    unchanged = False

    def copy_file(self, dirty: bool = False) -> None:
        if not self.unchanged:
            super().copy_file(dirty and self.key is None)


class GeneratedPage(Page):
    """A page the pipeline generated: its Markdown and front matter come as they are."""

    def __init__(self, source: PageFile, file: File, config: MkDocsConfig) -> None:
        title = source.label or html.unescape(str(source.meta.get("title", "")))  # (escaped)
        super().__init__(nav_text(title) if title else None, file, config)
        self.source = source
        self.converted: Converted | None = None
        """Its HTML, converted before MkDocs' page loop, if it was."""
        self.reused: dict[str, Any] | None = None
        """Its record from an earlier build (pagecache.py), if reused: its HTML and search
        entries are cached beside it."""
        self.sanitized = False
        """Whether `content` is already sanitised (converted pages are)."""
        self.ahead = False
        """Whether its HTML is rendered ahead of MkDocs' loop (prerender.py)."""

    def read_source(self, config: MkDocsConfig) -> None:
        text = config.plugins.on_page_read_source(page=self, config=config)
        if text is not None:  # another plugin supplies the source: read it as MkDocs does
            self.markdown, self.meta = mkdocs_meta.get_data(text)
            self.reused = None
            return
        self.markdown = self.source.body
        self.meta = dict(self.source.meta)
        if self.reused is not None:
            self._finished_elsewhere()

    def _finished_elsewhere(self) -> None:
        """Through MkDocs' loop with an empty template: its HTML is given in on_post_page."""
        self.meta["template"] = REUSED_TEMPLATE
        self.meta["glightbox"] = False  # the given HTML has its lightbox already
        self.meta["search"] = {"exclude": True}  # its entries are given too

    def render_ahead(self) -> None:
        """A fork renders and writes it (prerender.py): MkDocs' loop only passes it."""
        self.ahead = True
        self._finished_elsewhere()
        self.content = ""

    def render(self, config: MkDocsConfig, files: Files) -> None:
        if self.markdown != self.source.body:  # another plugin changed it: as MkDocs does
            if self.reused is not None:
                for key in ("template", "glightbox", "search"):
                    self.meta.pop(key, None)
            self.reused = self.converted = None
        if self.reused is not None:
            self.content = ""
            self.present_anchor_ids = set(self.reused["anchors"])
            self.links_to_anchors = {}
            self.sanitized = True
        elif self.converted is not None:
            install(self, self.converted, files)
            self.sanitized = True
        else:
            super().render(config, files)
            self.sanitized = False


__all__ = ["REUSED_TEMPLATE", "CopiedFile", "GeneratedFile", "GeneratedPage"]
