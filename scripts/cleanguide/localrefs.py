"""Links and images of an article that point at files beside it (`other.md`, `shots/a.png`).

A generated page lives under `guides/<slug>/`, not where its article sits in `content/`, so
a relative reference in the article would point nowhere (and fail a strict build). Each is
resolved against the article's own folder (a root-relative image, `/images/a.png`, against
`content/` itself):

- another article: the link goes to the home page of its guide;
- another file inside `content/` of a kind that cannot run script (`PUBLISHED_SUFFIXES`:
  images, documents, archives, media; not `.html` or `.svg`): it is copied into the site
  (`assets/content/<its path>`) and the link or image points there (an image's pixel size
  is read for the page);
- anything else (missing, a folder, outside `content/`): the link's text stays, an image's
  alt text stays, and a warning names the article, the line and the target.

Absolute URLs, `//host/...`, `#anchors` and other schemes (`mailto:`) are left alone;
root-relative links (`/tag-search/...`) point at the farm and were unwrapped by the cleaner.
Only Markdown links and images are read (raw HTML `href`s are left to the sanitiser).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .defaults import CONTENT_FILES_DIR, guide_home
from .text import MD_LINK, code_spans, fence_spans

MAX_FILE_BYTES = 20 * 2**20
"""Largest file copied from content/ into the site."""
PUBLISHED_SUFFIXES = frozenset(
    {
        *("png", "jpg", "jpeg", "gif", "webp", "avif", "bmp", "ico", "tif", "tiff"),
        *("pdf", "txt", "csv", "rtf", "doc", "docx", "xls", "xlsx", "ppt", "pptx"),
        *("odt", "ods", "odp", "epub", "json"),
        *("zip", "7z", "rar", "gz", "tgz", "tar", "bz2", "xz"),
        *("mp3", "mp4", "m4a", "webm", "ogg", "wav", "mov"),
        *("exe", "msi", "dmg", "pkg", "apk", "deb", "rpm", "iso", "img", "bin", "reg"),
    }
)
"""The kinds of file of content/ copied into the site. Not a page, a script or an image
that holds script (`.html`, `.svg`, `.xml`, `.js`...): served from the site's own address,
it would run there."""

REMOTE_PREFIXES = ("http://", "https://", "//")
"""How a target the image store fetches from another host starts (`is_fetchable`)."""
LINK = MD_LINK
"""A link or image (text.MD_LINK); a link's text may hold images (`[![alt](a.png)](b.md)`)."""
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def is_local(target: str) -> bool:
    """Whether a link target names a file of the site's own content (not a URL, not `#x`)."""
    return bool(target) and not target.startswith(("#", "//")) and not _SCHEME.match(target)


def is_fetchable(target: str) -> bool:
    """Whether the image store can fetch a target from another host (http, https, //)."""
    return target.startswith(REMOTE_PREFIXES)


def _bare(target: str) -> str:
    return target[1:-1].strip() if target.startswith("<") else target


def references(text: str) -> Iterator[tuple[str, int, bool]]:
    """Each local link or image target in Markdown `text`, outside code: (target, offset, is
    it an image)."""
    return (ref for ref in targets(text) if is_local(ref[0]))


def targets(text: str) -> Iterator[tuple[str, int, bool]]:
    """Each link or image target in Markdown `text`, outside code, local or not: (target,
    offset, is it an image)."""
    for start, end in _prose_spans(text):
        for m in LINK.finditer(text, start, end):
            for inner in LINK.finditer(m.group(2)):  # images inside a link's text
                yield _bare(inner.group(3)), m.start(2) + inner.start(), bool(inner.group(1))
            yield _bare(m.group(3)), m.start(), bool(m.group(1))


