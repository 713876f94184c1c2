"""ImageStore against real HTTP servers on 127.0.0.1 (stdlib http.server in a thread)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from cleanguide.images import (
    CachedImage,
    FetchPolicy,
    ImageFailure,
    ImageStore,
    image_size,
    url_stem,
)
from webtools import trickle


def local(**settings: Any) -> FetchPolicy:
    """A policy for the test servers: loopback addresses admitted (nothing else is)."""
    return FetchPolicy(allow_loopback=True, **settings)


FAST = local(timeout=2.0, retries=2, backoff=0.01)
"""A policy with a tiny backoff so retry tests stay fast."""

Handler = Callable[[BaseHTTPRequestHandler], None]


# --------------------------------------------------------------------------- test server


class Server:
    """A threaded HTTP server with per-path handlers, hit counts and in-flight tracking."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.01,), daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._serve(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return _Handler

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.hits[request.path] += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            self.routes.get(request.path, not_found)(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeouts, size cap)
        finally:
            with self.lock:
                self.in_flight -= 1


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def send(
    request: BaseHTTPRequestHandler,
    body: bytes = b"",
    status: int = 200,
    content_type: str = "image/png",
    headers: dict[str, str] | None = None,
    length: bool = True,
) -> None:
    """Write one response; `length=False` omits Content-Length (body ends at close)."""
    request.send_response(status)
    request.send_header("Content-Type", content_type)
    if length:
        request.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        request.send_header(name, value)
    request.end_headers()
    request.wfile.write(body)


def not_found(request: BaseHTTPRequestHandler) -> None:
    send(request, b"<html>nope</html>", 404, "text/html")


def serve(body: bytes, content_type: str = "image/png", length: bool = True) -> Handler:
    return lambda request: send(request, body, content_type=content_type, length=length)


def redirect(location: str, status: int = 302) -> Handler:
    return lambda request: send(request, b"", status, "text/plain", {"Location": location})


