"""The files a build puts into the site besides its pages: screenshots and files of content/.

Remote screenshots come from the image store (images.py: fetched once, cached) with their
WebP copies (renditions.py) into `assets/images/`; files beside an article that it links
to (localrefs.py) are copied into `assets/content/`. Each guide learns what its pages show
of each: a local image with its size and copies, a placeholder for a screenshot that
could not be fetched, or a local link's site path (None: it shows as text, with a warning).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from . import localrefs
from .defaults import IMAGES_DIR
from .diagnostics import Diagnostic, Severity
from .images import CachedImage, ImageFailure, ImageStore, image_size
from .render import LocalImage, MissingImage
from .renditions import Rendition, renditions

if TYPE_CHECKING:
    from .pipeline import ArticleResult


def local_targets(
    r: ArticleResult,
    content_dir: Path,
    guides: Mapping[str, str],
    site_files: dict[str, Path],
    local: dict[str, LocalImage | MissingImage],
) -> dict[str, str | None]:
    """Where each local reference of the article points in the site (None: nowhere); files
    to copy go to `site_files`, images shown as screenshots to `local` with their size."""
    targets: dict[str, str | None] = {}
    figures = set(r.figures)
    for target, line in r.refs:
        found = localrefs.resolve(r.source, target, content_dir, guides)
        site_path, copy = found.site_path, found.copy
        if copy is not None and site_path is not None and target in figures:
            try:
                width, height = image_size(copy)
            except OSError:
                found = localrefs.Target(None, why="it is not an image Pillow can read")
                site_path = copy = None
            else:
                local[target] = LocalImage(site_path, width, height)
        if copy is not None and site_path is not None:
            site_files[site_path] = copy
        if site_path is None:
            r.diagnostics.append(
                Diagnostic(
                    Severity.WARNING,
                    r.source,
                    f"{target!r} does not resolve ({found.why}): shown as text",
                    line,
                    "local-link",
                )
            )
        targets[target] = site_path
    return targets


def screenshots_shown(
    r: ArticleResult,
    fetched: Mapping[str, CachedImage | ImageFailure],
    copies: Mapping[str, list[Rendition]],
    site_images: dict[str, CachedImage],
    site_copies: dict[str, Path],
) -> dict[str, LocalImage | MissingImage]:
    """What the guide's pages show of each screenshot: local (with its smaller copies), or a
    placeholder for one that could not be fetched. Fills the site's files as it goes."""
    local: dict[str, LocalImage | MissingImage] = {}
    for url in dict.fromkeys(r.figures):
        got = fetched.get(url)
        if isinstance(got, CachedImage):
            site_path = f"{IMAGES_DIR}/{got.filename}"
            site_images[site_path] = got
            shown = []
            for copy in copies.get(got.filename, ()):
                copy_path = f"{IMAGES_DIR}/{copy.filename}"
                site_copies[copy_path] = copy.path
                shown.append((copy_path, copy.width))
            local[url] = LocalImage(site_path, got.width, got.height, tuple(shown))
        elif isinstance(got, ImageFailure):
            r.image_failures.append(got)
            local[url] = MissingImage(got.reason)
    return local


def webp_copies(
    fetched: Mapping[str, CachedImage | ImageFailure], store: ImageStore | None
) -> dict[str, list[Rendition]]:
    """The WebP copies of every fetched screenshot, by its cache file name (made in threads:
    Pillow encodes outside the GIL; a build after the first only finds them)."""
    images = {i.filename: i for i in fetched.values() if isinstance(i, CachedImage)}
    if store is None or not images:
        return {}
    with ThreadPoolExecutor(min(len(images), os.cpu_count() or 1)) as pool:
        made = pool.map(
            lambda i: renditions(i, store.cache_dir, not store.read_only), images.values()
        )
        return dict(zip(images, made, strict=True))


def fetch_screenshots(
    urls: Iterable[str], store: ImageStore | None
) -> Mapping[str, CachedImage | ImageFailure]:
    """Each remote screenshot from the image store (fetched, or from its cache)."""
    remote = sorted({u for u in urls if localrefs.is_fetchable(u)})
    if store is None or not remote:
        return {}
    return store.fetch_all(remote)


__all__ = ["fetch_screenshots", "local_targets", "screenshots_shown", "webp_copies"]
