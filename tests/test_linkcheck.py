"""cleanguide.linkcheck: tiny sites written to tmp_path, and a 127.0.0.1 HTTP server."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cleanguide.cli import main
from cleanguide.linkcheck import BrokenLink, ExternalOptions, check_site, check_site_report
from webtools import trickle

FAST = ExternalOptions(
    timeout=2.0, retries=2, backoff=0.01, max_wait=0.05, min_interval=0.0, allow_loopback=True
)
"""Quick retries; the test servers on 127.0.0.1 admitted (no other private address is)."""


def page(body: str, head: str = "") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def write(root: Path, rel: str, text: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A clean site laid out like a MkDocs Material build with directory URLs."""
    root = tmp_path / "site"
    head = (
        '<link rel="stylesheet" href="{up}assets/main.css">'
        '<link rel="icon" href="{up}assets/favicon.png">'
        '<link rel="preconnect" href="https://fonts.gstatic.com">'
        '<script src="{up}assets/bundle.js"></script>'
    )
    write(
        root,
        "index.html",
        page(
            '<h1 id="home">Home</h1><a href=".">home</a> <a href="guides/setup/">setup</a>'
            ' <a href="guides/setup/#step-2">step 2</a> <a href="#home">top</a>'
            ' <a href="guides/setup/index.html#step-1">step 1</a> <a href="#">here</a>'
            ' <a href="mailto:me@example.org">mail</a> <a href="tel:+123">call</a>'
            ' <img src="data:image/png;base64,AAAA" alt="">'
            ' <img src="img/shot.png" srcset="img/shot.png 1x, img/shot@2x.png 2x" alt="">'
            ' <picture><source srcset="img/shot.png" type="image/png"></picture>'
            ' <video><source src="img/clip.mp4"></video>'
            ' <a href="search/search_index.json">index</a> <a href="sitemap.xml">map</a>'
            ' <a name="legacy"></a><a href="#legacy">legacy</a>',
            head.format(up=""),
        ),
    )
    write(
        root,
        "guides/setup/index.html",
        page(
            '<h2 id="step-1">Step 1</h2><h2 id="step-2">Step 2</h2>'
            '<a href="../../">home</a> <a href="../../#home">home anchor</a>'
            ' <a href="../../img/shot.png?v=3">shot</a> <a href="#step-1">again</a>',
            head.format(up="../../"),
        ),
    )
    write(root, "404.html", page('<a href="/">home</a>', head.format(up="/")))
    for rel in ("assets/main.css", "assets/bundle.js", "sitemap.xml", "search/search_index.json"):
        write(root, rel, "x")
    for rel in ("assets/favicon.png", "img/shot.png", "img/shot@2x.png", "img/clip.mp4"):
        write(root, rel, b"\x89PNG")
    return root


def broken_targets(found: list[BrokenLink]) -> set[tuple[str, str, str]]:
    return {(b.page, b.kind, b.target) for b in found}


# --------------------------------------------------------------------------- offline


def test_clean_site_passes(site: Path) -> None:
    assert check_site(site) == []


def test_missing_page_names_page_and_target(site: Path) -> None:
    write(site, "guides/other.html", page('<a href="../guides/nope/">gone</a>'))
    [broken] = check_site(site)
    assert broken.page == "guides/other.html"
    assert broken.target == "../guides/nope/"
    assert broken.kind == "link"
    assert "guides/nope/index.html" in broken.reason


def test_missing_image(site: Path) -> None:
    write(site, "a.html", page('<img src="img/missing.png" alt=""><img srcset="img/x2.png 2x">'))
    assert broken_targets(check_site(site)) == {
        ("a.html", "image", "img/missing.png"),
        ("a.html", "image", "img/x2.png"),
    }


def test_missing_stylesheet_and_script(site: Path) -> None:
    head = '<link rel="stylesheet" href="gone.css"><script src="gone.js"></script>'
    write(site, "a.html", page("", head))
    assert broken_targets(check_site(site)) == {
        ("a.html", "stylesheet", "gone.css"),
        ("a.html", "script", "gone.js"),
    }


