"""The caches: what an earlier build made, and what the network answered.

`Cache` is the build cache (SQLite, below); `JsonFile` is for the two caches kept as plain
JSON files: the screenshot index beside its blobs (committed, so an offline build reuses
it) and the link checker's results. Both are versioned, written atomically
(`files.atomic_write`), and read leniently: a damaged file or entry is dropped with a
warning and made again, never a traceback.

The build cache: what an earlier build made, keyed by everything that made it.

One SQLite file (`.cache/cleanguide/build.sqlite` beside mkdocs.yml by default) with a table
per kind of record: `articles` (an article's card, audit and pages) and `pages` (a generated
page's HTML, for the MkDocs plugin). Keys are SHA-256 digests of the inputs, code included
(`CODE_VERSION`), so an entry is either right or never looked up again; records are JSON,
compressed. Entries no build asked for are dropped when a build finishes (`sweep`), so the
file stays the size of one site.

The file is safe to delete at any time, and a damaged one is set aside with a warning and
replaced: a cache can make a build faster, never wrong or broken.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, Generic, TypeVar

import zstandard

from .diagnostics import logger
from .files import atomic_write

log = logger(__name__)

SCHEMA = 2
TABLES = ("articles", "pages")
PAGE_SIZE = 32768
"""SQLite's page size for a new cache file (bytes)."""
_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def code_version(package: Path = _PACKAGE) -> str:
    """A digest of the package's own code and data (patterns.yml included).

    Any change to a rule, a pattern or the renderer gives new keys, so no entry made by
    other code is ever used.
    """
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".yml", ".js", ".css") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def versions(packages: Iterable[str]) -> dict[str, str]:
    """The installed version of each package ("" for one that is not installed)."""
    found = {}
    for name in packages:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = ""
    return found


def key(*parts: str | bytes) -> str:
    """A cache key: the SHA-256 of the parts (each one delimited, so no two lists collide)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


class Cache:
    """A key-value store per table on one SQLite file, or in memory when `path` is None.

    With `memory`, entries read or written since the last `sweep` are kept in memory too,
    so a long `mkdocs serve` session reads the disk only for what changed (a one-shot build
    does without: it would hold a second copy of every page).
    """

    def __init__(self, path: Path | None, memory: bool = False) -> None:
        self.path = path
        self.memory = memory or path is None
        self._memory: dict[tuple[str, str], Any] = {}
        self._used: dict[str, set[str]] = {t: set() for t in TABLES}
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._db = self._open(path)

    def _open(self, path: Path) -> sqlite3.Connection | None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return self._connect(path)
        except (sqlite3.DatabaseError, OSError) as exc:
            log.warning("cleanguide: cache %s unusable (%s): starting a new one", path, exc)
        try:
            path.replace(path.with_name(path.name + ".broken"))
            return self._connect(path)
        except (sqlite3.DatabaseError, OSError) as exc:
            log.warning("cleanguide: cache %s unusable (%s): building without it", path, exc)
            return None

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=10, isolation_level=None)
        try:
            # (a new file only) a page's HTML is 5 to 30 KiB compressed: with 4 KiB pages it
            # spanned many, each written twice (log, then file). Storing and committing the
            # entries of a cold build of 1,000 articles took 0.29 to 0.38 s, 0.14 to 0.15 s
            # with these; reading every entry back 0.14 s, 0.16 s with these.
            db.execute(f"PRAGMA page_size={PAGE_SIZE}")
            db.execute("PRAGMA journal_mode=WAL")
            # No flush to the disk: a crash of the build leaves the file whole (WAL), and a
            # crash of the machine at worst an entry that fails its checksum or a file set
            # aside, both rebuilt (measured: 0.1 s less to commit a cold build of 1,000 articles).
            db.execute("PRAGMA synchronous=OFF")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA:
                for table in TABLES:
                    db.execute(f"DROP TABLE IF EXISTS {table}")
                db.execute(f"PRAGMA user_version={SCHEMA}")
            for table in TABLES:
                db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, value BLOB)")
            db.execute("SELECT count(*) FROM articles").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def get(self, table: str, k: str) -> Any | None:
        """The record under `k`, or None (also when it cannot be read)."""
        self._used[table].add(k)
        if (table, k) in self._memory:
            return self._memory[(table, k)]
        if self._db is None:
            return None
        try:
            row = self._db.execute(f"SELECT value FROM {table} WHERE key=?", (k,)).fetchone()
            value = decode(row[0]) if row else None
        except (sqlite3.DatabaseError, zstandard.ZstdError, ValueError) as exc:
            log.warning("cleanguide: cache entry unreadable (%s): rebuilding it", exc)
            return None
        if value is not None and self.memory:
            self._memory[(table, k)] = value
        return value

    def touch(self, table: str, k: str) -> None:
        """Keep the entry under `k` through this build's sweep without reading it."""
        self._used[table].add(k)

    def put(self, table: str, k: str, value: Any) -> None:
        self._remember(table, k, value)
        if self._db is not None:
            self._insert(table, k, encode(value))

    def put_encoded(self, table: str, k: str, encoded: bytes) -> None:
        """Keep the entry `encoded` (`encode(value)`, made where the value was: a worker, a
        forked child) under `k`."""
        self._remember(table, k, decode(encoded) if self.memory else None)
        if self._db is not None:
            self._insert(table, k, encoded)

    def _remember(self, table: str, k: str, value: Any) -> None:
        self._used[table].add(k)
        if self.memory:
            self._memory[(table, k)] = value

    def _insert(self, table: str, k: str, data: bytes) -> None:
        assert self._db is not None
        try:
            self._db.execute(f"INSERT OR REPLACE INTO {table} VALUES (?, ?)", (k, data))
        except sqlite3.DatabaseError as exc:
            log.warning("cleanguide: could not write the cache (%s)", exc)

    def begin(self) -> None:
        """Start a build: writes are batched into one transaction until `sweep`."""
        if self._db is not None and not self._db.in_transaction:
            self._db.execute("BEGIN")

    def sweep(self, tables: Iterable[str] = TABLES) -> None:
        """End a build: forget every entry of `tables` the build did not use, and commit."""
        for table in tables:
            used = self._used[table]
            self._memory = {
                (t, k): v for (t, k), v in self._memory.items() if t != table or k in used
            }
            if self._db is not None:
                try:
                    self._db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT)")
                    self._db.execute("DELETE FROM used")
                    self._db.executemany("INSERT INTO used VALUES (?)", ((k,) for k in used))
                    self._db.execute(f"DELETE FROM {table} WHERE key NOT IN (SELECT key FROM used)")
                except sqlite3.DatabaseError as exc:
                    log.warning("cleanguide: could not tidy the cache (%s)", exc)
            self._used[table] = set()
        self.commit()

    def commit(self) -> None:
        if self._db is not None and self._db.in_transaction:
            try:
                self._db.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                log.warning("cleanguide: could not save the cache (%s)", exc)

    def close(self) -> None:
        self.commit()
        if self._db is not None:
            self._db.close()
            self._db = None


