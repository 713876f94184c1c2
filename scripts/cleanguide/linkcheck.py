"""Check the links of a built site: internal files and anchors offline, http(s) on request.

Every HTML file under the site folder is parsed with the standard library's
`html.parser`. Internal references (`a`/`area href`, `img src`/`srcset`, `link href`,
`script src`, `source src`/`srcset`, media and frame sources) must resolve to a file
inside the site, and a `#fragment` must name an `id` (or `<a name>`) of the target page.
Root-relative URLs and absolute URLs of the site itself are resolved against the
site's base path, read from the `<link rel="canonical">` of its home page (MkDocs
writes one when `site_url` is set), so `404.html`'s `/repo/assets/...` links check too.

With `external=True` each distinct http(s) URL is requested once: HEAD, then GET when
HEAD fails; timeouts, 429 and 5xx are retried with exponential backoff; requests to
one host are spaced by a minimum interval; results are kept in a JSON cache file.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from . import __version__

log = logging.getLogger("mkdocs.plugins.cleanguide.linkcheck")

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

    def summary(self) -> str:
        return f"checked {self.pages} pages, {self.links} links: {len(self.broken)} broken"


@dataclass(frozen=True, slots=True)
class _Ref:
    kind: str
    url: str
    line: int


@dataclass(slots=True)
class _Parsed:
    refs: list[_Ref] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    canonical: str | None = None


# --------------------------------------------------------------------------- parsing


class _PageParser(HTMLParser):
    """Collects URL references, element ids and the canonical link."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = _Parsed()

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


def _parse_file(path: Path) -> _Parsed:
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
        self._parsed: dict[str, _Parsed] = {}
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

    def parsed(self, rel: str) -> _Parsed:
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
    """A timeout, 429 or 5xx: worth retrying, and not cached."""
    retry_after: float | None = None


class _Cache:
    """A JSON file of URL results with the time each was checked."""

    def __init__(self, path: Path | None, max_age: float) -> None:
        self.path = path
        self.max_age = max_age
        self.entries: dict[str, dict[str, Any]] = self._load() if path else {}

    def _load(self) -> dict[str, dict[str, Any]]:
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable link cache %s: %s", self.path, exc)
            return {}
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return {}
        entries = data.get("urls", {})
        return entries if isinstance(entries, dict) else {}

    def get(self, url: str, now: float) -> _Outcome | None:
        entry = self.entries.get(url)
        if not isinstance(entry, dict) or now - float(entry.get("checked", 0)) > self.max_age:
            return None
        return _Outcome(bool(entry.get("ok")), str(entry.get("reason", "")), entry.get("status"))

    def put(self, url: str, outcome: _Outcome, now: float) -> None:
        if outcome.transient:
            self.entries.pop(url, None)
            return
        self.entries[url] = {
            "ok": outcome.ok,
            "status": outcome.status,
            "reason": outcome.reason,
            "checked": now,
        }

    def save(self, now: float) -> None:
        if self.path is None:
            return
        fresh = {u: e for u, e in self.entries.items() if now - e.get("checked", 0) <= self.max_age}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        payload = {"version": CACHE_VERSION, "urls": dict(sorted(fresh.items()))}
        tmp.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)


class _HostThrottle:
    """Keeps requests to one host at least `interval` seconds apart."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                due = self._last.get(host, float("-inf")) + self.interval
                if now >= due:
                    self._last[host] = now
                    return
            time.sleep(due - now)


@dataclass(frozen=True, slots=True)
class ExternalOptions:
    """How http(s) URLs are requested."""

    timeout: float = 10.0
    retries: int = 2
    backoff: float = 1.0
    """First retry delay in seconds; doubled on each further retry."""
    max_backoff: float = 30.0
    min_interval: float = 1.0
    """Minimum seconds between two requests to one host."""
    workers: int = 4
    """Hosts checked at once (one host's URLs are always requested one by one)."""
    user_agent: str = USER_AGENT


_DEFAULT_OPTIONS = ExternalOptions()


class _ExternalChecker:
    def __init__(self, options: ExternalOptions) -> None:
        self.options = options
        self.throttle = _HostThrottle(options.min_interval)
        self._opener = urllib.request.build_opener()
        self._opener.addheaders = [("User-Agent", options.user_agent), ("Accept", "*/*")]

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
        method = "HEAD"
        outcome = _Outcome(False, "not checked")
        for attempt in range(self.options.retries + 1):
            outcome = self._request(url, method)
            if method == "HEAD" and _worth_a_get(outcome):
                method = "GET"  # many servers refuse or mishandle HEAD
                outcome = self._request(url, method)
            if not outcome.transient or attempt == self.options.retries:
                break
            delay = self._delay(attempt, outcome.retry_after)
            log.debug("retrying %s in %.2fs (%s)", url, delay, outcome.reason)
            time.sleep(delay)
        log.debug("%s %s: %s", method, url, outcome.reason)
        return outcome

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        delay = self.options.backoff * 2.0**attempt
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, self.options.max_backoff)

    def _request(self, url: str, method: str) -> _Outcome:
        self.throttle.wait(urlsplit(url).netloc.lower())
        request = urllib.request.Request(url, method=method)
        try:
            with self._opener.open(request, timeout=self.options.timeout) as response:
                return _Outcome(True, f"HTTP {response.status}", response.status)
        except urllib.error.HTTPError as exc:
            return _http_error(exc)
        except TimeoutError:
            return _Outcome(False, "timeout", transient=True)
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                return _Outcome(False, "timeout", transient=True)
            return _Outcome(False, f"unreachable: {exc.reason}")
        except ConnectionError as exc:
            return _Outcome(False, f"connection failed: {exc}", transient=True)
        except (OSError, ValueError, http.client.HTTPException) as exc:
            return _Outcome(False, f"request failed: {exc!r}")


