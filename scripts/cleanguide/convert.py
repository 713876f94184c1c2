"""The generated pages to HTML outside MkDocs' page loop: in parallel, and cached.

MkDocs converts a page's Markdown when its loop reaches the page, one page at a time and
with a new Markdown instance per page: for a library that is a third of the build. The
generated pages are all known in `on_files`, so they are converted there instead:

- as MkDocs converts them: the site's own extensions, and MkDocs' own link, anchor and
  title processors (the ones `Page.render` registers), so links, anchors and warnings are
  MkDocs' own; then sanitised (`finish_html`: `sanitize_html`, and no image from another
  host where the site fetches its screenshots), as the plugin does for generated pages;
- in worker processes (workers.py), one Markdown instance each, on every core when there
  are enough pages to pay for more than one (`PARALLEL_MIN`). Each page is stopped past
  the article budget (`budget.ARTICLE_SECONDS` of CPU time): no page, whatever Python-Markdown
  does with it, can stall the build. A stopped page is not left to MkDocs (it would stall
  there): the caller refuses its article (`Conversion.stopped`);
- each page's result cached, keyed by its Markdown, its path, the Markdown setup and the
  code. A cached result is used only if every local link it resolved still resolves to
  the same URL, so adding or removing pages never leaves a stale link.

`GeneratedPage.render` takes the result. A page whose Markdown another plugin changed in
`on_page_markdown`, or whose conversion raised, is converted by MkDocs as usual. Without
worker processes (they cannot start), pages are converted in this process, unbounded.
"""

from __future__ import annotations

import json
import logging
import pickle
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import markdown
from mkdocs.structure import pages as mkdocs_pages
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.toc import get_toc

from . import cache as cache_mod
from .budget import ARTICLE_SECONDS
from .diagnostics import logger
from .inline import use_needed_patterns
from .sanitize import sanitize_html, unique_ids, without_remote_images
from .workers import Pool, worth_it

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

    from .cache import Cache

log = logger(__name__)

PARALLEL_MIN = 200
"""Pages to convert from which more than one worker process pays for its start."""
_PAGES_LOGGER = "mkdocs.structure.pages"
"""Where MkDocs' link and anchor processors log."""
_VERSIONED = ("mkdocs", "markdown", "pymdown-extensions", "pygments", "nh3")


@dataclass(frozen=True, slots=True)
class Setup:
    """What converting a page depends on besides its Markdown: plain, picklable data."""

    extensions: list[Any]
    configs: dict[str, Any]
    use_directory_urls: bool
    site_dir: str
    validation: dict[str, Any]
    """MkDocs' `validation.links` levels (not_found, anchors, absolute_links...)."""
    files: list[tuple[str, int]]
    """Every file of the site: its src_uri and inclusion level."""
    local_images: bool = False
    """Screenshots are fetched into the site, so no page loads an image from another host
    (`without_remote_images`)."""

    @classmethod
    def of(
        cls, config: MkDocsConfig, files: Iterable[File], *, local_images: bool = False
    ) -> Setup:
        links = config.validation.links
        return cls(
            extensions=list(config.markdown_extensions),
            configs=dict(config.mdx_configs or {}),
            use_directory_urls=config.use_directory_urls,
            site_dir=config.site_dir,
            validation={
                name: getattr(links, name)
                for name in ("not_found", "anchors", "absolute_links", "unrecognized_links")
            },
            files=[(f.src_uri, f.inclusion.value) for f in files],
            local_images=local_images,
        )

    def signature(self) -> str:
        """Everything but the list of files: a page's links are checked separately."""
        data = [
            self.extensions,
            self.configs,
            self.use_directory_urls,
            self.validation,
            self.local_images,
        ]
        versions = cache_mod.versions(_VERSIONED)
        return json.dumps([data, versions], sort_keys=True, default=_describe)


def finish_html(html: str, *, local_images: bool) -> str:
    """A generated page's converted HTML as it is published: sanitised, every id once, and
    where the site holds its own screenshots, loading no image from another host."""
    content = unique_ids(sanitize_html(html))
    return without_remote_images(content) if local_images else content


def _describe(value: object) -> str:
    kind = value if callable(value) else type(value)
    return f"{getattr(kind, '__module__', '')}.{getattr(kind, '__qualname__', repr(kind))}"


