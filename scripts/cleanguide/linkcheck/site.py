"""The built site as the link check reads it: its pages, their references and anchors, and
where an internal reference leads.

Every HTML file under the site folder is parsed with the standard library's `html.parser`.
Internal references (`a`/`area href`, `img src`/`srcset`, `link href`, `script src`,
`source src`/`srcset`, media and frame sources) must resolve to a file inside the site,
and a `#fragment` must name an `id` (or `<a name>`) of the target page. Root-relative URLs
and absolute URLs of the site itself are resolved against the site's base path, read from
the `<link rel="canonical">` of its home page (MkDocs writes one when `site_url` is set),
so `404.html`'s `/repo/assets/...` links check too. External (http) references are
gathered for external.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

HTML_SUFFIXES = (".html", ".htm")
SKIPPED_LINK_RELS = frozenset({"preconnect", "dns-prefetch"})

# (tag, attribute) -> kind; "srcset" attributes hold several URLs.
_URL_ATTRS: Mapping[tuple[str, str], str] = {
    ("a", "href"): "link",
    ("area", "href"): "link",
    ("img", "src"): "image",
    ("img", "srcset"): "image",
    ("link", "href"): "resource",
    ("script", "src"): "script",
    ("source", "src"): "media",
    ("source", "srcset"): "image",
    ("video", "src"): "media",
    ("video", "poster"): "image",
    ("audio", "src"): "media",
    ("track", "src"): "media",
    ("iframe", "src"): "frame",
    ("embed", "src"): "frame",
}


@dataclass(frozen=True, slots=True)
class BrokenLink:
    """One reference of one page that does not resolve."""

    page: str
    """The page holding the reference, relative to the site folder, POSIX separators."""
    target: str
    """The URL as written in the page."""
    kind: str
    """link, anchor, image, stylesheet, icon, resource, script, media or frame."""
    reason: str

    def __str__(self) -> str:
        return f"{self.page}: {self.kind} {self.target} ({self.reason})"


@dataclass(frozen=True, slots=True)
class _Ref:
    kind: str
    url: str
    line: int


@dataclass(slots=True)
class _Page:
    """What the check reads of one HTML page."""

    refs: list[_Ref] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    canonical: str | None = None


# --------------------------------------------------------------------------- parsing


class _PageParser(HTMLParser):
    """Collects URL references, element ids and the canonical link."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = _Page()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        self._collect_ids(tag, values)
        if tag == "link" and not self._keep_link(values):
            return
        for name, value in values.items():
            kind = _URL_ATTRS.get((tag, name))
            if kind is None:
                continue
            if tag == "link":
                kind = _link_kind(values.get("rel", ""))
            urls = _parse_srcset(value) if name == "srcset" else [value.strip()]
            line = self.getpos()[0]
            self.out.refs.extend(_Ref(kind, url, line) for url in urls)

    def _collect_ids(self, tag: str, values: Mapping[str, str]) -> None:
        if "id" in values:
            self.out.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.out.ids.add(values["name"])

    def _keep_link(self, values: Mapping[str, str]) -> bool:
        rels = set(values.get("rel", "").lower().split())
        if "canonical" in rels and self.out.canonical is None:
            self.out.canonical = values.get("href", "").strip() or None
        return not rels & SKIPPED_LINK_RELS


def _link_kind(rel: str) -> str:
    rels = rel.lower().split()
    if "stylesheet" in rels:
        return "stylesheet"
    if "icon" in rels or "apple-touch-icon" in rels:
        return "icon"
    return "resource"


def _parse_srcset(value: str) -> list[str]:
    """The URLs of a srcset: comma-separated candidates of a URL and a descriptor."""
    urls: list[str] = []
    pos, size = 0, len(value)
    while pos < size:
        while pos < size and (value[pos].isspace() or value[pos] == ","):
            pos += 1
        start = pos
        while pos < size and not value[pos].isspace():
            pos += 1
        url = value[start:pos]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            while pos < size and value[pos] != ",":
                pos += 1  # skip the descriptor
        if url:
            urls.append(url)
    return urls


def _parse_file(path: Path) -> _Page:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return parser.out


# --------------------------------------------------------------------------- the site


@dataclass(frozen=True, slots=True)
class _Target:
    """An internal reference resolved to a file (or why it could not be)."""

    file: str | None
    fragment: str
    error: str = ""


