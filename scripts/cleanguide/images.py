"""Fetch article screenshots once into a persistent, content-addressed cache.

Each remote screenshot is downloaded at most once (with a timeout, retries, a size cap and
content sniffing), checked with Pillow and stored as `<stem>-<hash10>.<ext>` in a cache
directory that can be committed, so an offline build (CI) reuses it. `index.json` in that
directory maps each URL to its blob and pixel size.

Nothing here raises for a bad URL: every problem becomes an `ImageFailure` that names the URL
and the reason; the caller decides whether that is a warning or an error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import http.client
import io
import json
import logging
import os
import re
import socket
import ssl
import tempfile
import threading
import time
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import SplitResult, quote, unquote, urljoin, urlsplit, urlunsplit

from PIL import Image

logger = logging.getLogger("mkdocs.plugins.cleanguide.images")

DEFAULT_CACHE_DIR = Path(".cache/cleanguide/images")
"""Where the cache lives, relative to the project root, unless configured otherwise."""

INDEX_NAME = "index.json"
"""The cache index file inside the cache directory."""

INDEX_VERSION = 1
"""Format version written to `index.json`; other versions are ignored (and rewritten)."""

OFFLINE_ENV = "CLEANGUIDE_OFFLINE"
"""Environment variable that, when truthy ("1", "true", "yes", "on"), forbids the network."""

_ALLOWED_SCHEMES = frozenset({"http", "https"})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_SNIFF_BYTES = 512
_STEM_MAX = 60
_HASH_LEN = 10
_FILENAME_RE = re.compile(r"^[a-z0-9-]{1,60}-[0-9a-f]{10}\.(?:png|jpg|gif|webp)$")
_TRUTHY = frozenset({"1", "true", "yes", "on"})
_PIL_OPEN_LOCK = threading.Lock()
"""Serialises the `warnings` filter change around `Image.open` (filters are process-global)."""


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """How screenshots are downloaded. The defaults suit a normal online build."""

    timeout: float = 10.0
    """Seconds allowed for one request (connect, headers and body together)."""
    retries: int = 2
    """Extra attempts after a timeout, a connection error, a 5xx or a 429 (never after a 4xx)."""
    backoff: float = 0.5
    """Delay before the first retry, in seconds; doubled before each further retry."""
    max_bytes: int = 10 * 2**20
    """Largest accepted body, enforced while streaming (Content-Length is not trusted)."""
    max_redirects: int = 5
    """Redirect hops followed before giving up with "too many redirects"."""
    concurrency: int = 4
    """Downloads in flight at the same time."""
    offline: bool = False
    """Never touch the network: cached URLs are hits, others fail "offline and not cached"."""
    user_agent: str = "cleanguide/0.1"
    """The User-Agent header sent with every request."""

    def __post_init__(self) -> None:
        if self.timeout <= 0:
            raise ValueError(f"FetchPolicy.timeout must be > 0, got {self.timeout}")
        if self.retries < 0:
            raise ValueError(f"FetchPolicy.retries must be >= 0, got {self.retries}")
        if self.backoff < 0:
            raise ValueError(f"FetchPolicy.backoff must be >= 0, got {self.backoff}")
        if self.max_bytes < 1:
            raise ValueError(f"FetchPolicy.max_bytes must be >= 1, got {self.max_bytes}")
        if self.max_redirects < 0:
            raise ValueError(f"FetchPolicy.max_redirects must be >= 0, got {self.max_redirects}")
        if self.concurrency < 1:
            raise ValueError(f"FetchPolicy.concurrency must be >= 1, got {self.concurrency}")

    @classmethod
    def from_env(
        cls, base: FetchPolicy | None = None, environ: Mapping[str, str] | None = None
    ) -> FetchPolicy:
        """`base` (default: the defaults) with `offline=True` if $CLEANGUIDE_OFFLINE is truthy."""
        policy = base if base is not None else cls()
        env = os.environ if environ is None else environ
        if env.get(OFFLINE_ENV, "").strip().lower() in _TRUTHY:
            return dataclasses.replace(policy, offline=True)
        return policy


@dataclass(frozen=True, slots=True)
class CachedImage:
    """A screenshot available in the cache."""

    url: str
    """The URL as the caller asked for it."""
    path: Path
    """The blob in the cache directory (copy it into the site; do not move it)."""
    filename: str
    """`<slugified URL stem>-<first 10 hex of sha256>.<ext of the sniffed type>`."""
    width: int
    """Real pixel width, read by Pillow."""
    height: int
    """Real pixel height, read by Pillow."""
    media_type: str
    """`image/png`, `image/jpeg`, `image/gif` or `image/webp`."""


@dataclass(frozen=True, slots=True)
class ImageFailure:
    """A screenshot that could not be fetched or was refused."""

    url: str
    """The URL as the caller asked for it."""
    reason: str
    """Short human reason, e.g. "HTTP 404" or "not a raster image (SVG)"."""

    def __str__(self) -> str:
        return f"{self.url}: {self.reason}"


# --------------------------------------------------------------------------- image types


@dataclass(frozen=True, slots=True)
class _Kind:
    """A raster format we accept."""

    pil_format: str
    """Pillow's format name, used to restrict `Image.open` to that decoder."""
    media_type: str
    extension: str


