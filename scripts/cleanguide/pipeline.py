"""The pipeline, top to bottom: read → clean → structure → render → images → library.

`build()` is the one function both the CLI and the MkDocs plugin call:

1. each article: read, clean, structure, render its pages; or, when its bytes, its name and
   the code (rules and patterns included) are those of an earlier build, take all of that
   from the cache without reading it further;
2. give every guide its folder (`guides/<slug>/`, from the file name, unique);
3. fetch the screenshots (the image store keeps its own cache), and resolve the links and
   images that point at files beside the article (sitefiles.py);
4. put the guides in one library: order, topics, related guides, and the pages that list
   them (guides index, topics).

One bad article is reported and skipped; every other guide still builds. What each article
went through is its `ArticleResult`; the audit files are written from them (audit.py).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import cache as cache_mod
from . import localrefs, sitefiles
from .audit import removals_record
from .budget import ARTICLE_SECONDS, Allowance, OverBudget, allowance, cpu_limit, in_words
from .cache import Cache
from .clean import Cleaned, clean
from .defaults import ARTICLE_SUFFIXES, GUIDES_DIR
from .diagnostics import ArticleError, Diagnostic, Severity, logger
from .files import write_if_changed
from .forks import shared_with_a_fork
from .images import CachedImage, ImageFailure, ImageStore
from .library import Card, Library, Refusal, card, with_slug
from .listings import library_pages, related_section
from .model import Article, Guide
from .pagefile import PageFile
from .reader import loads, read_bytes
from .render import LocalImage, MissingImage, render_guide
from .slugs import slug_for_article, unique_slug
from .structure import build_guide

log = logger(__name__)

FORK_MIN = 40
"""Articles to process from which a forked child taking half of them pays."""


@dataclass(slots=True)
class ArticleResult:
    """What became of one article."""

    source: str
    card: Card | None = None
    """The guide as the library lists it; None when the article was refused."""
    card_digest: str = ""
    """A digest of `card` as the article made it (its slug may change after: `with_slug`),
    kept in its cache entry: the library's key is made of these, not of every card."""
    guide: Guide | None = None
    """The typed guide, when this build made it (not when the cache had the article)."""
    article: Article | None = None
    """The article as read, when this build read it."""
    _audit: dict[str, Any] | None = None
    _cache: Cache | None = None
    removed: tuple[int, int] = (0, 0)
    """How many removals, of how many characters."""
    pages: list[PageFile] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    """Screenshot URLs of the guide, in reading order, then its other remote images (inside
    paragraphs, lists, notes), each once."""
    refs: list[tuple[str, int]] = field(default_factory=list)
    """Each link or image target naming a file beside the article, and its first line."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    image_failures: list[ImageFailure] = field(default_factory=list)
    from_cache: bool = False
    key: str = ""
    """The cache key of the article: its name, its bytes and the code."""
    seconds: float = 0.0
    """CPU seconds this build spent on the article (read, clean, structure, render): what
    its pages' conversion may still take is the rest of the budget (budget.py)."""
    size: int = 0
    """The article's size in bytes (its budget grows with it: `budget.allowance`)."""
    over_budget: bool = False
    """Refused for its budget: reading, cleaning and structuring it, or rendering its pages,
    were stopped (it has no card), or converting its pages went over the rest (after its
    card was made)."""

    @property
    def refused(self) -> bool:
        return self.card is None or self.over_budget

    @property
    def audit(self) -> dict[str, Any]:
        """Every removal (rule, lines, text) and the kept spans: see `audit_record`.

        Taken from the cache when first asked for (a build only needs it for the audit
        files that changed).
        """
        if self._audit is None:
            entry = self._cache.get("articles", _audit_key(self.key)) if self._cache else None
            self._audit = entry if entry is not None else {}
        return self._audit

    @property
    def removals(self) -> list[dict[str, Any]]:
        return list(self.audit.get("removals", ()))