def make_image(fmt: str, size: tuple[int, int], color: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


PNG = make_image("PNG", (64, 48))
JPEG = make_image("JPEG", (30, 20), "orange")


def expect_image(result: CachedImage | ImageFailure) -> CachedImage:
    assert isinstance(result, CachedImage), result
    return result


def expect_failure(result: CachedImage | ImageFailure) -> ImageFailure:
    assert isinstance(result, ImageFailure), result
    return result


def fetch_one(store: ImageStore, url: str) -> CachedImage | ImageFailure:
    return store.fetch_all([url])[url]


# --------------------------------------------------------------------------- success


def test_png_and_jpeg_are_cached_with_real_size_and_named_by_stem_and_hash(
    server: Server, tmp_path: Path
) -> None:
    server.routes["/images/backup-pictures.png"] = serve(PNG)
    server.routes["/shots/Step%201%20Done.JPG"] = serve(JPEG, "image/jpeg")
    png_url = server.url("/images/backup-pictures.png")
    jpg_url = server.url("/shots/Step%201%20Done.JPG")

    results = ImageStore(tmp_path, FAST).fetch_all([png_url, jpg_url])

    png = expect_image(results[png_url])
    assert (png.width, png.height, png.media_type) == (64, 48, "image/png")
    assert png.filename == f"backup-pictures-{hashlib.sha256(PNG).hexdigest()[:10]}.png"
    assert png.path == tmp_path / png.filename
    assert png.path.read_bytes() == PNG
    assert png.url == png_url
    jpg = expect_image(results[jpg_url])
    assert (jpg.width, jpg.height, jpg.media_type) == (30, 20, "image/jpeg")
    assert re.fullmatch(r"step-1-done-[0-9a-f]{10}\.jpg", jpg.filename)
    assert image_size(jpg.path) == (30, 20)


def test_gif_and_webp_are_accepted(server: Server, tmp_path: Path) -> None:
    server.routes["/a.gif"] = serve(make_image("GIF", (5, 7)), "image/gif")
    server.routes["/b.webp"] = serve(make_image("WEBP", (9, 4)), "image/webp")
    results = ImageStore(tmp_path, FAST).fetch_all([server.url("/a.gif"), server.url("/b.webp")])
    gif = expect_image(results[server.url("/a.gif")])
    webp = expect_image(results[server.url("/b.webp")])
    assert (gif.width, gif.height, gif.filename[-4:]) == (5, 7, ".gif")
    assert (webp.width, webp.height, webp.media_type) == (9, 4, "image/webp")


def test_extension_comes_from_sniffed_bytes_not_url_or_header(
    server: Server, tmp_path: Path
) -> None:
    server.routes["/photo.jpg?w=300"] = serve(PNG, "text/html")
    image = expect_image(fetch_one(ImageStore(tmp_path, FAST), server.url("/photo.jpg?w=300")))
    assert re.fullmatch(r"photo-[0-9a-f]{10}\.png", image.filename)
    assert image.media_type == "image/png"


def test_index_json_records_url_and_is_written_atomically(server: Server, tmp_path: Path) -> None:
    server.routes["/x.png"] = serve(PNG)
    image = expect_image(fetch_one(ImageStore(tmp_path, FAST), server.url("/x.png")))
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    assert index["version"] == 1
    assert index["images"][server.url("/x.png")] == {
        "filename": image.filename,
        "sha256": hashlib.sha256(PNG).hexdigest(),
        "width": 64,
        "height": 48,
        "media_type": "image/png",
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["index.json", image.filename])


# --------------------------------------------------------------------------- HTTP errors, retries


def test_404_is_not_retried(server: Server, tmp_path: Path) -> None:
    failure = expect_failure(fetch_one(ImageStore(tmp_path, FAST), server.url("/missing.png")))
    assert failure.reason == "HTTP 404"
    assert failure.url == server.url("/missing.png")
    assert str(failure) == f"{server.url('/missing.png')}: HTTP 404"
    assert server.hits["/missing.png"] == 1


def test_503_then_success_is_retried(server: Server, tmp_path: Path) -> None:
    calls = Counter[str]()

    def flaky(request: BaseHTTPRequestHandler) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            send(request, b"busy", 503, "text/plain")
        else:
            send(request, PNG)

    server.routes["/flaky.png"] = flaky
    image = expect_image(fetch_one(ImageStore(tmp_path, FAST), server.url("/flaky.png")))
    assert (image.width, image.height) == (64, 48)
    assert server.hits["/flaky.png"] == 2


def test_persistent_5xx_and_429_give_up_after_the_retries(server: Server, tmp_path: Path) -> None:
    server.routes["/down.png"] = lambda r: send(r, b"", 503, "text/plain")
    server.routes["/busy.png"] = lambda r: send(r, b"", 429, "text/plain")
    results = ImageStore(tmp_path, FAST).fetch_all(
        [server.url("/down.png"), server.url("/busy.png")]
    )
    assert expect_failure(results[server.url("/down.png")]).reason == "HTTP 503 (3 attempts)"
    assert expect_failure(results[server.url("/busy.png")]).reason == "HTTP 429 (3 attempts)"
    assert server.hits["/down.png"] == server.hits["/busy.png"] == 3


def test_timeout_is_reported_and_retried(server: Server, tmp_path: Path) -> None:
    def slow(request: BaseHTTPRequestHandler) -> None:
        time.sleep(1.5)
        send(request, PNG)

    server.routes["/slow.png"] = slow
    policy = local(timeout=0.3, retries=1, backoff=0.01)
    started = time.monotonic()
    failure = expect_failure(fetch_one(ImageStore(tmp_path, policy), server.url("/slow.png")))
    assert failure.reason == "timed out after 0.3s (2 attempts)"
    assert time.monotonic() - started < 1.4
    assert server.hits["/slow.png"] == 2


def test_timeout_covers_a_body_that_trickles_in(server: Server, tmp_path: Path) -> None:
    def trickle(request: BaseHTTPRequestHandler) -> None:
        send(request, PNG[:8], length=False)
        for byte in PNG[8:40]:
            time.sleep(0.05)
            request.wfile.write(bytes([byte]))
            request.wfile.flush()

    server.routes["/trickle.png"] = trickle
    policy = local(timeout=0.3, retries=0)
    started = time.monotonic()
    failure = expect_failure(fetch_one(ImageStore(tmp_path, policy), server.url("/trickle.png")))
    assert failure.reason == "timed out after 0.3s"
    assert time.monotonic() - started < 1.0  # each byte arrives within 0.3s; the total does not


def test_chunked_body_is_read(server: Server, tmp_path: Path) -> None:
    def chunked(request: BaseHTTPRequestHandler) -> None:
        request.protocol_version = "HTTP/1.1"
        request.send_response(200)
        request.send_header("Content-Type", "image/png")
        request.send_header("Transfer-Encoding", "chunked")
        request.send_header("Connection", "close")
        request.end_headers()
        for start in range(0, len(PNG), 50):
            piece = PNG[start : start + 50]
            request.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        request.wfile.write(b"0\r\n\r\n")

    server.routes["/chunked.png"] = chunked
    image = expect_image(fetch_one(ImageStore(tmp_path, FAST), server.url("/chunked.png")))
    assert image.path.read_bytes() == PNG


def test_connection_refused_is_a_failure(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/x.png"
    failure = expect_failure(fetch_one(ImageStore(tmp_path, local(retries=0)), url))
    assert failure.reason.startswith("connection failed (")


# --------------------------------------------------------------------------- content checks


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<!DOCTYPE html><html><body>Ad wall</body></html>", "text/html; charset=utf-8"),
        (b"<html><head></head></html>", "image/png"),
        (b"<!doctype html><body><svg viewBox='0 0 1 1'></svg></body>", "text/html"),
    ],
)
def test_html_is_not_an_image(
    server: Server, tmp_path: Path, body: bytes, content_type: str
) -> None:
    server.routes["/pic.png"] = serve(body, content_type)
    failure = expect_failure(fetch_one(ImageStore(tmp_path, FAST), server.url("/pic.png")))
    assert failure.reason == "not an image (text/html)"
    assert server.hits["/pic.png"] == 1


