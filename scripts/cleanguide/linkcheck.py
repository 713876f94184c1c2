"""Check the links of a built site: internal files and anchors offline, http(s) on request.

Every HTML file under the site folder is parsed with the standard library's
`html.parser`. Internal references (`a`/`area href`, `img src`/`srcset`, `link href`,
`script src`, `source src`/`srcset`, media and frame sources) must resolve to a file
inside the site, and a `#fragment` must name an `id` (or `<a name>`) of the target page.
Root-relative URLs and absolute URLs of the site itself are resolved against the
site's base path, read from the `<link rel="canonical">` of its home page (MkDocs
writes one when `site_url` is set), so `404.html`'s `/repo/assets/...` links check too.

With `external=True` each distinct http(s) URL is requested once, by the package's HTTP
client (net.py: one deadline per request, retries, per-host spacing and `Retry-After`,
redirect chains, the address guard): HEAD, then GET when HEAD fails. The whole run has a
deadline; what it did not reach, or what a host asked to come back to much later, is
reported as not checked. Results are kept in a JSON cache file (cache.JsonFile: a damaged
entry is dropped with a warning).
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import __version__, net
from .cache import JsonFile

log = logging.getLogger(f"mkdocs.plugins.{__name__}")

USER_AGENT = f"cleanguide-linkcheck/{__version__} (+https://pypi.org/project/cleanguide/)"
CACHE_VERSION = 1
DEFAULT_CACHE_MAX_AGE = 7 * 24 * 3600.0
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
class Report:
    """What a check looked at and what it found broken."""

    pages: int
    links: int
    broken: list[BrokenLink]
    unchecked: list[tuple[str, str]] = field(default_factory=list)
    """External URLs not checked, and why (the run's deadline, a host's long wait)."""

    def summary(self) -> str:
        text = f"checked {self.pages} pages, {self.links} links: {len(self.broken)} broken"
        if self.unchecked:
            text += f"; {len(self.unchecked)} external URL(s) not checked"
        return text


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


class _Site:
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
        if not _inside(path, self._real_root):
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


def _inside(path: Path, real_root: Path) -> bool:
    try:
        path.resolve().relative_to(real_root)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- internal check


_Occurrences = dict[str, list[tuple[str, str, str]]]
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


def _check_page(
    site: _Site, page: str, ignore: Sequence[re.Pattern[str]], external: _Occurrences
) -> tuple[int, list[BrokenLink]]:
    """Internal references checked and broken; external ones are noted in `external`."""
    broken: list[BrokenLink] = []
    count = 0
    for ref in site.parsed(page).refs:
        if _ignored(ref.url, ignore):
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
    site: _Site, page: str, ref: _Ref, external: _Occurrences
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


def _check_target(site: _Site, page: str, ref: _Ref, url: str, what: str) -> BrokenLink | None:
    if what == "javascript":
        return BrokenLink(page, ref.url, ref.kind, "javascript: URL")
    if what == "file":
        return BrokenLink(page, ref.url, ref.kind, "file: URL points off the site")
    return _check_internal(site, page, ref, url)


def _check_internal(site: _Site, page: str, ref: _Ref, url: str) -> BrokenLink | None:
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


def _ignored(url: str, ignore: Sequence[re.Pattern[str]]) -> bool:
    return any(pattern.search(url) for pattern in ignore)


# --------------------------------------------------------------------------- external check


@dataclass(frozen=True, slots=True)
class _Outcome:
    ok: bool
    reason: str
    status: int | None = None
    transient: bool = False
    """A timeout, 429 or 5xx: not cached, so the next run asks again."""
    unchecked: bool = False
    """No answer to judge by (the run's deadline, a host's long wait): neither ok nor broken."""


def _cached_outcome(raw: object) -> tuple[_Outcome, float]:
    """A link cache entry: the outcome and when it was checked (else ValueError/TypeError)."""
    if not isinstance(raw, dict):
        raise TypeError(f"an entry is a mapping, not {type(raw).__name__}")
    checked, ok, status = raw["checked"], raw["ok"], raw.get("status")
    if isinstance(checked, bool) or not isinstance(checked, (int, float)):
        raise TypeError(f"'checked' is {checked!r}, not a time")
    if not isinstance(ok, bool):
        raise TypeError(f"'ok' is {ok!r}, not true or false")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
        raise TypeError(f"'status' is {status!r}, not a number")
    return _Outcome(ok, str(raw.get("reason", "")), status), float(checked)


class _Cache:
    """The results of earlier runs, with the time each URL was checked."""

    def __init__(self, path: Path | None, max_age: float) -> None:
        self.file = (
            JsonFile(path, CACHE_VERSION, "urls", _cached_outcome, "link cache") if path else None
        )
        self.max_age = max_age
        self.entries: dict[str, tuple[_Outcome, float]] = self.file.load() if self.file else {}

    def get(self, url: str, now: float) -> _Outcome | None:
        entry = self.entries.get(url)
        if entry is None or now - entry[1] > self.max_age:
            return None
        return entry[0]

    def put(self, url: str, outcome: _Outcome, now: float) -> None:
        if outcome.transient or outcome.unchecked:
            self.entries.pop(url, None)
            return
        self.entries[url] = (outcome, now)

    def save(self, now: float) -> None:
        if self.file is None:
            return
        fresh = {
            url: {"ok": o.ok, "status": o.status, "reason": o.reason, "checked": checked}
            for url, (o, checked) in self.entries.items()
            if now - checked <= self.max_age
        }
        self.file.save(fresh)


@dataclass(frozen=True, slots=True)
class ExternalOptions(net.Policy):
    """How http(s) URLs are requested: the HTTP client's policy, gentler with each host than
    for screenshots, and how many hosts are checked at once."""

    backoff: float = 1.0
    min_interval: float = 1.0
    user_agent: str = USER_AGENT
    workers: int = 4
    """Hosts checked at once (one host's URLs are always requested one by one)."""
    run_seconds: float | None = 900.0
    """Seconds for the whole external check; URLs not reached by then are not checked."""


class _ExternalChecker:
    def __init__(self, options: ExternalOptions) -> None:
        self.options = options
        self.client = net.Client(options, run_seconds=options.run_seconds)

    def check_all(self, urls: Iterable[str]) -> dict[str, _Outcome]:
        by_host: dict[str, list[str]] = defaultdict(list)
        for url in urls:
            by_host[urlsplit(url).netloc.lower()].append(url)
        results: dict[str, _Outcome] = {}
        workers = max(1, min(self.options.workers, len(by_host)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for host_results in pool.map(self._check_host, by_host.values()):
                results.update(host_results)
        return results

    def _check_host(self, urls: list[str]) -> dict[str, _Outcome]:
        return {url: self.check(url) for url in urls}

    def check(self, url: str) -> _Outcome:
        """HEAD, then GET if HEAD was answered with an error or refused outright."""
        try:
            head = self.client.request(url, "HEAD", body=False)
        except net.FetchError as exc:
            if exc.not_checked or not exc.reason.startswith("connection failed"):
                return _failure(exc)  # a timeout or a refusal: a GET would fare no better
        else:
            if _answered_ok(head):
                return _Outcome(True, f"HTTP {head.status}", head.status)
        try:
            get = self.client.request(url, "GET", body=False)  # many servers mishandle HEAD
        except net.FetchError as exc:
            return _failure(exc)
        if _answered_ok(get):
            return _Outcome(True, f"HTTP {get.status}", get.status)
        transient = get.status == 429 or get.status >= 500
        reason = f"HTTP {get.status}" + (
            f" ({get.attempts} attempts)" if transient and get.attempts > 1 else ""
        )
        return _Outcome(False, reason, get.status, transient)


def _answered_ok(response: net.Response) -> bool:
    return 200 <= response.status < 400


def _failure(exc: net.FetchError) -> _Outcome:
    if exc.not_checked:
        return _Outcome(False, exc.reason, unchecked=True)
    return _Outcome(False, exc.reason, transient=exc.retryable)


def _check_external(
    occurrences: _Occurrences,
    ignore: Sequence[re.Pattern[str]],
    cache: _Cache,
    options: ExternalOptions,
) -> tuple[int, list[BrokenLink], list[tuple[str, str]]]:
    urls = [u for u in occurrences if not _ignored(u, ignore)]
    now = time.time()
    known = {u: hit for u in urls if (hit := cache.get(u, now)) is not None}
    todo = [u for u in urls if u not in known]
    log.info("checking %d external URLs (%d cached)", len(todo), len(known))
    fresh = _ExternalChecker(options).check_all(todo) if todo else {}
    for url, outcome in fresh.items():
        cache.put(url, outcome, time.time())
    cache.save(time.time())
    results = {**known, **fresh}
    broken = [
        BrokenLink(page, written, kind, results[url].reason)
        for url in urls
        if not results[url].ok and not results[url].unchecked
        for page, kind, written in occurrences[url]
    ]
    unchecked = [(url, results[url].reason) for url in urls if results[url].unchecked]
    return sum(len(occurrences[u]) for u in urls), broken, unchecked


# --------------------------------------------------------------------------- entry points


def check_site_report(
    site_dir: Path,
    *,
    external: bool = False,
    ignore: Sequence[str] = (),
    cache_path: Path | None = None,
    cache_max_age: float = DEFAULT_CACHE_MAX_AGE,
    site_url: str | None = None,
    options: ExternalOptions | None = None,
) -> Report:
    """Check every HTML page of a built site; see `check_site`."""
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise FileNotFoundError(f"no site folder at {site_dir}")
    patterns = [re.compile(p) for p in ignore]
    site = _Site(site_dir, site_url)
    log.debug("site base path %s (host %s)", site.base_path, site.netloc or "unknown")
    occurrences: _Occurrences = defaultdict(list)
    links, broken = 0, []
    unchecked: list[tuple[str, str]] = []
    for page in site.pages:
        count, found = _check_page(site, page, patterns, occurrences)
        links += count
        broken.extend(found)
    if external:
        cache = _Cache(cache_path, cache_max_age)
        options = options or ExternalOptions()
        count, found, unchecked = _check_external(occurrences, patterns, cache, options)
        links += count
        broken.extend(found)
    broken.sort(key=lambda b: (b.page, b.target, b.kind))
    return Report(len(site.pages), links, broken, sorted(unchecked))


def check_site(
    site_dir: Path,
    *,
    external: bool = False,
    ignore: Sequence[str] = (),
    cache_path: Path | None = None,
    cache_max_age: float = DEFAULT_CACHE_MAX_AGE,
    site_url: str | None = None,
    options: ExternalOptions | None = None,
) -> list[BrokenLink]:
    """The broken links of the built site in `site_dir`, sorted by page.

    Offline by default: internal files and `#fragments` only. `external=True` also
    requests http(s) URLs (see `ExternalOptions`). `ignore` holds regexes searched in
    each URL as written (and in the absolute URL of external links); matches are not
    checked. `cache_path` is a JSON file of external results kept `cache_max_age`
    seconds. `site_url` overrides the base URL read from the home page's canonical link.
    """
    return check_site_report(
        site_dir,
        external=external,
        ignore=ignore,
        cache_path=cache_path,
        cache_max_age=cache_max_age,
        site_url=site_url,
        options=options,
    ).broken