def test_broken_cross_page_anchor(site: Path) -> None:
    write(site, "a.html", page('<a href="guides/setup/#step-9">nine</a>'))
    [broken] = check_site(site)
    assert (broken.page, broken.kind, broken.target) == ("a.html", "anchor", "guides/setup/#step-9")
    assert "step-9" in broken.reason and "guides/setup/index.html" in broken.reason


def test_broken_same_page_anchor(site: Path) -> None:
    write(site, "a.html", page('<h2 id="real">x</h2><a href="#real">ok</a><a href="#fake">no</a>'))
    assert broken_targets(check_site(site)) == {("a.html", "anchor", "#fake")}


def test_anchor_top_and_text_fragments_are_fine(site: Path) -> None:
    write(site, "a.html", page('<a href="#top">top</a><a href="index.html#:~:text=Home">t</a>'))
    assert check_site(site) == []


def test_escape_from_site_root_is_broken(site: Path) -> None:
    (site.parent / "outside.html").write_text(page("outside"), encoding="utf-8")
    write(site, "guides/a.html", page('<a href="../../outside.html">out</a>'))
    [broken] = check_site(site)
    assert (broken.page, broken.target) == ("guides/a.html", "../../outside.html")
    assert "escapes" in broken.reason


def test_javascript_link_is_broken(site: Path) -> None:
    write(site, "a.html", page('<a href="javascript:void(0)">js</a>'))
    [broken] = check_site(site)
    assert (broken.page, broken.target, broken.reason) == (
        "a.html",
        "javascript:void(0)",
        "javascript: URL",
    )


def test_malformed_url_is_broken(site: Path) -> None:
    write(site, "a.html", page('<a href="http://[::1/x">bad</a>'))
    [broken] = check_site(site)
    assert (broken.page, broken.target) == ("a.html", "http://[::1/x")
    assert broken.reason.startswith("malformed URL")


def test_directory_urls_resolve_to_index_html(site: Path) -> None:
    write(site, "guides/empty/readme.txt", "no index here")
    write(
        site,
        "a.html",
        page('<a href="guides/setup">no slash</a><a href="guides/setup/">slash</a>'
             '<a href="./">here</a><a href="guides/empty/">empty</a>'),
    )  # fmt: skip
    [broken] = check_site(site)
    assert broken.target == "guides/empty/"
    assert "no index.html" in broken.reason


def test_percent_encoded_names(site: Path) -> None:
    write(site, "img/my shot é.png", b"\x89PNG")
    write(site, "café/index.html", page('<h2 id="né">x</h2>'))
    write(
        site,
        "a.html",
        page('<img src="img/my%20shot%20%C3%A9.png" alt=""><a href="caf%C3%A9/#n%C3%A9">c</a>'
             '<img src="img/my%20shot.png" alt="">'),
    )  # fmt: skip
    assert broken_targets(check_site(site)) == {("a.html", "image", "img/my%20shot.png")}


def test_query_strings_are_ignored_for_files(site: Path) -> None:
    write(site, "a.html", page('<a href="index.html?utm=1#home">q</a>'))
    assert check_site(site) == []


def test_root_relative_links_use_the_canonical_base_path(site: Path) -> None:
    canonical = '<link rel="canonical" href="https://owner.github.io/repo/">'
    write(
        site,
        "index.html",
        page('<p id="home"><a href="/repo/guides/setup/#step-1">s</a>', canonical),
    )
    write(
        site,
        "404.html",
        page('<a href="/repo/">home</a><a href="/repo/nope/">nope</a><a href="/other/">o</a>'
             '<a href="https://owner.github.io/repo/guides/setup/#step-3">abs</a>'),
    )  # fmt: skip
    assert broken_targets(check_site(site)) == {
        ("404.html", "link", "/repo/nope/"),
        ("404.html", "link", "/other/"),
        ("404.html", "anchor", "https://owner.github.io/repo/guides/setup/#step-3"),
    }


def test_ignore_regex_skips_internal_targets(site: Path) -> None:
    write(site, "a.html", page('<a href="drafts/x/">draft</a>'))
    assert check_site(site, ignore=[r"^drafts/"]) == []


def test_external_links_are_not_checked_offline(site: Path) -> None:
    write(site, "a.html", page('<a href="http://127.0.0.1:9/never">x</a>'))
    assert check_site(site) == []