def test_other_content_names_its_type(server: Server, tmp_path: Path) -> None:
    server.routes["/data.png"] = serve(b'{"ad": true}', "application/json")
    failure = expect_failure(fetch_one(ImageStore(tmp_path, FAST), server.url("/data.png")))
    assert failure.reason == "not an image (application/json)"


def test_svg_is_refused(server: Server, tmp_path: Path) -> None:
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="4"/>'
    server.routes["/logo.svg"] = serve(svg, "image/svg+xml")
    failure = expect_failure(fetch_one(ImageStore(tmp_path, FAST), server.url("/logo.svg")))
    assert failure.reason == "not a raster image (SVG)"


def test_unsupported_raster_format_is_named(server: Server, tmp_path: Path) -> None:
    server.routes["/old.bmp"] = serve(make_image("BMP", (3, 3)), "image/bmp")
    failure = expect_failure(fetch_one(ImageStore(tmp_path, FAST), server.url("/old.bmp")))
    assert failure.reason == "not a raster image (BMP)"


@pytest.mark.parametrize("with_length", [True, False])
def test_oversized_body_is_cut_off(server: Server, tmp_path: Path, with_length: bool) -> None:
    big = PNG[:8] + bytes(5000)
    server.routes["/big.png"] = serve(big, length=with_length)
    policy = local(max_bytes=1024, retries=0)
    failure = expect_failure(fetch_one(ImageStore(tmp_path, policy), server.url("/big.png")))
    assert failure.reason == "larger than 1 KiB"
    assert not list(tmp_path.glob("*.png"))


@pytest.mark.parametrize("with_length", [True, False])
def test_size_cap_is_exact(server: Server, tmp_path: Path, with_length: bool) -> None:
    server.routes["/ok.png"] = serve(PNG, length=with_length)
    at_cap = ImageStore(tmp_path / "a", local(max_bytes=len(PNG), retries=0))
    expect_image(fetch_one(at_cap, server.url("/ok.png")))
    below = ImageStore(tmp_path / "b", local(max_bytes=len(PNG) - 1, retries=0))
    failure = expect_failure(fetch_one(below, server.url("/ok.png")))
    assert failure.reason == f"larger than {len(PNG) - 1} bytes"


def test_corrupt_png_is_refused(server: Server, tmp_path: Path) -> None:
    server.routes["/bad.png"] = serve(PNG[:8] + b"this is not a PNG stream at all" * 4)
    failure = expect_failure(fetch_one(ImageStore(tmp_path, FAST), server.url("/bad.png")))
    assert failure.reason.startswith("corrupt image (")
    assert not (tmp_path / "index.json").exists()