@dataclass(slots=True)
class BuildResult:
    """Every article's result, the pages to publish and the images they need."""

    articles: list[ArticleResult]
    pages: list[PageFile]
    images: dict[str, CachedImage]
    """Site path (assets/images/x.jpg) → the cached file to copy there."""
    library: Library = field(default_factory=lambda: Library([]))
    guide_pages: dict[str, list[str]] = field(default_factory=dict)
    """Guide slug → the paths of its pages, home page first."""
    renditions: dict[str, Path] = field(default_factory=dict)
    """Site path → a smaller WebP copy of a screenshot to copy there (what pages show)."""
    files: dict[str, Path] = field(default_factory=dict)
    """Site path (assets/content/x.png) → the file of content/ an article links to."""

    @property
    def refused(self) -> list[ArticleResult]:
        return [a for a in self.articles if a.refused]

    def summary(self) -> str:
        ok = [a for a in self.articles if not a.refused]
        removed = sum(a.removed[0] for a in ok)
        chars = sum(a.removed[1] for a in ok)
        warnings = sum(
            1 for a in self.articles for d in a.diagnostics if d.severity is Severity.WARNING
        )
        failed_images = sum(len(a.image_failures) for a in self.articles)
        cached = sum(1 for a in self.articles if a.from_cache)
        return (
            f"cleanguide: {len(ok)} guide(s) from {len(self.articles)} article(s), "
            f"{len(self.refused)} refused; {len(self.articles) - cached} processed, "
            f"{cached} from cache; {removed} removal(s) ({chars} chars), "
            f"{warnings} warning(s), {len(self.images)} image(s) local, "
            f"{failed_images} image(s) left remote"
        )

    def image_failures(self) -> str:
        """One line on the screenshots that could not be fetched, by reason, or ""."""
        failures = [f for a in self.articles for f in a.image_failures]
        if not failures:
            return ""
        reasons = Counter(f.reason for f in failures)
        by_reason = "; ".join(f"{reason}: {n}" for reason, n in sorted(reasons.items()))
        articles = sum(1 for a in self.articles if a.image_failures)
        return (
            f"cleanguide: {len(failures)} screenshot(s) in {articles} article(s) could not be "
            f"fetched and show as placeholders linking to the original ({by_reason}); "
            "each one is in the audit"
        )


