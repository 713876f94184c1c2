"""The search index MkDocs' search plugin writes (`search/search_index.json`), as cleanguide
edits it after a build: its entries read by page, made whole again when pages were reused,
rendered ahead or skipped (pagecache.py), and given the languages the guides are written
in. `SearchIndex` reads the file once and writes it once, whatever was changed; when the
build would make again the very index the site had before it (pagecache.py), that one is
written back as it was, neither parsed nor encoded.
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


def index_bytes(site_dir: str) -> bytes | None:
    """The search index file in `site_dir` as it is (None if there is none)."""
    try:
        return (Path(site_dir) / SEARCH_INDEX).read_bytes()
    except OSError:
        return None


def entries_of(raw: bytes | None) -> dict[str, list[Any]]:
    """The entries of the search index file `raw` (`index_bytes`), by page URL ({} if there
    is none, or it is no JSON)."""
    try:
        return entries_by_page(json.loads(raw)) if raw is not None else {}
    except ValueError:
        return {}


def entries_by_page(data: Any) -> dict[str, list[Any]]:
    """The entries of a parsed search index, by page URL (anchors dropped)."""
    by_page: dict[str, list[Any]] = {}
    for entry in data.get("docs", []) if isinstance(data, dict) else []:
        if isinstance(entry, dict):
            by_page.setdefault(str(entry.get("location", "")).split("#", 1)[0], []).append(entry)
    return by_page


class SearchIndex:
    """The index a build's search plugin wrote, read once, edited, and written once."""

    def __init__(self, path: Path, data: Any, raw: bytes = b"") -> None:
        self.path = path
        self.data = data
        self.raw = raw
        """The file as the plugin wrote it, or as `keep` gives it."""
        self.changed = False
        self._by_page: dict[str, list[Any]] | None = None

    def by_page(self) -> dict[str, list[Any]]:
        """Its entries by page URL (`entries_by_page`, worked out once)."""
        if self._by_page is None:
            self._by_page = entries_by_page(self.data)
        return self._by_page

    @classmethod
    def load(cls, site_dir: str) -> SearchIndex | None:
        """The index in `site_dir`, or None if there is none (or it is no JSON)."""
        path = Path(site_dir) / SEARCH_INDEX
        try:
            raw = path.read_bytes()
            return cls(path, json.loads(raw), raw)
        except (OSError, ValueError):
            return None

    def keep(self, raw: bytes) -> None:
        """Write `raw` (an index file made before, that this build would make again) in
        place of the plugin's: `data` is no longer read."""
        self.raw = raw
        self.changed = True
        self.data = self._by_page = None

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
        written = self.by_page()
        if any(url not in written for url in order):
            docs = []
            for url in order:
                source = written if url in written else given if url in given else previous
                docs.extend(source.get(url, []))
            self.data["docs"] = docs
            self.changed = True
            self._by_page = None
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

    def save(self) -> bytes:
        """Write the index back if anything changed; return the file's bytes."""
        if self.changed:
            if self.data is not None:
                text = json.dumps(self.data, separators=(",", ":"), default=str)
                self.raw = text.encode()
            atomic_write(self.path, self.raw)
            self.changed = False
        return self.raw


__all__ = [
    "SEARCH_INDEX",
    "SEARCH_PLUGINS",
    "SearchIndex",
    "entries_by_page",
    "entries_of",
    "index_bytes",
]
