"""What the browser tests share: a static server for a built site, Debian's Chromium, and the
measured site (every page type the reader meets, for axe-core and Lighthouse)."""

from __future__ import annotations

import contextlib
import functools
import gzip
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def _browser_missing() -> str:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is missing (pip install -e '.[test]')"
    return ""


BROWSER_MISSING = _browser_missing()
"""Why the browser tests cannot run here (Debian's chromium or Playwright is missing), or ""."""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


_COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")


class _GzipHandler(_QuietHandler):
    """Text files gzipped when the client accepts it, as static hosts (GitHub Pages) do."""

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?", 1)[0].endswith("/"):
            path = path / "index.html"
        kind = self.guess_type(str(path))
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.is_file() and kind.startswith(_COMPRESSED_TYPES)):
            return super().send_head()  # also the redirect of a folder without its "/"
        data = gzip.compress(path.read_bytes(), mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        return io.BytesIO(data)


@contextlib.contextmanager
def serve_directory(folder: Path, *, compress: bool = False) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 in a thread; yields the base URL ("http://127.0.0.1:N/").

    `compress`: gzip text files, as a real static host does."""
    handler = functools.partial(_GzipHandler if compress else _QuietHandler, directory=str(folder))
    with _serving(handler) as base:
        yield base + "/"


@contextlib.contextmanager
def _serving(handler: Any) -> Iterator[str]:
    """Run an HTTP server on 127.0.0.1 in a thread; yields its base URL (no final "/")."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def mkdocs_build(
    project: Path, *args: str, env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """`python -m mkdocs build ARGS` in `project` (`env`: the `mkdocs_env` fixture); the
    caller checks the result."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser build)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# --- the measured site ----------------------------------------------------------------------

SEED = REPO / "content" / "android-photo-backup.md"
SINGLE_PAGE = REPO / "tests" / "corpus" / "14050306503.md"
"""A corpus article without methods or steps (in Japanese): a single-page guide."""
_IMAGE_URL = re.compile(r"(!\[[^\]]*\]\()(https?://[^)\s]+)")


@dataclass(frozen=True)
class MeasuredSite:
    """The site every page type is measured on, and the URL path of each page type."""

    site: Path
    pages: dict[str, str]
    """Page type → URL path from the site root ("" for the home page)."""


def screenshot_png(width: int, height: int, seed: int) -> bytes:
    """A made-up phone screenshot: a coloured app bar and rows of grey "text" (PNG)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    bar = [(0, 121, 107), (48, 63, 159), (194, 24, 91), (230, 81, 0)][seed % 4]
    draw.rectangle([0, 0, width, height // 10], fill=bar)
    row = height // 12
    for i, y in enumerate(range(height // 10 + row // 2, height - row, row)):
        draw.ellipse([20, y, 20 + row // 2, y + row // 2], fill=(200, 200, 200))
        length = width // 3 + (i * 37 + seed * 53) % (width // 2)
        draw.rectangle([40 + row // 2, y + 4, min(width - 20, length), y + 14], fill=(90, 90, 90))
        draw.rectangle([40 + row // 2, y + 22, length // 2, y + 30], fill=(170, 170, 170))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@contextlib.contextmanager
def screenshot_server(images: dict[str, bytes]) -> Iterator[str]:
    """Serves `images` by path on 127.0.0.1 (404 for anything else); yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = images.get(self.path)
            self.send_response(200 if body is not None else 404)
            payload = body if body is not None else b"not found"
            self.send_header("Content-Type", "image/png" if body is not None else "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with _serving(Handler) as base:
        yield base


def build_measured_site(dest: Path) -> MeasuredSite:
    """Build (`mkdocs build --strict`) the site whose pages are measured, under `dest`.

    The repository's mkdocs.yml and docs/, the seed guide and one single-page guide of the
    corpus (in Japanese). The seed's screenshots are made-up PNGs served from 127.0.0.1
    during the build, so they are fetched and made local as on a real site; the other
    guide's screenshots answer 404 and show as placeholders, as on an offline build.
    Nothing reaches beyond 127.0.0.1.
    """
    dest = dest.resolve()
    project = dest / "project"
    shutil.rmtree(project, ignore_errors=True)
    (project / "content").mkdir(parents=True)
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    setting = "      image_cache: .cache/cleanguide/images\n"
    assert setting in config, "mkdocs.yml's cleanguide settings moved: update this test"
    # the screenshots come from 127.0.0.1: the address guard must let this build fetch them
    config = config.replace(setting, setting + "      allow_loopback: true\n", 1)
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    shutil.copytree(REPO / "docs", project / "docs")
    seed = SEED.read_text(encoding="utf-8")
    single = SINGLE_PAGE.read_text(encoding="utf-8")
    served = {}
    for n, url in enumerate(dict.fromkeys(m.group(2) for m in _IMAGE_URL.finditer(seed))):
        served[url] = (f"/shot-{n}.png", screenshot_png(720 + 40 * n, 1280 - 60 * n, n))
    images = {path: data for path, data in served.values()}
    site = dest / "site"
    with screenshot_server(images) as base:
        seed = _IMAGE_URL.sub(lambda m: m.group(1) + base + served[m.group(2)][0], seed)
        single = _IMAGE_URL.sub(lambda m: m.group(1) + base + "/missing.png", single)
        (project / "content" / SEED.name).write_text(seed, encoding="utf-8")
        (project / "content" / SINGLE_PAGE.name).write_text(single, encoding="utf-8")
        env = dict(os.environ)
        for name in ("CLEANGUIDE_OFFLINE", "SITE_URL"):
            env.pop(name, None)
        env.update(NO_MKDOCS_2_WARNING="1", PYTHONDONTWRITEBYTECODE="1")
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
        cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)]
        proc = subprocess.run(
            cmd, cwd=project, env=env, capture_output=True, text=True, timeout=600
        )
    if proc.returncode != 0:
        raise RuntimeError(f"mkdocs build failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    guide = "guides/android-photo-backup/"
    methods = sorted(p.parent.name for p in (site / guide).glob("*/index.html"))
    single_guide = f"guides/{SINGLE_PAGE.stem}/"
    assert methods, f"no method pages under {site / guide}"
    assert not list((site / single_guide).glob("*/index.html")), "single-page guide has pages"
    pages = {
        "home": "",
        "guides index": "guides/",
        "topic page": "topics/android/",
        "guide home": guide,
        "method page": guide + methods[0] + "/",
        "single-page guide": single_guide,
        "404": "404.html",
    }
    for kind, path in pages.items():
        file = site / (path + "index.html" if not path.endswith(".html") else path)
        assert file.is_file(), f"{kind}: {file} missing"
    return MeasuredSite(site, pages)


def trickle(data: bytes, pause: float = 0.05) -> Callable[[BaseHTTPRequestHandler], None]:
    """A test server's handler that writes a whole raw response (status line and headers
    included) a byte at a time."""

    def handler(request: BaseHTTPRequestHandler) -> None:
        for byte in data:
            request.wfile.write(bytes([byte]))
            request.wfile.flush()
            time.sleep(pause)

    return handler