@dataclass(slots=True)
class Converted:
    """A page's HTML and what MkDocs' processors learnt from it."""

    content: str
    toc: list[dict[str, Any]]
    """Python-Markdown's toc tokens (`mkdocs.structure.toc.get_toc` builds the toc)."""
    anchors: list[str]
    """Anchor ids present in the page."""
    links_to_anchors: dict[str, dict[str, str]]
    """Target src_uri → {anchor: link}: links into other pages' anchors, for validation."""
    logs: list[tuple[int, str]]
    """What MkDocs' processors logged (level, message): replayed in the build."""
    resolved: dict[str, str | None] = field(default_factory=dict)
    """Each local link target (src_uri) and the URL it had (None: not found)."""

    def still_valid(self, urls: Mapping[str, str]) -> bool:
        return all(urls.get(uri) == url for uri, url in self.resolved.items())

    def to_json(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "toc": self.toc,
            "anchors": self.anchors,
            "links_to_anchors": self.links_to_anchors,
            "logs": self.logs,
            "resolved": self.resolved,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Converted:
        data = dict(data)
        data["logs"] = [tuple(item) for item in data["logs"]]
        return cls(**data)


# --- converting, in this process or a worker ---------------------------------------------


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno > logging.DEBUG:
            self.records.append((record.levelno, record.getMessage()))


class _Links(mkdocs_pages._RelativePathTreeprocessor):
    """MkDocs' own link processor, also noting where each local link pointed."""

    def __init__(self, file: File, files: Files, config: Any) -> None:
        super().__init__(file, files, config)
        self.resolved: dict[str, str | None] = {}

    def path_to_url(self, url: str) -> str:
        new = super().path_to_url(url)
        target = _local_target(self.file.src_uri, url)
        if target is not None:
            found = self.files.get_file_from_path(target)
            self.resolved[target] = found.url if found is not None else None
        return new


def _local_target(src_uri: str, url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path or url.startswith(("/", "\\")):
        return None
    return mkdocs_pages._RelativePathTreeprocessor._target_uri(src_uri, unquote(parts.path))


class _Converter:
    """One Markdown instance and the site's files: converts page after page."""

    def __init__(self, setup: Setup) -> None:
        self.md = markdown.Markdown(extensions=setup.extensions, extension_configs=setup.configs)
        use_needed_patterns(self.md)
        self.files = Files(
            File(uri, None, setup.site_dir, setup.use_directory_urls, inclusion=InclusionLevel(v))
            for uri, v in setup.files
        )
        self.config: Any = SimpleNamespace(
            use_directory_urls=setup.use_directory_urls,
            validation=SimpleNamespace(links=SimpleNamespace(**setup.validation)),
        )
        self.capture = _Capture()
        self.local_images = setup.local_images

    def convert(self, src_uri: str, text: str) -> Converted:
        file = self.files.get_file_from_path(src_uri)
        assert file is not None, src_uri
        md = self.md
        md.reset()
        raw_html = mkdocs_pages._RawHTMLPreprocessor()
        raw_html._register(md)
        anchors = mkdocs_pages._ExtractAnchorsTreeprocessor(file, self.files, self.config)
        anchors._register(md)
        links = _Links(file, self.files, self.config)
        links._register(md)
        # What the processors log is kept with the result and logged by the build (also
        # when the result comes from the cache), not printed from here.
        pages_logger = logging.getLogger(_PAGES_LOGGER)
        self.capture.records = []
        pages_logger.addHandler(self.capture)
        propagate, pages_logger.propagate = pages_logger.propagate, False
        try:
            html = md.convert(text)
        finally:
            pages_logger.removeHandler(self.capture)
            pages_logger.propagate = propagate
        return Converted(
            content=finish_html(html, local_images=self.local_images),
            toc=list(getattr(md, "toc_tokens", [])),
            anchors=sorted(anchors.present_anchor_ids | raw_html.present_anchor_ids),
            links_to_anchors={
                f.src_uri: dict(targets) for f, targets in links.links_to_anchors.items()
            },
            logs=list(self.capture.records),
            resolved=links.resolved,
        )


_CONVERTER: tuple[Setup, _Converter] | None = None


def _converter(setup: Setup) -> _Converter:
    """This process's converter for `setup` (made again only when the setup changes)."""
    global _CONVERTER
    if _CONVERTER is None or (_CONVERTER[0] is not setup and _CONVERTER[0] != setup):
        logging.getLogger(_PAGES_LOGGER).setLevel(logging.INFO)  # as in a build
        _CONVERTER = (setup, _Converter(setup))
    return _CONVERTER[1]


def convert_chunk(
    setup: Setup, jobs: Sequence[tuple[str, str]]
) -> list[tuple[Converted, bytes] | str]:
    """Convert pages, each with its cache entry encoded (in the worker, beside the work); a
    page that fails is reported as a string (MkDocs then converts it)."""
    converter = _converter(setup)
    out: list[tuple[Converted, bytes] | str] = []
    for src_uri, text in jobs:
        try:
            converted = converter.convert(src_uri, text)
            out.append((converted, cache_mod.encode(converted.to_json())))
        except Exception as exc:  # MkDocs will convert this page itself and say why
            out.append(f"{type(exc).__name__}: {exc}")
    return out


# --- the build's side ---------------------------------------------------------------------


@dataclass(slots=True)
class Conversion:
    """What converting the pages gave."""

    done: dict[str, Converted] = field(default_factory=dict)
    """Page (src_uri) -> its HTML; pages that failed are left to MkDocs."""
    stopped: dict[str, str] = field(default_factory=dict)
    """Page -> why its conversion was stopped (over the budget, or its worker died)."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Page -> the CPU seconds converting it took (pages converted now)."""


def convert_all(
    setup: Setup,
    jobs: Mapping[str, str],
    urls: Mapping[str, str],
    cache: Cache | None = None,
    pool: Pool | None = None,
    limits: Mapping[str, float] | None = None,
) -> Conversion:
    """Every page's HTML, from the cache or converted now (in `pool`, each page stopped
    past its limit: `limits[uri]`, else `budget.ARTICLE_SECONDS` of CPU time).

    `urls` maps every file of the site (src_uri) to its URL. Without a pool the pages are
    converted in this process, with no limit.
    """
    limits = limits or {}
    signature = setup.signature()
    out = Conversion()
    keys = {uri: content_key(signature, uri, text) for uri, text in jobs.items()}
    todo: list[tuple[str, str]] = []
    for uri, text in jobs.items():
        entry = cache.get("pages", keys[uri]) if cache is not None else None
        converted = Converted.from_json(entry) if entry is not None else None
        if converted is not None and converted.still_valid(urls):
            out.done[uri] = converted
        else:
            todo.append((uri, text))
    allowed = [limits.get(uri, ARTICLE_SECONDS) for uri, _ in todo]
    for (uri, _text), (result, seconds, stopped) in zip(
        todo, _run(setup, todo, pool, allowed), strict=True
    ):
        out.seconds[uri] = seconds
        if stopped:
            out.stopped[uri] = stopped
        elif isinstance(result, tuple):
            converted, encoded = result
            out.done[uri] = converted
            if cache is not None:
                cache.put_encoded("pages", keys[uri], encoded)
        else:
            log.debug("cleanguide: %s left to MkDocs: %s", uri, result)
    return out


def content_key(signature: str, uri: str, text: str) -> str:
    """The cache key of a page's converted HTML (`signature` is `Setup.signature()`)."""
    return cache_mod.key("html", cache_mod.code_version(), signature, uri, text)


def _run(
    setup: Setup, todo: list[tuple[str, str]], pool: Pool | None, limits: list[float]
) -> list[tuple[tuple[Converted, bytes] | str | None, float, str]]:
    """(result, CPU seconds, why it was stopped) of each page."""
    if pool is not None and todo:
        workers = None if worth_it(len(todo), PARALLEL_MIN) else 1
        try:
            outcomes = pool.map(
                "cleanguide.convert:convert_chunk", setup, todo, limit=limits, workers=workers
            )
            return [(o.result, o.seconds, o.stopped) for o in outcomes]
        except (OSError, pickle.PickleError, ValueError) as exc:
            log.info("cleanguide: converting in this process, without a limit (%s)", exc)
    return [(result, 0.0, "") for result in convert_chunk(setup, todo)]


def install(page: mkdocs_pages.Page, converted: Converted, files: Files) -> None:
    """Give a MkDocs page the converted HTML, as `Page.render` would have."""
    page.content = converted.content
    page.toc = get_toc(converted.toc)  # type: ignore[arg-type]
    page.present_anchor_ids = set(converted.anchors)
    links: dict[File, dict[str, str]] = {}
    for uri, anchors in converted.links_to_anchors.items():
        target = files.get_file_from_path(uri)
        if target is not None:
            links[target] = anchors
    page.links_to_anchors = links
    pages_log = logging.getLogger(_PAGES_LOGGER)
    for level, message in converted.logs:
        pages_log.log(level, "%s", message)


__all__ = [
    "PARALLEL_MIN",
    "Conversion",
    "Converted",
    "Setup",
    "content_key",
    "convert_all",
    "install",
]
