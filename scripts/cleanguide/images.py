"""Fetch article screenshots once into a persistent, content-addressed cache.

Each remote screenshot is downloaded at most once by the package's one HTTP client
(net.py: one deadline per request, retries, per-host waits, the address guard, a deadline
for all the screenshots of a build), within a size cap and with content sniffing; decoded
by Pillow within a pixel cap; and stored as `<stem>-<hash10>.<ext>` (mode 0644) in a cache
directory that can be committed, so an offline build (CI) reuses it. `index.json` in that
directory maps each URL to its blob and pixel size; it is rewritten as each blob lands, so
a build killed half-way keeps what it fetched.

Nothing here raises for a bad URL: every problem becomes an `ImageFailure` that names the URL
and the reason; the caller decides whether that is a warning or an error. (One concern, the
screenshot store: the policy, the format checks and the cache index are what a change to it
reads together. What a page shows of a cached screenshot is renditions.py.)
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import re
import threading
import warnings
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from PIL import Image

from . import net
from .cache import JsonFile
from .defaults import OFFLINE_ENV
from .diagnostics import logger
from .files import write_if_changed
from .slugs import ascii_slug

log = logger(__name__)

INDEX_NAME = "index.json"
"""The cache index file inside the cache directory."""

INDEX_VERSION = 1
"""Format version written to `index.json`; other versions are ignored (and rewritten)."""

_ACCEPT = "image/webp,image/png,image/jpeg,image/gif;q=0.9,*/*;q=0.1"
_STEM_MAX = 60
_HASH_LEN = 10
_FILENAME_RE = re.compile(r"^[a-z0-9-]{1,60}-[0-9a-f]{10}\.(?:png|jpg|gif|webp)$")
_TRUTHY = frozenset({"1", "true", "yes", "on"})
_PIL_OPEN_LOCK = threading.Lock()
"""Serialises the `warnings` filter change around `Image.open` (filters are process-global)."""


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True, slots=True)
class FetchPolicy(net.Policy):
    """How screenshots are downloaded: the HTTP client's policy (timeouts, retries, waits,
    redirects, the address guard) and the limits of a screenshot. The defaults suit a
    normal online build."""

    run_seconds: float = 300.0
    """Seconds for all the downloads of one build; the ones not started by then stay remote."""
    max_bytes: int = 10 * 2**20
    """Largest accepted body, enforced while streaming (Content-Length is not trusted)."""
    max_pixels: int = 40_000_000
    """Largest accepted image, in decoded pixels (width x height), read before decoding."""
    concurrency: int = 4
    """Downloads in flight at the same time."""
    offline: bool = False
    """Never touch the network: cached URLs are hits, others fail "offline and not cached"."""

    def __post_init__(self) -> None:
        super(FetchPolicy, self).__post_init__()
        for name in ("max_bytes", "max_pixels", "concurrency"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")

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


def _decode(data: bytes, kind: _Kind, max_pixels: int) -> tuple[int, int]:
    """Width and height of `data`, fully decoded; raises `_NotFetched` if corrupt, a bomb or
    more than `max_pixels` (read from the header, before anything is decoded)."""
    try:
        with _PIL_OPEN_LOCK, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data), formats=[kind.pil_format])
        width, height = probe.size
        if width * height > max_pixels:
            raise _NotFetched(
                f"too many pixels: {width}x{height} is {width * height / 1e6:.1f} megapixels "
                f"decoded (the limit is {max_pixels / 1e6:g})"
            )
        probe.verify()
        with Image.open(io.BytesIO(data), formats=[kind.pil_format]) as img:
            img.load()
            width, height = img.size
    except _NotFetched:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise _NotFetched(f"decompression bomb refused ({exc})") from exc
    except Exception as exc:  # Pillow raises many types (OSError, SyntaxError, struct.error...)
        raise _NotFetched(f"corrupt image ({net.exception_text(exc)})") from exc
    if width < 1 or height < 1:
        raise _NotFetched(f"corrupt image (size {width}x{height})")
    return width, height


def image_size(path: Path) -> tuple[int, int]:
    """The real pixel size (width, height) of an image file, read by Pillow.

    Raises OSError (including `PIL.UnidentifiedImageError`) if it is not a readable image.
    """
    with Image.open(path) as img:
        width, height = img.size
    return width, height


# --------------------------------------------------------------------------- names and URLs


def url_stem(url_path: str) -> str:
    """The last path segment of a URL without its extension, as an ASCII slug of at most
    60 characters ("image" when it has no Latin letter or digit)."""
    name = PurePosixPath(unquote(url_path)).name
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return ascii_slug(stem, max_bytes=_STEM_MAX) or "image"


def _cache_filename(url: str, digest: str, kind: _Kind) -> str:
    """`<stem>-<hash10>.<ext>` for a URL whose bytes hash to `digest` (hex sha256)."""
    return f"{url_stem(urlsplit(url).path)}-{digest[:_HASH_LEN]}.{kind.extension}"


def _normalize_url(url: str) -> str:
    """The cache key of a URL: http(s) only, `//host` as https, no fragment.

    Raises `_NotFetched` for any other scheme or a URL without a host.
    """
    try:
        return net.check_url(url)
    except net.FetchError as exc:
        raise _NotFetched(exc.reason) from None


class _NotFetched(Exception):
    """A screenshot that cannot be had (a bad URL, an answer that is no image, a bomb...);
    `reason` becomes `ImageFailure.reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        """Short human reason."""


@dataclass(frozen=True, slots=True)
class _Body:
    """A 2xx answer whose body is an accepted raster format (not yet decoded)."""

    data: bytes
    kind: _Kind


def _download(client: net.Client, url: str, policy: FetchPolicy) -> _Body:
    """The image at `url` (redirects followed), sniffed as its first bytes come in."""

    def sniff(head: bytes, response: net.Response) -> None:
        if _sniff(head) is None:
            raise net.FetchError(_describe_refused(head, response.header("Content-Type")))

    try:
        response = client.request(
            url, headers={"Accept": _ACCEPT}, max_bytes=policy.max_bytes, inspect=sniff
        )
    except net.FetchError as exc:
        raise _NotFetched(exc.reason) from None
    if not 200 <= response.status < 300:
        tries = f" ({response.attempts} attempts)" if response.attempts > 1 else ""
        if response.status in net.REDIRECTS:
            raise _NotFetched(f"HTTP {response.status} without a Location header")
        raise _NotFetched(f"HTTP {response.status}{tries}")
    kind = _sniff(response.body[:512])
    if kind is None:
        raise _NotFetched(_describe_refused(response.body[:512], response.header("Content-Type")))
    return _Body(response.body, kind)


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
    def from_json(cls, raw: Any) -> _Entry:
        """The entry; ValueError, TypeError or KeyError if malformed (or its name unsafe)."""
        if not isinstance(raw, dict):
            raise TypeError(f"an entry is a mapping, not {type(raw).__name__}")
        entry = cls(
            filename=str(raw["filename"]),
            sha256=str(raw["sha256"]).lower(),
            width=int(raw["width"]),
            height=int(raw["height"]),
            media_type=str(raw["media_type"]),
        )
        if not entry.is_safe():
            raise ValueError(f"unsafe or inconsistent filename {entry.filename!r}")
        return entry

    def is_safe(self) -> bool:
        """A plain cache filename (no path parts) that carries its own hash prefix."""
        return (
            _FILENAME_RE.match(self.filename) is not None
            and re.fullmatch(r"[0-9a-f]{64}", self.sha256) is not None
            and self.filename.rsplit(".", 1)[0].endswith(self.sha256[:_HASH_LEN])
        )


class ImageStore:
    """Screenshots by URL, fetched at most once into `cache_dir` and reused forever after."""

    def __init__(
        self, cache_dir: Path, policy: FetchPolicy = FetchPolicy(), read_only: bool = False
    ) -> None:
        self.cache_dir = Path(cache_dir)
        """Directory holding `index.json` and the blobs (created on first write)."""
        self.policy = dataclasses.replace(policy, offline=True) if read_only else policy
        """How downloads behave; `offline=True` forbids the network."""
        self.read_only = read_only
        """Only read the cache: nothing is fetched, and no WebP copy is made."""
        self._file = JsonFile(
            self.index_path, INDEX_VERSION, "images", _Entry.from_json, "screenshot index"
        )
        self._lock = threading.Lock()
        self._index: dict[str, _Entry] = self._file.load()
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
        except _NotFetched:
            return None
        with self._lock:
            entry = self._index.get(key)
        if entry is None or not self._blob_ok(entry):
            return None
        return self._cached(url, entry)

    def fetch_all(self, urls: Iterable[str]) -> dict[str, CachedImage | ImageFailure]:
        """Every URL's image or failure, keyed by the URL as given; never raises for a bad URL.

        Duplicates (also after normalisation) are fetched once; downloads run on at most
        `policy.concurrency` threads, within `policy.run_seconds` together; the index is
        saved as each image lands.
        """
        keys: dict[str, list[str]] = {}
        results: dict[str, CachedImage | ImageFailure] = {}
        for url in dict.fromkeys(urls):
            try:
                keys.setdefault(_normalize_url(url), []).append(url)
            except _NotFetched as exc:
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
            merged = self._file.load()
            merged.update(self._index)
            self._file.save({url: entry.to_json() for url, entry in merged.items()})
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
            client = net.Client(self.policy, run_seconds=self.policy.run_seconds)
            workers = min(self.policy.concurrency, len(missing))
            with ThreadPoolExecutor(workers, thread_name_prefix="cleanguide-img") as pool:
                fetched = pool.map(lambda key: self._fetch_one(client, key), missing)
                out.update(zip(missing, fetched, strict=True))
        return out

    def _fetch_one(self, client: net.Client, key: str) -> CachedImage | ImageFailure:
        """Download, verify and store one URL; every problem becomes an `ImageFailure`."""
        try:
            body = _download(client, key, self.policy)
            width, height = _decode(body.data, body.kind, self.policy.max_pixels)
            image = self._store(key, body, width, height)
        except _NotFetched as exc:
            log.debug("%s: %s", key, exc.reason)
            return ImageFailure(key, exc.reason)
        except Exception as exc:  # a bug must not abort the whole build's image pass
            log.exception("unexpected error fetching %s", key)
            return ImageFailure(key, f"unexpected error ({net.exception_text(exc)})")
        log.info("fetched %s -> %s (%dx%d)", key, image.filename, width, height)
        return image

    def _store(self, key: str, body: _Body, width: int, height: int) -> CachedImage:
        """Write the blob (if new), then the index with it: a build killed after this
        keeps the image."""
        digest = hashlib.sha256(body.data).hexdigest()
        filename = _cache_filename(key, digest, body.kind)
        entry = _Entry(filename, digest, width, height, body.kind.media_type)
        write_if_changed(self.cache_dir / entry.filename, body.data)
        with self._lock:
            self._index[key] = entry
            self._verified.add(entry.filename)
            self._dirty = True
        self.save()
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
            log.warning("cached %s does not match its hash; fetching it again", path)
            return False
        with self._lock:
            self._verified.add(entry.filename)
        return True

    def _cached(self, url: str, entry: _Entry) -> CachedImage:
        path = self.cache_dir / entry.filename
        return CachedImage(url, path, entry.filename, entry.width, entry.height, entry.media_type)