def test_truncated_jpeg_is_refused(server: Server, tmp_path: Path) -> None:
    jpeg = make_image("JPEG", (200, 200), "purple")
    server.routes["/cut.jpg"] = serve(jpeg[: len(jpeg) // 2], "image/jpeg")
    failure = expect_failure(fetch_one(ImageStore(tmp_path, FAST), server.url("/cut.jpg")))
    assert failure.reason.startswith("corrupt image (")


@pytest.mark.parametrize("size", [(12, 12), (40, 40)], ids=["warning", "error"])
def test_decompression_bomb_is_refused(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    server.routes["/bomb.png"] = serve(make_image("PNG", size))
    failure = expect_failure(fetch_one(ImageStore(tmp_path, FAST), server.url("/bomb.png")))
    assert failure.reason.startswith("decompression bomb refused (")


# --------------------------------------------------------------------------- URLs and redirects


def test_redirect_is_followed_and_named_after_the_requested_url(
    server: Server, tmp_path: Path
) -> None:
    server.routes["/old/Screen.png"] = redirect("/cdn/abc123.png", 301)
    server.routes["/cdn/abc123.png"] = serve(PNG)
    image = expect_image(fetch_one(ImageStore(tmp_path, FAST), server.url("/old/Screen.png")))
    assert image.filename.startswith("screen-")


def test_redirect_loop_fails(server: Server, tmp_path: Path) -> None:
    server.routes["/a.png"] = redirect("/b.png")
    server.routes["/b.png"] = redirect(server.url("/a.png"))
    failure = expect_failure(fetch_one(ImageStore(tmp_path, FAST), server.url("/a.png")))
    assert failure.reason.startswith("redirect loop")
    assert server.hits["/a.png"] == server.hits["/b.png"] == 1


def test_too_many_redirects(server: Server, tmp_path: Path) -> None:
    for n in range(10):
        server.routes[f"/r{n}.png"] = redirect(f"/r{n + 1}.png")
    policy = local(max_redirects=3, retries=0)
    failure = expect_failure(fetch_one(ImageStore(tmp_path, policy), server.url("/r0.png")))
    assert failure.reason.startswith("too many redirects (more than 3): ")
    assert failure.reason.endswith("/r3.png -> " + server.url("/r4.png"))  # not requested
    assert sum(server.hits.values()) == 4


def test_redirect_to_ftp_is_refused(server: Server, tmp_path: Path) -> None:
    server.routes["/moved.png"] = redirect("ftp://127.0.0.1/moved.png")
    failure = expect_failure(fetch_one(ImageStore(tmp_path, FAST), server.url("/moved.png")))
    assert "scheme 'ftp' not allowed" in failure.reason
    assert failure.reason.startswith("redirected to ftp://127.0.0.1/moved.png")
    assert server.hits["/moved.png"] == 1


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://127.0.0.1/x.png", "scheme 'ftp' not allowed"),
        ("file:///etc/passwd", "scheme 'file' not allowed"),
        ("data:image/png;base64,iVBORw0KGgo=", "scheme 'data' not allowed"),
        ("javascript:alert(1)", "scheme 'javascript' not allowed"),
        ("images/local.png", "not an absolute URL"),
        ("http:///x.png", "invalid URL (no host)"),
    ],
)
def test_other_schemes_are_refused_without_a_request(
    server: Server, tmp_path: Path, url: str, reason: str
) -> None:
    assert expect_failure(fetch_one(ImageStore(tmp_path, FAST), url)).reason == reason
    assert not server.hits


def test_duplicates_are_fetched_once(server: Server, tmp_path: Path) -> None:
    server.routes["/dup.png"] = serve(PNG)
    url = server.url("/dup.png")
    results = ImageStore(tmp_path, FAST).fetch_all([url, url, url + "#zoom"])
    assert set(results) == {url, url + "#zoom"}
    assert expect_image(results[url + "#zoom"]).url == url + "#zoom"
    assert server.hits["/dup.png"] == 1


# --------------------------------------------------------------------------- cache and offline


def test_one_fetch_across_two_stores(server: Server, tmp_path: Path) -> None:
    server.routes["/once.png"] = serve(PNG)
    url = server.url("/once.png")
    first = expect_image(fetch_one(ImageStore(tmp_path, FAST), url))
    second_store = ImageStore(tmp_path, FAST)
    assert second_store.lookup(url) == first
    assert expect_image(fetch_one(second_store, url)) == first
    assert server.hits["/once.png"] == 1


def test_lookup_never_touches_the_network(server: Server, tmp_path: Path) -> None:
    server.routes["/l.png"] = serve(PNG)
    store = ImageStore(tmp_path, FAST)
    assert store.lookup(server.url("/l.png")) is None
    assert store.lookup("ftp://example.com/x.png") is None
    assert not server.hits
    fetch_one(store, server.url("/l.png"))
    hit = store.lookup(server.url("/l.png"))
    assert hit is not None
    assert hit.width == 64


def test_offline_hit_and_miss(server: Server, tmp_path: Path) -> None:
    server.routes["/have.png"] = serve(PNG)
    server.routes["/lack.png"] = serve(PNG)
    have, lack = server.url("/have.png"), server.url("/lack.png")
    expect_image(fetch_one(ImageStore(tmp_path, FAST), have))

    offline = ImageStore(tmp_path, local(offline=True))
    results = offline.fetch_all([have, lack])
    assert expect_image(results[have]).width == 64
    assert expect_failure(results[lack]).reason == "offline and not cached"
    assert server.hits == Counter({"/have.png": 1})


def test_offline_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CLEANGUIDE_OFFLINE", "1")
    policy = FetchPolicy.from_env(FetchPolicy(timeout=3.0))
    assert policy.offline and policy.timeout == 3.0
    failure = expect_failure(fetch_one(ImageStore(tmp_path, policy), "https://example.com/a.png"))
    assert failure.reason == "offline and not cached"
    monkeypatch.setenv("CLEANGUIDE_OFFLINE", "0")
    assert not FetchPolicy.from_env().offline
    assert FetchPolicy.from_env(environ={"CLEANGUIDE_OFFLINE": "true"}).offline
    assert not FetchPolicy.from_env(environ={}).offline


def test_tampered_blob_is_fetched_again(server: Server, tmp_path: Path) -> None:
    server.routes["/t.png"] = serve(PNG)
    image = expect_image(fetch_one(ImageStore(tmp_path, FAST), server.url("/t.png")))
    image.path.write_bytes(b"not the same bytes")
    store = ImageStore(tmp_path, FAST)
    assert store.lookup(server.url("/t.png")) is None
    assert expect_image(fetch_one(store, server.url("/t.png"))).path.read_bytes() == PNG
    assert server.hits["/t.png"] == 2


def test_missing_blob_is_fetched_again(server: Server, tmp_path: Path) -> None:
    server.routes["/m.png"] = serve(PNG)
    image = expect_image(fetch_one(ImageStore(tmp_path, FAST), server.url("/m.png")))
    image.path.unlink()
    expect_image(fetch_one(ImageStore(tmp_path, FAST), server.url("/m.png")))
    assert server.hits["/m.png"] == 2


def test_unreadable_or_unsafe_index_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "index.json").write_text("{not json", encoding="utf-8")
    assert ImageStore(tmp_path).lookup("https://example.com/a.png") is None
    digest = hashlib.sha256(PNG).hexdigest()
    evil = {"filename": f"../evil-{digest[:10]}.png", "sha256": digest, "width": 1, "height": 1}
    index = {"version": 1, "images": {"https://example.com/a.png": evil | {"media_type": "x"}}}
    (tmp_path / "index.json").write_text(json.dumps(index), encoding="utf-8")
    (tmp_path.parent / f"evil-{digest[:10]}.png").write_bytes(PNG)
    assert ImageStore(tmp_path).lookup("https://example.com/a.png") is None