_PNG = _Kind("PNG", "image/png", "png")
_JPEG = _Kind("JPEG", "image/jpeg", "jpg")
_GIF = _Kind("GIF", "image/gif", "gif")
_WEBP = _Kind("WEBP", "image/webp", "webp")

_OTHER_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"\xff\x0a", "JPEG XL"),
    (b"\x00\x00\x00\x0cJXL ", "JPEG XL"),
    (b"%PDF", "PDF"),
)


def _sniff(head: bytes) -> _Kind | None:
    """The accepted raster format whose magic bytes start `head`, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _PNG
    if head.startswith(b"\xff\xd8\xff"):
        return _JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return _GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _WEBP
    return None


def _describe_refused(head: bytes, content_type: str) -> str:
    """The failure reason for a body that `_sniff` did not accept."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    declared = content_type.split(";")[0].strip().lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "not an image (text/html)"
    if b"<svg" in text or declared == "image/svg+xml":
        return "not a raster image (SVG)"
    if text[4:12] in (b"ftypavif", b"ftypavis"):
        return "not a raster image (AVIF)"
    if text[4:8] == b"ftyp" and text[8:12] in (b"heic", b"heix", b"mif1", b"msf1"):
        return "not a raster image (HEIC)"
    for magic, name in _OTHER_IMAGE_MAGIC:
        if head.startswith(magic):
            return f"not a raster image ({name})"
    if b"<html" in text or declared == "text/html":
        return "not an image (text/html)"
    if declared and not declared.startswith("image/"):
        return f"not an image ({declared})"
    if not head:
        return "not an image (empty body)"
    suffix = f", declared {declared}" if declared else ""
    return f"not an image (unrecognised bytes{suffix})"


def _decode(data: bytes, kind: _Kind) -> tuple[int, int]:
    """Width and height of `data`, fully decoded; raises `_Refused` if corrupt or a bomb."""
    try:
        with _PIL_OPEN_LOCK, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data), formats=[kind.pil_format])
        probe.verify()
        with Image.open(io.BytesIO(data), formats=[kind.pil_format]) as img:
            img.load()
            width, height = img.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise _Refused(f"decompression bomb refused ({exc})") from exc
    except Exception as exc:  # Pillow raises many types (OSError, SyntaxError, struct.error...)
        raise _Refused(f"corrupt image ({_exc_text(exc)})") from exc
    if width < 1 or height < 1:
        raise _Refused(f"corrupt image (size {width}x{height})")
    return width, height


def image_size(path: Path) -> tuple[int, int]:
    """The real pixel size (width, height) of an image file, read by Pillow.

    Raises OSError (including `PIL.UnidentifiedImageError`) if it is not a readable image.
    """
    with Image.open(path) as img:
        width, height = img.size
    return width, height


# --------------------------------------------------------------------------- names and URLs


def slugify_stem(url_path: str) -> str:
    """The last path segment of a URL without its extension, as `[a-z0-9-]`, at most 60 chars."""
    name = PurePosixPath(unquote(url_path)).name
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_stem.lower()).strip("-")
    slug = slug[:_STEM_MAX].rstrip("-")
    return slug or "image"