class Site:
    """The built site: its files, its base URL and a cache of parsed pages."""

    def __init__(self, root: Path, site_url: str | None) -> None:
        self.root = root
        self._real_root = root.resolve()
        self._parsed: dict[str, _Page] = {}
        self._located: dict[str, tuple[str | None, str]] = {}
        self.pages = sorted(
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.suffix.lower() in HTML_SUFFIXES and p.is_file()
        )
        url = site_url if site_url is not None else self._canonical_home()
        parts = urlsplit(url or "")
        self.netloc = parts.netloc.lower() if parts.scheme in ("http", "https") else ""
        self.base_path = "/" + parts.path.strip("/") + "/" if parts.path.strip("/") else "/"

    def _canonical_home(self) -> str | None:
        if not (self.root / "index.html").is_file():
            return None
        return self.parsed("index.html").canonical

    def parsed(self, rel: str) -> _Page:
        if rel not in self._parsed:
            self._parsed[rel] = _parse_file(self.root / rel)
        return self._parsed[rel]

    def own_path(self, url: str) -> str | None:
        """The path of an absolute URL of this site itself, or None for another site."""
        parts = urlsplit(url)
        if not self.netloc or parts.netloc.lower() != self.netloc:
            return None
        path = parts.path or "/"
        if not (path + "/").startswith(self.base_path):
            return None
        return path

    def resolve(self, page: str, url: str) -> _Target:
        parts = urlsplit(url)
        fragment = unquote(parts.fragment)
        if not parts.path:
            return _Target(page, fragment)
        segments = self._segments(page, parts.path)
        if isinstance(segments, str):
            return _Target(None, fragment, segments)
        return self._locate(segments, fragment)

    def _segments(self, page: str, path: str) -> list[str] | str:
        """The path's segments from the site root (last "" = a directory), or an error."""
        if path.startswith("/"):
            if not (path + "/").startswith(self.base_path):
                return f"outside the site's base path {self.base_path}"
            start: list[str] = []
            path = path[len(self.base_path) :]
        else:
            start = page.split("/")[:-1]
        out = list(start)
        pieces = path.split("/")
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            if piece == "..":
                if not out:
                    return "escapes the site root"
                out.pop()
            elif piece not in (".", ""):
                out.append(unquote(piece))
            if last and piece in (".", "..", ""):
                out.append("")
        return out

    def _locate(self, segments: list[str], fragment: str) -> _Target:
        rel = "/".join(segments)
        if rel not in self._located:
            self._located[rel] = self._find_file(rel)
        file, error = self._located[rel]
        return _Target(file, fragment, error)

    def _find_file(self, rel: str) -> tuple[str | None, str]:
        """The file a path names (a directory's index.html), or None and why not."""
        path = self.root / rel if rel else self.root
        if not path.resolve().is_relative_to(self._real_root):
            return None, "escapes the site root"
        if rel.endswith("/") or not rel or path.is_dir():
            index = (rel.rstrip("/") + "/index.html").lstrip("/")
            if (self.root / index).is_file():
                return index, ""
            if path.is_dir():
                return None, f"directory {rel or '/'} has no index.html"
            return None, f"no file {index}"
        if path.is_file():
            return rel, ""
        return None, f"no file {rel}"

    def has_anchor(self, rel: str, fragment: str) -> bool:
        if not rel.lower().endswith(HTML_SUFFIXES) or fragment.startswith(":~:"):
            return True  # fragments of non-HTML files and text fragments are not checked
        if fragment == "" or fragment.lower() == "top":
            return True  # the HTML standard scrolls to the top for these
        return fragment in self.parsed(rel).ids


# --------------------------------------------------------------------------- internal check


Occurrences = dict[str, list[tuple[str, str, str]]]
"""Where each external URL is referenced: url -> [(page, kind, URL as written)]."""


def _classify(url: str) -> str:
    """internal, external, javascript, file or skip."""
    if url.startswith("//"):
        return "external"
    scheme = urlsplit(url).scheme.lower() if ":" in url else ""
    if not scheme or len(scheme) == 1:  # "C:" is a Windows path, not a scheme
        return "internal"
    if scheme in ("http", "https"):
        return "external"
    if scheme in ("javascript", "file"):
        return scheme
    return "skip"


def check_page(
    site: Site, page: str, ignore: Sequence[re.Pattern[str]], external: Occurrences
) -> tuple[int, list[BrokenLink]]:
    """Internal references checked and broken; external ones are noted in `external`."""
    broken: list[BrokenLink] = []
    count = 0
    for ref in site.parsed(page).refs:
        if ignored(ref.url, ignore):
            continue
        try:
            checked, problem = _check_ref(site, page, ref, external)
        except ValueError as exc:  # urlsplit refuses e.g. "http://[::1"
            checked, problem = True, BrokenLink(page, ref.url, ref.kind, f"malformed URL: {exc}")
        count += checked
        if problem is not None:
            broken.append(problem)
    return count, broken


def _check_ref(
    site: Site, page: str, ref: _Ref, external: Occurrences
) -> tuple[bool, BrokenLink | None]:
    """Whether the reference was checked here, and how it is broken if it is."""
    what, url = _classify(ref.url), ref.url
    if what == "skip":
        return False, None  # mailto:, tel:, data: and other non-web schemes
    if what == "external":
        own = site.own_path(_absolute(url))
        if own is None:
            external[_absolute(url)].append((page, ref.kind, ref.url))
            return False, None
        fragment = urlsplit(url).fragment
        url = own + ("#" + fragment if fragment else "")
    return True, _check_target(site, page, ref, url, what)


def _check_target(site: Site, page: str, ref: _Ref, url: str, what: str) -> BrokenLink | None:
    if what == "javascript":
        return BrokenLink(page, ref.url, ref.kind, "javascript: URL")
    if what == "file":
        return BrokenLink(page, ref.url, ref.kind, "file: URL points off the site")
    return _check_internal(site, page, ref, url)


def _check_internal(site: Site, page: str, ref: _Ref, url: str) -> BrokenLink | None:
    target = site.resolve(page, url)
    if target.file is None:
        return BrokenLink(page, ref.url, ref.kind, target.error)
    if target.fragment and not site.has_anchor(target.file, target.fragment):
        return BrokenLink(page, ref.url, "anchor", f"no id {target.fragment!r} in {target.file}")
    return None


def _absolute(url: str) -> str:
    """The URL requested for an external reference: scheme added, fragment dropped."""
    if url.startswith("//"):
        url = "https:" + url
    return url.split("#", 1)[0]


def ignored(url: str, ignore: Sequence[re.Pattern[str]]) -> bool:
    return any(pattern.search(url) for pattern in ignore)
