"""Generated pages rendered with the theme in forked processes, ahead of MkDocs' page loop.

Once every page is converted (convert.py), most of a cold build is MkDocs' page loop:
Material's template, the search plugin reading each page, the lightbox plugin, one page
after the other in one process. Each page's content is known before the loop starts, so
the build forks there (`Prerender.start`, from on_env): each child renders a share of the
generated pages as the loop would (MkDocs' template context, every plugin's page_context
and post_page events, the same template), writes them, and hands back their HTML (encoded
for the page cache there), their search entries and what it logged. The loop renders its
own share meanwhile, and passes each child's page with an empty template and no output
(`Prerender.take`, from on_post_page; `WrittenAhead` drops MkDocs' note that it wrote
nothing).

Only where forking is safe (`forks.can_fork`: never in `mkdocs serve`), the plugins are
known (pagecache.KNOWN_PLUGINS, so no plugin keeps per-page state this would lose), and
there are enough pages to pay for it (`AHEAD_MIN`). Elsewhere the loop renders every page
itself.

The children are forks.py's: what they log is logged by the build (`--strict` counts it).
A page that fails in a child fails the build as it would in the loop, naming the page; a
child that dies without answering fails it too.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mkdocs.commands.build import get_context
from mkdocs.commands.build import log as mkdocs_build_log
from mkdocs.exceptions import PluginError
from mkdocs.utils import write_file

from .cache import encode
from .diagnostics import logger
from .forks import Fork, ForkFailed, can_fork
from .searchindex import SEARCH_PLUGINS, entries_by_page
from .workers import cores

if TYPE_CHECKING:
    import jinja2
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import File
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.pages import Page

log = logger(__name__)

AHEAD_MIN = 100
"""Pages to render from which forking a second process pays (a fork of a large build
takes some tens of milliseconds)."""
_SKIPPED = re.compile(r"Page skipped: '(.+)'\. Generated empty output\.\Z")


class WrittenAhead(logging.Filter):
    """Drops MkDocs' note that its loop wrote nothing for a page a fork wrote.

    The loop is handed an empty page for each page rendered ahead (the fork wrote it), and
    MkDocs 1.6 then logs, at INFO, `Page skipped: '<page>'. Generated empty output.`
    Installed on MkDocs' build logger (before any filter that rewrites messages), this
    drops that note for the pages in `pages`, and nothing else.
    """

    def __init__(self) -> None:
        super().__init__()
        self.pages: set[str] = set()
        """The pages (src_uri) written ahead in this build."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or not self.pages:
            return True
        skipped = _SKIPPED.match(record.getMessage())
        return skipped is None or skipped.group(1) not in self.pages


@dataclass(frozen=True, slots=True)
class Rendered:
    """A page rendered ahead: its finished HTML, encoded for the build cache there
    (`cache.encode`: a quarter of the bytes to hand back, and work the loop would do),
    and its entries in the search index."""

    encoded: bytes
    search: list[dict[str, Any]]


def render_page(
    page: Page, config: MkDocsConfig, nav: Navigation, env: jinja2.Environment, doc_files: Any
) -> str:
    """`page`'s finished HTML, made as MkDocs' loop makes it (without writing it)."""
    config._current_page = page
    page.active = True
    try:
        context = get_context(nav, doc_files, config, page)
        template = env.get_template(page.meta.get("template", "main.html"))
        context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)
        output = template.render(context)
        return str(config.plugins.on_post_page(output, page=page, config=config))
    finally:
        page.active = False
        config._current_page = None


@dataclass(slots=True)
class _Share:
    fork: Fork
    size: int
    answer: dict[str, Rendered] | None = None


