"""Check the links of a built site: internal files and anchors offline, http(s) on request.

site.py reads the built site and checks every reference that points inside it (files,
`#anchors`, the site's own absolute URLs); external.py requests each http(s) URL once with
the package's HTTP client, within a deadline, its results kept in a cache file. Here: the
entry points (`check_site`, `check_site_report`) that `cleanguide check-links` calls, and
the `Report`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..diagnostics import logger
from .external import DEFAULT_CACHE_MAX_AGE, ExternalOptions, LinkCache, check_external
from .site import BrokenLink, Occurrences, Site, check_page

log = logger(__name__)


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
    """What checking every HTML page of a built site found; see `check_site`."""
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise FileNotFoundError(f"no site folder at {site_dir}")
    patterns = [re.compile(p) for p in ignore]
    site = Site(site_dir, site_url)
    log.debug("site base path %s (host %s)", site.base_path, site.netloc or "unknown")
    occurrences: Occurrences = defaultdict(list)
    links, broken = 0, []
    unchecked: list[tuple[str, str]] = []
    for page in site.pages:
        count, found = check_page(site, page, patterns, occurrences)
        links += count
        broken.extend(found)
    if external:
        cache = LinkCache(cache_path, cache_max_age)
        options = options or ExternalOptions()
        count, found, unchecked = check_external(occurrences, patterns, cache, options)
        links += count
        broken.extend(found)
    broken.sort(key=lambda b: (b.page, b.target, b.kind))
    return Report(len(site.pages), links, broken, sorted(unchecked))


def check_site(site_dir: Path, **options: Any) -> list[BrokenLink]:
    """The broken links of the built site in `site_dir`, sorted by page (the keyword
    options are `check_site_report`'s).

    Offline by default: internal files and `#fragments` only. `external=True` also
    requests http(s) URLs (see `ExternalOptions`). `ignore` holds regexes searched in
    each URL as written (and in the absolute URL of external links); matches are not
    checked. `cache_path` is a JSON file of external results kept `cache_max_age`
    seconds. `site_url` overrides the base URL read from the home page's canonical link.
    """
    return check_site_report(site_dir, **options).broken


__all__ = [
    "DEFAULT_CACHE_MAX_AGE",
    "BrokenLink",
    "ExternalOptions",
    "Report",
    "check_site",
    "check_site_report",
]
