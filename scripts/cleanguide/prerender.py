"""Generated pages rendered with the theme in forked processes, ahead of MkDocs' page loop.

Once every page is converted (convert.py), most of a cold build is MkDocs' page loop:
Material's template, the search plugin reading each page, the lightbox plugin, one page
after the other in one process. Each page's content is known before the loop starts, so
the build forks there (`Prerender.start`, from on_env): each child renders a share of the
generated pages as the loop would (MkDocs' template context, every plugin's page_context
and post_page events, the same template) and hands back their HTML, their search entries
and what it logged. The loop renders its own share meanwhile, and takes each child's page
as it takes a reused one (pagecache.py): an empty template, then the HTML handed back
(`Prerender.take`, from on_post_page), written by MkDocs.

Only where forking is safe and the plugins are known (pagecache.KNOWN_PLUGINS, so no
plugin keeps per-page state this would lose): Linux, a process with no other thread (so
never in `mkdocs serve`, whose server runs beside the build), and enough pages to pay for
it (`AHEAD_MIN`). Elsewhere the loop renders every page itself, as before.

A child logs nothing itself: its records come back and are logged by the build, so
`--strict` counts their warnings. A page that fails in a child fails the build as it would
in the loop, naming the page; a child that dies without answering fails it too.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import pickle
import shutil
import sys
import tempfile
import threading
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.commands.build import get_context
from mkdocs.exceptions import PluginError

from .searchindex import entries_by_page
from .workers import cores

if TYPE_CHECKING:
    import jinja2
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import File
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.pages import Page

AHEAD_MIN = 100
"""Pages to render from which forking a second process pays (a fork of a large build
takes some tens of milliseconds)."""
_SEARCH_PLUGINS = ("search", "material/search")
_RECORD_FIELDS = (
    *("name", "levelno", "levelname", "pathname", "filename", "module", "lineno"),
    *("funcName", "created", "msecs", "relativeCreated", "process"),
)
"""What a child's log record keeps (its message is formatted there)."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """A page rendered ahead: its finished HTML and its entries in the search index."""

    html: str
    search: list[dict[str, Any]]


def can_fork() -> bool:
    """Whether this process may fork to render pages: Linux, and no thread but this one."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


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
class _Child:
    pid: int
    path: Path
    urls: list[str]
    answer: dict[str, Rendered] | None = None


@dataclass(slots=True)
class Prerender:
    """The children rendering pages for one build, and what they handed back."""

    children: list[_Child] = field(default_factory=list)
    owner: dict[str, _Child] = field(default_factory=dict)
    """Page URL → the child rendering it."""
    folder: Path | None = None

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
        shares = cores()
        if shares < 2 or len(pages) < AHEAD_MIN or not can_fork():
            return ahead
        ahead.folder = Path(tempfile.mkdtemp(prefix="cleanguide-render-"))
        # the loop also takes each child's page (cheaply): it keeps a little less than a share
        size = -(-len(pages) // shares)
        first = max(len(pages) - size * (shares - 1), 0)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # else a child could print what the build had buffered
        gc.collect()
        gc.freeze()  # the children's garbage collector leaves the inherited objects alone
        try:
            for i in range(shares - 1):
                share = pages[first + size * i : first + size * (i + 1)]
                if share:
                    ahead._fork(share, config, nav, env, doc_files, ahead.folder / f"{i}.pickle")
        finally:
            gc.unfreeze()
        return ahead

    def _fork(
        self,
        share: Sequence[Page],
        config: MkDocsConfig,
        nav: Navigation,
        env: jinja2.Environment,
        doc_files: Sequence[File],
        path: Path,
    ) -> None:
        pid = os.fork()
        if pid == 0:  # the child: never returns
            status = 1
            try:
                _render_share(share, config, nav, env, doc_files, path)
                status = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(status)
        child = _Child(pid, path, [p.url for p in share])
        self.children.append(child)
        for url in child.urls:
            self.owner[url] = child

    def adopted(self, page: Page) -> bool:
        """Whether a child renders `page` (the loop then only takes its HTML)."""
        return page.url in self.owner

    def take(self, page: Page) -> Rendered:
        """`page`'s HTML and search entries, from the child that rendered it (waited for)."""
        child = self.owner[page.url]
        if child.answer is None:
            child.answer = self._collect(child)
        try:
            return child.answer.pop(page.url)
        except KeyError:
            raise PluginError(f"cleanguide: {page.file.src_uri} was not rendered") from None

    def _collect(self, child: _Child) -> dict[str, Rendered]:
        _, status = os.waitpid(child.pid, 0)
        child.pid = 0
        try:
            with child.path.open("rb") as handle:
                answer = pickle.load(handle)
            child.path.unlink()
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            code = os.waitstatus_to_exitcode(status)
            raise PluginError(
                f"cleanguide: the process rendering {len(child.urls)} page(s) ahead ended "
                f"without them (exit status {code}: {exc})"
            ) from None
        for record in answer["records"]:
            logging.getLogger(record.name).callHandlers(record)
        if answer["failed"]:
            src_uri, message = answer["failed"]
            raise PluginError(f"Error building page '{src_uri}': {message}")
        search: dict[str, list[Any]] = answer["search"]
        return {url: Rendered(html, search.get(url, [])) for url, html in answer["html"].items()}

    def close(self) -> None:
        """Stop any child still running and remove what the children wrote."""
        for child in self.children:
            if child.pid:
                try:
                    os.kill(child.pid, 9)
                    os.waitpid(child.pid, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass
                child.pid = 0
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def _render_share(
    share: Sequence[Page],
    config: MkDocsConfig,
    nav: Navigation,
    env: jinja2.Environment,
    doc_files: Sequence[File],
    path: Path,
) -> None:
    """In a child: render `share`, and write its HTML, search entries and log to `path`."""
    records: list[logging.LogRecord] = []

    def keep(_logger: logging.Logger, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
        fields = {name: getattr(record, name) for name in _RECORD_FIELDS}
        records.append(logging.makeLogRecord({**fields, "msg": text, "args": None}))

    # This process only renders and exits: what it logs goes back to the build, unprinted.
    logging.Logger.callHandlers = keep  # type: ignore[method-assign,assignment]
    html: dict[str, str] = {}
    failed: tuple[str, str] | None = None
    for page in share:
        try:
            html[page.url] = render_page(page, config, nav, env, doc_files)
        except Exception as exc:
            failed = (page.file.src_uri, f"{type(exc).__name__}: {exc}")
            break
    answer = {"html": html, "search": _search_entries(config), "records": records}
    answer["failed"] = failed
    temporary = path.with_suffix(".part")
    with temporary.open("wb") as handle:
        pickle.dump(answer, handle, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.rename(path)


def _search_entries(config: MkDocsConfig) -> dict[str, list[Any]]:
    """The entries the search plugin made in this process, by page URL."""
    for name in _SEARCH_PLUGINS:
        plugin = config.plugins.get(name)
        index = getattr(plugin, "search_index", None)
        if index is not None:
            return entries_by_page(json.loads(index.generate_search_index(None)))
    return {}


__all__ = ["AHEAD_MIN", "Prerender", "Rendered", "can_fork", "render_page"]