@pytest.mark.slow
def test_real_mkdocs_material_build_passes(tmp_path: Path) -> None:
    """A real Material build (search index, sitemap, 404 page, assets) checks clean."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    docs = tmp_path / "docs"
    write(docs, "index.md", "# Home\n\nSee [setup](guides/setup.md#step-two).\n\n## Intro\n")
    write(docs, "guides/setup.md", "# Setup\n\n## Step two\n\n[home](../index.md#intro)\n")
    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text(
        "site_name: T\nsite_url: https://owner.github.io/repo/\n"
        "theme:\n  name: material\nplugins: [search]\n",
        encoding="utf-8",
    )
    build(load_config(str(config_file), site_dir=str(tmp_path / "site")))
    assert (tmp_path / "site/search/search_index.json").is_file()
    assert check_site(tmp_path / "site") == []
    write(tmp_path / "site", "bad.html", page('<a href="guides/setup/#nope">x</a>'))
    assert broken_targets(check_site(tmp_path / "site")) == {
        ("bad.html", "anchor", "guides/setup/#nope")
    }


# --------------------------------------------------------------------------- CLI


def test_main_exit_codes(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-links", str(site)]) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1].startswith("checked 3 pages, ")
    assert out.strip().endswith(": 0 broken")

    write(site, "a.html", page('<a href="gone.html">x</a>'))
    assert main(["check-links", str(site)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "a.html: link gone.html (no file gone.html)"
    assert lines[-1].startswith("checked 4 pages, ") and lines[-1].endswith(": 1 broken")

    assert main(["check-links", str(site), "--ignore", "^gone"]) == 0


def test_main_missing_site_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-links", str(tmp_path / "nope")]) == 2
    assert "no site folder" in capsys.readouterr().err


def test_main_bad_regex_is_a_usage_error(site: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check-links", str(site), "--ignore", "("])
    assert exc.value.code == 2


# --------------------------------------------------------------------------- external


class _Server:
    """Counts requests per path and answers by a small script per path."""

    def __init__(self) -> None:
        self.hits: list[tuple[float, str, str]] = []
        self.lock = threading.Lock()
        self.raw: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {}
        """Path -> a handler writing the whole response itself."""
        self.headers: dict[str, dict[str, str]] = {}
        """Path -> more headers for its answer."""
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_HEAD(self) -> None:
                self._answer()

            def do_GET(self) -> None:
                self._answer()

            def _answer(self) -> None:
                with outer.lock:
                    outer.hits.append((time.monotonic(), self.command, self.path))
                    n = sum(1 for _, _, p in outer.hits if p == self.path)
                if self.path in outer.raw:
                    outer.raw[self.path](self)
                    return
                status = outer.status(self.path, self.command, n)
                if status == 0:
                    time.sleep(1.0)
                    status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                for name, value in outer.headers.get(self.path, {}).items():
                    self.send_header(name, value)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @staticmethod
    def status(path: str, method: str, n: int) -> int:
        if path.startswith("/ok"):
            return 200
        if path.startswith("/redirect"):
            return 302
        if path.startswith("/busy"):
            return 429
        if path == "/flaky":
            return 503 if n <= 2 else 200
        if path == "/no-head":
            return 405 if method == "HEAD" else 200
        if path == "/slow":
            return 0
        return 404

    def count(self, path: str) -> int:
        with self.lock:
            return sum(1 for _, _, p in self.hits if p == path)


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def ext_site(root: Path, base: str, *paths: str) -> Path:
    links = "".join(f'<a href="{base}{p}">{p}</a>' for p in paths)
    write(root, "index.html", page(links))
    return root


@pytest.mark.slow
def test_external_ok_and_404(tmp_path: Path, server: _Server) -> None:
    site = ext_site(tmp_path / "s", server.base, "/ok", "/missing#frag")
    found = check_site(site, external=True, options=FAST)
    assert broken_targets(found) == {("index.html", "link", f"{server.base}/missing#frag")}
    assert found[0].reason == "HTTP 404"
    assert server.count("/ok") == 1  # HEAD succeeded: no GET


@pytest.mark.slow
def test_external_head_refused_falls_back_to_get(tmp_path: Path, server: _Server) -> None:
    site = ext_site(tmp_path / "s", server.base, "/no-head")
    assert check_site(site, external=True, options=FAST) == []
    assert [m for _, m, p in server.hits if p == "/no-head"] == ["HEAD", "GET"]


@pytest.mark.slow
def test_external_503_then_200_is_retried(tmp_path: Path, server: _Server) -> None:
    site = ext_site(tmp_path / "s", server.base, "/flaky")
    assert check_site(site, external=True, options=FAST) == []
    assert server.count("/flaky") == 3  # HEAD 503, GET 503, backoff, GET 200


@pytest.mark.slow
def test_external_retries_give_up(tmp_path: Path, server: _Server) -> None:
    site = ext_site(tmp_path / "s", server.base, "/flaky")
    options = ExternalOptions(
        timeout=2.0, retries=0, backoff=0.01, min_interval=0.0, allow_loopback=True
    )
    [broken] = check_site(site, external=True, options=options)
    assert broken.reason == "HTTP 503"


@pytest.mark.slow
def test_external_timeout_is_broken(tmp_path: Path, server: _Server) -> None:
    site = ext_site(tmp_path / "s", server.base, "/slow")
    options = ExternalOptions(
        timeout=0.2, retries=1, backoff=0.01, min_interval=0.0, allow_loopback=True
    )
    [broken] = check_site(site, external=True, options=options)
    assert broken.reason == "timed out after 0.2s (2 attempts)"
    assert server.count("/slow") >= 2


@pytest.mark.slow
def test_external_ignore_list_skips(tmp_path: Path, server: _Server) -> None:
    site = ext_site(tmp_path / "s", server.base, "/missing", "/ok")
    assert check_site(site, external=True, ignore=[r"/missing$"], options=FAST) == []
    assert server.count("/missing") == 0


@pytest.mark.slow
def test_external_cache_avoids_second_request(tmp_path: Path, server: _Server) -> None:
    site = ext_site(tmp_path / "s", server.base, "/ok", "/missing")
    cache = tmp_path / "cache" / "links.json"
    first = check_site(site, external=True, cache_path=cache, options=FAST)
    hits = len(server.hits)
    second = check_site(site, external=True, cache_path=cache, options=FAST)
    assert first == second and len(first) == 1
    assert len(server.hits) == hits  # answered from the cache
    data = json.loads(cache.read_text(encoding="utf-8"))
    assert data["urls"][f"{server.base}/ok"]["ok"] is True

    check_site(site, external=True, cache_path=cache, cache_max_age=0.0, options=FAST)
    assert len(server.hits) > hits  # expired entries are fetched again


@pytest.mark.slow
def test_external_rate_limit_spaces_requests_to_one_host(tmp_path: Path, server: _Server) -> None:
    interval = 0.2
    site = ext_site(tmp_path / "s", server.base, "/ok1", "/ok2", "/ok3", "/no-head")
    options = ExternalOptions(
        timeout=2.0, retries=0, min_interval=interval, workers=4, allow_loopback=True
    )
    assert check_site(site, external=True, options=options) == []
    times = sorted(t for t, _, _ in server.hits)
    assert len(times) == 5
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= interval * 0.8  # loosely: server-side timestamps jitter


@pytest.mark.slow
def test_main_external_with_cache(
    tmp_path: Path, server: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    site = ext_site(tmp_path / "s", server.base, "/ok", "/missing")
    cache = tmp_path / "c.json"
    argv = [
        "check-links",
        str(site),
        "--external",
        "--cache",
        str(cache),
        "--min-interval",
        "0",
        "--retries",
        "0",
    ]
    argv.append("--allow-loopback")
    assert main(argv) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"index.html: link {server.base}/missing (HTTP 404)"
    assert out[-1] == "checked 1 pages, 2 links: 1 broken"
    assert main([*argv, "--ignore", "missing"]) == 0


@pytest.mark.slow
def test_external_headers_trickled_are_broken_not_ok(tmp_path: Path, server: _Server) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Filler: " + b"x" * 100 + b"\r\n\r\n"
    server.raw["/trickle"] = trickle(head)
    site = ext_site(tmp_path / "s", server.base, "/trickle")
    options = ExternalOptions(timeout=0.5, retries=0, min_interval=0.0, allow_loopback=True)
    started = time.monotonic()
    [broken] = check_site(site, external=True, options=options)
    assert broken.reason == "timed out after 0.5s"
    assert time.monotonic() - started < 2.0


@pytest.mark.slow
def test_external_redirect_loop_is_described(tmp_path: Path, server: _Server) -> None:
    server.headers["/redirect-a"] = {"Location": "/redirect-b"}
    server.headers["/redirect-b"] = {"Location": f"{server.base}/redirect-a"}
    site = ext_site(tmp_path / "s", server.base, "/redirect-a")
    [broken] = check_site(site, external=True, options=FAST)
    a, b = f"{server.base}/redirect-a", f"{server.base}/redirect-b"
    assert broken.reason == f"redirect loop after 2 hops: {a} -> {b} -> {a}"


@pytest.mark.slow
@pytest.mark.parametrize(
    "location",
    ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[fd00::1]/"],
)
def test_external_redirect_to_a_private_address_is_refused(
    tmp_path: Path, server: _Server, loopback_only: list[object], location: str
) -> None:
    server.headers["/redirect-private"] = {"Location": location}
    site = ext_site(tmp_path / "s", server.base, "/redirect-private")
    [broken] = check_site(site, external=True, options=FAST)
    assert broken.reason.startswith("refused: ") and " address (" in broken.reason
    assert loopback_only == []  # refused before any connect
    assert server.count("/redirect-private") == 1  # HEAD only: the refusal is final


@pytest.mark.slow
def test_external_long_retry_after_is_not_checked_and_spares_the_host(
    tmp_path: Path, server: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    server.headers["/busy"] = {"Retry-After": "3600"}
    site = ext_site(tmp_path / "s", server.base, "/busy", "/ok-later")
    started = time.monotonic()
    argv = ["check-links", str(site), "--external", "--min-interval", "0", "--allow-loopback"]
    assert main(argv) == 0  # nothing broken: two URLs not checked
    assert time.monotonic() - started < 1.5
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"not checked: {server.base}/busy (HTTP 429: the host asks to wait 3600 s (more than 30 s))",
        f"not checked: {server.base}/ok-later (not requested: the host asked to wait 3600 s "
        "(more than 30 s))",
        "checked 1 pages, 2 links: 0 broken; 2 external URL(s) not checked",
    ]
    assert [p for _, _, p in server.hits] == ["/busy"]


@pytest.mark.slow
def test_external_run_deadline_reports_what_was_not_checked(
    tmp_path: Path, server: _Server
) -> None:
    site = ext_site(tmp_path / "s", server.base, "/slow", "/ok1", "/ok2")
    options = ExternalOptions(
        timeout=5.0, retries=0, min_interval=0.0, run_seconds=0.4, allow_loopback=True
    )
    started = time.monotonic()
    report = check_site_report(site, external=True, options=options)
    assert time.monotonic() - started < 1.5
    assert report.broken == []
    assert report.unchecked == [
        (f"{server.base}{p}", "not checked: the run's deadline of 0.4 s passed")
        for p in ("/ok1", "/ok2", "/slow")
    ]


@pytest.mark.slow
@pytest.mark.parametrize("bad", ["yesterday", None, True, [], "x"])
def test_external_malformed_cache_entries_are_dropped_with_a_warning(
    tmp_path: Path, server: _Server, caplog: pytest.LogCaptureFixture, bad: object
) -> None:
    site = ext_site(tmp_path / "s", server.base, "/ok", "/missing")
    cache = tmp_path / "links.json"
    check_site(site, external=True, cache_path=cache, options=FAST)
    data = json.loads(cache.read_text(encoding="utf-8"))
    if bad == "x":
        data["urls"][f"{server.base}/ok"] = "x"
    else:
        data["urls"][f"{server.base}/ok"]["checked"] = bad
    cache.write_text(json.dumps(data), encoding="utf-8")
    hits = server.count("/ok")
    with caplog.at_level("WARNING"):
        found = check_site(site, external=True, cache_path=cache, options=FAST)
    assert [b.target for b in found] == [f"{server.base}/missing"]
    assert server.count("/ok") == hits + 1  # the bad entry was dropped and checked again
    assert server.count("/missing") == 2  # (HEAD and GET the first time; cached since)
    assert any("1 malformed entry dropped" in r.getMessage() for r in caplog.records)
