"""The search index MkDocs' search plugin writes (`search/search_index.json`), as cleanguide
edits it after a build: its entries read by page, made whole again when pages were reused
or skipped (pagecache.py), and given the languages the guides are written in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .files import atomic_write

SEARCH_INDEX = "search/search_index.json"
"""Where the search plugin writes its index, in the site folder."""


def search_entries(site_dir: str) -> dict[str, list[Any]]:
    """The search index in `site_dir`, its entries by page URL ({} if there is none)."""
    path = Path(site_dir) / SEARCH_INDEX
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return entries_by_page(data)


def entries_by_page(data: Any) -> dict[str, list[Any]]:
    """The entries of a parsed search index, by page URL (anchors dropped)."""
    by_page: dict[str, list[Any]] = {}
    for entry in data.get("docs", []) if isinstance(data, dict) else []:
        if isinstance(entry, dict):
            by_page.setdefault(str(entry.get("location", "")).split("#", 1)[0], []).append(entry)
    return by_page


def merge_search_index(
    site_dir: str,
    order: Sequence[str],
    fresh: Iterable[str],
    reused: Mapping[str, list[Any]],
    previous: Mapping[str, list[Any]],
) -> dict[str, list[Any]]:
    """Make the index the search plugin wrote whole again, and return the fresh entries.

    The plugin indexed the pages built now. Each other page of `order` (every page's URL,
    in build order) takes its cached entries (`reused`), else those of the index before
    this build (`previous`: pages a dirty build skipped). Entries keep the build order, so
    the index equals one a full build without the cache writes.
    """
    path = Path(site_dir) / SEARCH_INDEX
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    written = entries_by_page(data)
    fresh_entries = {url: written.get(url, []) for url in fresh}
    if any(url not in written for url in order):
        docs = []
        for url in order:
            source = written if url in written else reused if url in reused else previous
            docs.extend(source.get(url, []))
        data["docs"] = docs
        atomic_write(path, json.dumps(data, separators=(",", ":"), default=str).encode())
    return fresh_entries


def add_languages(site_dir: str, langs: list[str]) -> None:
    """Add to the search index every language its guides are written in (lunr then loads
    each one's word splitting and stemming). The languages mkdocs.yml gives stay first."""
    index = Path(site_dir) / SEARCH_INDEX
    if not index.is_file():
        return
    data = json.loads(index.read_text(encoding="utf-8"))
    config = data.get("config")
    if not isinstance(config, dict):
        return
    have = list(config.get("lang") or [])
    added = [lang for lang in langs if lang not in have]
    if added:
        config["lang"] = have + added
        atomic_write(index, json.dumps(data, separators=(",", ":"), default=str).encode())


__all__ = [
    "SEARCH_INDEX",
    "add_languages",
    "entries_by_page",
    "merge_search_index",
    "search_entries",
]