def _worth_a_get(head: _Outcome) -> bool:
    """Whether a failed HEAD should be tried again as GET: not for timeouts or DNS errors."""
    answered = head.status is not None
    return not head.ok and (answered or head.reason.startswith("connection failed"))


def _http_error(exc: urllib.error.HTTPError) -> _Outcome:
    code = exc.code
    exc.close()
    retry_after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
    transient = code == 429 or code >= 500
    return _Outcome(False, f"HTTP {code}", code, transient, retry_after)


def _retry_after(value: str | None) -> float | None:
    if value is None or not value.strip().isdigit():
        return None
    return float(value.strip())


def _check_external(
    occurrences: _Occurrences,
    ignore: Sequence[re.Pattern[str]],
    cache: _Cache,
    options: ExternalOptions,
) -> tuple[int, list[BrokenLink]]:
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
        if not results[url].ok
        for page, kind, written in occurrences[url]
    ]
    return sum(len(occurrences[u]) for u in urls), broken


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
    for page in site.pages:
        count, found = _check_page(site, page, patterns, occurrences)
        links += count
        broken.extend(found)
    if external:
        cache = _Cache(cache_path, cache_max_age)
        count, found = _check_external(occurrences, patterns, cache, options or ExternalOptions())
        links += count
        broken.extend(found)
    broken.sort(key=lambda b: (b.page, b.target, b.kind))
    return Report(len(site.pages), links, broken)


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


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise argparse.ArgumentTypeError(f"bad regex {value!r}: {exc}") from exc
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cleanguide check-links",
        description="Check the links of a built site (offline unless --external).",
    )
    parser.add_argument("site_dir", metavar="SITE_DIR", type=Path)
    parser.add_argument("--external", action="store_true", help="also request http(s) URLs")
    parser.add_argument(
        "--ignore", metavar="REGEX", action="append", default=[], type=_regex,
        help="skip URLs matching this regex (repeatable)",
    )  # fmt: skip
    parser.add_argument("--cache", metavar="FILE", type=Path, help="JSON cache of external results")
    parser.add_argument(
        "--cache-max-age", metavar="SECONDS", type=float, default=DEFAULT_CACHE_MAX_AGE,
        help="reuse cached external results younger than this (default: 7 days)",
    )  # fmt: skip
    parser.add_argument("--site-url", metavar="URL", help="base URL (default: canonical link)")
    parser.add_argument("--timeout", type=float, default=_DEFAULT_OPTIONS.timeout)
    parser.add_argument("--retries", type=int, default=_DEFAULT_OPTIONS.retries)
    parser.add_argument(
        "--min-interval", metavar="SECONDS", type=float, default=_DEFAULT_OPTIONS.min_interval,
        help="minimum time between two requests to one host",
    )  # fmt: skip
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """`cleanguide check-links`: 0 when every link resolves, 1 when some are broken."""
    args = build_parser().parse_args(argv)
    options = ExternalOptions(
        timeout=args.timeout, retries=args.retries, min_interval=args.min_interval
    )
    try:
        report = check_site_report(
            args.site_dir,
            external=args.external,
            ignore=args.ignore,
            cache_path=args.cache,
            cache_max_age=args.cache_max_age,
            site_url=args.site_url,
            options=options,
        )
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in _lines(report):
        print(line)
    return 1 if report.broken else 0


def _lines(report: Report) -> Iterator[str]:
    yield from (str(b) for b in report.broken)
    yield report.summary()


if __name__ == "__main__":
    sys.exit(main())
