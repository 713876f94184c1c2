"""What a page shows of a cached screenshot: WebP copies that fit a phone and a desktop column.

Made once next to the image cache (`renditions/`) and reused by every later build; the
original stays the file the zoom view opens. Separate from fetching: this only reads the
cache (and, unless told not to, writes the copies).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from .diagnostics import logger
from .files import write_if_changed
from .images import CachedImage

log = logger(__name__)

RENDITIONS_DIR = "renditions"
"""Sub-folder of the cache directory holding the renditions."""
RENDITION_WIDTHS = (480, 960)
"""Widths made for a screenshot wider than them: a phone's column, twice that for dense screens."""
RENDITION_MAX_WIDTH = 1440
"""The widest rendition; the original (for the zoom view) keeps every pixel."""
WEBP_QUALITY = 80


@dataclass(frozen=True, slots=True)
class Rendition:
    """A WebP copy of a cached screenshot, at one width."""

    path: Path
    filename: str
    """`<original's stem and hash>-<width>w.webp`."""
    width: int
    height: int


def rendition_widths(width: int) -> list[int]:
    """The widths to make of a screenshot `width` pixels wide: never wider than it."""
    widest = min(width, RENDITION_MAX_WIDTH)
    return sorted({w for w in RENDITION_WIDTHS if w < widest} | {widest})


def renditions(image: CachedImage, cache_dir: Path, make: bool = True) -> list[Rendition]:
    """The WebP renditions of `image`, smallest first, made now if not made before (or,
    without `make`, only if they were all made before).

    None for a GIF (it may be animated: the page shows it as it is) or a file Pillow cannot
    read again; the page then shows the original.
    """
    if image.media_type == "image/gif":
        return []
    stem = image.filename.rsplit(".", 1)[0]
    folder = cache_dir / RENDITIONS_DIR
    out = []
    for width in rendition_widths(image.width):
        height = max(1, round(image.height * width / image.width))
        name = f"{stem}-{width}w.webp"
        path = folder / name
        if not path.is_file():
            if not make:
                return []
            try:
                write_if_changed(path, _webp(image.path, width, height))
            except (OSError, ValueError) as exc:
                log.warning("cannot make a %dpx WebP of %s: %s", width, image.path, exc)
                return []
        out.append(Rendition(path, name, width, height))
    return out


def _webp(source: Path, width: int, height: int) -> bytes:
    with Image.open(source) as img:
        img.load()
        frame = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    if frame.size != (width, height):
        frame = frame.resize((width, height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    frame.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=4)
    return buffer.getvalue()