@dataclass(slots=True)
class Prerender:
    """The children rendering pages for one build, and what they handed back."""

    shares: list[_Share] = field(default_factory=list)
    owner: dict[str, _Share] = field(default_factory=dict)
    """Page URL → the share it is rendered in."""

    @classmethod
    def start(
        cls,
        pages: Sequence[Page],
        config: MkDocsConfig,
        nav: Navigation,
        env: jinja2.Environment,
        doc_files: Sequence[File],
    ) -> Prerender:
        """Fork children for all but the first share of `pages` (in the loop's order); the
        first share is left to the loop. Renders nothing ahead where it cannot or does not
        pay; `adopted` then says no for every page."""
        ahead = cls()
        count = cores()
        if count < 2 or len(pages) < AHEAD_MIN or not can_fork():
            return ahead
        for pages_of in _shares(pages, count):
            if pages_of:

                def work(pages_of: Sequence[Page] = pages_of) -> dict[str, Any]:
                    return _render_share(pages_of, config, nav, env, doc_files)

                try:
                    share = _Share(Fork.start(work), len(pages_of))
                except OSError as exc:  # the loop renders these pages itself
                    log.info("cleanguide: pages rendered in this process only (%s)", exc)
                    break
                ahead.shares.append(share)
                ahead.owner |= {page.url: share for page in pages_of}
        return ahead

    def adopted(self, page: Page) -> bool:
        """Whether a child renders and writes `page` (the loop then only passes it)."""
        return page.url in self.owner

    def take(self, page: Page) -> Rendered:
        """`page`'s HTML and search entries, from the child that rendered it (waited for)."""
        share = self.owner[page.url]
        if share.answer is None:
            share.answer = _collect(share)
        try:
            return share.answer.pop(page.url)
        except KeyError:
            raise PluginError(f"cleanguide: {page.file.src_uri} was not rendered") from None

    def close(self) -> None:
        """Stop any child still running and remove what the children wrote."""
        for share in self.shares:
            share.fork.close()


def _shares(pages: Sequence[Page], count: int) -> list[Sequence[Page]]:
    """The pages of each of `count - 1` children: the last ones, the loop keeping the first
    share (as large: measured at 1,000 articles, 2 cores, a child renders a page in 1.71 ms
    and the loop in 1.67 ms, plus 0.1 ms to pass each of the child's; with 12% more pages
    kept, the child finished half a second before the loop, a core idle meanwhile)."""
    kept = round(len(pages) / count)
    size = max(1, -(-(len(pages) - kept) // (count - 1)))
    return [pages[start : start + size] for start in range(kept, len(pages), size)]


def _collect(share: _Share) -> dict[str, Rendered]:
    try:
        answer = share.fork.result()
    except ForkFailed as exc:
        raise PluginError(
            f"cleanguide: the process rendering {share.size} page(s) ahead ended without "
            f"them ({exc})"
        ) from None
    if answer["failed"]:
        src_uri, message = answer["failed"]
        raise PluginError(f"Error building page '{src_uri}': {message}")
    search: dict[str, list[Any]] = answer["search"]
    html: dict[str, bytes] = answer["html"]
    return {url: Rendered(encoded, search.get(url, [])) for url, encoded in html.items()}


def _render_share(
    pages: Sequence[Page],
    config: MkDocsConfig,
    nav: Navigation,
    env: jinja2.Environment,
    doc_files: Sequence[File],
) -> dict[str, Any]:
    """In a child: the HTML (encoded) and search entries of `pages`, or the page that
    failed."""
    html: dict[str, bytes] = {}
    failed: tuple[str, str] | None = None
    for page in pages:
        try:
            output = render_page(page, config, nav, env, doc_files)
            if output.strip():  # written as MkDocs' loop writes it
                write_file(
                    output.encode("utf-8", errors="xmlcharrefreplace"), page.file.abs_dest_path
                )
            else:
                mkdocs_build_log.info(
                    f"Page skipped: '{page.file.src_uri}'. Generated empty output."
                )
            html[page.url] = encode(output)
        except Exception as exc:
            failed = (page.file.src_uri, f"{type(exc).__name__}: {exc}")
            break
    return {"html": html, "search": _search_entries(config), "failed": failed}


def _search_entries(config: MkDocsConfig) -> dict[str, list[Any]]:
    """The entries the search plugin made in this process, by page URL."""
    for name in SEARCH_PLUGINS:
        plugin = config.plugins.get(name)
        index = getattr(plugin, "search_index", None)
        if index is not None:
            return entries_by_page(json.loads(index.generate_search_index(None)))
    return {}


__all__ = ["AHEAD_MIN", "Prerender", "Rendered", "WrittenAhead", "render_page"]