def test_index_keeps_entries_written_by_another_store(server: Server, tmp_path: Path) -> None:
    server.routes["/one.png"] = serve(PNG)
    server.routes["/two.jpg"] = serve(JPEG, "image/jpeg")
    a, b = ImageStore(tmp_path, FAST), ImageStore(tmp_path, FAST)
    fetch_one(a, server.url("/one.png"))
    fetch_one(b, server.url("/two.jpg"))
    fresh = ImageStore(tmp_path, local(offline=True))
    assert fresh.lookup(server.url("/one.png")) is not None
    assert fresh.lookup(server.url("/two.jpg")) is not None


# --------------------------------------------------------------------------- concurrency


def test_concurrency_cap_is_respected(server: Server, tmp_path: Path) -> None:
    def slow(request: BaseHTTPRequestHandler) -> None:
        time.sleep(0.1)
        send(request, make_image("PNG", (4, 4), "red"))

    urls = []
    for n in range(8):
        server.routes[f"/c{n}.png"] = slow
        urls.append(server.url(f"/c{n}.png"))
    results = ImageStore(tmp_path, local(concurrency=2)).fetch_all(urls)
    images = [expect_image(r) for r in results.values()]
    assert server.max_in_flight == 2
    # identical bytes under different URL stems: distinct files sharing one hash suffix
    assert len({i.filename for i in images}) == 8
    assert len({i.filename.rsplit("-", 1)[1] for i in images}) == 1


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("path", "stem"),
    [
        ("/images/android-data-backup-and-restore/backup-pictures.jpg", "backup-pictures"),
        ("/a/Café%20Screen_Shot(2).PNG", "cafe-screen-shot-2"),
        ("/dir/", "dir"),
        ("/", "image"),
        ("/%E4%B8%AD%E6%96%87.png", "image"),
        ("/.hidden", "hidden"),
        ("/" + "x" * 80 + ".png", "x" * 60),
    ],
)
def test_slugify_stem_examples(path: str, stem: str) -> None:
    assert url_stem(path) == stem