_TEXT = b"t"
"""Marks an entry holding a string as its UTF-8 bytes (a page's HTML: no JSON escaping to
do and undo); other entries are JSON, and a zstandard frame starts with 0x28, never "t"."""


class _Zstd(threading.local):
    """Zstandard at its fastest level, with a checksum in every frame (one per thread: its
    objects are not thread-safe). Measured on the pages of 1,000 articles against zlib's
    fastest level: a third of the time to compress, a quarter to decompress, 5% smaller."""

    def __init__(self) -> None:
        self.compressor = zstandard.ZstdCompressor(level=1, write_checksum=True)
        self.decompressor = zstandard.ZstdDecompressor()


_ZSTD = _Zstd()


def encode(value: Any) -> bytes:
    """`value` as a cache entry stores it: compressed JSON, or text for a string."""
    if isinstance(value, str):
        return _TEXT + _ZSTD.compressor.compress(value.encode())
    return _ZSTD.compressor.compress(json.dumps(value, ensure_ascii=False).encode())


def decode(data: bytes) -> Any:
    """The value `encode` made `data` of (zstandard.ZstdError if it is damaged)."""
    if data[:1] == _TEXT:
        return _ZSTD.decompressor.decompress(data[1:]).decode()
    return json.loads(_ZSTD.decompressor.decompress(data))


T = TypeVar("T")


class JsonFile(Generic[T]):
    """A versioned JSON file `{"version": N, "<field>": {key: entry}}` of entries by key.

    `parse` turns a stored entry into its value and raises ValueError, TypeError or
    KeyError for one it cannot read: that entry is dropped (with one warning for the
    file), the others kept. A missing file is empty; an unreadable one, or one of
    another version, is empty with a warning (and replaced by the next `save`).
    """

    def __init__(
        self, path: Path, version: int, field: str, parse: Callable[[Any], T], what: str
    ) -> None:
        self.path = path
        self.version = version
        self.field = field
        self.parse = parse
        self.what = what
        """What the file is, for messages ("screenshot index")."""

    def load(self) -> dict[str, T]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning(
                "cleanguide: %s %s unreadable (%s): starting anew", self.what, self.path, exc
            )
            return {}
        if not isinstance(raw, dict) or raw.get("version") != self.version:
            found = raw.get("version") if isinstance(raw, dict) else type(raw).__name__
            log.warning(
                "cleanguide: %s %s has format %r, not %r: starting anew",
                self.what,
                self.path,
                found,
                self.version,
            )
            return {}
        stored = raw.get(self.field)
        if not isinstance(stored, dict):
            log.warning(
                "cleanguide: %s %s has no %r mapping: starting anew",
                self.what,
                self.path,
                self.field,
            )
            return {}
        entries: dict[str, T] = {}
        dropped: list[str] = []
        for k, value in stored.items():
            try:
                entries[str(k)] = self.parse(value)
            except (ValueError, TypeError, KeyError) as exc:
                dropped.append(f"{k!r} ({type(exc).__name__}: {exc})")
        if dropped:
            log.warning(
                "cleanguide: %s %s: %d malformed entr%s dropped: %s",
                self.what,
                self.path,
                len(dropped),
                "y" if len(dropped) == 1 else "ies",
                "; ".join(dropped[:3]) + (" ..." if len(dropped) > 3 else ""),
            )
        return entries

    def save(self, entries: Mapping[str, Any]) -> None:
        """Write the entries (JSON-ready), sorted and indented: friendly to git diffs."""
        payload = {"version": self.version, self.field: {k: entries[k] for k in sorted(entries)}}
        text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        atomic_write(self.path, text.encode("utf-8"))


__all__ = ["SCHEMA", "TABLES", "Cache", "JsonFile", "code_version", "key", "versions"]
