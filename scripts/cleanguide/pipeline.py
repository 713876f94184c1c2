"""The pipeline, top to bottom: read → clean → structure → render → (fetch images) → write.

`build()` is the one function both the CLI and the MkDocs plugin call. One bad article is
reported and skipped; every other guide still builds.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .clean import Cleaned, clean, patterns, rules
from .diagnostics import ArticleError, Diagnostic, Severity
from .images import CachedImage, ImageFailure, ImageStore
from .model import Article, Guide
from .reader import load
from .render import GUIDES_DIR, LocalImage, PageFile, render_guide, render_index
from .slugs import slug_for_article, unique_slug
from .structure import build_guide
from .typography import plain

log = logging.getLogger("mkdocs.plugins.cleanguide.pipeline")

IMAGES_DIR = "assets/images"
ARTICLE_SUFFIXES = (".md", ".markdown", ".txt")


@dataclass(slots=True)
class ArticleResult:
    """What became of one article."""

    source: str
    guide: Guide | None = None
    cleaned: Cleaned | None = None
    pages: list[PageFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    image_failures: list[ImageFailure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def refused(self) -> bool:
        return self.guide is None


@dataclass(slots=True)
class BuildResult:
    """Every article's result, the pages to publish and the images they need."""

    articles: list[ArticleResult]
    pages: list[PageFile]
    images: dict[str, CachedImage]
    """Site path (assets/images/x.jpg) → the cached file to copy there."""

    @property
    def refused(self) -> list[ArticleResult]:
        return [a for a in self.articles if a.refused]

    def summary(self) -> str:
        ok = [a for a in self.articles if not a.refused]
        removed = sum(len(a.cleaned.removals) for a in ok if a.cleaned)
        chars = sum(r.chars for a in ok if a.cleaned for r in a.cleaned.removals)
        warnings = sum(
            1 for a in self.articles for d in a.diagnostics if d.severity is Severity.WARNING
        )
        failed_images = sum(len(a.image_failures) for a in self.articles)
        return (
            f"cleanguide: {len(ok)} guide(s) from {len(self.articles)} article(s), "
            f"{len(self.refused)} refused; {removed} removal(s) ({chars} chars), "
            f"{warnings} warning(s), {len(self.images)} image(s) local, "
            f"{failed_images} image(s) left remote"
        )


def forget_caches() -> None:
    """Empty every cache keyed by article content: URL verdicts, tag attributes, plain text.

    A build keeps them, since its articles share links and tags. The benchmark empties them
    to time an article as a build first sees it.
    """
    patterns.forget_caches()
    rules.forget_caches()
    plain.cache_clear()


def find_articles(content_dir: Path) -> list[Path]:
    """Article files under content/, sorted; symlinked directories are not followed."""
    found: list[Path] = []
    for root, dirs, files in os.walk(content_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(ARTICLE_SUFFIXES) and not name.startswith("."):
                found.append(Path(root) / name)
    return found


def process(article: Article, slug: str) -> tuple[Guide, Cleaned]:
    """One article through clean and structure."""
    cleaned = clean(article)
    return build_guide(article, cleaned, slug), cleaned


def build(
    content_dir: Path,
    *,
    image_store: ImageStore | None = None,
) -> BuildResult:
    """Run the whole pipeline over `content_dir`; never raises for a bad article."""
    results: list[ArticleResult] = []
    taken: set[str] = set()
    for path in find_articles(content_dir):
        start = time.perf_counter()
        result = ArticleResult(source=path.relative_to(content_dir).as_posix())
        try:
            article = load(path, root=content_dir)
            slug = unique_slug(slug_for_article(article.source, str(article.meta["title"])), taken)
            taken.add(slug)
            result.guide, result.cleaned = process(article, slug)
            result.diagnostics.extend(article.diagnostics)
            result.diagnostics.extend(result.cleaned.diagnostics)
        except ArticleError as exc:
            result.diagnostics.append(exc.diagnostic)
        except RecursionError:
            result.diagnostics.append(
                Diagnostic(Severity.ERROR, result.source, "article is nested too deeply")
            )
        result.seconds = time.perf_counter() - start
        results.append(result)

    guides = [r.guide for r in results if r.guide is not None]
    fetched = _fetch_images(guides, image_store)
    site_images: dict[str, CachedImage] = {}
    pages: list[PageFile] = []
    for r in results:
        if r.guide is None:
            continue
        local: dict[str, LocalImage] = {}
        for url in _figure_urls([r.guide]):
            got = fetched.get(url)
            if isinstance(got, CachedImage):
                site_path = f"{IMAGES_DIR}/{got.filename}"
                site_images[site_path] = got
                local[url] = LocalImage(site_path, got.width, got.height)
            elif isinstance(got, ImageFailure):
                r.image_failures.append(got)
        r.pages = render_guide(r.guide, local)
        pages.extend(r.pages)
    pages.append(render_index(guides))
    return BuildResult(results, pages, site_images)


def _figure_urls(guides: Iterable[Guide]) -> list[str]:
    return sorted({f.src for g in guides for f in g.figures})


def _fetch_images(
    guides: list[Guide], store: ImageStore | None
) -> Mapping[str, CachedImage | ImageFailure]:
    urls = [u for u in _figure_urls(guides) if u.startswith(("http://", "https://", "//"))]
    if store is None or not urls:
        return {}
    return store.fetch_all(urls)


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


def write_if_changed(target: Path, data: bytes) -> bool:
    """Write `data` atomically unless `target` already holds exactly it; True if written."""
    if target.is_file() and target.read_bytes() == data:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, data)
    return True


def atomic_write(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def audit_record(result: ArticleResult) -> dict[str, Any]:
    """The audit of one article as JSON-ready data: every removal, warning and error."""
    cleaned = result.cleaned
    return {
        "source": result.source,
        "guide": result.guide.slug if result.guide else None,
        "refused": result.refused,
        "removals": [
            {
                "rule": r.rule,
                "action": r.action,
                "lines": [r.line, r.end_line],
                "chars": r.chars,
                "excerpt": r.excerpt,
                "pieces": [[s, e] for s, e in r.pieces],
                "texts": list(r.texts),
            }
            for r in (cleaned.removals if cleaned else ())
        ],
        "kept": [[s, e] for s, e in cleaned.kept] if cleaned else [],
        "diagnostics": [
            {"severity": d.severity.value, "line": d.line, "rule": d.rule, "message": d.message}
            for d in result.diagnostics
        ],
        "images_left_remote": [{"url": f.url, "reason": f.reason} for f in result.image_failures],
    }


def write_audit(result: BuildResult, audit_dir: Path) -> Path:
    """One JSON file per article plus a summary, under audit_dir (outside the site)."""
    audit_dir.mkdir(parents=True, exist_ok=True)
    for r in result.articles:
        name = (r.guide.slug if r.guide else r.source.replace("/", "_")) + ".json"
        atomic_write(
            audit_dir / name, json.dumps(audit_record(r), ensure_ascii=False, indent=1).encode()
        )
    summary = audit_dir / "summary.txt"
    atomic_write(summary, (result.summary() + "\n").encode())
    return summary


__all__ = [
    "GUIDES_DIR",
    "IMAGES_DIR",
    "ArticleResult",
    "BuildResult",
    "audit_record",
    "build",
    "find_articles",
    "process",
    "write_audit",
    "write_if_changed",
    "write_pages",
]
