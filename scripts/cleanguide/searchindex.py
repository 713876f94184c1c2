"""The search index MkDocs' search plugin writes (`search/search_index.json`), as cleanguide
edits it after a build: its entries read by page, made whole again when pages were reused,
rendered ahead or skipped (pagecache.py), and given the languages the guides are written
in. `SearchIndex` reads the file once and writes it once, whatever was changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .files import atomic_write

SEARCH_INDEX = "search/search_index.json"
"""Where the search plugin writes its index, in the site folder."""
SEARCH_PLUGINS = ("search", "material/search")
"""The names Material's search plugin goes by in mkdocs.yml."""


def search_entries(site_dir: str) -> dict[str, list[Any]]:
    """The search index in `site_dir`, its entries by page URL ({} if there is none)."""
    index = SearchIndex.load(site_dir)
    return entries_by_page(index.data) if index is not None else {}


def entries_by_page(data: Any) -> dict[str, list[Any]]:
    """The entries of a parsed search index, by page URL (anchors dropped)."""
    by_page: dict[str, list[Any]] = {}
    for entry in data.get("docs", []) if isinstance(data, dict) else []:
        if isinstance(entry, dict):
            by_page.setdefault(str(entry.get("location", "")).split("#", 1)[0], []).append(entry)
    return by_page


class SearchIndex:
    """The index a build's search plugin wrote, read once, edited, and written once."""

    def __init__(self, path: Path, data: Any) -> None:
        self.path = path
        self.data = data
        self.changed = False

    @classmethod
    def load(cls, site_dir: str) -> SearchIndex | None:
        """The index in `site_dir`, or None if there is none (or it is no JSON)."""
        path = Path(site_dir) / SEARCH_INDEX
        try:
            return cls(path, json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None

    def merge(
        self,
        order: Sequence[str],
        fresh: Iterable[str],
        given: Mapping[str, list[Any]],
        previous: Mapping[str, list[Any]],
    ) -> dict[str, list[Any]]:
        """Make the index whole again, and return the entries of the `fresh` pages.

        The plugin indexed the pages its loop rendered. Each other page of `order` (every
        page's URL, in build order) takes the entries `given` for it (cached, or made by a
        fork), else those of the index before this build (`previous`: pages a dirty build
        skipped). Entries keep the build order, so the index equals the one a build
        without the cache, in one process, writes.
        """
        written = entries_by_page(self.data)
        if any(url not in written for url in order):
            docs = []
            for url in order:
                source = written if url in written else given if url in given else previous
                docs.extend(source.get(url, []))
            self.data["docs"] = docs
            self.changed = True
        return {url: written.get(url, given.get(url, [])) for url in fresh}

    def add_languages(self, langs: list[str]) -> None:
        """Add every language the guides are written in (lunr then loads each one's word
        splitting and stemming). The languages mkdocs.yml gives stay first."""
        config = self.data.get("config") if isinstance(self.data, dict) else None
        if not isinstance(config, dict):
            return
        have = list(config.get("lang") or [])
        added = [lang for lang in langs if lang not in have]
        if added:
            config["lang"] = have + added
            self.changed = True

    def save(self) -> None:
        """Write the index back if anything changed."""
        if self.changed:
            text = json.dumps(self.data, separators=(",", ":"), default=str)
            atomic_write(self.path, text.encode())
            self.changed = False


__all__ = ["SEARCH_INDEX", "SEARCH_PLUGINS", "SearchIndex", "entries_by_page", "search_entries"]