def _prose_spans(text: str) -> Iterator[tuple[int, int]]:
    """The parts of `text` outside fenced code blocks and inline code spans."""
    position = 0
    for start, end in [*fence_spans(text), (len(text), len(text))]:
        if "`" in text[position:start]:
            base = position
            for code_start, code_end in code_spans(text[base:start]):
                yield position, base + code_start
                position = base + code_end
        yield position, start
        position = end


def content_path(source: str, target: str) -> str | None:
    """The path inside content/ a target of article `source` names, or None if it leaves."""
    path = unquote(urlsplit(target).path)
    if not path:
        return None
    base = "" if path.startswith("/") else posixpath.dirname(source)
    joined = posixpath.normpath(posixpath.join(base, path.lstrip("/")))
    if joined in (".", "..") or joined.startswith("../"):
        return None
    return joined


@dataclass(frozen=True, slots=True)
class Target:
    """What a local reference resolved to."""

    site_path: str | None
    """The page or file in the site it now points at; None: nothing, it shows as text."""
    copy: Path | None = None
    """The file of content/ to copy to `site_path`, if it is one."""
    why: str = ""
    """Why it resolves to nothing."""


def resolve(source: str, target: str, content_dir: Path, guides: Mapping[str, str]) -> Target:
    """Resolve one reference of article `source`; `guides` maps article sources to slugs."""
    path = content_path(source, target)
    if path is None:
        return Target(None, why="it points outside the content folder")
    if path in guides:
        return Target(guide_home(guides[path]))
    root = content_dir.resolve()
    try:
        real = (content_dir / path).resolve(strict=True)
    except (OSError, RuntimeError):
        return Target(None, why="there is no such file in the content folder")
    if not real.is_relative_to(root):
        return Target(None, why="it points outside the content folder")
    if not real.is_file():
        return Target(None, why="it is not a file")
    suffix = posixpath.splitext(path)[1].lower().lstrip(".")
    if suffix not in PUBLISHED_SUFFIXES:
        kind = f"a .{suffix} file" if suffix else "a file without a type"
        return Target(None, why=f"{kind} is not published (it could run script on the site)")
    if real.stat().st_size > MAX_FILE_BYTES:
        return Target(None, why=f"the file is larger than {MAX_FILE_BYTES // 2**20} MiB")
    return Target(f"{CONTENT_FILES_DIR}/{path}", real)


def rewrite(
    text: str,
    targets: Mapping[str, str | None],
    page_path: str,
    fetched: Mapping[str, str] | None = None,
) -> str:
    """Markdown `text` of a page at `page_path` with each local reference in `targets`
    pointing at its site path, or shown as text where it resolves to nothing; and each
    image of `fetched` (a remote URL → its copy's site path) showing the copy."""
    if "](" not in text or not (targets or fetched):
        return text
    out: list[str] = []
    position = 0
    for start, end in _prose_spans(text):
        out.append(text[position:start])
        out.append(LINK.sub(lambda m: _rewritten(m, targets, page_path, fetched), text[start:end]))
        position = end
    out.append(text[position:])
    return "".join(out)


def _rewritten(
    m: re.Match[str],
    targets: Mapping[str, str | None],
    page_path: str,
    fetched: Mapping[str, str] | None,
) -> str:
    bang, label, written, title = m.groups()
    label = LINK.sub(lambda inner: _rewritten(inner, targets, page_path, fetched), label)
    target = _bare(written)
    here = posixpath.dirname(page_path) or "."
    if bang and fetched and target in fetched:
        return f"{bang}[{label}](<{posixpath.relpath(fetched[target], here)}>{title})"
    if not is_local(target) or target not in targets:
        return f"{bang}[{label}]({written}{title})"
    site_path = targets[target]
    if site_path is None:
        return label  # the link's text, an image's alt text
    return f"{bang}[{label}](<{posixpath.relpath(site_path, here)}>{title})"


__all__ = [
    "LINK",
    "Target",
    "content_path",
    "is_fetchable",
    "is_local",
    "references",
    "resolve",
    "rewrite",
    "targets",
]
