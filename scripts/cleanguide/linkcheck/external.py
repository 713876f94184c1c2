"""The external half of the link check: each distinct http(s) URL requested once.

Requests go through the package's HTTP client (net.py: one deadline per request, retries,
per-host spacing and `Retry-After`, redirect chains, the address guard): HEAD, then GET
when HEAD fails. One host's URLs are requested one by one, `workers` hosts at once. The
whole run has a deadline; what it did not reach, or what a host asked to come back to much
later, is reported as not checked. Results are kept in a JSON cache file (cache.JsonFile: a
damaged entry is dropped with a warning); timeouts, 429s and 5xx are not cached.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .. import __version__, net
from ..cache import JsonFile
from ..diagnostics import logger
from .site import BrokenLink, Occurrences, ignored

log = logger(__name__)

USER_AGENT = f"cleanguide-linkcheck/{__version__} (+https://pypi.org/project/cleanguide/)"
CACHE_VERSION = 1
DEFAULT_CACHE_MAX_AGE = 7 * 24 * 3600.0


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


class LinkCache:
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


def check_external(
    occurrences: Occurrences,
    ignore: Sequence[re.Pattern[str]],
    cache: LinkCache,
    options: ExternalOptions,
) -> tuple[int, list[BrokenLink], list[tuple[str, str]]]:
    urls = [u for u in occurrences if not ignored(u, ignore)]
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