@given(st.text())
def test_slugify_stem_is_always_safe(path: str) -> None:
    stem = url_stem(path)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", stem)
    assert len(stem) <= 60


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        FetchPolicy(concurrency=0)
    with pytest.raises(ValueError, match="timeout"):
        FetchPolicy(timeout=0)


def test_image_size_reads_pixels(tmp_path: Path) -> None:
    path = tmp_path / "x.webp"
    path.write_bytes(make_image("WEBP", (17, 3)))
    assert image_size(path) == (17, 3)


# --------------------------------------------------------------------------- hostile servers


ORIGINAL_GETADDRINFO = socket.getaddrinfo


def test_headers_trickled_a_byte_at_a_time_are_cut_off_at_the_deadline(
    server: Server, tmp_path: Path
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nX-Filler: " + b"x" * 200 + b"\r\n"
    server.routes["/slow-head.png"] = trickle(head + b"\r\n" + PNG)
    started = time.monotonic()
    failure = expect_failure(
        fetch_one(
            ImageStore(tmp_path, local(timeout=0.5, retries=1, backoff=0.01)),
            server.url("/slow-head.png"),
        )
    )
    assert failure.reason == "timed out after 0.5s (2 attempts)"
    assert time.monotonic() - started < 2.0  # each byte came within 0.05 s; the total did not
    assert server.hits["/slow-head.png"] == 2


def test_chunk_sizes_trickled_are_cut_off_at_the_deadline(server: Server, tmp_path: Path) -> None:
    def chunked(request: BaseHTTPRequestHandler) -> None:
        request.wfile.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        request.wfile.write(b"%x\r\n%s\r\n" % (len(PNG[:600]), PNG[:600]))
        request.wfile.flush()
        for _ in range(100):  # a chunk-size line that never ends: "0000000..."
            request.wfile.write(b"0")
            request.wfile.flush()
            time.sleep(0.05)

    server.routes["/slow-chunks.png"] = chunked
    started = time.monotonic()
    failure = expect_failure(
        fetch_one(
            ImageStore(tmp_path, local(timeout=0.5, retries=0)), server.url("/slow-chunks.png")
        )
    )
    assert failure.reason == "timed out after 0.5s"
    assert time.monotonic() - started < 1.5


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A patched resolver: these names resolve to these addresses (and nothing else does)."""
    table = {
        "metadata.test": "169.254.169.254",
        "intranet.test": "10.0.0.1",
        "mapped.test": "::ffff:10.0.0.1",
        "multi.test": "93.184.216.34",
    }

    def getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list[tuple[Any, ...]]:
        # other hosts: only numeric forms, read as the system reads them (no DNS query)
        numeric = socket.AI_NUMERICHOST
        return ORIGINAL_GETADDRINFO(
            table.get(host, host), port, type=socket.SOCK_STREAM, flags=numeric
        )

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


@pytest.mark.parametrize(
    ("location", "kind"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.0.0.1/x.png", "private"),
        ("http://metadata.test/x.png", "link-local"),
        ("http://intranet.test/x.png", "private"),
        ("http://mapped.test/x.png", "private"),
        ("http://[::ffff:169.254.169.254]/x.png", "link-local"),
        ("http://2852039166/x.png", "link-local"),  # 169.254.169.254 as one number
        ("http://[fd00::1]/x.png", "private"),
        ("http://0.0.0.0/x.png", "unspecified"),
    ],
)
def test_redirects_to_private_addresses_are_refused_without_a_packet(
    server: Server,
    tmp_path: Path,
    names: dict[str, str],
    loopback_only: list[object],
    location: str,
    kind: str,
) -> None:
    server.routes["/moved.png"] = redirect(location)
    failure = expect_failure(fetch_one(ImageStore(tmp_path, FAST), server.url("/moved.png")))
    assert failure.reason.startswith("refused: ") and f"is a {kind} address" in failure.reason
    assert loopback_only == []  # the guard refused before any connect was tried
    assert server.hits["/moved.png"] == 1


def test_loopback_is_refused_unless_opted_in(server: Server, tmp_path: Path) -> None:
    server.routes["/x.png"] = serve(PNG)
    failure = expect_failure(fetch_one(ImageStore(tmp_path, FetchPolicy()), server.url("/x.png")))
    assert failure.reason == "refused: 127.0.0.1 is a loopback address (127.0.0.1)"
    assert not server.hits
    expect_image(fetch_one(ImageStore(tmp_path, FAST), server.url("/x.png")))


def test_a_long_retry_after_costs_one_request_and_skips_the_host(
    server: Server, tmp_path: Path
) -> None:
    busy = lambda r: send(r, b"", 429, "text/plain", {"Retry-After": "3600"})  # noqa: E731
    server.routes["/a.png"] = busy
    server.routes["/b.png"] = serve(PNG)
    started = time.monotonic()
    store = ImageStore(tmp_path, local(retries=3, backoff=0.01, concurrency=1))
    results = store.fetch_all([server.url("/a.png"), server.url("/b.png")])
    assert time.monotonic() - started < 1.0
    assert expect_failure(results[server.url("/a.png")]).reason == (
        "HTTP 429: the host asks to wait 3600 s (more than 30 s)"
    )
    assert expect_failure(results[server.url("/b.png")]).reason == (
        "not requested: the host asked to wait 3600 s (more than 30 s)"
    )
    assert server.hits == Counter({"/a.png": 1})


def test_a_short_retry_after_delays_every_url_of_the_host(server: Server, tmp_path: Path) -> None:
    times: dict[str, list[float]] = {"/a.png": [], "/b.png": []}

    def once_busy(request: BaseHTTPRequestHandler) -> None:
        times[request.path].append(time.monotonic())
        if request.path == "/a.png" and len(times["/a.png"]) == 1:
            send(request, b"", 429, "text/plain", {"Retry-After": "1"})
        else:
            send(request, PNG)

    server.routes["/a.png"] = server.routes["/b.png"] = once_busy
    store = ImageStore(tmp_path, local(backoff=0.01, concurrency=1))
    results = store.fetch_all([server.url("/a.png"), server.url("/b.png")])
    assert all(isinstance(r, CachedImage) for r in results.values()), results
    first_429 = times["/a.png"][0]
    assert times["/a.png"][1] - first_429 >= 0.9
    assert times["/b.png"][0] - first_429 >= 0.9  # another URL of the host waited too


def test_the_run_deadline_leaves_the_rest_remote(server: Server, tmp_path: Path) -> None:
    def slow(request: BaseHTTPRequestHandler) -> None:
        time.sleep(0.4)
        send(request, PNG)

    urls = []
    for n in range(4):
        server.routes[f"/s{n}.png"] = slow
        urls.append(server.url(f"/s{n}.png"))
    started = time.monotonic()
    results = ImageStore(tmp_path, local(run_seconds=0.6, concurrency=1)).fetch_all(urls)
    assert time.monotonic() - started < 1.5
    reasons = sorted(r.reason for r in results.values() if isinstance(r, ImageFailure))
    assert reasons and all(
        r in ("not checked: the run's deadline of 0.6 s passed", "timed out after 10s")
        for r in reasons
    ), reasons
    assert sum(isinstance(r, CachedImage) for r in results.values()) >= 1


# --------------------------------------------------------------------------- pixels, files


def test_too_many_pixels_are_refused_before_decoding(server: Server, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buffer, format="PNG")  # 10 KB on the wire
    server.routes["/huge.png"] = serve(buffer.getvalue())
    failure = expect_failure(fetch_one(ImageStore(tmp_path, FAST), server.url("/huge.png")))
    assert failure.reason == (
        "too many pixels: 9000x9000 is 81.0 megapixels decoded (the limit is 40)"
    )
    assert not (tmp_path / "index.json").exists()
    assert (
        expect_image(
            fetch_one(
                ImageStore(tmp_path / "b", local(max_pixels=9000 * 9000)), server.url("/huge.png")
            )
        ).width
        == 9000
    )


def test_blobs_and_index_are_readable_by_all(server: Server, tmp_path: Path) -> None:
    server.routes["/p.png"] = serve(PNG)
    image = expect_image(fetch_one(ImageStore(tmp_path, FAST), server.url("/p.png")))
    assert stat.S_IMODE(image.path.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "index.json").stat().st_mode) == 0o644


@pytest.mark.parametrize(
    "bad",
    [
        {"filename": "x", "sha256": "0", "width": 1, "height": 1, "media_type": "image/png"},
        {"width": "wide"},
        None,
        "yesterday",
        [1, 2],
    ],
)
def test_a_malformed_index_entry_is_dropped_with_a_warning(
    server: Server, tmp_path: Path, caplog: pytest.LogCaptureFixture, bad: object
) -> None:
    server.routes["/good.png"] = serve(PNG)
    good = expect_image(fetch_one(ImageStore(tmp_path, FAST), server.url("/good.png")))
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    index["images"]["https://example.com/bad.png"] = bad
    (tmp_path / "index.json").write_text(json.dumps(index), encoding="utf-8")
    with caplog.at_level("WARNING"):
        store = ImageStore(tmp_path, local(offline=True))
    assert store.lookup(server.url("/good.png")) == good
    assert store.lookup("https://example.com/bad.png") is None
    [record] = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert "1 malformed entry dropped: 'https://example.com/bad.png'" in record.getMessage()


_FETCH_SCRIPT = """
import sys
from pathlib import Path
from cleanguide.images import FetchPolicy, ImageStore
store = ImageStore(Path(sys.argv[1]), FetchPolicy(allow_loopback=True, concurrency=2))
store.fetch_all(sys.argv[2:])
"""


def test_a_killed_fetch_keeps_every_image_that_landed(server: Server, tmp_path: Path) -> None:
    release = threading.Event()

    def stalls(request: BaseHTTPRequestHandler) -> None:
        if not release.is_set():
            release.wait(30)
        send(request, make_image("PNG", (7, 7), "red"))

    quick = [server.url(f"/q{n}.png") for n in range(3)]
    stalled = [server.url(f"/h{n}.png") for n in range(2)]
    for n in range(3):
        server.routes[f"/q{n}.png"] = serve(make_image("PNG", (n + 2, 3)))
    for n in range(2):
        server.routes[f"/h{n}.png"] = stalls
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "scripts")}
    proc = subprocess.Popen(
        [sys.executable, "-c", _FETCH_SCRIPT, str(cache), *quick, *stalled], env=env
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            index = cache / "index.json"
            if index.is_file() and len(json.loads(index.read_text("utf-8"))["images"]) == 3:
                break
            time.sleep(0.05)
        proc.kill()  # a CI timeout, half-way through
        proc.wait()
    finally:
        release.set()
    index = json.loads((cache / "index.json").read_text("utf-8"))["images"]
    assert sorted(index) == sorted(quick)
    assert all((cache / entry["filename"]).is_file() for entry in index.values())
    hits_before = Counter(server.hits)
    results = ImageStore(cache, FAST).fetch_all([*stalled, *quick])
    assert all(isinstance(r, CachedImage) for r in results.values()), results
    fetched_again = {p: n - hits_before[p] for p, n in server.hits.items() if n > hits_before[p]}
    assert fetched_again == {"/h0.png": 1, "/h1.png": 1}