def find_articles(content_dir: Path) -> list[Path]:
    """Article files under content/, sorted; symlinked directories are not followed."""
    found: list[Path] = []
    for root, dirs, files in os.walk(content_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(ARTICLE_SUFFIXES) and not name.startswith("."):
                found.append(Path(root) / name)
    return found


def clean_and_structure(article: Article, slug: str) -> tuple[Guide, Cleaned]:
    """One article through clean and structure."""
    cleaned = clean(article)
    return build_guide(article, cleaned, slug), cleaned


def build(
    content_dir: Path,
    *,
    image_store: ImageStore | None = None,
    cache: Cache | None = None,
    site_name: str = "",
    directory_urls: bool = True,
    budget: float = ARTICLE_SECONDS,
) -> BuildResult:
    """Run the whole pipeline over `content_dir`; never raises for a bad article.

    `directory_urls`: whether pages are served as `page/` (MkDocs' default) or `page.html`.
    `budget`: the CPU seconds an article may take (`budget.allowance`); reading, cleaning
    and structuring one, and rendering its pages, are stopped past it, and it is refused.
    """
    cache = cache or Cache(None)
    results = _read_articles(find_articles(content_dir), content_dir, cache, budget)

    taken: set[str] = set()
    for r in results:
        if r.card is not None:
            slug = unique_slug(r.card.slug, taken)
            taken.add(slug)
            if slug != r.card.slug:
                r.card = with_slug(r.card, slug)
                if r.guide is not None:
                    r.guide.slug = slug

    fetched = sitefiles.fetch_screenshots([u for r in results for u in r.figures], image_store)
    copies = sitefiles.webp_copies(fetched, image_store)
    site_images: dict[str, CachedImage] = {}
    site_copies: dict[str, Path] = {}
    site_files: dict[str, Path] = {}
    guides = {r.source: r.card.slug for r in results if r.card is not None}
    todo: list[_PagesJob] = []
    for r in results:
        if r.card is not None:
            local = sitefiles.screenshots_shown(r, fetched, copies, site_images, site_copies)
            targets = sitefiles.local_targets(r, content_dir, guides, site_files, local)
            job = _PagesJob(r, local, targets, directory_urls)
            if not _cached_pages(job, cache):
                todo.append(job)
    _render_all(todo, content_dir, cache, budget)

    refused = [Refusal(r.source, _first_error(r)) for r in results if r.refused]
    made = [r for r in results if r.card is not None]
    cards = [r.card for r in made if r.card is not None]
    digests = [r.card_digest for r in made]
    lib, listing, related = _library(cards, digests, refused, site_name, cache)
    pages: list[PageFile] = []
    guide_pages: dict[str, list[str]] = {}
    for r in results:
        if r.card is not None:
            own = _with_related(r.pages, related.get(r.card.slug, ""))
            guide_pages[r.card.slug] = [p.path for p in own]
            pages.extend(own)
    pages.extend(listing)
    return BuildResult(results, pages, site_images, lib, guide_pages, site_copies, site_files)


def _library(
    cards: list[Card], digests: list[str], refused: list[Refusal], site_name: str, cache: Cache
) -> tuple[Library, list[PageFile], dict[str, str]]:
    """The library, its own pages (guides index, topics) and each guide's related-guides
    section: from the cache when no card and no refusal changed.

    A card is named in the key by its slug and `digests` (`ArticleResult.card_digest`: the
    rest of it), not by all of it: cards carry every link of their article, and encoding
    and digesting them all again took 0.1 s of a no-op build of 1,000 articles."""
    named = [  # (a result not made by _entry_of or _from_entry has none: digested here)
        [c.slug, digest or _card_digest(c.to_json())]
        for c, digest in zip(cards, digests, strict=True)
    ]
    inputs = [named, [[r.source, r.message] for r in refused]]
    key = cache_mod.key(
        "library", cache_mod.code_version(), site_name, json.dumps(inputs, ensure_ascii=False)
    )
    entry = cache.get("pages", key)
    if entry is not None:
        try:
            lib = Library.restored(cards, refused, entry["library"])
            listing = [PageFile.from_row(row) for row in entry["pages"]]
            return lib, listing, dict(entry["related"])
        except (KeyError, TypeError, ValueError):
            pass  # not what this code stores: made again below
    lib = Library.of(cards, refused)
    listing = library_pages(lib, site_name)
    related = {c.slug: text for c in lib.cards if (text := related_section(lib, c.slug))}
    cache.put(
        "pages",
        key,
        {
            "library": lib.derived_json(),
            "pages": [p.row() for p in listing],
            "related": related,
        },
    )
    return lib, listing, related


def _first_error(r: ArticleResult) -> str:
    errors = [d for d in r.diagnostics if d.severity is Severity.ERROR]
    d = errors[0] if errors else None
    return f"line {d.line}: {d.message}" if d and d.line else (d.message if d else "refused")


# --- one article ----------------------------------------------------------------------------


def _article_key(source: str, data: bytes) -> str:
    return cache_mod.key("article", cache_mod.code_version(), source, data)


def _read_articles(
    paths: list[Path], content_dir: Path, cache: Cache, budget: float
) -> list[ArticleResult]:
    """Each article from the cache when nothing that made it changed, else processed now
    (one stopped for its budget is not cached: a later build, perhaps with a larger budget,
    tries it again)."""
    results: list[ArticleResult] = []
    todo: list[tuple[int, bytes]] = []  # (index into results, the article's bytes)
    real_root = content_dir.resolve()
    for path in paths:
        result = ArticleResult(source=_source_of(path, content_dir))
        results.append(result)
        try:
            result.source, data = read_bytes(path, root=content_dir, real_root=real_root)
        except ArticleError as exc:
            result.diagnostics.append(exc.diagnostic)
            continue
        result.key = _article_key(result.source, data)
        result.size = len(data)
        entry = cache.get("articles", result.key)
        if entry is not None:
            _from_entry(result, entry, cache)
        else:
            todo.append((len(results) - 1, data))
    processed = _process_all([(results[i], data) for i, data in todo], budget)
    for (i, _), (result, entry, audit) in zip(todo, processed, strict=True):
        results[i] = result  # (from a fork, a copy)
        if result.over_budget:
            continue
        cache.put_encoded("articles", result.key, entry)
        if result.card is not None:
            cache.put_encoded("articles", _audit_key(result.key), audit)
    return results


def _process_all(
    todo: list[tuple[ArticleResult, bytes]], budget: float
) -> list[tuple[ArticleResult, bytes, bytes]]:
    """The articles of `todo` processed, in order, each with its cache entry and its audit
    record encoded: shared with a forked copy of this process where that is safe and pays
    (forks.shared_with_a_fork).

    A fork needs nothing sent to it; only its results come back (pickled: 500 articles make
    about 25 MB, 0.15 s to load against about 2.5 s to process, so fewer than `FORK_MIN`
    are not worth it). Worker processes (workers.py) were measured and did not pay: 2.9 s against
    3.1 s, the inputs and imports costing what the work saved.
    """

    def work(
        part: Sequence[tuple[ArticleResult, bytes]],
    ) -> list[tuple[ArticleResult, bytes, bytes]]:
        done = []
        for r, data in part:
            _process_timed(r, data, budget)
            audit = cache_mod.encode(r.audit) if r.card is not None else b""
            done.append((r, cache_mod.encode(_entry_of(r)), audit))
        return done

    return shared_with_a_fork(work, todo, minimum=FORK_MIN, what="articles processed")


def _process_timed(result: ArticleResult, data: bytes, budget: float) -> ArticleResult:
    """`_process`, timed, and stopped past the article's budget (then refused)."""
    start = time.thread_time()
    allowed = allowance(budget, result.size)
    try:
        with cpu_limit(allowed):
            _process(result, data)
    except OverBudget:
        why = f"reading, cleaning and structuring it were stopped after {allowed:.1f} s"
        _stopped(result, why, allowed, budget)
    result.seconds = time.thread_time() - start
    return result


def _stopped(
    result: ArticleResult, why: str, allowed: float, budget: float, *, keep: bool = False
) -> None:
    """Refuse an article a stage of which was stopped at its budget (`allowed` seconds):
    nothing of what its stages made is kept but an error that says `why` (and, with `keep`,
    what reading it found: its removals and warnings, for the audit)."""
    result.article = result.guide = result.card = None
    result.refs, result.figures, result.pages = [], [], []
    if not keep:
        result._audit, result.removed, result.diagnostics = None, (0, 0), []
    message = f"refused: {why}, over {in_words(allowed, budget)}"
    result.diagnostics.append(Diagnostic(Severity.ERROR, result.source, message, rule="budget"))
    result.over_budget = True


def _source_of(path: Path, content_dir: Path) -> str:
    try:
        return path.relative_to(content_dir).as_posix()
    except ValueError:
        return path.as_posix()


def _process(result: ArticleResult, data: bytes) -> None:
    """Read, clean and structure one article into `result` (its card, audit and model)."""
    try:
        article = result.article = loads(data, result.source)
        base = slug_for_article(article.source, article.meta.title)
        result.guide, cleaned = clean_and_structure(article, base)
        result.card = card(result.guide, article)
        result.refs, inline = _references(article, cleaned)
        result.figures = list(dict.fromkeys([f.src for f in result.guide.figures] + inline))
        result._audit = removals_record(cleaned)
        result.removed = (len(cleaned.removals), sum(r.chars for r in cleaned.removals))
        result.diagnostics.extend(article.diagnostics)
        result.diagnostics.extend(cleaned.diagnostics)
        result.diagnostics.extend(result.guide.diagnostics)
    except ArticleError as exc:
        result.diagnostics.append(exc.diagnostic)
    except RecursionError:
        result.diagnostics.append(
            Diagnostic(Severity.ERROR, result.source, "article is nested too deeply")
        )


def _audit_key(article_key: str) -> str:
    return cache_mod.key("audit", article_key)


def _card_digest(card: dict[str, Any]) -> str:
    return cache_mod.key("card", json.dumps(card, ensure_ascii=False))


def _entry_of(r: ArticleResult) -> dict[str, Any]:
    card = r.card.to_json() if r.card else None
    r.card_digest = _card_digest(card) if card else ""
    return {
        "card": card,
        "card_digest": r.card_digest,
        "figures": r.figures,
        "refs": r.refs,
        "removed": list(r.removed),
        "diagnostics": _diagnostics_json(r.diagnostics),
    }


def _from_entry(r: ArticleResult, entry: dict[str, Any], cache: Cache) -> None:
    r.from_cache = True
    r.card = Card.from_json(entry["card"]) if entry["card"] else None
    r.card_digest = entry["card_digest"]
    r.figures = list(entry["figures"])
    r.refs = [(target, line) for target, line in entry["refs"]]
    r.removed = (entry["removed"][0], entry["removed"][1])
    r._cache = cache
    if r.card is not None:
        cache.touch("articles", _audit_key(r.key))  # read only if an audit file changes
    r.diagnostics = _diagnostics_from(entry["diagnostics"])


@dataclass(frozen=True, slots=True)
class _PagesJob:
    """A guide whose pages are to be made: with the images and local links they show."""

    result: ArticleResult
    local: Mapping[str, LocalImage | MissingImage]
    targets: Mapping[str, str | None]
    directory_urls: bool
    key: str = field(init=False)
    """The guide's pages are the same under the same key."""

    def __post_init__(self) -> None:
        images = [[u, repr(i)] for u, i in sorted(self.local.items())]
        made_with = json.dumps([images, sorted(self.targets.items()), self.directory_urls])
        object.__setattr__(self, "key", cache_mod.key("pages", self.result.key, made_with))

    @property
    def folder(self) -> str:
        assert self.result.card is not None
        return f"{GUIDES_DIR}/{self.result.card.slug}/"


def _cached_pages(job: _PagesJob, cache: Cache) -> bool:
    """Whether the guide's pages came from the cache (made with the same images and local
    links); taken into its result if so."""
    r = job.result
    if r.guide is not None or (entry := cache.get("articles", job.key)) is None:
        return False
    r.diagnostics.extend(_diagnostics_from(entry["diagnostics"]))
    r.pages = [PageFile.from_row(row, job.folder) for row in entry["pages"]]
    return True


def _render_all(todo: list[_PagesJob], content_dir: Path, cache: Cache, budget: float) -> None:
    """Render the pages of every guide of `todo`, shared with a fork (forks.py) where that
    pays; each guide's pages are cached. A guide whose rendering is stopped for its
    budget is refused (not cached: a later build tries again)."""

    def work(
        part: Sequence[_PagesJob],
    ) -> list[tuple[list[PageFile] | None, list[Diagnostic], float, bytes]]:
        done = []
        for job in part:
            pages, capped, seconds = _render_pages(job, content_dir, budget)
            entry = cache_mod.encode(_pages_entry(job, pages, capped)) if pages is not None else b""
            done.append((pages, capped, seconds, entry))
        return done

    rendered = shared_with_a_fork(work, todo, minimum=FORK_MIN, what="guide pages rendered")
    for job, (pages, capped, seconds, encoded) in zip(todo, rendered, strict=True):
        r = job.result
        r.seconds += seconds
        if pages is None:
            allowed = allowance(budget, r.size)
            why = f"rendering its pages was stopped when it had taken {allowed:.1f} s"
            _stopped(r, why, allowed, budget, keep=True)
            continue
        r.pages = pages
        r.diagnostics.extend(capped)
        cache.put_encoded("articles", job.key, encoded)


def _render_pages(
    job: _PagesJob, content_dir: Path, budget: float
) -> tuple[list[PageFile] | None, list[Diagnostic], float]:
    """The guide's pages (None when stopped for what is left of the article's budget), the
    warnings for text shown literally, and the CPU seconds taken."""
    r = job.result
    assert r.card is not None
    start = time.thread_time()
    try:
        with cpu_limit(allowance(budget, r.size) - r.seconds):
            if r.guide is None:  # the cache has the article, not with these images: again
                data = read_bytes(content_dir / r.source, root=content_dir)[1]
                r.article = loads(data, r.source)
                r.guide, _ = clean_and_structure(r.article, r.card.slug)
            inline = Allowance()
            pages = render_guide(r.guide, job.local, job.directory_urls, inline, job.targets)
    except OverBudget:
        return None, [], time.thread_time() - start
    capped = [_capped(r, text) for text in inline.capped]
    return pages, capped, time.thread_time() - start


def _pages_entry(job: _PagesJob, pages: list[PageFile], capped: list[Diagnostic]) -> dict[str, Any]:
    return {
        "pages": [p.row(job.folder) for p in pages],
        "diagnostics": _diagnostics_json(capped),
    }


def _capped(r: ArticleResult, text: str) -> Diagnostic:
    """The warning for a piece of the article shown as literal text (budget.py)."""
    line = None
    if r.article is not None and (head := text.strip().split("\n", 1)[0][:40]):
        at = r.article.body.find(head)
        line = r.article.line_of(at) if at >= 0 else None
    message = (
        "text that would take Markdown too long to convert is shown as it is, as code "
        "(its formatting is dropped)"
    )
    return Diagnostic(Severity.WARNING, r.source, message, line, "budget")


def _diagnostics_json(diagnostics: Iterable[Diagnostic]) -> list[list[Any]]:
    return [[d.severity.value, d.source, d.message, d.line, d.rule] for d in diagnostics]


def _diagnostics_from(data: Iterable[list[Any]]) -> list[Diagnostic]:
    return [
        Diagnostic(Severity(sev), source, message, line, rule)
        for sev, source, message, line, rule in data
    ]


def _with_related(pages: list[PageFile], related: str) -> list[PageFile]:
    """The guide's pages, its home page ending with its `related` guides section."""
    if not related:
        return pages
    home = pages[0]
    return [PageFile(home.path, home.body + "\n" + related, home.meta, home.label), *pages[1:]]


def _references(article: Article, cleaned: Cleaned) -> tuple[list[tuple[str, int]], list[str]]:
    """The local link and image targets of the cleaned article, each with its first line;
    and its remote images, each once: those inside a paragraph are fetched like the
    screenshots on a line of their own."""
    first: dict[str, int] = {}
    remote: dict[str, None] = {}
    for target, offset, image in localrefs.targets(cleaned.text):
        if localrefs.is_local(target):
            if target not in first:
                first[target] = article.line_of(cleaned.to_original(offset))
        elif image and localrefs.is_fetchable(target):
            remote[target] = None
    return list(first.items()), list(remote)


# --- writing -------------------------------------------------------------------------------


def write_pages(pages: Iterable[PageFile], out_dir: Path) -> list[Path]:
    """Write pages under out_dir atomically, only where the bytes changed; return those."""
    out_dir = out_dir.resolve()
    changed: list[Path] = []
    for page in pages:
        target = (out_dir / page.path).resolve()
        if out_dir not in target.parents:
            raise ValueError(f"refusing to write {page.path}: outside {out_dir}")
        if write_if_changed(target, page.text.encode("utf-8")):
            changed.append(target)
    return changed


__all__ = [
    "ArticleResult",
    "BuildResult",
    "build",
    "clean_and_structure",
    "find_articles",
    "write_pages",
]