def _cache_filename(url: str, digest: str, kind: _Kind) -> str:
    """`<stem>-<hash10>.<ext>` for a URL whose bytes hash to `digest` (hex sha256)."""
    return f"{slugify_stem(urlsplit(url).path)}-{digest[:_HASH_LEN]}.{kind.extension}"


def _normalize_url(url: str) -> str:
    """The cache key of a URL: http(s) only, `//host` as https, no fragment.

    Raises `_Refused` for any other scheme or a URL without a host.
    """
    text = url.strip()
    if text.startswith("//"):
        text = "https:" + text
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if not scheme:
        raise _Refused("not an absolute URL")
    if scheme not in _ALLOWED_SCHEMES:
        raise _Refused(f"scheme {scheme!r} not allowed")
    if not parts.hostname:
        raise _Refused("invalid URL (no host)")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise _Refused(f"invalid URL ({exc})") from exc
    return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _request_target(parts: SplitResult) -> str:
    """Path and query of a split URL, percent-encoded to ASCII for the request line."""
    path = quote(parts.path or "/", safe="/%!$&'()*+,;=:@-._~")
    query = quote(parts.query, safe="/%!$&'()*+,;=:@-._~?")
    return f"{path}?{query}" if query else path


def _human_bytes(count: int) -> str:
    """10485760 -> "10 MiB"; 1536 -> "1.5 KiB"; 1000 -> "1000 bytes"."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= size:
            return f"{round(count / size, 1):g} {unit}"
    return f"{count} bytes"


def _exc_text(exc: BaseException) -> str:
    """A one-line description of an exception, never empty."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text or type(exc).__name__


# --------------------------------------------------------------------------- HTTP


class _Refused(Exception):
    """A fetch failed; `reason` becomes `ImageFailure.reason`."""

    def __init__(self, reason: str, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        """Short human reason."""
        self.retryable = retryable
        """True for timeouts, connection errors, 5xx and 429."""


@dataclass(frozen=True, slots=True)
class _Redirect:
    """A 3xx answer pointing elsewhere."""

    location: str


@dataclass(frozen=True, slots=True)
class _Body:
    """A 2xx answer whose body is an accepted raster format (not yet decoded)."""

    data: bytes
    kind: _Kind


class _Downloader:
    """One GET chain (redirects, retries, size cap, sniffing) under a `FetchPolicy`."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy
        self._tls = ssl.create_default_context()

    def download(self, url: str) -> _Body:
        """Follow redirects from `url` to an accepted image body, or raise `_Refused`."""
        current, seen = url, {url}
        for _hop in range(self.policy.max_redirects + 1):
            answer = self._with_retries(current)
            if isinstance(answer, _Body):
                return answer
            current = self._next_hop(current, answer.location, seen)
        raise _Refused(f"too many redirects (more than {self.policy.max_redirects})")

    @staticmethod
    def _next_hop(current: str, location: str, seen: set[str]) -> str:
        """The absolute, re-checked target of a redirect."""
        target = urljoin(current, location.strip())
        try:
            target = _normalize_url(target)
        except _Refused as exc:
            raise _Refused(f"redirected to {target}: {exc.reason}") from exc
        if target in seen:
            raise _Refused(f"redirect loop (back to {target})")
        seen.add(target)
        return target

    def _with_retries(self, url: str) -> _Body | _Redirect:
        """One hop, retried with exponential backoff on transient failures."""
        attempts = self.policy.retries + 1
        for attempt in range(attempts):
            try:
                return self._get_once(url)
            except _Refused as exc:
                if not exc.retryable or attempt == attempts - 1:
                    if attempt:
                        raise _Refused(f"{exc.reason} ({attempt + 1} attempts)") from exc
                    raise
                delay = self.policy.backoff * 2**attempt
                logger.debug("%s: %s; retrying in %.2fs", url, exc.reason, delay)
                time.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _get_once(self, url: str) -> _Body | _Redirect:
        """A single GET, mapping network errors to `_Refused`."""
        deadline = time.monotonic() + self.policy.timeout
        conn = self._connection(url)
        try:
            return self._exchange(conn, url, deadline)
        except _Refused:
            raise
        except TimeoutError as exc:
            raise _Refused(f"timed out after {self.policy.timeout:g}s", retryable=True) from exc
        except socket.gaierror as exc:
            host = urlsplit(url).hostname
            raise _Refused(f"cannot resolve host {host!r} ({_exc_text(exc)})") from exc
        except ssl.SSLCertVerificationError as exc:
            raise _Refused(f"TLS certificate error ({_exc_text(exc)})") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise _Refused(f"connection failed ({_exc_text(exc)})", retryable=True) from exc
        finally:
            conn.close()

    def _connection(self, url: str) -> http.client.HTTPConnection:
        """An unopened connection to the URL's host."""
        parts = urlsplit(url)
        try:
            host = (parts.hostname or "").encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise _Refused(f"invalid URL (host: {exc})") from exc
        if parts.scheme == "https":
            return http.client.HTTPSConnection(
                host, parts.port, timeout=self.policy.timeout, context=self._tls
            )
        return http.client.HTTPConnection(host, parts.port, timeout=self.policy.timeout)

    def _exchange(
        self, conn: http.client.HTTPConnection, url: str, deadline: float
    ) -> _Body | _Redirect:
        """Send the request and interpret the response."""
        headers = {
            "User-Agent": self.policy.user_agent,
            "Accept": "image/webp,image/png,image/jpeg,image/gif;q=0.9,*/*;q=0.1",
            "Accept-Encoding": "identity",
            "Connection": "close",
        }
        conn.request("GET", _request_target(urlsplit(url)), headers=headers)
        _set_deadline(conn, deadline)
        response = conn.getresponse()
        status = response.status
        if status in _REDIRECT_STATUSES:
            location = response.getheader("Location")
            if not location:
                raise _Refused(f"HTTP {status} without a Location header")
            return _Redirect(location)
        if status == 429 or status >= 500:
            raise _Refused(f"HTTP {status}", retryable=True)
        if not 200 <= status < 300:
            raise _Refused(f"HTTP {status}")
        return self._read_body(conn, response, deadline)

    def _read_body(
        self, conn: http.client.HTTPConnection, response: http.client.HTTPResponse, deadline: float
    ) -> _Body:
        """Stream the body: sniff the first bytes, stop at `max_bytes` or the deadline."""
        limit = self.policy.max_bytes
        too_big = f"larger than {_human_bytes(limit)}"
        declared = response.getheader("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _Refused(too_big)
        content_type = response.getheader("Content-Type", "")
        buffer = bytearray()
        kind: _Kind | None = None
        while True:
            _set_deadline(conn, deadline)
            chunk = response.read1(_CHUNK)
            if not chunk:
                break
            buffer += chunk
            if len(buffer) > limit:
                raise _Refused(too_big)
            if kind is None and len(buffer) >= _SNIFF_BYTES:
                kind = _sniff_or_refuse(bytes(buffer[:_SNIFF_BYTES]), content_type)
        if kind is None:
            kind = _sniff_or_refuse(bytes(buffer), content_type)
        return _Body(bytes(buffer), kind)


def _sniff_or_refuse(head: bytes, content_type: str) -> _Kind:
    """The accepted format of `head`, or `_Refused` describing what it was."""
    kind = _sniff(head)
    if kind is None:
        raise _Refused(_describe_refused(head, content_type))
    return kind


def _set_deadline(conn: http.client.HTTPConnection, deadline: float) -> None:
    """Shrink the socket timeout so the whole request fits in the policy's timeout."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("deadline passed")
    if conn.sock is not None:
        conn.sock.settimeout(remaining)


# --------------------------------------------------------------------------- the cache


@dataclass(frozen=True, slots=True)
class _Entry:
    """One URL's record in `index.json`."""

    filename: str
    sha256: str
    width: int
    height: int
    media_type: str

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, raw: Any) -> _Entry | None:
        """The entry, or None if malformed (an unsafe filename counts as malformed)."""
        if not isinstance(raw, dict):
            return None
        try:
            entry = cls(
                filename=str(raw["filename"]),
                sha256=str(raw["sha256"]).lower(),
                width=int(raw["width"]),
                height=int(raw["height"]),
                media_type=str(raw["media_type"]),
            )
        except (KeyError, TypeError, ValueError):
            return None
        return entry if entry.is_safe() else None

    def is_safe(self) -> bool:
        """A plain cache filename (no path parts) that carries its own hash prefix."""
        return (
            _FILENAME_RE.match(self.filename) is not None
            and re.fullmatch(r"[0-9a-f]{64}", self.sha256) is not None
            and self.filename.rsplit(".", 1)[0].endswith(self.sha256[:_HASH_LEN])
        )


class ImageStore:
    """Screenshots by URL, fetched at most once into `cache_dir` and reused forever after."""

    def __init__(self, cache_dir: Path, policy: FetchPolicy = FetchPolicy()) -> None:
        self.cache_dir = Path(cache_dir)
        """Directory holding `index.json` and the blobs (created on first write)."""
        self.policy = policy
        """How downloads behave; `offline=True` forbids the network."""
        self._downloader = _Downloader(self.policy)
        self._lock = threading.Lock()
        self._index: dict[str, _Entry] = _read_index(self.index_path)
        self._verified: set[str] = set()
        self._dirty = False

    @property
    def index_path(self) -> Path:
        """The cache's `index.json`."""
        return self.cache_dir / INDEX_NAME

    def lookup(self, url: str) -> CachedImage | None:
        """The cached image for `url` if its index entry and intact blob exist; no network."""
        try:
            key = _normalize_url(url)
        except _Refused:
            return None
        with self._lock:
            entry = self._index.get(key)
        if entry is None or not self._blob_ok(entry):
            return None
        return self._cached(url, entry)

    def fetch_all(self, urls: Iterable[str]) -> dict[str, CachedImage | ImageFailure]:
        """Every URL's image or failure, keyed by the URL as given; never raises for a bad URL.

        Duplicates (also after normalisation) are fetched once; downloads run on at most
        `policy.concurrency` threads; the index is saved once at the end.
        """
        keys: dict[str, list[str]] = {}
        results: dict[str, CachedImage | ImageFailure] = {}
        for url in dict.fromkeys(urls):
            try:
                keys.setdefault(_normalize_url(url), []).append(url)
            except _Refused as exc:
                results[url] = ImageFailure(url, exc.reason)
        try:
            for key, outcome in self._resolve(list(keys)).items():
                for url in keys[key]:
                    results[url] = dataclasses.replace(outcome, url=url)
        finally:
            self.save()
        return results

    def save(self) -> None:
        """Write `index.json` atomically if it changed, merged with what is on disk now."""
        with self._lock:
            if not self._dirty:
                return
            merged = _read_index(self.index_path)
            merged.update(self._index)
            _write_index(self.index_path, merged)
            self._index = merged
            self._dirty = False

    def _resolve(self, keys: list[str]) -> dict[str, CachedImage | ImageFailure]:
        """Cache hits, offline misses, then concurrent downloads for the rest."""
        out: dict[str, CachedImage | ImageFailure] = {}
        missing: list[str] = []
        for key in keys:
            hit = self.lookup(key)
            if hit is not None:
                out[key] = hit
            elif self.policy.offline:
                out[key] = ImageFailure(key, "offline and not cached")
            else:
                missing.append(key)
        if missing:
            workers = min(self.policy.concurrency, len(missing))
            with ThreadPoolExecutor(workers, thread_name_prefix="cleanguide-img") as pool:
                out.update(zip(missing, pool.map(self._fetch_one, missing), strict=True))
        return out

    def _fetch_one(self, key: str) -> CachedImage | ImageFailure:
        """Download, verify and store one URL; every problem becomes an `ImageFailure`."""
        try:
            body = self._downloader.download(key)
            width, height = _decode(body.data, body.kind)
            image = self._store(key, body, width, height)
        except _Refused as exc:
            logger.debug("%s: %s", key, exc.reason)
            return ImageFailure(key, exc.reason)
        except Exception as exc:  # a bug must not abort the whole build's image pass
            logger.exception("unexpected error fetching %s", key)
            return ImageFailure(key, f"unexpected error ({_exc_text(exc)})")
        logger.info("fetched %s -> %s (%dx%d)", key, image.filename, width, height)
        return image

    def _store(self, key: str, body: _Body, width: int, height: int) -> CachedImage:
        """Write the blob (if new) and record it in the in-memory index."""
        digest = hashlib.sha256(body.data).hexdigest()
        filename = _cache_filename(key, digest, body.kind)
        entry = _Entry(filename, digest, width, height, body.kind.media_type)
        _write_blob(self.cache_dir / entry.filename, body.data)
        with self._lock:
            self._index[key] = entry
            self._verified.add(entry.filename)
            self._dirty = True
        return self._cached(key, entry)

    def _blob_ok(self, entry: _Entry) -> bool:
        """True if the blob exists; its hash is checked once per store."""
        path = self.cache_dir / entry.filename
        with self._lock:
            verified = entry.filename in self._verified
        if verified:
            return path.is_file()
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return False
        if digest != entry.sha256:
            logger.warning("cached %s does not match its hash; fetching it again", path)
            return False
        with self._lock:
            self._verified.add(entry.filename)
        return True

    def _cached(self, url: str, entry: _Entry) -> CachedImage:
        path = self.cache_dir / entry.filename
        return CachedImage(url, path, entry.filename, entry.width, entry.height, entry.media_type)


# --------------------------------------------------------------------------- files


def _read_index(path: Path) -> dict[str, _Entry]:
    """The index on disk; missing, unreadable or foreign-version files read as empty."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.warning("ignoring unreadable image cache index %s: %s", path, exc)
        return {}
    if not isinstance(raw, dict) or raw.get("version") != INDEX_VERSION:
        logger.warning("ignoring image cache index %s: unknown format", path)
        return {}
    images = raw.get("images")
    if not isinstance(images, dict):
        images = {}
    index = {url: entry for url, value in images.items() if (entry := _Entry.from_json(value))}
    if len(index) != len(images):
        logger.warning("ignoring malformed entries in image cache index %s", path)
    return index


def _write_index(path: Path, index: Mapping[str, _Entry]) -> None:
    """Atomically replace `index.json` (sorted, indented: friendly to git diffs)."""
    payload = {
        "version": INDEX_VERSION,
        "images": {url: index[url].to_json() for url in sorted(index)},
    }
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    _atomic_write(path, text.encode("utf-8"))


def _write_blob(path: Path, data: bytes) -> None:
    """Store a content-addressed blob unless an identical one is already there."""
    with contextlib.suppress(OSError):
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    _atomic_write(path, data)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same directory and `os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --------------------------------------------------------------------------- renditions
#
# What a page shows of a cached screenshot: WebP copies at widths that fit a phone and a
# desktop column, made once next to the cache and reused by every later build. The original
# stays the file the zoom view opens. Separate from fetching: this only reads the cache.

RENDITIONS_DIR = "renditions"
"""Sub-folder of the cache directory holding the renditions."""
RENDITION_WIDTHS = (480, 960)
"""Widths made for a screenshot wider than them: a phone's column, twice that for dense screens."""
RENDITION_MAX_WIDTH = 1440
"""The widest rendition; the original (for the zoom view) keeps every pixel."""
WEBP_QUALITY = 80


@dataclass(frozen=True, slots=True)
class Rendition:
    """A WebP copy of a cached screenshot, at one width."""

    path: Path
    filename: str
    """`<original's stem and hash>-<width>w.webp`."""
    width: int
    height: int


def rendition_widths(width: int) -> list[int]:
    """The widths to make of a screenshot `width` pixels wide: never wider than it."""
    widest = min(width, RENDITION_MAX_WIDTH)
    return sorted({w for w in RENDITION_WIDTHS if w < widest} | {widest})


def renditions(image: CachedImage, cache_dir: Path) -> list[Rendition]:
    """The WebP renditions of `image`, smallest first, made now if not made before.

    None for a GIF (it may be animated: the page shows it as it is) or a file Pillow cannot
    read again; the page then shows the original.
    """
    if image.media_type == "image/gif":
        return []
    stem = image.filename.rsplit(".", 1)[0]
    folder = cache_dir / RENDITIONS_DIR
    out = []
    for width in rendition_widths(image.width):
        height = max(1, round(image.height * width / image.width))
        name = f"{stem}-{width}w.webp"
        path = folder / name
        if not path.is_file():
            try:
                _write_blob(path, _webp(image.path, width, height))
            except (OSError, ValueError) as exc:
                logger.warning("cannot make a %dpx WebP of %s: %s", width, image.path, exc)
                return []
        out.append(Rendition(path, name, width, height))
    return out


def _webp(source: Path, width: int, height: int) -> bytes:
    with Image.open(source) as img:
        img.load()
        frame = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    if frame.size != (width, height):
        frame = frame.resize((width, height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    frame.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=4)
    return buffer.getvalue()
